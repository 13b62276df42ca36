package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestAPIWritesRefreshTheFeed shows API writes reaching the feed at once:
// the injected clock stands still, so the feed cache's periodic version
// check never runs and only the handlers' invalidation can explain it.
func TestAPIWritesRefreshTheFeed(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	feed := func() string {
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/s/feed.xml", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("feed: %d %s", rec.Code, rec.Body.String())
		}
		return rec.Body.String()
	}
	if strings.Contains(feed(), "<item>") {
		t.Fatal("items in the feed of an empty show")
	}
	e := a.createEpisode("s", map[string]any{"title": "First light"})
	a.giveAudio("s", e.ID)
	want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/first-light/publish", nil), http.StatusOK, nil)
	if !strings.Contains(feed(), "First light") {
		t.Error("a published episode is missing from the feed")
	}
	want(t, a.json(http.MethodPatch, "/api/v1/shows/s/episodes/first-light", `{"title": "Renamed"}`), http.StatusOK, nil)
	if body := feed(); !strings.Contains(body, "Renamed") || strings.Contains(body, "First light") {
		t.Error("the feed still has the old title")
	}
	want(t, a.json(http.MethodPatch, "/api/v1/shows/s", `{"title": "New show title"}`), http.StatusOK, nil)
	if !strings.Contains(feed(), "New show title") {
		t.Error("the feed still has the old show title")
	}
	want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/first-light/unpublish", nil), http.StatusOK, nil)
	if strings.Contains(feed(), "<item>") {
		t.Error("an unpublished episode is still in the feed")
	}
}

// BenchmarkAPI measures API calls through the whole handler (auth, JSON,
// store) on SQLite, reporting requests per second.
func BenchmarkAPI(b *testing.B) {
	a := newAPIEnv(b, "")
	a.createShow("s")
	for i := range 200 {
		a.createEpisode("s", map[string]any{"title": fmt.Sprintf("Episode %d", i), "takeaways": []string{"one", "two"},
			"chapters": []map[string]any{{"start_ms": 0, "title": "Intro"}}})
	}
	run := func(name string, fn func(i int) *httptest.ResponseRecorder, status int) {
		b.Run(name, func(b *testing.B) {
			a.t = b
			start := time.Now()
			for i := 0; b.Loop(); i++ {
				if rec := fn(i); rec.Code != status {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
	run("get", func(int) *httptest.ResponseRecorder {
		return a.do(http.MethodGet, "/api/v1/shows/s/episodes/episode-7", "", nil)
	}, http.StatusOK)
	run("list-20", func(int) *httptest.ResponseRecorder {
		return a.do(http.MethodGet, "/api/v1/shows/s/episodes", "", nil)
	}, http.StatusOK)
	run("patch", func(i int) *httptest.ResponseRecorder {
		return a.json(http.MethodPatch, "/api/v1/shows/s/episodes/episode-7", fmt.Sprintf(`{"notes": "rev %d"}`, i))
	}, http.StatusOK)
	run("create", func(i int) *httptest.ResponseRecorder {
		return a.json(http.MethodPost, "/api/v1/shows/s/episodes", `{"title": "Bench"}`)
	}, http.StatusCreated)
}
