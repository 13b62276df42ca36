package imports

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/internal/testenv"
)

// BenchmarkImport1000 imports a feed of 1,000 items, each with its own
// small MP3 (about 32 KB, 2 s) served from a local server, through the
// whole pipeline (fetch, spool, probe, hash, store, publish) on SQLite and
// the filesystem, and reports items a second and the peak live heap.
// Run: go test ./imports -run '^$' -bench Import1000 -benchtime 1x
func BenchmarkImport1000(b *testing.B) {
	const n = 1000
	var feed bytes.Buffer
	feed.WriteString(`<?xml version="1.0"?><rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>Big</title><language>en</language>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed.xml" {
			w.Write(feed.Bytes())
			return
		}
		w.Write(fixtureMP3(r.URL.Path))
	}))
	defer srv.Close()
	for i := range n {
		fmt.Fprintf(&feed, `<item><title>Episode %d</title><guid>big-%d</guid><pubDate>%s</pubDate><description>&lt;p&gt;Notes %d&lt;/p&gt;</description><enclosure url="%s/a/%d.mp3" length="32109" type="audio/mpeg"/></item>`,
			i, i, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Hour).Format(time.RFC1123Z), i, srv.URL, i)
	}
	feed.WriteString(`</channel></rss>`)
	for range b.N {
		r := newRig(b, "sqlite")
		ctx := context.Background()
		job, err := r.im.StartFeed(ctx, srv.URL+"/feed.xml", "big")
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		base := testenv.HeapLive()
		var peak uint64
		stop := testenv.SampleHeap(&peak)
		start := time.Now()
		r.drain(b)
		took := time.Since(start)
		stop()
		got, _ := r.im.Get(ctx, job.ID)
		if got.ItemsDone != n {
			b.Fatalf("%d of %d items done: %+v", got.ItemsDone, n, strings.Join(func() []string {
				var s []string
				for _, e := range got.Errors[:min(3, len(got.Errors))] {
					s = append(s, e.Message)
				}
				return s
			}(), "; "))
		}
		b.ReportMetric(float64(n)/took.Seconds(), "items/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "peak-heap-over-start-MiB")
	}
}
