// Package probe owns reading uploaded episode audio: it sniffs whether bytes are an
// accepted format (MP3 or M4A), and reads a file's tags, artwork, chapters and exact
// duration. Third-party tag parsing (github.com/dhowden/tag) only ever sees sniffed
// MP3 or MP4 bytes, bounded in size, with its panics recovered.
package probe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/dhowden/tag"
)

// Info is what Probe read from a file.
type Info struct {
	Format      Format
	ContentType string // audio/mpeg or audio/x-m4a
	Title       string
	Artist      string
	Album       string
	Year        int
	Track       int // track number, used as the episode number
	Comment     string
	Picture     *Picture // nil when absent or not a JPEG or PNG
	Chapters    []Chapter
	DurationMS  int64
	Bitrate     int // average bits per second
	SampleRate  int // Hz
	Channels    int
	// Warnings lists metadata that could not be read; the audio itself was fine.
	Warnings []string
}

// Picture is embedded artwork.
type Picture struct {
	MIME string // image/jpeg or image/png, sniffed from Data
	Data []byte
}

// Chapter is one chapter mark.
type Chapter struct {
	StartMS int64
	EndMS   int64
	Title   string
}

// Probe reads the file r of size bytes. It returns an *UnsupportedError (matching
// ErrUnsupported) for files that are not MP3 or M4A, an error matching ErrMalformed
// for broken ones, and other errors for failed reads or a done ctx.
//
// The frame headers of an MP3 without a Xing or VBRI header are all read, so
// the duration is exact; Scan.Probe takes them from a walk done while the
// file arrived instead.
func Probe(ctx context.Context, r io.ReaderAt, size int64) (*Info, error) {
	return probe(ctx, r, size, nil)
}

func probe(ctx context.Context, r io.ReaderAt, size int64, scan *Scan) (*Info, error) {
	if size < 0 {
		return nil, fmt.Errorf("probe: negative size %d", size)
	}
	head := make([]byte, min(size, SniffLen))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("probe: read the file head: %w", err)
	}
	format, err := Sniff(head)
	if err != nil {
		return nil, err
	}
	var info *Info
	switch format {
	case MP3:
		info, err = probeMP3(ctx, r, size, head, scan)
	case M4A:
		info, err = probeM4A(ctx, r, size)
	}
	if err != nil {
		return nil, err
	}
	info.Format = format
	info.ContentType = format.ContentType()
	fillChapterEnds(info.Chapters, info.DurationMS)
	return info, nil
}

// readTags runs a dhowden/tag reader on rs, turning its panics into errors.
func readTags(rs io.ReadSeeker, read func(io.ReadSeeker) (tag.Metadata, error)) (md tag.Metadata, err error) {
	defer func() {
		if p := recover(); p != nil {
			md, err = nil, fmt.Errorf("probe: tag parser failed: %v", p)
		}
	}()
	return read(rs)
}

// applyTags fills empty fields of info from md.
func applyTags(info *Info, md tag.Metadata) {
	set := func(dst *string, v string) {
		if v = strings.TrimSpace(strings.ToValidUTF8(v, "\uFFFD")); *dst == "" && v != "" {
			*dst = v
		}
	}
	set(&info.Title, md.Title())
	set(&info.Artist, md.Artist())
	if info.Artist == "" {
		set(&info.Artist, md.AlbumArtist())
	}
	set(&info.Album, md.Album())
	set(&info.Comment, md.Comment())
	if y := md.Year(); info.Year == 0 && y > 0 && y < 10000 {
		info.Year = y
	}
	if t, _ := md.Track(); info.Track == 0 && t > 0 {
		info.Track = t
	}
	if p := md.Picture(); info.Picture == nil && p != nil {
		info.Picture = newPicture(p.Data)
	}
}

// newPicture keeps data only if it is a JPEG or PNG image.
func newPicture(data []byte) *Picture {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return &Picture{MIME: "image/png", Data: data}
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return &Picture{MIME: "image/jpeg", Data: data}
	}
	return nil
}

// fillChapterEnds gives chapters without an end the next chapter's start, and the
// last one the duration; it also drops end times before the start.
func fillChapterEnds(chs []Chapter, durationMS int64) {
	for i := range chs {
		c := &chs[i]
		next := durationMS
		if i+1 < len(chs) {
			next = chs[i+1].StartMS
		}
		if c.EndMS <= c.StartMS || c.EndMS == 0xffffffff || (durationMS > 0 && c.EndMS > durationMS) {
			c.EndMS = max(next, c.StartMS)
		}
	}
}

