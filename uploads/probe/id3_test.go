package probe

import (
	"bytes"
	"encoding/binary"
	"testing"
	"unicode/utf16"
)

// utf16BOM encodes s as ID3 encoding 1: little-endian UTF-16 with a BOM.
func utf16BOM(s string) []byte {
	b := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// v23Frame builds an ID3v2.3 frame.
func v23Frame(id string, body []byte) []byte {
	b := make([]byte, 10, 10+len(body))
	copy(b, id)
	binary.BigEndian.PutUint32(b[4:], uint32(len(body)))
	return append(b, body...)
}

func TestID3Comment(t *testing.T) {
	comm := func(desc, text string) []byte {
		b := append([]byte{1}, "eng"...)
		b = append(b, utf16BOM(desc)...)
		b = append(b, 0, 0)
		return append(b, utf16BOM(text)...)
	}
	txxx := v23Frame("TXXX", append([]byte("\x00comment\x00"), "from ffmpeg"...))
	tests := []struct {
		name   string
		frames [][]byte
		want   string
	}{
		{"COMM in UTF-16", [][]byte{v23Frame("COMM", comm("", "Shownotes – här"))}, "Shownotes – här"},
		{"iTunes data skipped", [][]byte{v23Frame("COMM", comm("iTunNORM", " 000001")), v23Frame("COMM", comm("", "real"))}, "real"},
		{"COMM wins over TXXX", [][]byte{txxx, v23Frame("COMM", comm("desc", "the comment"))}, "the comment"},
		{"TXXX comment as ffmpeg writes it", [][]byte{txxx}, "from ffmpeg"},
		{"other TXXX ignored", [][]byte{v23Frame("TXXX", []byte("\x00mood\x00calm"))}, ""},
		{"cut COMM ignored", [][]byte{v23Frame("COMM", []byte{1, 'e'})}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			for _, f := range tt.frames {
				body = append(body, f...)
			}
			tag := append([]byte{'I', 'D', '3', 3, 0, 0, 0, 0, 0, 0}, body...)
			copy(tag[6:], []byte{0, 0, byte(len(body) >> 7), byte(len(body) & 0x7f)})
			if got := id3Comment(framesOf(t, tag)); got != tt.want {
				t.Fatalf("comment %q, want %q", got, tt.want)
			}
		})
	}
}

func TestID3Unsynchronisation(t *testing.T) {
	// A whole-tag unsynchronised v2.3 tag: 0xFF 0x00 pairs in the frame come out as 0xFF.
	body := v23Frame("TXXX", []byte("\x00comment\x00a\xffb"))
	var enc []byte
	for _, c := range body {
		enc = append(enc, c)
		if c == 0xff {
			enc = append(enc, 0)
		}
	}
	tag := append([]byte{'I', 'D', '3', 3, 0, 0x80, 0, 0, 0, byte(len(enc))}, enc...)
	frames := framesOf(t, tag)
	if len(frames) != 1 || string(frames[0].data) != "\x00comment\x00a\xffb" {
		t.Fatalf("frames %q", frames)
	}
}

func TestID3Text(t *testing.T) {
	tests := []struct {
		enc  byte
		in   []byte
		want string
	}{
		{0, []byte("caf\xe9\x00"), "café"},
		{1, utf16BOM("Väder"), "Väder"},
		{2, []byte{0, 'h', 0, 0xe5, 0, 0}, "hå"},
		{3, []byte("Ångström\x00"), "Ångström"},
		{3, []byte("bad \xff utf8"), "bad \uFFFD utf8"},
	}
	for _, tt := range tests {
		if got := id3Text(tt.enc, tt.in); got != tt.want {
			t.Errorf("id3Text(%d, %q) = %q, want %q", tt.enc, tt.in, got, tt.want)
		}
	}
}

// framesOf is what readID3 keeps of the tag.
func framesOf(t *testing.T, tag []byte) []id3Frame {
	t.Helper()
	id3, err := readID3(bytes.NewReader(tag), int64(len(tag)))
	if err != nil {
		t.Fatal(err)
	}
	return id3.frames
}
