package web

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// benchEpisodes is the size of the benchmark show, as in bench/run.sh.
const benchEpisodes = 300

// benchSite is a SQLite show of benchEpisodes published episodes, each with
// every learning material, a day apart; it returns the stored episodes,
// oldest first.
func benchSite(b *testing.B) (Store, *fakeClock, []*episodes.Episode) {
	b.Helper()
	var eps []*episodes.Episode
	for i := range benchEpisodes {
		eps = append(eps, sampleEpisode(fmt.Sprintf("Episode %03d", i+1), at(time.Duration(i-benchEpisodes)*24*time.Hour)))
	}
	clk := newClock(t0)
	st, stored := sqliteSite(b, clk, sampleShow(), eps...)
	return st, clk, stored
}

// benchGet measures requests per second for GETs of u over HTTP, from
// parallel clients.
func benchGet(b *testing.B, u string) {
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

// BenchmarkEpisodePage measures the page of an episode in the middle of a
// 300-episode show (SQLite store, filesystem bucket, transcripts cached
// after the first request).
func BenchmarkEpisodePage(b *testing.B) {
	st, clk, eps := benchSite(b)
	bucket := newBucket(b)
	putObjects(b, bucket, sampleObjects)
	_, lb := serve(b, st, bucket, clk.Now)
	benchGet(b, lb.EpisodePage("learning-lab", eps[benchEpisodes/2].Slug))
}

// BenchmarkShowPage measures a middle page of the 300-episode show's list.
func BenchmarkShowPage(b *testing.B) {
	st, clk, _ := benchSite(b)
	bucket := newBucket(b)
	putObjects(b, bucket, sampleObjects)
	_, lb := serve(b, st, bucket, clk.Now)
	benchGet(b, lb.ShowPage("learning-lab")+"?page=8")
}
