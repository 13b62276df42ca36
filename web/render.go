package web

import (
	"net/http"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/episodes"
)

// pageCacheControl lets browsers and CDNs keep a page briefly: a scheduled
// episode appears at most this late.
const pageCacheControl = "public, max-age=60"

// contentSecurityPolicy allows only Lyssna's own script and style; media and
// artwork may be redirected to a bucket elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"media-src 'self' https:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// render sends a page through the kit: built in a buffer, with an ETag
// and pageCacheControl for a 200 (304 when the client has it), no-store
// otherwise.
//
// A page that depends on who asks (access.Personal: a grant, a signed URL,
// a listener key) is sent no-store, never shared by a cache.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	cc := pageCacheControl
	if access.Personal(r) {
		cc = ""
	}
	h.pages.Render(w, r, status, page, data, cc)
}

// serverError logs err once and answers 500.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	h.pages.ServerError(w, r, err)
}

// errorPage is the data of the friendly error page.
type errorPage struct {
	head
	Heading string
	Message string
	BackURL string
	BackTo  string
}

// notFound answers 404 with a page that leads back to the show, if known.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, show *episodes.Show) {
	p := errorPage{
		head:    h.baseHead(),
		Heading: "Page not found",
		Message: "There is nothing at this address. The episode may not be published yet, or the link may be mistyped.",
		BackURL: h.links.Base() + "/",
		BackTo:  "All podcasts",
	}
	p.Title, p.Robots = "Page not found", "noindex"
	if show != nil {
		p.head = h.showHead(show)
		p.Title = "Page not found · " + show.Title
		p.Robots = "noindex"
		p.Canonical = ""
		p.JSONLD = ""
		p.OEmbedURL = ""
		p.BackURL = h.links.ShowPage(show.Slug)
		p.BackTo = "All episodes of " + show.Title
	}
	h.render(w, r, http.StatusNotFound, "error.html", p)
}

// badRequest answers 400 with a page saying what to change.
func (h *Handler) badRequest(w http.ResponseWriter, r *http.Request, show *episodes.Show, msg string) {
	p := errorPage{
		head:    h.showHead(show),
		Heading: "This address is not valid",
		Message: msg,
		BackURL: h.links.ShowPage(show.Slug),
		BackTo:  "All episodes of " + show.Title,
	}
	p.Robots, p.Canonical, p.JSONLD, p.OEmbedURL = "noindex", "", "", ""
	h.render(w, r, http.StatusBadRequest, "error.html", p)
}
