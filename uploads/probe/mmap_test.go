package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
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
					got, err := walkLanes(context.Background(), src, first, end, h, lanes, workers)
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
	_, err = walkMapped(context.Background(), src, func() error { unmapped = true; return unmap() }, 0, int64(len(b)), h)
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
