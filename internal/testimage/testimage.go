// Package testimage makes pictures for tests of artwork uploads, so that no
// test needs a committed binary.
package testimage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"sync"
	"testing"
)

// encoded keeps each picture made in this test process: a race-enabled
// encoder takes a second or more over a 1400 × 1400 picture, and the same
// ones are asked for again and again (each backend of a test, each test).
var encoded struct {
	sync.Mutex
	m map[picture]*encoding
}

type picture struct {
	format string
	w, h   int
}

type encoding struct {
	once sync.Once
	b    []byte
	err  error
}

// Encode returns a w × h picture in format:
//
//	"jpeg"       a JPEG in YCbCr (what cameras and editors write for RGB)
//	"png"        an indexed-colour PNG (RGB palette)
//	"gray-jpeg"  a grayscale JPEG
//	"gray-png"   a grayscale PNG
//	"gif"        a GIF
//	"cmyk-jpeg"  the start of a four-component (CMYK) JPEG, up to its first
//	             scan: enough for image.DecodeConfig, which Go cannot encode
//	"png-header" a real 1 × 1 PNG whose header claims w × h: enough for
//	             image.DecodeConfig, and fast for sizes a race-enabled
//	             encoder takes seconds over
//
// The real encodings are kept small and quick: one flat colour. Each picture
// is made once per test process; every call returns a copy of its own.
func Encode(t testing.TB, format string, w, h int) []byte {
	t.Helper()
	k := picture{format, w, h}
	encoded.Lock()
	if encoded.m == nil {
		encoded.m = map[picture]*encoding{}
	}
	e := encoded.m[k]
	if e == nil {
		e = &encoding{}
		encoded.m[k] = e
	}
	encoded.Unlock()
	e.once.Do(func() { e.b, e.err = encode(format, w, h) })
	if e.err != nil {
		t.Fatalf("testimage: %v", e.err)
	}
	return bytes.Clone(e.b)
}

func encode(format string, w, h int) ([]byte, error) {
	r := image.Rect(0, 0, w, h)
	palette := color.Palette{color.RGBA{R: 200, G: 80, B: 20, A: 255}, color.RGBA{B: 160, A: 255}}
	var buf bytes.Buffer
	var err error
	switch format {
	case "jpeg":
		img := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
		for i := range img.Y {
			img.Y[i] = 120
		}
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 60})
	case "png":
		err = png.Encode(&buf, image.NewPaletted(r, palette))
	case "gray-jpeg":
		err = jpeg.Encode(&buf, image.NewGray(r), nil)
	case "gray-png":
		err = png.Encode(&buf, image.NewGray(r))
	case "gif":
		err = gif.Encode(&buf, image.NewPaletted(r, palette), nil)
	case "cmyk-jpeg":
		buf.Write([]byte{0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x14, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 4,
			1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0, 0xFF, 0xDA, 0x00, 0x0C})
	case "png-header":
		if err = png.Encode(&buf, image.NewPaletted(image.Rect(0, 0, 1, 1), palette)); err == nil {
			// Signature (8), IHDR length and type (8), then width and height;
			// the chunk's CRC covers its type and data.
			b := buf.Bytes()
			binary.BigEndian.PutUint32(b[16:], uint32(w))
			binary.BigEndian.PutUint32(b[20:], uint32(h))
			binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
		}
	default:
		return nil, fmt.Errorf("unknown format %q", format)
	}
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", format, err)
	}
	return buf.Bytes(), nil
}
