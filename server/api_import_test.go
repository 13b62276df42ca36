package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lyssna/lyssna/imports"
	"github.com/lyssna/lyssna/links"
)

// TestAPIImport queues an import of a feed served locally, runs it, and
// reads its progress: 202 with the resource, then done with the episode
// in the show; bad input is refused with the field named.
func TestAPIImport(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	mp3 := audioFixture(t, "cbr.mp3")
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>Moved show</title><language>en</language><description>From elsewhere.</description>
<item><title>First</title><guid isPermaLink="false">Old-Host-GUID-1</guid><pubDate>Tue, 03 Mar 2026 10:00:00 +0000</pubDate>
<enclosure url="http://%s/a.mp3" length="%d" type="audio/mpeg"/></item></channel></rss>`, r.Host, len(mp3))
		case "/a.mp3":
			fmt.Fprint(w, mp3)
		default:
			http.NotFound(w, r)
		}
	}))
	defer origin.Close()

	a := newAPIEnv(t, "")
	deps := withParts(t, Deps{Store: a.store, Bucket: a.bucket, Links: links.New(testBase), Now: a.clock.Now})
	im := deps.Imports
	a.h = serve(t, deps)

	var job importBody
	rec := a.json(http.MethodPost, "/api/v1/imports", map[string]string{"feed_url": origin.URL + "/feed.xml", "slug": "moved"})
	want(t, rec, http.StatusAccepted, &job)
	if job.State != imports.StateQueued || job.Show != "moved" || rec.Header().Get("Location") != fmt.Sprintf("/api/v1/imports/%d", job.ID) {
		t.Fatalf("queued import = %+v", job)
	}
	wantError(t, a.json(http.MethodPost, "/api/v1/imports", map[string]string{"feed_url": origin.URL + "/feed.xml", "slug": "moved"}), http.StatusConflict, "conflict", "slug")
	if ran, err := im.RunNext(context.Background()); !ran || err != nil {
		t.Fatalf("RunNext = %v, %v", ran, err)
	}
	want(t, a.json(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", job.ID), nil), http.StatusOK, &job)
	if job.State != imports.StateDone || job.ItemsTotal != 1 || job.ItemsDone != 1 || job.ItemsFailed != 0 || len(job.Errors) != 0 {
		t.Fatalf("finished import = %+v", job)
	}
	var ep struct {
		GUID        string `json:"guid"`
		Status      string `json:"status"`
		PublishedAt string `json:"published_at"`
	}
	want(t, a.json(http.MethodGet, "/api/v1/shows/moved/episodes/first", nil), http.StatusOK, &ep)
	if ep.GUID != "Old-Host-GUID-1" || ep.Status != "published" || ep.PublishedAt != "2026-03-03T10:00:00Z" {
		t.Errorf("imported episode = %+v", ep)
	}

	a.createShow("taken")
	wantError(t, a.json(http.MethodPost, "/api/v1/imports", map[string]string{"feed_url": origin.URL + "/feed.xml", "slug": "taken"}), http.StatusConflict, "conflict", "slug")
	wantError(t, a.json(http.MethodPost, "/api/v1/imports", map[string]string{"feed_url": "ftp://x/feed", "slug": "x"}), http.StatusBadRequest, "invalid", "feed_url")
	wantError(t, a.json(http.MethodPost, "/api/v1/imports", map[string]string{"feed_url": origin.URL + "/feed.xml", "slug": "Bad Slug"}), http.StatusBadRequest, "invalid", "slug")
	wantError(t, a.json(http.MethodGet, "/api/v1/imports/999", nil), http.StatusNotFound, "not_found", "")
}
