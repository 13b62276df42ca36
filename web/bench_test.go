package web

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkEpisodePage measures requests per second for the sample episode
// page (SQLite store, filesystem bucket, transcripts cached after the first
// request) over HTTP, from parallel clients.
func BenchmarkEpisodePage(b *testing.B) {
	st, clk, _ := sampleSite(b)
	bucket := newBucket(b)
	putObjects(b, bucket, sampleObjects)
	_, lb := serve(b, st, bucket, clk.Now)
	u := lb.EpisodePage("learning-lab", "spaced-repetition")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(u)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
