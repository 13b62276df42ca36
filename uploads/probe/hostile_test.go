package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// hostileMP3 is good audio behind an ID3v2.3 tag of n frames of the same ID
// (the attack that kept a third-party tag reader busy for 32 s with 20,000
// TXXX frames), each frame carrying pad bytes.
func hostileMP3(t testing.TB, id string, n, pad int) []byte {
	t.Helper()
	audio, err := os.ReadFile(filepath.Join(fixtures, "cbr.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	for i := 0; i < n; i++ {
		body = append(body, v23Frame(id, append([]byte(fmt.Sprintf("\x00desc%d\x00", i)), bytes.Repeat([]byte{'x'}, pad)...))...)
	}
	return append(id3Header(len(body)), append(body, audio...)...)
}

// id3Header is an ID3v2.3 header for a tag body of n bytes.
func id3Header(n int) []byte {
	return []byte{'I', 'D', '3', 3, 0, 0, byte(n >> 21 & 0x7f), byte(n >> 14 & 0x7f), byte(n >> 7 & 0x7f), byte(n & 0x7f)}
}

// hostileM4A is chapters.m4a with n extra ilst items of the same type in
// its user data, each of pad bytes.
func hostileM4A(t testing.TB, n, pad int) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, "chapters.m4a"))
	if err != nil {
		t.Fatal(err)
	}
	var items []byte
	for i := 0; i < n; i++ {
		data := appendBox(nil, "data", append([]byte{0, 0, 0, 1, 0, 0, 0, 0}, bytes.Repeat([]byte{'x'}, pad)...))
		items = appendBox(items, "\xa9nam", data)
	}
	extra := appendBox(nil, "udta", appendBox(nil, "meta", append(make([]byte, 4), appendBox(nil, "ilst", items)...)))
	// Grow the moov box by a second udta at its end (the walk keeps the first of each item).
	i := bytes.Index(b, []byte("moov")) - 4
	if i < 0 {
		t.Fatal("no moov in chapters.m4a")
	}
	size := int(binary.BigEndian.Uint32(b[i:]))
	out := append([]byte{}, b[:i+size]...)
	out = append(out, extra...)
	binary.BigEndian.PutUint32(out[i:], uint32(size+len(extra)))
	out = append(out, b[i+size:]...)
	fixStco(out, i+size, len(extra))
	return out
}

// fixStco moves every chunk offset past at on by d (the mdat moved).
func fixStco(b []byte, at, d int) {
	for off := 0; ; {
		j := bytes.Index(b[off:], []byte("stco"))
		if j < 0 {
			return
		}
		j += off
		n := int(binary.BigEndian.Uint32(b[j+8:]))
		for k := 0; k < n && j+12+4*k+4 <= len(b); k++ {
			p := j + 12 + 4*k
			if v := int(binary.BigEndian.Uint32(b[p:])); v >= at {
				binary.BigEndian.PutUint32(b[p:], uint32(v+d))
			}
		}
		off = j + 4
	}
}

// countingAt counts the bytes and the calls a probe reads.
type countingAt struct {
	r            *bytes.Reader
	bytes, calls atomic.Int64
}

func (c *countingAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.bytes.Add(int64(n))
	c.calls.Add(1)
	return n, err
}

// probeWork probes b and returns the work it took: bytes read plus 64 per
// read call (a call costs about what reading 64 bytes does).
func probeWork(b []byte) (*Info, int64, error) {
	c := &countingAt{r: bytes.NewReader(b)}
	info, err := Probe(context.Background(), c, int64(len(b)))
	return info, c.bytes.Load() + 64*c.calls.Load(), err
}

// linearBound is the most work a probe of n bytes may take: a few reads of
// every byte, and a fixed allowance for the small reads around headers.
func linearBound(n int) int64 { return 8*int64(n) + 1<<20 }

