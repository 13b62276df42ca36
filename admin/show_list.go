package admin

import (
	"net/http"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// showListPage is the data of the list of shows.
type showListPage struct {
	page
	Shows     []showItem
	CanCreate bool
	CanImport bool
}

type showItem struct {
	Show      *episodes.Show
	AdminURL  string
	PublicURL string
	FeedURL   string
	ImageURL  string
}

func (h *Handler) showList(w http.ResponseWriter, r *http.Request, s *session) {
	shows, err := h.store.ListShows(r.Context())
	if err == nil {
		shows, err = h.accounts.VisibleShows(r.Context(), s.principal, shows)
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := showListPage{page: h.page("Shows", s), CanCreate: h.can(r.Context(), s, accounts.CreateShow, nil),
		CanImport: h.canImport(r, s)}
	p.Flash = flash(r)
	for _, sh := range shows {
		p.Shows = append(p.Shows, showItem{
			Show:      sh,
			AdminURL:  showAdminURL(sh),
			PublicURL: h.links.ShowPage(sh.Slug),
			FeedURL:   h.links.Feed(sh.Slug),
			ImageURL:  h.links.ShowImage(sh),
		})
	}
	h.render(w, r, http.StatusOK, "shows.html", p)
}

func showAdminURL(sh *episodes.Show) string { return "/admin/shows/" + sh.Slug + "/" }

func episodeAdminURL(sh *episodes.Show, e *episodes.Episode) string {
	return showAdminURL(sh) + "episodes/" + itoa(e.ID) + "/"
}
