package feed

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// fakeSource is an in-memory Source for the cache's edge cases; the tests
// against a real store live in store_test.go.
type fakeSource struct {
	mu       sync.Mutex
	shows    map[string]*episodes.Show
	eps      map[int64][]*episodes.Episode
	versions int // ShowVersion calls
	fail     error
	hang     chan struct{} // when set, reads wait for it to close
}

// wait blocks a read while f.hang is set, as a database that stopped
// answering does.
func (f *fakeSource) wait(ctx context.Context) error {
	f.mu.Lock()
	hang := f.hang
	f.mu.Unlock()
	if hang == nil {
		return nil
	}
	select {
	case <-hang:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func newFakeSource(pairs ...func() (*episodes.Show, []*episodes.Episode)) *fakeSource {
	f := &fakeSource{shows: map[string]*episodes.Show{}, eps: map[int64][]*episodes.Episode{}}
	for _, p := range pairs {
		s, eps := p()
		f.shows[s.Slug] = s
		f.eps[s.ID] = eps
	}
	return f
}

func (f *fakeSource) GetShow(ctx context.Context, slug string) (*episodes.Show, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	s, ok := f.shows[slug]
	if !ok {
		return nil, fmt.Errorf("fake: show %q: %w", slug, episodes.ErrNotFound)
	}
	cp := *s
	return &cp, nil
}

func (f *fakeSource) PublicEpisodes(_ context.Context, showID int64, now time.Time) ([]*episodes.Episode, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*episodes.Episode
	for _, ep := range f.eps[showID] {
		if ep.IsPublic(now) {
			cp := *ep
			out = append(out, &cp)
		}
	}
	return out, nil
}

// VisibleFeedPage pages PublicEpisodes as the store does (newest first,
// only the episodes of visibility upTo or more open).
func (f *fakeSource) VisibleFeedPage(ctx context.Context, showID int64, now time.Time, upTo string, offset, limit int) ([]*episodes.Episode, int, error) {
	all, err := f.PublicEpisodes(ctx, showID, now)
	if err != nil {
		return nil, 0, err
	}
	return pageOf(all, upTo, offset, limit)
}

// pageOf is one page of the episodes of eps whose visibility is upTo or
// more open, in the store's feed order.
func pageOf(eps []*episodes.Episode, upTo string, offset, limit int) ([]*episodes.Episode, int, error) {
	eps = slices.DeleteFunc(eps, func(ep *episodes.Episode) bool {
		return episodes.Strictest(ep.Visibility, upTo) != episodes.Strictest(upTo, "")
	})
	slices.SortStableFunc(eps, func(a, b *episodes.Episode) int {
		if c := b.PublishAt.Compare(*a.PublishAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	if offset >= len(eps) {
		return nil, len(eps), nil
	}
	return eps[offset:min(offset+limit, len(eps))], len(eps), nil
}

func (f *fakeSource) ShowVersion(ctx context.Context, showID int64) (int64, error) {
	if err := f.wait(ctx); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.versions++
	if f.fail != nil {
		return 0, f.fail
	}
	for _, s := range f.shows {
		if s.ID == showID {
			return s.Version, nil
		}
	}
	return 0, fmt.Errorf("fake: show %d: %w", showID, episodes.ErrNotFound)
}

func (f *fakeSource) NextScheduled(_ context.Context, showID int64, after time.Time) (time.Time, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var next time.Time
	for _, ep := range f.eps[showID] {
		if ep.Status == episodes.StatusScheduled && ep.PublishAt != nil && ep.PublishAt.After(after) && (next.IsZero() || ep.PublishAt.Before(next)) {
			next = *ep.PublishAt
		}
	}
	return next, !next.IsZero(), nil
}

// PromoteDue publishes the due scheduled episodes, as the store does.
func (f *fakeSource) PromoteDue(_ context.Context, showID int64, now time.Time) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, ep := range f.eps[showID] {
		if ep.Status == episodes.StatusScheduled && ep.PublishAt != nil && !ep.PublishAt.After(now) {
			ep.Status = episodes.StatusPublished
			n++
		}
	}
	if n > 0 {
		for _, s := range f.shows {
			if s.ID == showID {
				s.Version++
				s.ChangedAt = s.ChangedAt.Truncate(time.Second).Add(time.Second)
			}
		}
	}
	return n, nil
}

// edit changes a show under the lock and bumps its version, as the store does.
func (f *fakeSource) edit(slug string, fn func(*episodes.Show, []*episodes.Episode)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.shows[slug]
	fn(s, f.eps[s.ID])
	s.Version++
	// The writer's clock is taken to be just past the newest data.
	at := s.UpdatedAt
	for _, ep := range f.eps[s.ID] {
		if ep.PublishAt != nil && ep.PublishAt.After(at) && !ep.PublishAt.After(testNow) {
			at = *ep.PublishAt
		}
	}
	if old := s.ChangedAt.Truncate(time.Second); old.After(at) {
		at = old
	}
	s.ChangedAt = at.Truncate(time.Second).Add(time.Second)
}

// clock is an injected, settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestCache(src Source) (*Cache, *clock) {
	clk := &clock{t: testNow}
	return NewCache(src, testLinks, clk.now, Options{CheckInterval: time.Second, Logger: slog.New(slog.DiscardHandler)}), clk
}

func serve(t testing.TB, c *Cache, method, slug string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "/"+slug+"/feed.xml", nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	if err := c.Serve(w, r, slug); err != nil {
		t.Logf("Serve: %v", err)
	}
	return w
}

func TestCacheServesTheBuiltFeed(t *testing.T) {
	src := newFakeSource(episodicShow)
	c, _ := newTestCache(src)
	show, eps := episodicShow()
	want := mustBuild(t, show, eps)

	w := serve(t, c, http.MethodGet, show.Slug, nil)
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), want) {
		t.Fatalf("GET = %d, body equal to Build: %v", w.Code, bytes.Equal(w.Body.Bytes(), want))
	}
	h := w.Header()
	for k, v := range map[string]string{
		"Content-Type":   "application/rss+xml; charset=utf-8",
		"Cache-Control":  "public, max-age=60",
		"Vary":           "Accept-Encoding",
		"Content-Length": fmt.Sprint(len(want)),
		"Last-Modified":  eps[2].PublishAt.UTC().Format(http.TimeFormat),
	} {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if etag := h.Get("ETag"); !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
		t.Errorf("ETag = %q, want a strong ETag", etag)
	}

	head := serve(t, c, http.MethodHead, show.Slug, nil)
	if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") != fmt.Sprint(len(want)) || head.Header().Get("ETag") != h.Get("ETag") {
		t.Errorf("HEAD = %d, %d body bytes, headers %v", head.Code, head.Body.Len(), head.Header())
	}
	if post := serve(t, c, http.MethodPost, show.Slug, nil); post.Code != http.StatusMethodNotAllowed || post.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST = %d Allow %q", post.Code, post.Header().Get("Allow"))
	}
	if c.builds.Load() != 1 {
		t.Errorf("%d builds, want 1", c.builds.Load())
	}
}

