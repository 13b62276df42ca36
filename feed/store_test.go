package feed

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/internal/testenv"
)

// *episodes.Store is what the server hands to NewCache.
var _ Source = (*episodes.Store)(nil)

// storeBackends opens a real store on each database Lyssna supports.
func storeBackends(t *testing.T, clk *clock) map[string]func(t *testing.T) *episodes.Store {
	open := func(t *testing.T, url string) *episodes.Store {
		st, err := episodes.Open(context.Background(), url, clk.now)
		if err != nil {
			t.Fatalf("episodes.Open: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	return map[string]func(t *testing.T) *episodes.Store{
		"sqlite": func(t *testing.T) *episodes.Store {
			return open(t, episodestest.SQLite(t))
		},
		"postgres": func(t *testing.T) *episodes.Store { return open(t, testenv.Postgres(t)) },
	}
}

func TestCacheWithRealStore(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: testNow}
	for name, open := range storeBackends(t, clk) {
		t.Run(name, func(t *testing.T) {
			clk.mu.Lock()
			clk.t = testNow
			clk.mu.Unlock()
			st := open(t)
			show, eps := serialShow()
			show.ID, show.Version = 0, 0
			if err := st.CreateShow(ctx, show); err != nil {
				t.Fatalf("CreateShow: %v", err)
			}
			var ids []int64
			for i, ep := range eps {
				ep.ID, ep.ShowID, ep.Status, ep.PublishAt = 0, show.ID, "", nil
				if err := st.CreateEpisode(ctx, ep); err != nil {
					t.Fatalf("CreateEpisode: %v", err)
				}
				// Two published in the past, the third scheduled an hour ahead.
				at := testNow.Add(time.Duration(i-2) * 24 * time.Hour)
				if i == 2 {
					at = testNow.Add(time.Hour)
				}
				if _, err := st.Publish(ctx, ep.ID, at); err != nil {
					t.Fatalf("Publish: %v", err)
				}
				ids = append(ids, ep.ID)
			}

			opts := Options{CheckInterval: time.Second, Logger: slog.New(slog.DiscardHandler)}
			c := NewCache(st, testLinks, clk.now, opts)
			// A second replica sharing the database.
			replica := NewCache(st, testLinks, clk.now, opts)

			guids := func(w *http.Response, body []byte) []string {
				f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("gofeed: %v", err)
				}
				var out []string
				for _, it := range f.Items {
					out = append(out, it.GUID)
				}
				return out
			}
			get := func(c *Cache) (*http.Response, []byte) {
				w := serve(t, c, http.MethodGet, show.Slug, nil)
				return w.Result(), w.Body.Bytes()
			}

			r1, b1 := get(c)
			if r1.StatusCode != http.StatusOK {
				t.Fatalf("GET = %d", r1.StatusCode)
			}
			if got := guids(r1, b1); strings.Join(got, ",") != eps[0].GUID+","+eps[1].GUID {
				t.Fatalf("items %v, want the two published episodes oldest first", got)
			}
			if r2, b2 := get(replica); r2.Header.Get("ETag") != r1.Header.Get("ETag") || !bytes.Equal(b1, b2) {
				t.Error("two replicas built different feeds from one database")
			}

			// The scheduled episode's time comes: rebuilt without any write.
			clk.add(time.Hour)
			r3, b3 := get(c)
			if got := guids(r3, b3); len(got) != 3 || got[2] != eps[2].GUID {
				t.Fatalf("after the scheduled time: items %v", got)
			}
			if c.builds.Load() != 2 {
				t.Errorf("%d builds, want 2", c.builds.Load())
			}

			// A write through the store (another replica) is seen after the interval.
			show.Title = "Learn Swedish, second edition"
			if err := st.UpdateShow(ctx, show); err != nil {
				t.Fatalf("UpdateShow: %v", err)
			}
			if _, b := get(c); bytes.Contains(b, []byte("second edition")) {
				t.Error("rebuilt before the check interval passed")
			}
			clk.add(2 * time.Second)
			if _, b := get(c); !bytes.Contains(b, []byte("second edition")) {
				t.Error("not rebuilt after the show's version changed")
			}
			builds := c.builds.Load()
			for range 20 {
				get(c)
			}
			clk.add(2 * time.Second)
			get(c)
			if c.builds.Load() != builds {
				t.Errorf("rebuilt %d times without a change", c.builds.Load()-builds)
			}

			// This process unpublishes an episode and invalidates at once.
			if _, err := st.Unpublish(ctx, ids[0]); err != nil {
				t.Fatalf("Unpublish: %v", err)
			}
			c.Invalidate(show.ID)
			r4, b4 := get(c)
			if got := guids(r4, b4); len(got) != 2 || got[0] != eps[1].GUID {
				t.Errorf("after Unpublish: items %v", got)
			}

			if err := st.DeleteShow(ctx, show.ID); err != nil {
				t.Fatalf("DeleteShow: %v", err)
			}
			clk.add(2 * time.Second)
			if w := serve(t, c, http.MethodGet, show.Slug, nil); w.Code != http.StatusNotFound {
				t.Errorf("deleted show = %d, want 404", w.Code)
			}
		})
	}
}
