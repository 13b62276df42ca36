package probe

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestScanWalksWhileWriting: a file long enough for the walk to run while
// it is written (an ID3v2 tag with artwork, 2 MB of VBR frames with no Xing
// header, an ID3v1 tag) gets from Scan.Probe exactly what Probe gets, with
// the frames walked by the Scan, whatever the size of the writes.
func TestScanWalksWhileWriting(t *testing.T) {
	tagged, err := os.ReadFile(filepath.Join(fixtures, "art.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	audio, err := os.ReadFile(filepath.Join(fixtures, "vbr-noxing.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	if !isID3v2Header(tagged) || isID3v2Header(audio) {
		t.Fatal("fixtures: art.mp3 must start with an ID3v2 tag, vbr-noxing.mp3 not")
	}
	var b bytes.Buffer
	b.Write(tagged[:id3Size(tagged)])
	for b.Len() < 2<<20 {
		b.Write(audio)
	}
	b.WriteString("TAG")
	b.Write(bytes.Repeat([]byte{' '}, 125))
	file := b.Bytes()
	want, err := Probe(context.Background(), bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{1000, 4096, 256 << 10, len(file)} {
		scan := NewScan()
		for rest := file; len(rest) > 0; rest = rest[min(chunk, len(rest)):] {
			scan.Write(rest[:min(chunk, len(rest))])
		}
		if scan.state != scanWalk || scan.w.pos < int64(len(file))-scanLag-4096 {
			t.Fatalf("writes of %d: the Scan did not walk along (state %d)", chunk, scan.state)
		}
		if len(scan.buf) > scanLag+chunk+4096 {
			t.Errorf("writes of %d: the Scan holds %d bytes", chunk, len(scan.buf))
		}
		got, err := scan.Probe(context.Background(), bytes.NewReader(file), int64(len(file)))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("writes of %d: %+v, %v; want %+v", chunk, got, err, want)
		}
	}
}