// TestRepeatedFramesLinear: 20,000 and 200,000 duplicate TXXX frames (and
// repeated MP4 items) are probed with work linear in the size, keep what a
// normal tag gives, and say what they skipped.
func TestRepeatedFramesLinear(t *testing.T) {
	for _, n := range []int{20_000, 200_000} {
		b := hostileMP3(t, "TXXX", n, 4)
		info, work, err := probeWork(b)
		if err != nil {
			t.Fatalf("%d TXXX frames: %v", n, err)
		}
		if work > linearBound(len(b)) {
			t.Errorf("%d TXXX frames (%d bytes): %d units of work, over the linear bound %d", n, len(b), work, linearBound(len(b)))
		}
		if info.DurationMS == 0 {
			t.Errorf("%d TXXX frames: no duration", n)
		}
		t.Logf("%d TXXX frames, %d bytes: %d units of work (%.2f a byte), warnings %q", n, len(b), work, float64(work)/float64(len(b)), info.Warnings)
	}
	// More frames than are walked: the rest of the tag is skipped with a warning.
	b := hostileMP3(t, "TXXX", maxID3Frames+10, 0)
	info, _, err := probeWork(b)
	if err != nil || len(info.Warnings) == 0 {
		t.Errorf("%d frames: %v, warnings %q; want a warning", maxID3Frames+10, err, info.Warnings)
	}

	m := hostileM4A(t, 20_000, 8)
	info, work, err := probeWork(m)
	if err != nil {
		t.Fatalf("M4A with 20,000 items: %v", err)
	}
	if work > linearBound(len(m)) {
		t.Errorf("M4A with 20,000 items: %d units of work, over %d", work, linearBound(len(m)))
	}
	if info.Title != "Chapters test" && info.Title == "" {
		t.Errorf("M4A with 20,000 items: title %q", info.Title)
	}
}

// FuzzProbeWork fails when a probe takes more than linear work in the
// input's size (counted in bytes read and read calls, not time). The seeds
// include the adversarial files: repeated ID3 frames and MP4 items.
func FuzzProbeWork(f *testing.F) {
	f.Add(hostileMP3(f, "TXXX", 2_000, 0))
	f.Add(hostileMP3(f, "CHAP", 300, 20))
	f.Add(hostileMP3(f, "APIC", 100, 100))
	f.Add(hostileM4A(f, 500, 0))
	for _, name := range []string{"cbr.mp3", "chapters.mp3", "chapters.m4a", "art.mp3", "v22.mp3"} {
		b, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, work, _ := probeWork(b); work > linearBound(len(b)) {
			t.Fatalf("%d bytes took %d units of work, over the linear bound %d", len(b), work, linearBound(len(b)))
		}
	})
}

// BenchmarkID3TagBytes reads ID3 tags of 1 KB to 10 MB made of repeated
// TXXX frames of 100 bytes (a frame header every 100 bytes, all of one ID:
// the shape that made the third-party reader quadratic); the ns/tagbyte
// metric must stay flat as the tag grows. BenchmarkProbeTagBytes is the same
// through the whole probe (the audio's fixed cost shows at small sizes).
func BenchmarkID3TagBytes(b *testing.B) {
	benchTags(b, func(file []byte, tagLen int) error {
		_, err := readID3(bytes.NewReader(file), int64(tagLen))
		return err
	})
}

// BenchmarkProbeTagBytes: see BenchmarkID3TagBytes.
func BenchmarkProbeTagBytes(b *testing.B) {
	benchTags(b, func(file []byte, _ int) error {
		_, err := Probe(context.Background(), bytes.NewReader(file), int64(len(file)))
		return err
	})
}

func benchTags(b *testing.B, probe func(file []byte, tagLen int) error) {
	for _, size := range []int{1 << 10, 10 << 10, 100 << 10, 1 << 20, 10 << 20} {
		file := hostileMP3(b, "TXXX", size/100, 100-10-len("\x00desc0\x00"))
		tagLen := int(id3Size(file))
		b.Run(fmt.Sprintf("tag=%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(tagLen))
			b.ReportAllocs()
			for b.Loop() {
				if err := probe(file, tagLen); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(tagLen), "ns/tagbyte")
		})
	}
}
