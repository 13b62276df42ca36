package server

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// The hot routes are the public GETs that most requests are: a podcast
// app's poll of /{show}/feed.xml and a spike of listeners on a show or
// episode page. They are routes of the table (routes.go) like any other;
// hot matches them before it, by their shape, so that a cached answer skips
// gorilla/mux's walk of the regexp routes above them (API, producer UI,
// media, static files) and its two copies of the request. What hot does not
// answer, and every other request, goes to the table, which answers it as
// if hot were not there; TestHotRoutesAnswerAsTheTable compares the two.
const (
	feedRoute        = "/{show}/feed.xml"
	showPageRoute    = "/{show}/"
	episodePageRoute = "/{show}/{episode}/"
)

// hot answers the hot routes before table: the feed (whatever the feed
// cache answers: it builds a feed it does not hold) and the show and episode
// pages when the page cache holds them (already encoded, so they skip
// compress). A path whose first segment is the literal first segment of any
// route in the table (/api, /admin, /media...) is never taken for a show,
// nor is a path the table would first redirect to its clean form, nor a
// request with a listener key.
func (h *handler) hot(table http.Handler) http.Handler {
	reserved := literalFirstSegments(h.router)
	feed := compress(publicCORS(h.hotFeed))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			route := hotRoute(r.URL.Path, reserved)
			switch {
			case route == feedRoute && !strings.Contains(r.URL.RawQuery, "key"):
				noteHotRoute(r, route)
				feed.ServeHTTP(w, r)
				return
			case route == showPageRoute && h.Pages.CachedShowPage(w, r),
				route == episodePageRoute && h.Pages.CachedEpisodePage(w, r):
				noteHotRoute(r, route)
				return
			}
		}
		table.ServeHTTP(w, r)
	})
}

// hotFeed is feedGet for a request hot matched: the show is the path's
// first segment, and there is no grant.
func (h *handler) hotFeed(w http.ResponseWriter, r *http.Request) {
	show, _, _ := strings.Cut(r.URL.Path[1:], "/")
	h.serveFeed(w, r, show)
}

// noteHotRoute is noteRoute for a route hot matched.
func noteHotRoute(r *http.Request, route string) {
	if x := exchangeOf(r.Context()); x != nil {
		x.route = route
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
