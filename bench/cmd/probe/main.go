// Command probe times Lyssna's audio probe (uploads/probe) on files, for
// bench/run.sh. For each file it probes n times in-process and prints one
// tab-separated line: path, duration in milliseconds, median and fastest
// probe time in nanoseconds, and whether the stream is VBR-looking (bitrate).
// With -after-last-byte the time is what an upload waits for after its last
// byte: the file is first written through a probe.Scan (untimed, as the
// upload pipeline does while spooling), then Scan.Probe reads the tags and
// the end of the file.
//
//	go run ./bench/cmd/probe [-n 5] [-after-last-byte] [-cpuprofile cpu.out] FILE...
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/lyssna/lyssna/uploads/probe"
)

func main() {
	n := flag.Int("n", 5, "probe each file `n` times and report the median")
	afterLast := flag.Bool("after-last-byte", false, "time only what is left after the last byte when the frames were walked while the file was written")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of all probes to `file`")
	flag.Parse()
	if flag.NArg() == 0 || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: probe [-n N] [-cpuprofile FILE] AUDIO...")
		os.Exit(2)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	for _, path := range flag.Args() {
		if err := run(path, *n, *afterLast); err != nil {
			pprof.StopCPUProfile()
			fail(err)
		}
	}
}

// run probes path n times and prints its line.
func run(path string, n int, afterLast bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	times := make([]time.Duration, n)
	var info *probe.Info
	for i := range times {
		var scan *probe.Scan
		if afterLast {
			scan = probe.NewScan()
			if _, err := io.Copy(scan, io.NewSectionReader(f, 0, st.Size())); err != nil {
				return err
			}
		}
		start := time.Now()
		info, err = scan.Probe(context.Background(), f, st.Size())
		times[i] = time.Since(start)
		if err != nil {
			return fmt.Errorf("probe %s: %w", path, err)
		}
	}
	slices.Sort(times)
	fmt.Printf("%s\t%d\t%d\t%d\t%d\n", path, info.DurationMS, times[n/2].Nanoseconds(), times[0].Nanoseconds(), info.Bitrate)
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "probe:", err)
	os.Exit(1)
}
