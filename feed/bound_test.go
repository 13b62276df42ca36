package feed

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
)

// genSource serves shows "show-1" ... "show-N", each with n episodes made
// afresh on every read, so that only the cache holds feeds in memory.
type genSource struct{ n int }

func (g genSource) GetShow(_ context.Context, slug string) (*episodes.Show, error) {
	var id int64
	if _, err := fmt.Sscanf(slug, "show-%d", &id); err != nil {
		return nil, fmt.Errorf("gen: show %q: %w", slug, episodes.ErrNotFound)
	}
	show, _ := benchShow(1)
	show.ID, show.Slug, show.Version = id, slug, 1
	return show, nil
}

func (g genSource) PublicEpisodes(_ context.Context, showID int64, _ time.Time) ([]*episodes.Episode, error) {
	_, eps := benchShow(g.n)
	for _, ep := range eps {
		ep.ID += showID * 1_000_000
		ep.ShowID = showID
	}
	return eps, nil
}

func (g genSource) VisibleFeedPage(ctx context.Context, showID int64, now time.Time, upTo string, offset, limit int) ([]*episodes.Episode, int, error) {
	eps, _ := g.PublicEpisodes(ctx, showID, now)
	return pageOf(eps, upTo, offset, limit)
}

func (genSource) ShowVersion(context.Context, int64) (int64, error) { return 1, nil }
func (genSource) NextScheduled(context.Context, int64, time.Time) (time.Time, bool, error) {
	return time.Time{}, false, nil
}
func (genSource) PromoteDue(context.Context, int64, time.Time) (int, error) { return 0, nil }

// TestCacheStaysUnderItsBound is defect 3 of issue 12: the feeds and the
// encoded items the cache keeps stay under Options.MaxBytes however many
// shows are asked for, the least recently used going first.
func TestCacheStaysUnderItsBound(t *testing.T) {
	const maxBytes = 3 << 20
	clk := &clock{t: testNow}
	c := NewCache(genSource{n: 200}, testLinks, clk.now, Options{MaxBytes: maxBytes, Logger: slog.New(slog.DiscardHandler)})
	for i := 1; i <= 12; i++ {
		if w := serve(t, c, http.MethodGet, fmt.Sprintf("show-%d", i), nil); w.Code != http.StatusOK {
			t.Fatalf("show-%d = %d", i, w.Code)
		}
		st := c.Stats()
		if st.Bytes > maxBytes/2 || st.NotesBytes > maxBytes/2 {
			t.Fatalf("after show-%d: feeds %d bytes, items %d bytes; bounds %d and %d", i, st.Bytes, st.NotesBytes, maxBytes/2, maxBytes/2)
		}
	}
	st := c.Stats()
	if st.Evictions == 0 || st.NotesEvictions == 0 || st.Feeds >= 12 {
		t.Fatalf("nothing was evicted: %+v", st)
	}
	// The most recently used feed is still there; the first one is not.
	if rebuilt(t, c, "show-12") {
		t.Error("the most recently used feed was rebuilt")
	}
	if !rebuilt(t, c, "show-1") {
		t.Error("the least recently used feed was still cached")
	}
}

// rebuilt serves slug's feed from c and reports whether c had to build it.
func rebuilt(t *testing.T, c *Cache, slug string) bool {
	t.Helper()
	before := c.Stats().Builds
	if w := serve(t, c, http.MethodGet, slug, nil); w.Code != http.StatusOK {
		t.Fatalf("%s = %d", slug, w.Code)
	}
	return c.Stats().Builds != before
}

// BenchmarkCacheBoundedHeap asks for several 10,000-episode feeds in turn
// through a cache bounded to 64 MiB and reports the heap that stays live
// after each answer (after a GC, less what was live before) and the peak
// while building: the retained heap must stay under the bound.
func BenchmarkCacheBoundedHeap(b *testing.B) {
	const maxBytes = 64 << 20
	const shows, n = 6, 10_000
	clk := &clock{t: testNow}
	var peak uint64
	var retained uint64
	for b.Loop() {
		c := NewCache(genSource{n: n}, testLinks, clk.now, Options{MaxBytes: maxBytes, Logger: slog.New(slog.DiscardHandler)})
		runtime.GC()
		base := testenv.HeapLive()
		stop := testenv.SampleHeap(&peak)
		for round := range 2 {
			for i := 1; i <= shows; i++ {
				if w := serve(b, c, http.MethodGet, fmt.Sprintf("show-%d", i), http.Header{"Accept-Encoding": {"gzip"}}); w.Code != http.StatusOK {
					b.Fatalf("round %d show-%d = %d", round, i, w.Code)
				}
				runtime.GC()
				if live := testenv.HeapLive(); live > base && live-base > retained {
					retained = live - base
				}
			}
		}
		stop()
		st := c.Stats()
		b.ReportMetric(float64(st.Bytes)/float64(st.Feeds)/(1<<20), "MiB/feed")
		b.ReportMetric(float64(st.NotesBytes)/(1<<20), "items-MiB")
		b.ReportMetric(float64(st.Evictions), "evictions")
		if peak > base {
			b.ReportMetric(float64(peak-base)/(1<<20), "peak-MiB")
		}
		runtime.KeepAlive(c)
	}
	b.ReportMetric(float64(retained)/(1<<20), "retained-MiB")
	if retained > maxBytes {
		b.Errorf("%d MiB stayed live, over the cache's bound of %d MiB", retained>>20, maxBytes>>20)
	}
}

// TestCacheEvictsTheLeastRecentlyUsed: a feed polled again after another was
// built is kept, and the other goes, however many polls of the first came
// before (a run of polls of one feed leaves the LRU clock alone).
func TestCacheEvictsTheLeastRecentlyUsed(t *testing.T) {
	clk := &clock{t: testNow}
	opts := Options{Logger: slog.New(slog.DiscardHandler)}
	probe := NewCache(genSource{n: 50}, testLinks, clk.now, Options{MaxBytes: 64 << 20, Logger: opts.Logger})
	serve(t, probe, http.MethodGet, "show-1", nil)
	one := probe.Stats().Bytes
	opts.MaxBytes = 5 * one // the feeds get half: room for two feeds, not three
	c := NewCache(genSource{n: 50}, testLinks, clk.now, opts)
	for _, slug := range []string{"show-1", "show-1", "show-1", "show-2", "show-1", "show-3"} {
		if w := serve(t, c, http.MethodGet, slug, nil); w.Code != http.StatusOK {
			t.Fatalf("%s = %d", slug, w.Code)
		}
	}
	if st := c.Stats(); st.Evictions != 1 || st.Feeds != 2 {
		t.Fatalf("after three feeds in room for two: %+v, want one eviction", st)
	}
	// Polls of the feed used last write nothing the cores share: the clock
	// stays where it is.
	serve(t, c, http.MethodGet, "show-3", nil)
	tick := c.tick.Load()
	serve(t, c, http.MethodGet, "show-3", nil)
	serve(t, c, http.MethodHead, "show-3", nil)
	if c.tick.Load() != tick {
		t.Errorf("polls of the feed used last moved the LRU clock from %d to %d", tick, c.tick.Load())
	}
	if rebuilt(t, c, "show-1") {
		t.Error("show-1, used after show-2, was evicted")
	}
	if !rebuilt(t, c, "show-2") {
		t.Error("show-2, the least recently used, was kept")
	}
}
