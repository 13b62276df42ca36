package feed

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
)

// benchShow is the serial fixture with n episodes, each with notes,
// materials, transcripts, chapters and a guest.
func benchShow(n int) (*episodes.Show, []*episodes.Episode) {
	show, base := serialShow()
	show.Type = episodes.TypeEpisodic
	notes := "## About this episode\n\nWe discuss *greetings* in Swedish, with [a link](https://example.org/x).\n\n" +
		"- point one\n- point two\n- point three\n\nA longer paragraph of notes that goes on for a while, as show notes do."
	eps := make([]*episodes.Episode, n)
	for i := range eps {
		ep := *base[i%len(base)]
		ep.ID, ep.Number = int64(i+1), i+1
		ep.Slug, ep.GUID = fmt.Sprintf("episode-%d", i+1), fmt.Sprintf("guid-%d", i+1)
		ep.Title = fmt.Sprintf("Episode %d", i+1)
		ep.Notes = notes
		t := testNow.Add(-time.Duration(n-i) * time.Hour)
		ep.PublishAt, ep.Status = &t, episodes.StatusPublished
		eps[i] = &ep
	}
	return show, eps
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("episodes=%d", n), func(b *testing.B) {
			show, eps := benchShow(n)
			var size int
			b.ReportAllocs()
			for b.Loop() {
				out, err := Build(show, eps, testLinks, testNow)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "feed-bytes")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/episode")
		})
	}
}

// BenchmarkRebuild is what a show costs per edit: a build after one
// episode's notes changed, with the encoded items of the others kept in the
// Cache's ItemCache (compare BenchmarkBuild, which renders and encodes every
// episode). cpu-ns/op is the process's CPU time per build (the collector's
// included), less sensitive to the machine's load than ns/op.
func BenchmarkRebuild(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("episodes=%d", n), func(b *testing.B) {
			show, eps := benchShow(n)
			hc := NewItemCache(1 << 30)
			if _, _, err := build(show, eps, testLinks, testNow, hc, page{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu0 := testenv.ProcessCPU(b)
			for i := 0; b.Loop(); i++ {
				eps[i%n].Notes = fmt.Sprintf("Revised notes, revision %d.", i)
				if _, _, err := build(show, eps, testLinks, testNow, hc, page{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(testenv.ProcessCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/episode")
		})
	}
}

// BenchmarkPublicContent is package notify's digest of a show's feed
// after an edit (one episode's notes changed each time), for an unpaged
// show of 1,000 and one of 10,000 episodes, once the feed has been built:
// items=shared takes the items from the item cache the feed Cache built
// through (as lyssna serve wires them), items=none renders and encodes
// every episode again (what the digest did before it had the cache).
func BenchmarkPublicContent(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1000, 10000} {
		for _, shared := range []bool{true, false} {
			name := fmt.Sprintf("episodes=%d/items=none", n)
			if shared {
				name = fmt.Sprintf("episodes=%d/items=shared", n)
			}
			b.Run(name, func(b *testing.B) {
				show, eps := benchShow(n)
				src := staticSource{show: show, eps: eps}
				items := NewItemCache(1 << 30)
				c := NewCache(src, testLinks, func() time.Time { return testNow }, Options{Items: items, Logger: slog.New(slog.DiscardHandler)})
				if w := httptest.NewRecorder(); c.Serve(w, httptest.NewRequest(http.MethodGet, "/"+show.Slug+"/feed.xml", nil), show.Slug) != nil || w.Code != http.StatusOK {
					b.Fatalf("the first build = %d", w.Code)
				}
				if !shared {
					items = nil
				}
				b.ReportAllocs()
				cpu0 := testenv.ProcessCPU(b)
				for i := 0; b.Loop(); i++ {
					eps[i%n].Notes = fmt.Sprintf("Revised notes, revision %d.", i)
					if _, err := PublicContent(ctx, src, testLinks, items, show.Slug, testNow); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(testenv.ProcessCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

func BenchmarkServe(b *testing.B) {
	src := newFakeSource(func() (*episodes.Show, []*episodes.Episode) { return benchShow(100) })
	c := NewCache(src, testLinks, func() time.Time { return testNow }, Options{CheckInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = c.Serve(w, r, "learn-swedish")
	}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "identity")
	first, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	first.Body.Close()
	etag := first.Header.Get("ETag")

	cases := []struct {
		name   string
		header http.Header
		want   int
	}{
		{"full", http.Header{"Accept-Encoding": {"identity"}}, http.StatusOK},
		{"not-modified", http.Header{"Accept-Encoding": {"identity"}, "If-None-Match": {etag}}, http.StatusNotModified},
		{"gzip", http.Header{"Accept-Encoding": {"gzip"}}, http.StatusOK},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
					req.Header = tc.header.Clone()
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != tc.want {
						b.Errorf("status %d, want %d", resp.StatusCode, tc.want)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
	if got := c.builds.Load(); got != 1 {
		b.Errorf("%d builds while serving, want 1", got)
	}
}

// BenchmarkServeCached measures Cache.Serve alone on a cached 300-episode
// feed, into an httptest.ResponseRecorder: the CPU and allocations of one
// answer, without the network.
func BenchmarkServeCached(b *testing.B) {
	src := newFakeSource(func() (*episodes.Show, []*episodes.Episode) { return benchShow(300) })
	c := NewCache(src, testLinks, func() time.Time { return testNow }, Options{CheckInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	first := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/learn-swedish/feed.xml", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if err := c.Serve(first, req, "learn-swedish"); err != nil || first.Code != http.StatusOK {
		b.Fatalf("first answer %d, %v", first.Code, err)
	}
	cases := []struct {
		name   string
		header http.Header
		want   int
	}{
		{"gzip", http.Header{"Accept-Encoding": {"gzip, deflate"}}, http.StatusOK},
		{"gzip-304", http.Header{"Accept-Encoding": {"gzip, deflate"}, "If-None-Match": {first.Header().Get("ETag")}}, http.StatusNotModified},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/learn-swedish/feed.xml", nil)
			req.Header = tc.header
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				if err := c.Serve(w, req, "learn-swedish"); err != nil || w.Code != tc.want {
					b.Fatalf("status %d, want %d (%v)", w.Code, tc.want, err)
				}
			}
		})
	}
}

// staticSource hands out one show and its episodes as they are, without
// copying them: what PublicContent costs beyond reading them.
type staticSource struct {
	show *episodes.Show
	eps  []*episodes.Episode
}

func (s staticSource) GetShow(context.Context, string) (*episodes.Show, error) {
	cp := *s.show
	return &cp, nil
}
func (s staticSource) PublicEpisodes(context.Context, int64, time.Time) ([]*episodes.Episode, error) {
	return s.eps, nil
}
func (s staticSource) VisibleFeedPage(_ context.Context, _ int64, _ time.Time, upTo string, offset, limit int) ([]*episodes.Episode, int, error) {
	return pageOf(slices.Clone(s.eps), upTo, offset, limit)
}
func (staticSource) ShowVersion(context.Context, int64) (int64, error) { return 1, nil }
func (staticSource) NextScheduled(context.Context, int64, time.Time) (time.Time, bool, error) {
	return time.Time{}, false, nil
}
func (staticSource) PromoteDue(context.Context, int64, time.Time) (int, error) { return 0, nil }
