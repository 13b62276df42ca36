package probe

import (
	"fmt"
	"os"
	"sync"
	"syscall"
)

// mapFile maps the bytes [start, end) of f read-only and populates the mapping
// (MADV_POPULATE_READ, in up to workers goroutines), so the walk, which reads
// several stretches at once, never stops for a page fault. For 200 MB here,
// taking the faults cost 8.5 ms, MAP_POPULATE 4.3 ms, and populating two halves
// at once 2.5 ms; populating also reads ahead a file that is not cached. Where
// the kernel cannot populate (before Linux 5.14), the walk takes the faults. The
// mapping begins at the page holding start, so the returned source's base is
// that page's offset. The caller must call unmap, and must not use the source
// after it.
//
// It fails, and the caller reads the file instead, for what the kernel will not
// map (pipes, special files, write-only descriptors) and for ranges larger than
// the address space.
func mapFile(f *os.File, start, end int64, workers int) (src bytesSource, unmap func() error, err error) {
	base := start &^ int64(os.Getpagesize()-1)
	n := end - base
	if start < 0 || end <= start || int64(int(n)) != n {
		return bytesSource{}, nil, fmt.Errorf("probe: cannot map bytes %d to %d", start, end)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return bytesSource{}, nil, fmt.Errorf("probe: map the file: %w", err)
	}
	var data []byte
	var merr error
	if err := rc.Control(func(fd uintptr) {
		data, merr = syscall.Mmap(int(fd), base, int(n), syscall.PROT_READ, syscall.MAP_SHARED)
	}); err != nil {
		return bytesSource{}, nil, fmt.Errorf("probe: map the file: %w", err)
	}
	if merr != nil {
		return bytesSource{}, nil, fmt.Errorf("probe: map the file: %w", merr)
	}
	populate(data, workers)
	return bytesSource{data: data, base: base}, func() error { return syscall.Munmap(data) }, nil
}

// madvPopulateRead is MADV_POPULATE_READ (Linux 5.14), which package syscall lacks.
const madvPopulateRead = 22

// populate fills the page tables of data, split between up to workers
// goroutines (each part at least 16 MiB); errors are left to the page faults.
func populate(data []byte, workers int) {
	parts := max(1, min(workers, len(data)>>24))
	page := os.Getpagesize()
	var wg sync.WaitGroup
	for i := range parts {
		lo := len(data) * i / parts &^ (page - 1)
		hi := len(data) * (i + 1) / parts &^ (page - 1)
		if i == parts-1 {
			hi = len(data)
		}
		wg.Go(func() { _ = syscall.Madvise(data[lo:hi], madvPopulateRead) })
	}
	wg.Wait()
}
