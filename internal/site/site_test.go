package site

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/storage/filesystem"
	"github.com/lyssna/lyssna/uploads"
)

// TestBuildWiresAnnouncements builds the site as lyssna serve does and
// writes through the store alone: the feed served next has the change,
// although the clock stands still (so the cache never rechecks by itself).
// It also finds the producer UI and the pages in the one route table.
func TestBuildWiresAnnouncements(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store, err := episodes.Open(ctx, "sqlite:"+filepath.Join(dir, "lyssna.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	bucket, err := filesystem.New(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := uploads.New(uploads.Deps{Store: store, Bucket: bucket, TempDir: filepath.Join(dir, "tmp"), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	h, err := Build(Parts{Store: store, Bucket: bucket, Uploads: in, Links: links.New("http://lyssna.test"),
		Logger: slog.New(slog.DiscardHandler), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	sh := &episodes.Show{Slug: "lab", Title: "Before", Language: "en", GUID: episodes.PodcastGUID("http://lyssna.test/lab/feed.xml")}
	if err := store.CreateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	if rec := get("/lab/feed.xml"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<title>Before</title>") {
		t.Fatalf("feed: %d %s", rec.Code, rec.Body)
	}
	sh.Title = "After"
	if err := store.UpdateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	if rec := get("/lab/feed.xml"); !strings.Contains(rec.Body.String(), "<title>After</title>") {
		t.Errorf("after a store-only write the feed still says %s", rec.Body)
	}
	// The LTI tool is in the table too, before the pages' /{show}/{episode};
	// without LYSSNA_SECRET it says so with a 503.
	for path, want := range map[string]int{"/admin/signin": http.StatusOK, "/lab/": http.StatusOK, "/admin/": http.StatusSeeOther,
		"/lti/canvas.json": http.StatusOK, "/lti/jwks": http.StatusServiceUnavailable} {
		if rec := get(path); rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
	if csp := get("/lab/").Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("a listener page may be framed: %q", csp)
	}
}
