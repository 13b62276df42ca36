package server

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// The hot routes are the public GETs that most requests are: a podcast
// app's poll of /{show}/feed.xml and a spike of listeners on a show or
// episode page. They are routes of the table (routes.go) like any other;
// hot answers them first, from the feed and page caches, so that a cached
// answer skips gorilla/mux's walk of the regexp routes above them (API,
// producer UI, media, static files) and its two copies of the request, and
// the middleware's own copy for its context (see accessLog). What hot does
// not answer, and every other request, goes through the middleware to the
// table, which answers it as if hot were not there;
// TestHotRoutesAnswerAsTheTable compares the two.
const (
	feedRoute        = "/{show}/feed.xml"
	showPageRoute    = "/{show}/"
	episodePageRoute = "/{show}/{episode}/"
)

// hotPath answers r from a cache when it can and returns the route of the
// table it answered for; it returns "" and writes nothing when it cannot.
// It runs with the request as the server made it, whose context is not the
// exchange's.
type hotPath func(w http.ResponseWriter, r *http.Request) (route string)

// hot is the hot path: a GET or HEAD of a feed the feed cache holds current
// (Cache.Cached: no query, no Range), and the show and episode pages the
// page cache holds (already encoded, so they skip compress). A path whose
// first segment is the literal first segment of any route in the table
// (/api, /admin, /media...) is never taken for a show, nor is a path the
// table would first redirect to its clean form.
func (h *handler) hot() hotPath {
	reserved := literalFirstSegments(h.router)
	return func(w http.ResponseWriter, r *http.Request) string {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return ""
		}
		route := hotRoute(r.URL.Path, reserved)
		switch route {
		case feedRoute:
			show, _, _ := strings.Cut(r.URL.Path[1:], "/")
			f, ok := h.Feeds.Cached(r, show)
			if !ok {
				return ""
			}
			allowAnyOrigin(w.Header()) // as publicCORS does on the table's route
			f.Serve(w, r)
		case showPageRoute:
			if !h.Pages.CachedShowPage(w, r) {
				return ""
			}
		case episodePageRoute:
			if !h.Pages.CachedEpisodePage(w, r) {
				return ""
			}
		default:
			return ""
		}
		return route
	}
}

// hotRoute is the hot route p has the shape of ("" for none): /{show}/feed.xml,
// /{show}/ or /{show}/{episode}/, where {show} is not in reserved and p is
// clean (gorilla/mux redirects an unclean path, "//x/" or "/x/./", first).
func hotRoute(p string, reserved map[string]bool) string {
	if reserved == nil || len(p) < 3 || p[0] != '/' {
		return ""
	}
	// With every segment non-empty, p is clean (as mux's cleanPath, which
	// is path.Clean keeping a trailing slash, has it) unless a segment is
	// "." or "..".
	show, rest, ok := strings.Cut(p[1:], "/")
	if !ok || show == "" || dots(show) || reserved[show] {
		return ""
	}
	switch {
	case rest == "":
		return showPageRoute
	case rest == "feed.xml":
		return feedRoute
	}
	episode, tail, ok := strings.Cut(rest, "/")
	if !ok || episode == "" || dots(episode) || tail != "" {
		return ""
	}
	return episodePageRoute
}

// dots reports whether a path segment is "." or "..".
func dots(seg string) bool { return seg == "." || seg == ".." }

// literalFirstSegments are the first path segments that routes of the table
// spell out ("api" of /api/v1/me, "media" of /media/{key:.+}); nil, which
// turns hot off, when a route has no path template (it might match any path).
func literalFirstSegments(table *mux.Router) map[string]bool {
	segs := map[string]bool{}
	err := table.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil {
			return err
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(tpl, "/"), "/")
		if !strings.HasPrefix(first, "{") {
			segs[first] = true
		}
		return nil
	})
	if err != nil {
		return nil
	}
	return segs
}
