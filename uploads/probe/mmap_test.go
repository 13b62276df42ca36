package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// probeBoth probes b once as an *os.File (the memory-mapped walk) and once
// through a bytes.Reader (the buffered walk) and fails unless both give the same
// Info or the same error.
func probeBoth(t *testing.T, b []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audio")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	mapped, merr := probeFile(t, path)
	read, rerr := Probe(context.Background(), bytes.NewReader(b), int64(len(b)))
	if fmt.Sprint(merr) != fmt.Sprint(rerr) {
		t.Fatalf("mapped: %v\nread:   %v", merr, rerr)
	}
	if !reflect.DeepEqual(mapped, read) {
		t.Fatalf("mapped: %+v\nread:   %+v", mapped, read)
	}
}

// TestMappedMatchesReader: every fixture, whole and cut at several points, probes
// the same through the memory map as through reads.
func TestMappedMatchesReader(t *testing.T) {
	for _, dir := range []string{fixtures, filepath.Join(fixtures, "broken")} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, de := range entries {
			name := de.Name()
			if de.IsDir() || !(strings.HasSuffix(name, ".mp3") || strings.HasSuffix(name, ".m4a")) {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			t.Run(filepath.Base(dir)+"/"+name, func(t *testing.T) {
				probeBoth(t, b)
				for _, n := range []int{len(b) / 3, len(b) / 2, len(b) - 417, len(b) - 1} {
					if n > 0 && n < len(b) {
						probeBoth(t, b[:n])
					}
				}
			})
		}
	}
}

// laneStream builds an MPEG-1 layer III, 48 kHz stream of 960-byte frames whose
// bodies hold a chain of nine valid 96-byte frame headers of the same stream, so
// a lane that starts inside a body finds a chain that the true walk never visits.
// Every 50th frame is followed by up to 700 bytes of junk, of lengths from rng.
func laneStream(rng *rand.Rand, frames int) []byte {
	var out []byte
	for i := range frames {
		f := make([]byte, 960)
		binary.BigEndian.PutUint32(f, 0xfffbe400) // 320 kbit/s, 48 kHz, stereo
		for k := range 9 {
			binary.BigEndian.PutUint32(f[8+96*k:], 0xfffb1400) // 32 kbit/s: 96 bytes
		}
		out = append(out, f...)
		if i%50 == 49 { // some junk now and then, resynchronised past
			out = append(out, bytes.Repeat([]byte{0x55}, 1+rng.IntN(700))...)
		}
	}
	return out
}

// TestLanesMatchSequential: the interleaved walk gives exactly what one walk
// gives, for any number of lanes, where lanes start on decoy chains, in junk,
// and in real streams (fixtures and random edits of them).
func TestLanesMatchSequential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	decoys := laneStream(rng, 400)
	h, _ := parseFrameHeader(decoys)
	if q, ok := newStreamFrames(h).entry(bytesSource{data: decoys}, 5, 2000); !ok || q != 8 {
		t.Fatalf("a lane starting at byte 5 enters at %d, %v; want the decoy chain at 8, which the walk never visits", q, ok)
	}
	inputs := map[string][]byte{"decoys": decoys}
	for _, name := range []string{"vbr-noxing.mp3", "cbr.mp3"} {
		b, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		inputs[name] = b
		for i := range 4 {
			e := bytes.Clone(b)
			for range 20 {
				e[rng.IntN(len(e))] = byte(rng.Uint32())
			}
			inputs[fmt.Sprintf("%s-edited-%d", name, i)] = e
		}
	}
	for name, b := range inputs {
		t.Run(name, func(t *testing.T) {
			first, h, ok := findFirstFrame(bytes.NewReader(b), 0, int64(len(b)))
			if !ok {
				t.Fatal("no first frame")
			}
			src := bytesSource{data: b}
			want, err := walkFrames(context.Background(), src, first, int64(len(b)), h)
			if err != nil {
				t.Fatal(err)
			}
			if want.frames < 50 {
				t.Fatalf("only %d frames: the input does not exercise lanes", want.frames)
			}
			for _, lw := range [][2]int{{2, 1}, {3, 1}, {7, 2}, {16, 1}, {16, 4}, {61, 3}} {
				lanes, workers := lw[0], lw[1]
				for _, end := range []int64{int64(len(b)), int64(len(b)) * 2 / 3} {
					exp := want
					if end != int64(len(b)) {
						if exp, err = walkFrames(context.Background(), src, first, end, h); err != nil {
							t.Fatal(err)
						}
					}
					got, err := lanesWalk(src, first, end, h, lanes, workers)
					if err != nil || got != exp {
						t.Errorf("%d lanes in %d goroutines to %d: %+v, %v; one walk: %+v", lanes, workers, end, got, err, exp)
					}
				}
			}
		})
	}
}

