package testenv

import (
	"syscall"
	"testing"
	"time"
)

// ProcessCPU is the user and system CPU time this process has used, all
// its goroutines and the garbage collector's together. A benchmark that
// reports its difference per operation (cpu-ns/op) gives a figure less
// sensitive to other work on the machine than ns/op, which is wall time.
func ProcessCPU(tb testing.TB) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
