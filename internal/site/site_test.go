package site

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/lti"
	"github.com/lyssna/lyssna/lti/ltitest"
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
	store, err := episodes.Open(ctx, episodestest.SQLiteAt(t, filepath.Join(dir, "lyssna.db")), clock)
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
	// it seals its keys with the site's one secret (here a random one for
	// this process, as no LYSSNA_SECRET is given), so its keys are published.
	for path, want := range map[string]int{"/admin/signin": http.StatusOK, "/lab/": http.StatusOK, "/admin/": http.StatusSeeOther,
		"/lti/canvas.json": http.StatusOK, "/lti/jwks": http.StatusOK} {
		if rec := get(path); rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
	if csp := get("/lab/").Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("a listener page may be framed: %q", csp)
	}
}

// TestLTILaunchThroughTheSite launches Lyssna from the in-process platform
// through the whole site (route table, middleware, listener pages): the
// instructor's Deep Linking pick, then a student's launch of the link,
// which shows the episode's player with its study questions and references
// in a page only the platform may frame.
func TestLTILaunchThroughTheSite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := episodes.Open(ctx, episodestest.SQLiteAt(t, filepath.Join(dir, "lyssna.db")), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	bucket, err := filesystem.New(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := uploads.New(uploads.Deps{Store: store, Bucket: bucket, TempDir: filepath.Join(dir, "tmp"), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(nil)
	defer srv.Close()
	h, err := Build(Parts{Store: store, Bucket: bucket, Uploads: in, Links: links.New(srv.URL),
		Logger: slog.New(slog.DiscardHandler), Now: time.Now, Secret: []byte("a-site-secret-of-enough-length")})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h

	sh := &episodes.Show{Slug: "seminar", Title: "Memory Seminar", Language: "en", GUID: episodes.PodcastGUID(srv.URL + "/seminar/feed.xml"),
		Visibility: episodes.VisibilityPrivate}
	if err := store.CreateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	ep := &episodes.Episode{ShowID: sh.ID, Title: "Spaced repetition", StudyQuestions: []string{"Why does spacing beat cramming?"},
		References: []episodes.Reference{{Authors: []string{"Ebbinghaus, H."}, Year: 1885, Title: "Über das Gedächtnis"}},
		Audio:      &episodes.Audio{Key: "episodes/spaced.mp3", Size: 4800, ContentType: "audio/mpeg", DurationMS: 5000, SHA256: strings.Repeat("b", 64)}}
	if err := store.CreateEpisode(ctx, ep); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Publish(ctx, ep.ID, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	lms := ltitest.New(t)
	if _, err := lti.NewPlatforms(store.DB(), time.Now).Save(ctx, lms.Registration()); err != nil {
		t.Fatal(err)
	}
	b := ltitest.NewBrowser(t)

	lms.Next(ltitest.DeepLinkingRequest(lms.URL()+"/return"), nil)
	action, form := b.Login(lms, srv.URL, srv.URL+"/lti/launch")
	resp, body := b.Do(http.MethodPost, action, form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("deep linking launch: %d %s", resp.StatusCode, body)
	}
	resp, body = b.Do(http.MethodPost, resp.Header.Get("Location"), url.Values{"item": {"seminar/" + ep.Slug}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("pick: %d %s", resp.StatusCode, body)
	}
	if _, f := ltitest.FormOf(t, body); f.Get("JWT") == "" {
		t.Fatalf("the pick posts no JWT back: %s", body)
	}

	lms.Next(ltitest.ResourceLinkRequest(map[string]string{"lyssna_show": "seminar", "lyssna_episode": ep.Slug}), nil)
	action, form = b.Login(lms, srv.URL, srv.URL+"/lti/launch?show=seminar&episode="+ep.Slug)
	resp, body = b.Do(http.MethodPost, action, form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("resource link launch: %d %s", resp.StatusCode, body)
	}
	resp, body = b.Do(http.MethodGet, resp.Header.Get("Location"), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("player: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{"Spaced repetition", "Why does spacing beat cramming?", "Über das Gedächtnis"} {
		if !strings.Contains(body, want) {
			t.Errorf("the launch page lacks %q:\n%s", want, body)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors "+lms.URL()) {
		t.Errorf("launch page CSP %q does not let the platform frame it", csp)
	}

	// The page frames the listener pages' embed player, which plays the
	// private episode with the grant's signed media URLs, framed by this
	// page inside the platform's.
	m := regexp.MustCompile(`<iframe class="player" src="([^"]+)"`).FindStringSubmatch(body)
	if m == nil || !strings.HasPrefix(html.UnescapeString(m[1]), srv.URL+"/lti/play/") {
		t.Fatalf("the launch page frames no embed player:\n%s", body)
	}
	resp, body = b.Do(http.MethodGet, html.UnescapeString(m[1]), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Spaced repetition") || !strings.Contains(body, "/p/s") {
		t.Fatalf("embed player of the private episode: %d, want it with signed URLs:\n%s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, lms.URL()) {
		t.Errorf("embed player CSP %q does not let the platform's page frame it", csp)
	}
	// Without the launch, the private show stays private.
	for _, path := range []string{"/seminar/", "/seminar/" + ep.Slug + "/", "/seminar/" + ep.Slug + "/embed"} {
		if resp, _ := b.Do(http.MethodGet, srv.URL+path, nil); resp.StatusCode == http.StatusOK {
			t.Errorf("GET %s without a grant: 200", path)
		}
	}
}
