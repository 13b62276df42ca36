package web

import (
	"net/http"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/web/kit"
)

// homePage is the data of the site's home page: every show, so that the
// error pages' Home link and the bare host name lead somewhere real.
type homePage struct {
	head
	Shows []homeShow
}

type homeShow struct {
	Title, URL, Summary, Image, Srcset string
}

// Home serves GET /: the shows, by title.
func (h *Handler) Home(w http.ResponseWriter, r *http.Request) {
	shows, err := h.store.ListShows(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := homePage{head: h.baseHead()}
	p.Title = "Podcasts"
	p.Canonical = h.links.Base() + "/"
	p.OGType = "website"
	for _, s := range shows {
		if s.Visibility != episodes.VisibilityPublic {
			continue // unlisted and private shows are in no listing
		}
		hs := homeShow{Title: s.Title, URL: h.links.ShowPage(s.Slug), Summary: kit.Clip(s.Description, 200)}
		if s.ImageKey != "" {
			hs.Image, hs.Srcset = h.links.ShowImage(s), h.links.ShowImageSrcset(s)
		}
		p.Shows = append(p.Shows, hs)
	}
	h.render(w, r, http.StatusOK, "home.html", p)
}

// NotFound answers a path no route matches with the friendly 404 page.
func (h *Handler) NotFound(w http.ResponseWriter, r *http.Request) {
	h.notFound(w, r, nil)
}