func TestCacheConditionalRequests(t *testing.T) {
	src := newFakeSource(episodicShow)
	c, _ := newTestCache(src)
	first := serve(t, c, http.MethodGet, "weekly-science", nil)
	etag, lastMod := first.Header().Get("ETag"), first.Header().Get("Last-Modified")
	lm, _ := http.ParseTime(lastMod)

	tests := []struct {
		name   string
		header http.Header
		want   int
	}{
		{"matching etag", http.Header{"If-None-Match": {etag}}, http.StatusNotModified},
		{"etag in a list", http.Header{"If-None-Match": {`"other", ` + etag}}, http.StatusNotModified},
		{"weak form of the etag", http.Header{"If-None-Match": {"W/" + etag}}, http.StatusNotModified},
		{"star", http.Header{"If-None-Match": {"*"}}, http.StatusNotModified},
		{"other etag", http.Header{"If-None-Match": {`"nope"`}}, http.StatusOK},
		{"gzip etag without gzip", http.Header{"If-None-Match": {strings.TrimSuffix(etag, `"`) + `-gzip"`}}, http.StatusOK},
		{"modified since equal", http.Header{"If-Modified-Since": {lastMod}}, http.StatusNotModified},
		{"modified since later", http.Header{"If-Modified-Since": {lm.Add(time.Hour).Format(http.TimeFormat)}}, http.StatusNotModified},
		{"modified since earlier", http.Header{"If-Modified-Since": {lm.Add(-time.Second).Format(http.TimeFormat)}}, http.StatusOK},
		{"etag wins over date", http.Header{"If-None-Match": {`"nope"`}, "If-Modified-Since": {lastMod}}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(t, c, http.MethodGet, "weekly-science", tt.header)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			if tt.want == http.StatusNotModified && (w.Body.Len() != 0 || w.Header().Get("ETag") != etag) {
				t.Errorf("304 with %d body bytes and ETag %q", w.Body.Len(), w.Header().Get("ETag"))
			}
		})
	}
}

