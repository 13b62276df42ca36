package admin

import (
	"net/http"

	"github.com/gorilla/mux"
)

// staticURL is the versioned path of an embedded asset.
func (h *Handler) staticURL(name string) string {
	return h.static.URL("/admin/static/", name)
}

// serveStatic serves GET /admin/static/{file}; a URL without the current
// version must be checked with the server before each use.
func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	h.static.Serve(w, r, mux.Vars(r)["file"], "no-cache")
}