// probeMP3 reads an MPEG audio file with optional ID3v2 (front), APE and ID3v1 (back) tags.
func probeMP3(ctx context.Context, r io.ReaderAt, size int64, head []byte, scan *Scan) (*Info, error) {
	info := &Info{}
	var id3 *id3Tag
	var start int64
	if isID3v2Header(head) {
		n := id3Size(head)
		if n > size {
			return nil, malformed("the ID3v2 tag declares %d bytes but the whole file has %d: the file is truncated or the tag is corrupt", n, size)
		}
		var err error
		if id3, err = readID3(r, n); err != nil {
			return nil, err
		}
		start = n
		// Some tools leave a second ID3v2 tag; skip (but do not read) those.
		for i := 0; i < 4; i++ {
			var h [10]byte
			if _, err := r.ReadAt(h[:], start); err != nil || !isID3v2Header(h[:]) {
				break
			}
			if start+id3Size(h[:]) > size {
				return nil, malformed("a second ID3v2 tag at byte %d runs past the end of the file", start)
			}
			start += id3Size(h[:])
		}
	}
	end := size
	var v1 []byte
	if size-128 >= start {
		b := make([]byte, 128)
		if _, err := r.ReadAt(b, size-128); err != nil {
			return nil, fmt.Errorf("probe: read the ID3v1 tag: %w", err)
		}
		if string(b[:3]) == "TAG" {
			v1, end = b, size-128
		}
	}
	if end-32 >= start { // APEv2 tag footer
		var f [32]byte
		if _, err := r.ReadAt(f[:], end-32); err == nil && string(f[:8]) == "APETAGEX" {
			n := int64(f[12]) | int64(f[13])<<8 | int64(f[14])<<16 | int64(f[15])<<24
			if f[23]&0x80 != 0 { // has a header too
				n += 32
			}
			if n <= end-start {
				end -= n
			}
		}
	}

	first, h, ok := findFirstFrame(r, start, end)
	if !ok {
		var peek [16]byte
		n, _ := r.ReadAt(peek[:], start)
		what := describe(peek[:n])
		switch {
		case id3 == nil:
			return nil, malformed("no MPEG audio frames found")
		case n == 0:
			return nil, malformed("the file has an ID3 tag but no audio after it")
		case what != "of an unknown type":
			return nil, &UnsupportedError{Found: what + " behind an ID3 tag"}
		}
		return nil, malformed("no MPEG audio frames found after the %d-byte ID3 tag", start)
	}
	info.SampleRate, info.Channels = h.sampleRate, h.channels

	frame := make([]byte, h.length)
	if _, err := r.ReadAt(frame, first); err != nil && err != io.EOF {
		return nil, fmt.Errorf("probe: read the first MPEG frame: %w", err)
	}
	avail := end - first
	if v, ok := readVBRHeader(h, frame); ok && v.frames > 0 && v.frames*24 <= avail*2 {
		if v.bytes > avail {
			return nil, malformed("the %s header declares %d bytes of audio but the file holds %d: the file is truncated", v.kind, v.bytes, avail)
		}
		samples := v.frames * int64(h.samples)
		if trim := int64(v.delay + v.padding); trim < samples {
			samples -= trim
		}
		info.DurationMS = samples * 1000 / int64(h.sampleRate)
		audioBytes := avail
		if v.bytes > 0 {
			audioBytes = v.bytes
		}
		var next [4]byte
		if v.kind == "Info" && first+int64(h.length)+4 <= end { // LAME marks CBR files "Info"
			// The header frame may use another bitrate than the audio: ask the next frame.
			if _, err := r.ReadAt(next[:], first+int64(h.length)); err != nil {
				return nil, fmt.Errorf("probe: read the second MPEG frame: %w", err)
			}
		}
		if h2, ok := parseFrameHeader(next[:]); ok && h2.sameStream(h) {
			info.Bitrate = h2.bitrate
		} else if info.DurationMS > 0 {
			info.Bitrate = int(audioBytes * 8 * 1000 / info.DurationMS)
		}
	} else {
		res, ok, err := scan.result(ctx, first, h, end)
		if err == nil && !ok {
			res, err = walkFile(ctx, r, first, end, h)
		}
		if err != nil {
			return nil, fmt.Errorf("probe: walk MPEG frames: %w", err)
		}
		if res.cutAt >= 0 {
			return nil, malformed("the file ends in the middle of the MPEG frame at byte %d: it is truncated", res.cutAt)
		}
		if res.frames == 0 {
			return nil, malformed("no complete MPEG audio frames found")
		}
		if res.junk > res.bytes {
			return nil, malformed("only %d of %d bytes are MPEG audio frames: the file is corrupt", res.bytes, end-first)
		}
		info.DurationMS = res.samples * 1000 / int64(h.sampleRate)
		if !res.vbr {
			info.Bitrate = h.bitrate
		} else if info.DurationMS > 0 {
			info.Bitrate = int(res.bytes * 8 * 1000 / info.DurationMS)
		}
	}
	if info.DurationMS <= 0 {
		return nil, malformed("the audio is empty")
	}

	if id3 != nil {
		info.Comment = id3Comment(id3.frames)
		info.Chapters = id3Chapters(id3.frames, id3.version)
		applyID3(info, id3.frames)
		info.Warnings = append(info.Warnings, id3.warnings...)
	}
	if v1 != nil {
		if md, err := readTags(bytes.NewReader(v1), tag.ReadID3v1Tags); err != nil {
			info.Warnings = append(info.Warnings, fmt.Sprintf("ID3v1 tag: %v", err))
		} else {
			applyTags(info, md)
		}
	}
	return info, nil
}