// TestCacheOtherPreconditions covers what Serve leaves to http.ServeContent
// (Range, If-Range, If-Match, If-Unmodified-Since) and the headers of its
// own 304.
func TestCacheOtherPreconditions(t *testing.T) {
	src := newFakeSource(episodicShow)
	c, _ := newTestCache(src)
	first := serve(t, c, http.MethodGet, "weekly-science", nil)
	body, etag, lastMod := first.Body.Bytes(), first.Header().Get("ETag"), first.Header().Get("Last-Modified")
	lm, _ := http.ParseTime(lastMod)

	w := serve(t, c, http.MethodGet, "weekly-science", http.Header{"Range": {"bytes=0-99"}})
	if w.Code != http.StatusPartialContent || !bytes.Equal(w.Body.Bytes(), body[:100]) || w.Header().Get("Content-Length") != "100" {
		t.Errorf("Range = %d, %d bytes, Content-Length %q; want 206 with the first 100 bytes",
			w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
	if w.Header().Get("ETag") != etag || w.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("Range answer headers %v", w.Header())
	}
	tests := []struct {
		name   string
		header http.Header
		want   int
	}{
		{"if-range with the etag", http.Header{"Range": {"bytes=0-9"}, "If-Range": {etag}}, http.StatusPartialContent},
		{"if-range with another etag", http.Header{"Range": {"bytes=0-9"}, "If-Range": {`"old"`}}, http.StatusOK},
		{"if-match with the etag", http.Header{"If-Match": {etag}}, http.StatusOK},
		{"if-match with another etag", http.Header{"If-Match": {`"old"`}}, http.StatusPreconditionFailed},
		{"unmodified since earlier", http.Header{"If-Unmodified-Since": {lm.Add(-time.Hour).Format(http.TimeFormat)}}, http.StatusPreconditionFailed},
		{"unmodified since later", http.Header{"If-Unmodified-Since": {lm.Add(time.Hour).Format(http.TimeFormat)}}, http.StatusOK},
		{"malformed if-none-match", http.Header{"If-None-Match": {"nope"}}, http.StatusOK},
		{"weak list", http.Header{"If-None-Match": {`W/"a", W/` + etag}}, http.StatusNotModified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := serve(t, c, http.MethodGet, "weekly-science", tt.header); w.Code != tt.want {
				t.Errorf("status %d, want %d", w.Code, tt.want)
			}
		})
	}

	nm := serve(t, c, http.MethodGet, "weekly-science", http.Header{"If-None-Match": {etag}})
	if nm.Code != http.StatusNotModified {
		t.Fatalf("status %d, want 304", nm.Code)
	}
	h := nm.Header()
	for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Last-Modified"} {
		if v, ok := h[k]; ok {
			t.Errorf("304 has %s: %q", k, v)
		}
	}
	if h.Get("ETag") != etag || h.Get("Cache-Control") == "" || h.Get("Vary") != "Accept-Encoding" {
		t.Errorf("304 lacks ETag, Cache-Control or Vary: %v", h)
	}
}

func TestCacheGzip(t *testing.T) {
	src := newFakeSource(serialShow)
	c, _ := newTestCache(src)
	plain := serve(t, c, http.MethodGet, "learn-swedish", nil)
	tests := []struct {
		accept string
		gzip   bool
	}{
		{"gzip", true},
		{"br, gzip;q=0.5", true},
		{"*", true},
		{"x-gzip", true},
		{"gzip;q=0", false},
		{"*;q=0", false},
		{"br", false},
		{"", false},
		{"identity", false},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			w := serve(t, c, http.MethodGet, "learn-swedish", http.Header{"Accept-Encoding": {tt.accept}})
			if got := w.Header().Get("Content-Encoding") == "gzip"; got != tt.gzip {
				t.Fatalf("gzip = %v, want %v", got, tt.gzip)
			}
			if w.Header().Get("Vary") != "Accept-Encoding" {
				t.Errorf("Vary = %q", w.Header().Get("Vary"))
			}
			if !tt.gzip {
				return
			}
			if w.Header().Get("ETag") == plain.Header().Get("ETag") {
				t.Error("gzip variant has the identity ETag")
			}
			// Set by Serve: ServeContent drops it under Content-Encoding,
			// which sends the answer chunked.
			if got, want := w.Header().Get("Content-Length"), strconv.Itoa(w.Body.Len()); got != want {
				t.Errorf("Content-Length = %q, want %q", got, want)
			}
			zr, err := gzip.NewReader(w.Body)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(body, plain.Body.Bytes()) {
				t.Errorf("gunzipped body differs from the plain one (err %v)", err)
			}
			again := serve(t, c, http.MethodGet, "learn-swedish", http.Header{"Accept-Encoding": {tt.accept}, "If-None-Match": {w.Header().Get("ETag")}})
			if again.Code != http.StatusNotModified {
				t.Errorf("If-None-Match with the gzip ETag = %d, want 304", again.Code)
			}
		})
	}
	if c.builds.Load() != 1 {
		t.Errorf("%d builds, want 1", c.builds.Load())
	}
}

