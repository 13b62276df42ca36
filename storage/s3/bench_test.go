package s3_test

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

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
				base := heapLive()
				var peak uint64
				stop := sampleHeap(&peak)
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

// heapLive reads the bytes in live and not-yet-swept heap objects without
// stopping the world.
func heapLive() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap records the largest heapLive into *peak every millisecond
// until the returned stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if h := heapLive(); h > *peak {
				*peak = h
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
