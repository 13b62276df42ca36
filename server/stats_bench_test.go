package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/stats"
)

// BenchmarkMediaRangeCounting serves 1 MiB Range GETs at random offsets of
// a published 50 MB episode over real TCP, with download counting off and
// on (the aggregation running as in production), so the two MB/s figures
// can be compared: counting must cost the media answer nothing noticeable.
func BenchmarkMediaRangeCounting(b *testing.B) {
	const size, rng = 50 << 20, 1 << 20
	a := newAPIEnv(b, "")
	ctx := context.Background()
	a.createShow("bench")
	ep := a.createEpisode("bench", map[string]any{"title": "Bench"})
	key := fmt.Sprintf("audio/%d/bench.mp3", ep.ID)
	if _, err := a.bucket.Put(ctx, key, "audio/mpeg", bytes.NewReader(make([]byte, size))); err != nil {
		b.Fatal(err)
	}
	s, _ := a.store.GetShow(ctx, "bench")
	e, _ := a.store.GetEpisode(ctx, s.ID, fmt.Sprint(ep.ID))
	e.Audio = &episodes.Audio{Key: key, Size: size, ContentType: "audio/mpeg", DurationMS: 3_000_000, Bitrate: 128_000}
	if err := a.store.UpdateEpisode(ctx, e); err != nil {
		b.Fatal(err)
	}
	if _, err := a.store.Publish(ctx, e.ID, a.clock.Now()); err != nil {
		b.Fatal(err)
	}
	for _, counting := range []bool{false, true} {
		b.Run(fmt.Sprintf("counting=%v", counting), func(b *testing.B) {
			deps := a.deps
			deps.Stats = nil
			if counting {
				c, err := stats.New(stats.Deps{Store: a.store, Now: a.clock.Now})
				if err != nil {
					b.Fatal(err)
				}
				runCtx, stop := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() { c.Run(runCtx); close(done) }()
				defer func() { stop(); <-done }()
				deps.Stats = c
			}
			srv := httptest.NewServer(serve(b, deps))
			defer srv.Close()
			url := srv.URL + "/media/" + key
			b.SetBytes(rng)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				client := srv.Client()
				r := rand.New(rand.NewPCG(1, 2))
				for pb.Next() {
					off := r.Int64N(size - rng)
					req, _ := http.NewRequest(http.MethodGet, url, nil)
					req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, off+rng-1))
					req.Header.Set("User-Agent", appleUA)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusPartialContent || n != rng {
						b.Errorf("status %d, %d bytes", resp.StatusCode, n)
						return
					}
				}
			})
		})
	}
}