// TestStreamFramesTable: the length table agrees with parseFrameHeader and
// sameStream for every header of the first frame's stream bits.
func TestStreamFramesTable(t *testing.T) {
	for _, first := range []uint32{0xfffbe400, 0xfffb90c0, 0xfff3a4c1, 0xffe3e001, 0xfffd9444, 0xffff1480} {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], first)
		h, ok := parseFrameHeader(b[:])
		if !ok {
			t.Fatalf("%#x is not a frame header", first)
		}
		st := newStreamFrames(h)
		for low := range uint32(1 << 16) {
			raw := first&0xffff0000 | low
			binary.BigEndian.PutUint32(b[:], raw)
			var want int64
			if o, ok := parseFrameHeader(b[:]); ok && o.sameStream(h) {
				want = int64(o.length)
			}
			if got := st.frameLen(raw); got != want {
				t.Fatalf("stream %#x, header %#x: length %d, parseFrameHeader says %d", first, raw, got, want)
			}
		}
	}
}

// TestMappedFileShrinks: a file cut while it is mapped gives an error, not a
// crash (SIGBUS), and is still unmapped.
func TestMappedFileShrinks(t *testing.T) {
	b := laneStream(rand.New(rand.NewPCG(3, 4)), 20000) // ~19 MB, several lanes
	path := filepath.Join(t.TempDir(), "shrinks.mp3")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, _ := parseFrameHeader(b)
	src, unmap, err := mapFile(f, 0, int64(len(b)), 2)
	if err != nil {
		t.Skipf("cannot map here: %v", err)
	}
	unmapped := false
	if err := f.Truncate(4096); err != nil {
		t.Fatal(err)
	}
	w := newWalker(newStreamFrames(h), nil, 0, int64(len(b)), math.MaxInt64)
	err = walkMapped(context.Background(), w, src, func() error { unmapped = true; return unmap() }, math.MaxInt64, defaultMapPlan())
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("walk of a shrunk file: %v, want a memory-fault error", err)
	}
	if !unmapped {
		t.Fatal("the mapping was not unmapped")
	}
}

// TestMapFileRefused: what the kernel will not map is refused, so Probe reads it.
func TestMapFileRefused(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, _, err := mapFile(r, 0, 4096, 1); err == nil {
		t.Fatal("mapped a pipe")
	}
	f, err := os.Open(filepath.Join(fixtures, "cbr.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, _, err := mapFile(f, 10, 10, 1); err == nil {
		t.Fatal("mapped an empty range")
	}
}

// lanesWalk walks [start, end) of src in lanes, as one window.
func lanesWalk(src bytesSource, start, end int64, first frameHeader, lanes, workers int) (walkResult, error) {
	w := newWalker(newStreamFrames(first), nil, start, end, math.MaxInt64)
	if err := walkLanes(context.Background(), w, src, math.MaxInt64, lanes, workers); err != nil {
		return walkResult{}, err
	}
	return w.result(), nil
}

// memMapper "maps" windows of b like mapFile (from the page holding from to
// to, never past the data), failing t if the walk asks for a window while
// another is still mapped, or for one much longer than plan allows.
func memMapper(t testing.TB, b []byte, plan mapPlan) mapper {
	live := false
	return func(from, to int64) (bytesSource, func() error, error) {
		if live {
			t.Fatalf("window [%d, %d) mapped before the last was unmapped", from, to)
		}
		if to != int64(len(b)) && to-from > plan.window+windowSlack {
			t.Fatalf("window [%d, %d) of %d bytes; the plan allows %d+%d", from, to, to-from, plan.window, windowSlack)
		}
		base := from &^ 4095
		live = true
		return bytesSource{data: b[base:min(to, int64(len(b)))], base: base}, func() error { live = false; return nil }, nil
	}
}

// windowInputs are streams for the windowed walk: real CBR and VBR fixtures,
// decoy chains with short junk, and a stream with runs of junk longer than a
// small window, one just short of maxResync (resynchronised past) and one past
// it (which ends the audio).
func windowInputs(t *testing.T) map[string][]byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	inputs := map[string][]byte{"decoys": laneStream(rng, 300)}
	for _, name := range []string{"vbr-noxing.mp3", "cbr.mp3"} {
		b, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		// The frames, from the first to the end, repeated: one longer stream.
		first, _, ok := findFirstFrame(bytes.NewReader(b), 0, int64(len(b)))
		if !ok {
			t.Fatalf("%s: no first frame", name)
		}
		inputs[name+"-x12"] = append(b[:first:first], bytes.Repeat(b[first:], 12)...)
	}
	var junky []byte
	for i, gap := range []int{0, 9000, 0, 30000, maxResync - 3, 0, 5000, maxResync + 10} {
		junky = append(junky, laneStream(rng, 20+i)...)
		junky = append(junky, bytes.Repeat([]byte{0x55}, gap)...)
	}
	inputs["long-junk"] = junky
	return inputs
}

