package s3_test

import (
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/lyssna/lyssna/internal/testenv"
)

// BenchmarkPutStream streams objects of unknown length (a plain io.Reader,
// no Seek, no Len) into versitygw and reports throughput (MB/s) and the peak
// live heap during the upload. The 1 GiB case runs with LYSSNA_BENCH_LARGE=1.
func BenchmarkPutStream(b *testing.B) {
	sizes := []struct {
		name  string
		bytes int64
		large bool
	}{
		{"256MiB", 256 << 20, false},
		{"1GiB", 1 << 30, true},
	}
	for _, s := range sizes {
		b.Run(s.name, func(b *testing.B) {
			if s.large && os.Getenv("LYSSNA_BENCH_LARGE") != "1" {
				b.Skip("set LYSSNA_BENCH_LARGE=1 to stream 1 GiB")
			}
			srv := testenv.S3(b)
			name := srv.NewBucket(b)
			bucket := newBucket(b, options(srv, name))
			ctx := b.Context()
			b.SetBytes(s.bytes)
			var maxPeak, maxGrowth uint64
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				base := testenv.HeapLive()
				var peak uint64
				stop := testenv.SampleHeap(&peak)
				b.StartTimer()
				if _, err := bucket.Put(ctx, "bench.bin", "audio/mpeg", &stream{n: s.bytes}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				stop()
				maxPeak = max(maxPeak, peak)
				if peak > base {
					maxGrowth = max(maxGrowth, peak-base)
				}
				if err := bucket.Delete(context.Background(), "bench.bin"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(maxPeak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(maxGrowth)/(1<<20), "peak-heap-growth-MiB")
		})
	}
}
