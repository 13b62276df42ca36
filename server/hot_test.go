package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
)

// routeLog is a RequestObserver that keeps the route label of each request.
type routeLog struct {
	mu     sync.Mutex
	routes []string
}

func (l *routeLog) ObserveRequest(route, _ string, _ int, _ time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.routes = append(l.routes, route)
}

func (l *routeLog) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.routes[len(l.routes)-1]
}

// TestHotRoutesAnswerAsTheTable: for feeds, show and episode pages, and the
// paths that only look like them, the server with hot in front answers
// exactly as the route table alone does (status, headers, body and the
// metrics' route label), cold and with the caches warm.
func TestHotRoutesAnswerAsTheTable(t *testing.T) {
	deps, _ := realDeps(t)
	ctx := context.Background()
	now := time.Now()
	audio, err := deps.Bucket.Put(ctx, "audio/1/hot.mp3", "audio/mpeg", bytes.NewReader(bytes.Repeat([]byte{0xff, 0xfb, 0x90, 0x64}, 1024)))
	if err != nil {
		t.Fatal(err)
	}
	var slug string
	for _, s := range []struct{ slug, visibility string }{{"hot", episodes.VisibilityPublic}, {"secret", episodes.VisibilityPrivate}} {
		show := &episodes.Show{Slug: s.slug, Title: "Show " + s.slug, Description: "A *show*.", Language: "en", Author: "A. Host",
			Categories: []episodes.Category{{Category: "Education"}}, Visibility: s.visibility,
			GUID: episodes.PodcastGUID("http://lyssna.test/" + s.slug + "/feed.xml")}
		if err := deps.Store.CreateShow(ctx, show); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			ep := &episodes.Episode{ShowID: show.ID, Title: fmt.Sprintf("Episode %d", i+1), Notes: "Notes with *Markdown*.",
				Audio: &episodes.Audio{Key: audio.Key, Size: audio.Size, ContentType: "audio/mpeg", DurationMS: 60000}}
			if err := deps.Store.CreateEpisode(ctx, ep); err != nil {
				t.Fatal(err)
			}
			if _, err := deps.Store.Publish(ctx, ep.ID, now.Add(-time.Duration(3-i)*time.Hour)); err != nil {
				t.Fatal(err)
			}
			slug = ep.Slug
		}
	}
	routes := &routeLog{}
	deps.Metrics = routes
	deps = withParts(t, deps)
	hot, err := New(deps)
	if err != nil {
		t.Fatal(err)
	}
	th, err := newHandler(deps)
	if err != nil {
		t.Fatal(err)
	}
	table := th.middleware(nil, compress(th.routes()))

	type answer struct {
		route  string
		status int
		header http.Header
		body   string
	}
	ask := func(h http.Handler, method, target string, header map[string]string) answer {
		req := httptest.NewRequest(method, target, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		hdr := rec.Header().Clone()
		hdr.Del("X-Request-Id")
		return answer{routes.last(), rec.Code, hdr, rec.Body.String()}
	}
	etag := func(target string, header map[string]string) string {
		return ask(table, http.MethodGet, target, header).header.Get("Etag")
	}
	gzip := map[string]string{"Accept-Encoding": "gzip"}
	episode := "/hot/" + slug + "/"
	cases := []struct {
		method, target string
		header         map[string]string
	}{
		{"GET", "/hot/feed.xml", nil},
		{"GET", "/hot/feed.xml", gzip},
		{"HEAD", "/hot/feed.xml", gzip},
		{"GET", "/hot/feed.xml", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag("/hot/feed.xml", gzip)}},
		{"GET", "/hot/feed.xml", map[string]string{"If-Modified-Since": now.Add(time.Hour).UTC().Format(http.TimeFormat)}},
		{"GET", "/hot/feed.xml", map[string]string{"Range": "bytes=0-9"}},
		{"GET", "/hot/feed.xml?page=1", nil},
		{"GET", "/hot/feed.xml?page=x", nil},
		{"GET", "/hot/feed.xml?key=bad", nil},
		{"GET", "/hot/feed.xml?key=", nil},
		{"GET", "/secret/feed.xml", nil},
		{"GET", "/nobody/feed.xml", nil},
		{"POST", "/hot/feed.xml", nil},
		{"GET", "/hot/", nil},
		{"GET", "/hot/", gzip},
		{"HEAD", "/hot/", nil},
		{"GET", "/hot/", map[string]string{"If-None-Match": etag("/hot/", nil)}},
		{"GET", "/hot/?page=2", nil},
		{"GET", "/hot/?utm_source=post&fbclid=x", gzip},
		{"GET", "/hot/?key=bad", nil},
		{"GET", "/hot/", map[string]string{"Cookie": "a=b"}},
		{"DELETE", "/hot/", nil},
		{"GET", episode, nil},
		{"GET", episode, gzip},
		{"HEAD", episode, gzip},
		{"GET", episode, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag(episode, gzip)}},
		{"GET", episode + "?transcript=sv", nil},
		{"GET", episode + "?trk=li", nil},
		{"GET", episode, map[string]string{"Authorization": "Bearer x"}},
		{"GET", "/hot/no-such-episode/", nil},
		{"GET", "/secret/", nil},
		{"GET", "/secret/" + slug + "/", nil},
		{"GET", "/hot/feed.xml/", nil},
		// Paths the table gives other routes, or redirects first.
		{"GET", "/media/feed.xml", nil},
		{"GET", "/media/x/", nil},
		{"GET", "/static/feed.xml", nil},
		{"GET", "/api/feed.xml", nil},
		{"GET", "/admin/", nil},
		{"GET", "/p/x/", nil},
		{"GET", "/oembed/", nil},
		{"GET", "/healthz/feed.xml", nil},
		{"GET", "//hot/feed.xml", nil},
		{"GET", "/hot//feed.xml", nil},
		{"GET", "/hot/./", nil},
		{"GET", "/./feed.xml", nil},
		{"GET", "/hot/../hot/feed.xml", nil},
		{"GET", "/hot/../", nil},
		{"GET", "/../hot/", nil},
		{"GET", "/hot/.../", nil},
		{"GET", "/.hot/feed.xml", nil},
		{"GET", "/h%6Ft/feed.xml", nil},
		{"GET", "/hot%2Ffeed.xml", nil},
		{"GET", "/hot", nil},
		{"GET", "/", nil},
	}
	for _, c := range cases {
		// Cold (the table first fills the caches) and warm, both ways round.
		for round := range 2 {
			want := ask(table, c.method, c.target, c.header)
			got := ask(hot, c.method, c.target, c.header)
			if round == 1 {
				got = ask(hot, c.method, c.target, c.header)
				want = ask(table, c.method, c.target, c.header)
			}
			if got.status != want.status || got.body != want.body || got.route != want.route {
				t.Errorf("%s %s %v: hot answered %d (route %s), the table %d (route %s), bodies equal: %t",
					c.method, c.target, c.header, got.status, got.route, want.status, want.route, got.body == want.body)
			}
			for _, k := range slices.Sorted(func(yield func(string) bool) {
				for k := range want.header {
					yield(k)
				}
				for k := range got.header {
					if _, ok := want.header[k]; !ok {
						yield(k)
					}
				}
			}) {
				if g, w := strings.Join(got.header[k], ", "), strings.Join(want.header[k], ", "); g != w {
					t.Errorf("%s %s %v: %s is %q from hot, %q from the table", c.method, c.target, c.header, k, g, w)
				}
			}
		}
	}
}

