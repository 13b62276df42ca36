package testenv

import (
	"runtime/metrics"
	"sync"
	"time"
)

// HeapLive reads the bytes in live and not-yet-swept heap objects without
// stopping the world.
func HeapLive() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// SampleHeap records the largest HeapLive into *peak every millisecond until
// the returned stop is called; benchmarks report it as their peak heap.
func SampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if v := HeapLive(); v > *peak {
				*peak = v
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
