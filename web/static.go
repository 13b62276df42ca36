package web

import (
	"net/http"

	"github.com/gorilla/mux"
)

// staticURL is the versioned URL of an embedded asset; the version changes
// with its content, so it can be cached for long.
func (h *Handler) staticURL(name string) string {
	return h.static.URL(h.links.Base()+"/static/", name)
}

// Static serves GET /static/{file}; a URL without the current version
// is cached like a page.
func (h *Handler) Static(w http.ResponseWriter, r *http.Request) {
	h.static.Serve(w, r, mux.Vars(r)["file"], pageCacheControl)
}