// TestHotRoutesAreTheTables: hot's routes are the table's, the ones the
// table picks for paths of their shape; no path whose first segment a route
// spells out is taken for a show.
func TestHotRoutesAreTheTables(t *testing.T) {
	deps, _ := realDeps(t)
	h, err := newHandler(withParts(t, deps))
	if err != nil {
		t.Fatal(err)
	}
	table := h.routes()
	reserved := literalFirstSegments(table)
	for _, seg := range []string{"api", "admin", "media", "static", "p", "oembed", "healthz", "readyz"} {
		if !reserved[seg] {
			t.Errorf("/%s/ is not reserved", seg)
		}
	}
	for path, route := range map[string]string{
		"/a-show/feed.xml": feedRoute, "/a-show/": showPageRoute, "/a-show/an-episode/": episodePageRoute,
		"/a-show/feed.xml/": episodePageRoute, "/feed.xml/": showPageRoute,
	} {
		var match mux.RouteMatch
		if !table.Match(httptest.NewRequest(http.MethodGet, path, nil), &match) || match.Route == nil {
			t.Fatalf("the table has no route for %s", path)
		}
		if tpl, _ := match.Route.GetPathTemplate(); tpl != route {
			t.Errorf("the table routes %s to %s, hot would take it for %s", path, tpl, route)
		}
		if got := hotRoute(path, reserved); got != route {
			t.Errorf("hotRoute(%s) = %q, want %q", path, got, route)
		}
	}
	for seg := range reserved {
		for _, path := range []string{"/" + seg + "/feed.xml", "/" + seg + "/", "/" + seg + "/x/"} {
			if got := hotRoute(path, reserved); got != "" {
				t.Errorf("hotRoute(%s) = %q, want none: /%s/ is the table's", path, got, seg)
			}
		}
	}
}
