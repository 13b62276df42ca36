package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRequestIDs(t *testing.T) {
	h := serve(t, firstOf(realDeps(t)))
	seen := map[string]bool{}
	for range 1000 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		id := rec.Header().Get("X-Request-Id")
		if !validRequestID(id) || seen[id] {
			t.Fatalf("request ID %q: invalid or repeated", id)
		}
		seen[id] = true
	}
	// Another process (another handler) starts elsewhere.
	rec := httptest.NewRecorder()
	serve(t, firstOf(realDeps(t))).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if id := rec.Header().Get("X-Request-Id"); seen[id] {
		t.Errorf("a second handler repeated request ID %q", id)
	}
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.Header.Set("X-Request-Id", "from-the-proxy.1")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if id := rec.Header().Get("X-Request-Id"); id != "from-the-proxy.1" {
		t.Errorf("X-Request-Id = %q, want the proxy's", id)
	}
}

// BenchmarkServeFeedAndMedia measures the CPU of one public request through
// the whole handler (middleware with an access log formatted to io.Discard,
// the route table, the feed cache, the bucket) on SQLite and the filesystem
// bucket: a 300-episode feed with gzip, its 304, and a 1 MiB media Range.
// The figure that counts is ns/op and allocs/op: under wrk on this machine the
// client shares the cores with the server, so CPU per request is throughput.
func BenchmarkServeFeedAndMedia(b *testing.B) {
	site := newBenchSite(b)
	h := serve(b, site.deps)
	info := site.audio

	first := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/bench/feed.xml", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	h.ServeHTTP(first, req)
	if first.Code != http.StatusOK {
		b.Fatalf("feed: status %d: %s", first.Code, first.Body)
	}
	etag := first.Header().Get("ETag")

	cases := []struct {
		name   string
		path   string
		header map[string]string
		want   int
	}{
		{"feed-gzip", "/bench/feed.xml", map[string]string{"Accept-Encoding": "gzip"}, http.StatusOK},
		{"feed-304", "/bench/feed.xml", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag}, http.StatusNotModified},
		{"media-range-1MiB", "/media/" + info.Key, map[string]string{"Range": "bytes=1048576-2097151"}, http.StatusPartialContent},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, tc.path, nil)
				for k, v := range tc.header {
					req.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != tc.want {
					b.Fatalf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
				}
			}
		})
	}
}

// TestRequestIDLeftOffSharedAnswers: the request ID goes on every answer but
// a success marked Cache-Control: public, which a shared cache would replay
// to other clients; an error keeps it, whatever its Cache-Control.
func TestRequestIDLeftOffSharedAnswers(t *testing.T) {
	for _, c := range []struct {
		cacheControl string
		status       int
		want         bool
	}{
		{"", http.StatusOK, true},
		{"no-store", http.StatusOK, true},
		{"private, max-age=60", http.StatusOK, true},
		{"max-age=60, publicity", http.StatusOK, true},
		{"public, max-age=60", http.StatusOK, false},
		{"max-age=60, Public", http.StatusNotModified, false},
		{"public, max-age=60", http.StatusNotFound, true},
		{"public", http.StatusInternalServerError, true},
	} {
		for _, write := range []bool{false, true} {
			rec := httptest.NewRecorder()
			rw := &recorder{ResponseWriter: rec, id: []string{"id-1"}}
			if c.cacheControl != "" {
				rw.Header().Set("Cache-Control", c.cacheControl)
			}
			if write && c.status == http.StatusOK {
				_, _ = rw.Write([]byte("x"))
			} else {
				rw.WriteHeader(http.StatusEarlyHints) // a 1xx does not decide
				rw.WriteHeader(c.status)
			}
			if got := rec.Header().Get("X-Request-Id") == "id-1"; got != c.want {
				t.Errorf("Cache-Control %q, %d: X-Request-Id sent %v, want %v", c.cacheControl, c.status, got, c.want)
			}
		}
	}

	e := newE2E(t, newFilesystemBucket(t), nil)
	ep := e.publishSample("lab", "cbr.mp3")
	for _, c := range []struct {
		url  string
		want bool
	}{
		{e.base + "/lab/feed.xml", false},
		{e.base + "/lab/" + ep.Slug + "/", false},
		{ep.Audio.URL, false},
		{e.base + "/no-such-show/feed.xml", true},
		{e.base + "/healthz", true},
	} {
		res, _ := e.do(http.MethodGet, c.url, nil, nil)
		if got := res.Header.Get("X-Request-Id") != ""; got != c.want {
			t.Errorf("GET %s: %d, X-Request-Id %q, want one: %v", c.url, res.StatusCode, res.Header.Get("X-Request-Id"), c.want)
		}
	}
}
