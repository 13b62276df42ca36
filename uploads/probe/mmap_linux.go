package probe

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps the bytes [start, end) of f read-only and populates the mapping
// (MAP_POPULATE), so the walk, which reads several stretches at once, never stops
// for a page fault; populating the page tables in one call measured faster than
// taking the faults (6 against 8.5 ms for 200 MB here), and it reads ahead a file
// that is not cached. The mapping begins at the page holding start, so the
// returned source's base is that page's offset. The caller must call unmap, and
// must not use the source after it.
//
// It fails, and the caller reads the file instead, for what the kernel will not
// map (pipes, special files, write-only descriptors) and for ranges larger than
// the address space.
func mapFile(f *os.File, start, end int64) (src bytesSource, unmap func() error, err error) {
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
		data, merr = syscall.Mmap(int(fd), base, int(n), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	}); err != nil {
		return bytesSource{}, nil, fmt.Errorf("probe: map the file: %w", err)
	}
	if merr != nil {
		return bytesSource{}, nil, fmt.Errorf("probe: map the file: %w", merr)
	}
	return bytesSource{data: data, base: base}, func() error { return syscall.Munmap(data) }, nil
}
