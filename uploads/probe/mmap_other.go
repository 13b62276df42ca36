//go:build !linux

package probe

import (
	"errors"
	"os"
)

// mapFile is not implemented here; the frame walk reads through the file instead.
func mapFile(f *os.File, start, end int64, workers int) (src bytesSource, unmap func() error, err error) {
	return bytesSource{}, nil, errors.New("probe: memory maps are only used on Linux")
}