func TestCacheNotFoundAndMoved(t *testing.T) {
	src := newFakeSource(episodicShow, serialShow)
	c, clk := newTestCache(src)
	if w := serve(t, c, http.MethodGet, "no-such-show", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown show = %d, want 404", w.Code)
	}
	serve(t, c, http.MethodGet, "learn-swedish", nil)
	src.edit("learn-swedish", func(s *episodes.Show, _ []*episodes.Episode) { s.NewFeedURL = "https://new.example.com/feed.xml" })
	clk.add(2 * time.Second)
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		w := serve(t, c, m, "learn-swedish", nil)
		if w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "https://new.example.com/feed.xml" {
			t.Errorf("%s moved show = %d Location %q", m, w.Code, w.Header().Get("Location"))
		}
	}
	src.mu.Lock()
	delete(src.shows, "weekly-science")
	src.mu.Unlock()
	if w := serve(t, c, http.MethodGet, "weekly-science", nil); w.Code != http.StatusNotFound {
		t.Errorf("deleted show = %d, want 404", w.Code)
	}
}

func TestCacheRebuildsOnlyWhenTheVersionChanges(t *testing.T) {
	src := newFakeSource(episodicShow)
	c, clk := newTestCache(src)
	first := serve(t, c, http.MethodGet, "weekly-science", nil)
	for i := 0; i < 50; i++ {
		serve(t, c, http.MethodGet, "weekly-science", nil)
	}
	if c.builds.Load() != 1 || src.versions != 0 {
		t.Fatalf("%d builds and %d version checks within the interval, want 1 and 0", c.builds.Load(), src.versions)
	}
	clk.add(1500 * time.Millisecond)
	for i := 0; i < 10; i++ {
		serve(t, c, http.MethodGet, "weekly-science", nil)
	}
	if c.builds.Load() != 1 || src.versions != 1 {
		t.Fatalf("%d builds and %d version checks after the interval, want 1 and 1", c.builds.Load(), src.versions)
	}

	// Another replica changes the title: seen after the check interval.
	src.edit("weekly-science", func(s *episodes.Show, _ []*episodes.Episode) { s.Title = "Weekly Science, renamed" })
	if w := serve(t, c, http.MethodGet, "weekly-science", nil); w.Body.String() != first.Body.String() {
		t.Error("the feed changed before the check interval passed")
	}
	clk.add(1500 * time.Millisecond)
	w := serve(t, c, http.MethodGet, "weekly-science", nil)
	if !strings.Contains(w.Body.String(), "Weekly Science, renamed") || c.builds.Load() != 2 {
		t.Fatalf("after a version change: %d builds, new title present %v", c.builds.Load(), strings.Contains(w.Body.String(), "renamed"))
	}
	if w.Header().Get("ETag") == first.Header().Get("ETag") {
		t.Error("ETag did not change with the feed")
	}
	if r := serve(t, c, http.MethodGet, "weekly-science", http.Header{"If-None-Match": {first.Header().Get("ETag")}}); r.Code != http.StatusOK {
		t.Errorf("old ETag = %d, want 200", r.Code)
	}

	// This process's own write: Invalidate rebuilds at once.
	src.edit("weekly-science", func(s *episodes.Show, _ []*episodes.Episode) { s.Title = "Third title" })
	c.Invalidate(1)
	if w := serve(t, c, http.MethodGet, "weekly-science", nil); !strings.Contains(w.Body.String(), "Third title") || c.builds.Load() != 3 {
		t.Errorf("after Invalidate: %d builds, new title present %v", c.builds.Load(), strings.Contains(w.Body.String(), "Third title"))
	}
}

