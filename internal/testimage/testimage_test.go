package testimage

import (
	"bytes"
	"image"
	"testing"
)

// TestEncodeOnceCopyEach: a picture asked for again is the same bytes, made
// once, and each caller may change its copy without touching the others'.
func TestEncodeOnceCopyEach(t *testing.T) {
	a := Encode(t, "png", 40, 30)
	cfg, format, err := image.DecodeConfig(bytes.NewReader(a))
	if err != nil || format != "png" || cfg.Width != 40 || cfg.Height != 30 {
		t.Fatalf("DecodeConfig = %+v %q %v, want a 40 × 30 png", cfg, format, err)
	}
	want := bytes.Clone(a)
	a[len(a)-1] ^= 0xff
	if b := Encode(t, "png", 40, 30); !bytes.Equal(b, want) {
		t.Error("the second copy differs from the first as made, or shares its bytes")
	}
	if bytes.Equal(Encode(t, "png", 30, 40), want) || bytes.Equal(Encode(t, "gif", 40, 30), want) {
		t.Error("another size or format gave the same bytes")
	}
}
