package server

import (
	"net/http"
	"strings"

	"github.com/lyssna/lyssna/links"
)

// addSlash answers GET and HEAD /{show} and /{show}/{episode} with a 301 to
// the same path with a trailing slash, where the pages live, keeping the
// query. A reserved first segment (favicon.ico, robots.txt, ...) is a 404:
// no show can have that slug.
func (h *handler) addSlash(w http.ResponseWriter, r *http.Request) {
	if first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); links.IsReserved(first) {
		h.notFound(w, r)
		return
	}
	u := *r.URL
	u.Path += "/"
	u.RawPath = ""
	if r.URL.RawPath != "" {
		u.RawPath = r.URL.RawPath + "/"
	}
	http.Redirect(w, r, u.RequestURI(), http.StatusMovedPermanently)
}