func TestCacheLastModifiedMovesForward(t *testing.T) {
	src := newFakeSource(episodicShow)
	c, clk := newTestCache(src)
	first := serve(t, c, http.MethodGet, "weekly-science", nil)
	// Unpublishing the newest episode moves the newest change back in time.
	src.edit("weekly-science", func(_ *episodes.Show, eps []*episodes.Episode) { eps[2].Status = episodes.StatusUnpublished })
	clk.add(2 * time.Second)
	w := serve(t, c, http.MethodGet, "weekly-science", http.Header{"If-Modified-Since": {first.Header().Get("Last-Modified")}})
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "part 3") {
		t.Fatalf("after unpublishing: %d, still listing it: %v", w.Code, strings.Contains(w.Body.String(), "part 3"))
	}
	a, _ := http.ParseTime(first.Header().Get("Last-Modified"))
	b, _ := http.ParseTime(w.Header().Get("Last-Modified"))
	if !b.After(a) {
		t.Errorf("Last-Modified went from %v to %v", a, b)
	}
}

func TestCacheRebuildsWhenAScheduledEpisodeIsDue(t *testing.T) {
	src := newFakeSource(episodicShow)
	c, clk := newTestCache(src)
	if w := serve(t, c, http.MethodGet, "weekly-science", nil); strings.Contains(w.Body.String(), "future-guid") {
		t.Fatal("a future episode is in the feed")
	}
	// Within the check interval but past the scheduled time (three days on):
	// no version changed, yet the episode must appear.
	clk.add(72 * time.Hour)
	w := serve(t, c, http.MethodGet, "weekly-science", nil)
	if !strings.Contains(w.Body.String(), "future-guid") {
		t.Error("the scheduled episode is missing after its time came")
	}
	if c.builds.Load() != 2 {
		t.Errorf("%d builds, want 2", c.builds.Load())
	}
}

func TestCacheConcurrentRequestsBuildOnce(t *testing.T) {
	src := newFakeSource(episodicShow)
	c, _ := newTestCache(src)
	var wg sync.WaitGroup
	codes := make([]int, 64)
	for i := range codes {
		wg.Go(func() {
			codes[i] = serve(t, c, http.MethodGet, "weekly-science", nil).Code
		})
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusOK {
			t.Errorf("request %d = %d", i, code)
		}
	}
	if n := c.builds.Load(); n != 1 {
		t.Errorf("%d builds for concurrent first requests, want 1", n)
	}
}