// TestWindowsMatchReader: a mapped walk in small windows (a few KiB, so many
// frames and runs of junk straddle window boundaries), with and without lanes,
// in memory and in real memory maps of a file, gives exactly what one walk
// through reads gives, whole and cut short.
func TestWindowsMatchReader(t *testing.T) {
	plans := []mapPlan{
		{window: 4096, lanes: 1, minLane: 1, workers: 1},
		{window: 4099, lanes: 3, minLane: 256, workers: 2},
		{window: 8192, lanes: 16, minLane: 256, workers: 4},
		{window: 12345, lanes: 64, minLane: 64, workers: 2},
		{window: 1 << 20, lanes: 4, minLane: 256, workers: 2},
	}
	for name, b := range windowInputs(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audio")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			first, h, ok := findFirstFrame(bytes.NewReader(b), 0, int64(len(b)))
			if !ok {
				t.Fatal("no first frame")
			}
			for _, end := range []int64{int64(len(b)), int64(len(b)) * 2 / 3, int64(len(b)) - 1} {
				r := io.NewSectionReader(bytes.NewReader(b), 0, end)
				want, err := walkFrames(context.Background(), newReaderSource(r, first, end), first, end, h)
				if err != nil {
					t.Fatal(err)
				}
				if end == int64(len(b)) && (want.frames < 50 || want.bytes < 8*4096) {
					t.Fatalf("only %d frames, %d bytes: too few to cross many windows", want.frames, want.bytes)
				}
				for _, plan := range plans {
					got, err := walkWindows(context.Background(), r, memMapper(t, b[:end], plan), first, end, h, plan)
					if err != nil || got != want {
						t.Errorf("to %d, in memory, %+v: %+v, %v; read: %+v", end, plan, got, err, want)
					}
					maps := 0
					fileMapper := func(from, to int64) (bytesSource, func() error, error) {
						maps++
						return mapFile(f, from, to, plan.workers)
					}
					got, err = walkWindows(context.Background(), f, fileMapper, first, end, h, plan)
					if err != nil || got != want {
						t.Errorf("to %d, mapped, %+v: %+v, %v; read: %+v", end, plan, got, err, want)
					}
					if min := (want.bytes + want.junk) / (plan.window + windowSlack); int64(maps) < min {
						t.Errorf("to %d, %+v: %d windows mapped for %d bytes", end, plan, maps, want.bytes+want.junk)
					}
				}
			}
		})
	}
}

// TestWindowsFallBackToReading: where a window cannot be mapped, the rest of
// the walk reads the file, with the same result.
func TestWindowsFallBackToReading(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures, "vbr-noxing.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	first, h, ok := findFirstFrame(bytes.NewReader(b), 0, int64(len(b)))
	if !ok {
		t.Fatal("no first frame")
	}
	r := bytes.NewReader(b)
	want, err := walkFrames(context.Background(), newReaderSource(r, first, int64(len(b))), first, int64(len(b)), h)
	if err != nil {
		t.Fatal(err)
	}
	plan := mapPlan{window: 4096, lanes: 3, minLane: 256, workers: 2}
	inner := memMapper(t, b, plan)
	for _, failAt := range []int{0, 1, 5} {
		maps := 0
		m := func(from, to int64) (bytesSource, func() error, error) {
			if maps++; maps > failAt {
				return bytesSource{}, nil, fmt.Errorf("no map for [%d, %d)", from, to)
			}
			return inner(from, to)
		}
		got, err := walkWindows(context.Background(), r, m, first, int64(len(b)), h, plan)
		if err != nil || got != want {
			t.Errorf("mapping fails from window %d: %+v, %v; read: %+v", failAt+1, got, err, want)
		}
	}
}
