package probe

import (
	"bytes"
	"errors"
	"fmt"
)

// Format is an accepted audio container.
type Format string

// The accepted formats.
const (
	MP3 Format = "mp3" // MPEG audio (layer III, also I and II), optionally behind an ID3v2 tag
	M4A Format = "m4a" // MPEG-4 audio (AAC or ALAC in an ISO base media file)
)

// ContentType returns the MIME type a feed enclosure uses for f.
func (f Format) ContentType() string {
	switch f {
	case MP3:
		return "audio/mpeg"
	case M4A:
		return "audio/x-m4a"
	}
	return ""
}

// Ext returns the file extension for f, with its dot.
func (f Format) Ext() string {
	switch f {
	case MP3:
		return ".mp3"
	case M4A:
		return ".m4a"
	}
	return ""
}

// String returns the format's display name.
func (f Format) String() string {
	switch f {
	case MP3:
		return "MP3"
	case M4A:
		return "M4A"
	}
	return "unknown"
}

// SniffLen is how many leading bytes Sniff wants to see to be sure; fewer work
// for short files.
const SniffLen = 4096

// ErrUnsupported is matched (errors.Is) by every *UnsupportedError.
var ErrUnsupported = errors.New("probe: unsupported file type")

// ErrMalformed is matched (errors.Is) by errors for files that sniff as an accepted
// format but whose structure is broken (truncated, impossible sizes, no audio).
var ErrMalformed = errors.New("probe: malformed audio file")

// UnsupportedError says what a file looked like when it is not an accepted format.
type UnsupportedError struct {
	Found string // what the bytes look like, e.g. "WAV audio (RIFF/WAVE)", "PNG image", "an empty file"
}

// Error names what was found and what is accepted.
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("probe: the file is %s; accepted are MP3 (audio/mpeg) and M4A (audio/x-m4a)", e.Found)
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// MalformedError says what is broken in a file that sniffs as an accepted
// format.
type MalformedError struct {
	Detail string // e.g. `box "moov" declares 900 bytes but only 12 are left in its parent`
}

// Error names the problem.
func (e *MalformedError) Error() string { return "probe: malformed audio file: " + e.Detail }

// Is makes errors.Is(err, ErrMalformed) true.
func (e *MalformedError) Is(target error) bool { return target == ErrMalformed }

func malformed(format string, args ...any) error {
	return &MalformedError{Detail: fmt.Sprintf(format, args...)}
}

// Sniff decides from the first bytes of a file (SniffLen is enough) whether it is
// an accepted format. It never looks at names or declared content types. Other
// files give an *UnsupportedError that says what they look like.
func Sniff(head []byte) (Format, error) {
	switch {
	case len(head) == 0:
		return "", &UnsupportedError{Found: "an empty file"}
	case len(head) >= 10 && isID3v2Header(head):
		// The audio behind the tag is checked by Probe, which can read past it.
		return MP3, nil
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		brand := string(head[8:12])
		if audioBrand(brand) {
			return M4A, nil
		}
		return "", &UnsupportedError{Found: fmt.Sprintf("an ISO media file of brand %q (not an audio brand)", brand)}
	case len(head) >= 4:
		if h, ok := parseFrameHeader(head); ok {
			if next := h.length; next+4 <= len(head) {
				h2, ok := parseFrameHeader(head[next:])
				if !ok || !h2.sameStream(h) {
					return "", &UnsupportedError{Found: "unknown data that starts like an MPEG audio frame but is not followed by another"}
				}
			}
			return MP3, nil
		}
	}
	return "", &UnsupportedError{Found: describe(head)}
}

// audioBrand reports whether an ftyp major brand is one an audio-only MPEG-4 file uses.
func audioBrand(b string) bool {
	switch b {
	case "M4A ", "M4B ", "M4P ", "mp42", "mp41", "isom", "iso2", "iso4", "iso5", "iso6", "dash", "MSNV", "F4A ", "F4B ":
		return true
	}
	return false
}

// describe names what non-accepted bytes look like.
func describe(b []byte) string {
	has := func(off int, s string) bool { return len(b) >= off+len(s) && string(b[off:off+len(s)]) == s }
	switch {
	case len(b) == 0:
		return "an empty file"
	case has(0, "RIFF") && has(8, "WAVE"):
		return "WAV audio (RIFF/WAVE)"
	case has(0, "RIFF"):
		return "a RIFF file"
	case has(0, "fLaC"):
		return "FLAC audio"
	case has(0, "OggS"):
		return "an Ogg file (Vorbis, Opus or FLAC audio)"
	case has(0, "FORM") && (has(8, "AIFF") || has(8, "AIFC")):
		return "AIFF audio"
	case has(0, "\x89PNG\r\n\x1a\n"):
		return "a PNG image"
	case has(0, "\xff\xd8\xff"):
		return "a JPEG image"
	case has(0, "GIF87a") || has(0, "GIF89a"):
		return "a GIF image"
	case has(0, "%PDF-"):
		return "a PDF document"
	case has(0, "PK\x03\x04"):
		return "a ZIP archive"
	case has(0, "\x1a\x45\xdf\xa3"):
		return "a Matroska/WebM file"
	case has(0, "#!AMR"):
		return "AMR audio"
	case len(b) >= 2 && b[0] == 0xff && b[1]&0xf6 == 0xf0:
		return "raw AAC audio (ADTS); put it in an M4A container"
	case has(0, "TAG") && len(b) == 128:
		return "an ID3v1 tag with no audio"
	}
	t := bytes.ToLower(bytes.TrimLeft(b[:min(len(b), 512)], " \t\r\n\xef\xbb\xbf"))
	switch {
	case bytes.HasPrefix(t, []byte("<!doctype html")) || bytes.HasPrefix(t, []byte("<html")) || bytes.HasPrefix(t, []byte("<head")):
		return "an HTML page"
	case bytes.HasPrefix(t, []byte("<?xml")) || bytes.HasPrefix(t, []byte("<rss")):
		return "an XML document"
	case bytes.HasPrefix(t, []byte("{")) || bytes.HasPrefix(t, []byte("[")):
		return "JSON or other text"
	}
	return "of an unknown type"
}