// TestCacheDatabaseErrors: with the database down, a feed never built
// answers 503 with Retry-After, a built one keeps being served (even right
// after an edit invalidated it), and the outage is logged once.
func TestCacheDatabaseErrors(t *testing.T) {
	src := newFakeSource(episodicShow)
	var logs bytes.Buffer
	clk := &clock{t: testNow}
	c := NewCache(src, testLinks, clk.now, Options{CheckInterval: time.Second, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	src.fail = fmt.Errorf("connection refused")
	w := serve(t, c, http.MethodGet, "weekly-science", nil)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("cold cache with a failing database: %d, Retry-After %q; want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	src.fail = nil
	good := serve(t, c, http.MethodGet, "weekly-science", nil)
	logs.Reset()
	src.fail = fmt.Errorf("connection refused")
	c.Invalidate(1) // an edit just before the outage
	for range 5 {
		clk.add(2 * time.Second)
		w = serve(t, c, http.MethodGet, "weekly-science", nil)
		if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), good.Body.Bytes()) {
			t.Fatalf("warm cache with a failing database: %d; want the last good feed", w.Code)
		}
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 {
		t.Errorf("%d error lines for one outage, want 1:\n%s", n, logs.String())
	}
	src.fail = nil
	clk.add(2 * time.Second)
	serve(t, c, http.MethodGet, "weekly-science", nil)
	if !strings.Contains(logs.String(), "answers again") || c.Stats().Outage {
		t.Errorf("the end of the outage is not noted:\n%s", logs.String())
	}
}

// TestCacheDatabaseHangs: a database that stops answering (rather than
// refusing) does not hold feed requests: one that has a feed gets it after
// StaleAfter, a cold one gets 503 once the refresh's deadline passes.
func TestCacheDatabaseHangs(t *testing.T) {
	src := newFakeSource(episodicShow, serialShow)
	clk := &clock{t: testNow}
	c := NewCache(src, testLinks, clk.now, Options{CheckInterval: time.Second, StaleAfter: 20 * time.Millisecond,
		RefreshTimeout: 200 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	good := serve(t, c, http.MethodGet, "weekly-science", nil)
	hang := make(chan struct{})
	defer close(hang)
	src.mu.Lock()
	src.hang = hang
	src.mu.Unlock()
	clk.add(2 * time.Second)
	w := serve(t, c, http.MethodGet, "weekly-science", nil)
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), good.Body.Bytes()) {
		t.Errorf("with the database hanging: %d; want the last feed", w.Code)
	}
	if w := serve(t, c, http.MethodGet, "learn-swedish", nil); w.Code != http.StatusServiceUnavailable {
		t.Errorf("a feed never built, with the database hanging: %d, want 503", w.Code)
	}
}

// TestCachedIsTheCurrentFeed: Cached hands out a feed only for a plain GET
// or HEAD of a current, public, unmoved feed the cache holds, and its Serve
// answers as Serve does; anything else (cold, due for a check, a query, a
// Range, a moved show) is left to Serve, which reads the database.
func TestCachedIsTheCurrentFeed(t *testing.T) {
	src := newFakeSource(episodicShow)
	c, clk := newTestCache(src)
	show, _ := episodicShow()
	req := func(method, target string, header map[string]string) *http.Request {
		r := httptest.NewRequest(method, target, nil)
		for k, v := range header {
			r.Header.Set(k, v)
		}
		return r
	}
	plain := "/" + show.Slug + "/feed.xml"
	if _, ok := c.Cached(req(http.MethodGet, plain, nil), show.Slug); ok {
		t.Fatal("Cached before the feed was built")
	}
	want := serve(t, c, http.MethodGet, show.Slug, http.Header{"Accept-Encoding": {"gzip"}})
	versions, builds := src.versions, c.builds.Load()
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		r := req(method, plain, map[string]string{"Accept-Encoding": "gzip"})
		f, ok := c.Cached(r, show.Slug)
		if !ok {
			t.Fatalf("%s: not Cached with the feed current", method)
		}
		w := httptest.NewRecorder()
		f.Serve(w, r)
		if w.Code != http.StatusOK || w.Header().Get("ETag") != want.Header().Get("ETag") ||
			method == http.MethodGet && !bytes.Equal(w.Body.Bytes(), want.Body.Bytes()) {
			t.Errorf("%s: Cached answered %d, ETag %q; Serve %d, %q", method, w.Code, w.Header().Get("ETag"), want.Code, want.Header().Get("ETag"))
		}
	}
	r := req(http.MethodGet, plain, map[string]string{"If-None-Match": want.Header().Get("ETag"), "Accept-Encoding": "gzip"})
	f, ok := c.Cached(r, show.Slug)
	w := httptest.NewRecorder()
	if ok {
		f.Serve(w, r)
	}
	if w.Code != http.StatusNotModified {
		t.Errorf("conditional: Cached %v, answered %d, want 304", ok, w.Code)
	}
	if src.versions != versions || c.builds.Load() != builds {
		t.Errorf("Cached read the database: %d version checks, %d builds after the first", src.versions-versions, c.builds.Load()-builds)
	}
	for _, r := range []*http.Request{
		req(http.MethodPost, plain, nil),
		req(http.MethodGet, plain+"?page=1", nil),
		req(http.MethodGet, plain, map[string]string{"Range": "bytes=0-9"}),
		req(http.MethodGet, plain, map[string]string{"If-Match": "*"}),
	} {
		if _, ok := c.Cached(r, show.Slug); ok {
			t.Errorf("%s %s %v: Cached, want it left to Serve", r.Method, r.URL, r.Header)
		}
	}
	if _, ok := c.Cached(req(http.MethodGet, "/nobody/feed.xml", nil), "nobody"); ok {
		t.Error("Cached an unknown show")
	}
	clk.add(2 * time.Second) // past the check interval
	if _, ok := c.Cached(req(http.MethodGet, plain, nil), show.Slug); ok {
		t.Error("Cached a feed due for a check")
	}
	src.edit(show.Slug, func(s *episodes.Show, _ []*episodes.Episode) { s.NewFeedURL = "https://new.example.com/feed.xml" })
	if w := serve(t, c, http.MethodGet, show.Slug, nil); w.Code != http.StatusMovedPermanently {
		t.Fatalf("moved show: %d", w.Code)
	}
	if _, ok := c.Cached(req(http.MethodGet, plain, nil), show.Slug); ok {
		t.Error("Cached a moved show's feed")
	}
}
