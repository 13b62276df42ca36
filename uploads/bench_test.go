package uploads

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/lyssna/lyssna/internal/testenv"
)

// BenchmarkIngestS3 runs whole uploads of unknown length (a plain
// io.Reader making CBR MP3 frames as it is read) through Ingest into
// versitygw on PostgreSQL: spool and hash, sniff, probe every frame, put,
// create the episode. It reports MB/s and the peak live heap during the
// upload. 64 MiB by default; 1 GiB with LYSSNA_BENCH_LARGE=1.
func BenchmarkIngestS3(b *testing.B) {
	sizes := []struct {
		name  string
		bytes int64
		large bool
	}{
		{"64MiB", 64 << 20, false},
		{"1GiB", 1 << 30, true},
	}
	for _, s := range sizes {
		b.Run(s.name, func(b *testing.B) {
			if s.large && os.Getenv("LYSSNA_BENCH_LARGE") != "1" {
				b.Skip("set LYSSNA_BENCH_LARGE=1 to ingest 1 GiB")
			}
			r := newRig(b, backends{"postgres", "s3"}, nil)
			r.in.MaxSize = 2 << 30
			size := s.bytes / mp3FrameLen * mp3FrameLen
			b.SetBytes(size)
			var maxPeak, maxGrowth uint64
			var total time.Duration
			seed := uint64(0)
			for b.Loop() {
				b.StopTimer()
				seed++
				runtime.GC()
				base := testenv.HeapLive()
				var peak uint64
				stop := testenv.SampleHeap(&peak)
				start := time.Now()
				b.StartTimer()
				ep, err := r.in.Ingest(b.Context(), r.show, newMP3Stream(size, seed), nil)
				b.StopTimer()
				total += time.Since(start)
				stop()
				if err != nil {
					b.Fatal(err)
				}
				if ep.Audio.Size != size {
					b.Fatalf("stored %d bytes, want %d", ep.Audio.Size, size)
				}
				maxPeak = max(maxPeak, peak)
				if peak > base {
					maxGrowth = max(maxGrowth, peak-base)
				}
				if err := r.store.DeleteEpisode(context.Background(), ep.ID); err != nil {
					b.Fatal(err)
				}
				if err := r.bucket.Delete(context.Background(), ep.Audio.Key); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(size)*float64(b.N)/total.Seconds()/1e6, "ingest-MB/s")
			b.ReportMetric(float64(maxPeak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(maxGrowth)/(1<<20), "peak-heap-growth-MiB")
		})
	}
}
