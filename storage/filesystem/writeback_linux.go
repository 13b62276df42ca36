package filesystem

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to begin writing n bytes of f from off to
// disk without waiting for it, so the Sync at the end of a long Put finds
// little left to write; failure only leaves that work to the Sync.
func startWriteback(f *os.File, off, n int64) {
	unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
