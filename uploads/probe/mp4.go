package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/dhowden/tag"
)

const (
	maxMoovSize    = 64 << 20 // the movie box (sample tables) is read into memory
	maxTopBoxes    = 10000
	maxChapterRefs = 1000
)

// box is one ISO BMFF box inside a byte slice.
type box struct {
	typ  string
	body []byte
}

// children splits b into boxes; a size that runs past b is an error.
func children(b []byte) ([]box, error) {
	var out []box
	for len(b) > 0 {
		if len(b) < 8 {
			return out, malformed("a %d-byte fragment where an MPEG-4 box header was expected", len(b))
		}
		n := uint64(binary.BigEndian.Uint32(b))
		typ := string(b[4:8])
		hl := uint64(8)
		switch n {
		case 0:
			n = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return out, malformed("box %q has a cut 64-bit size", typ)
			}
			n, hl = binary.BigEndian.Uint64(b[8:]), 16
		}
		if n < hl || n > uint64(len(b)) {
			return out, malformed("box %q declares %d bytes but only %d are left in its parent", printable(typ), n, len(b))
		}
		out = append(out, box{typ: typ, body: b[hl:n]})
		b = b[n:]
	}
	return out, nil
}

func child(b []byte, path ...string) []byte {
	for _, p := range path {
		bs, _ := children(b)
		var found []byte
		for _, c := range bs {
			if c.typ == p {
				found = c.body
				break
			}
		}
		if found == nil {
			return nil
		}
		b = found
		if p == "meta" { // a full box: version and flags before its children
			if len(b) < 4 {
				return nil
			}
			b = b[4:]
		}
	}
	return b
}

func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// mp4Track is what probeM4A needs from one trak box.
type mp4Track struct {
	id         uint32
	handler    string
	timescale  uint64
	duration   uint64
	mediaTime  int64  // first non-empty edit's media time, -1 if none
	editDur    uint64 // its duration in the movie timescale
	chapRefs   []uint32
	sampleRate int
	channels   int
	avgBitrate int
	stbl       []byte
}

func parseTrack(trak []byte) mp4Track {
	t := mp4Track{mediaTime: -1}
	if tkhd := child(trak, "tkhd"); len(tkhd) >= 24 {
		if tkhd[0] == 1 {
			t.id = binary.BigEndian.Uint32(tkhd[20:])
		} else {
			t.id = binary.BigEndian.Uint32(tkhd[12:])
		}
	}
	if chap := child(trak, "tref", "chap"); chap != nil {
		for i := 0; i+4 <= len(chap) && len(t.chapRefs) < 16; i += 4 {
			t.chapRefs = append(t.chapRefs, binary.BigEndian.Uint32(chap[i:]))
		}
	}
	if elst := child(trak, "edts", "elst"); len(elst) >= 8 {
		n := int(binary.BigEndian.Uint32(elst[4:]))
		e := elst[8:]
		for i := 0; i < n; i++ {
			var dur uint64
			var mt int64
			if elst[0] == 1 {
				if len(e) < 20 {
					break
				}
				dur, mt, e = binary.BigEndian.Uint64(e), int64(binary.BigEndian.Uint64(e[8:])), e[20:]
			} else {
				if len(e) < 12 {
					break
				}
				dur, mt, e = uint64(binary.BigEndian.Uint32(e)), int64(int32(binary.BigEndian.Uint32(e[4:]))), e[12:]
			}
			if mt >= 0 {
				t.mediaTime, t.editDur = mt, dur
				break
			}
		}
	}
	mdia := child(trak, "mdia")
	if mdhd := child(mdia, "mdhd"); len(mdhd) >= 20 {
		if mdhd[0] == 1 {
			if len(mdhd) >= 32 {
				t.timescale = uint64(binary.BigEndian.Uint32(mdhd[20:]))
				t.duration = binary.BigEndian.Uint64(mdhd[24:])
			}
		} else {
			t.timescale = uint64(binary.BigEndian.Uint32(mdhd[12:]))
			t.duration = uint64(binary.BigEndian.Uint32(mdhd[16:]))
		}
	}
	if hdlr := child(mdia, "hdlr"); len(hdlr) >= 12 {
		t.handler = string(hdlr[8:12])
	}
	t.stbl = child(mdia, "minf", "stbl")
	if stsd := child(t.stbl, "stsd"); len(stsd) >= 8 {
		if entries, _ := children(stsd[8:]); len(entries) > 0 && len(entries[0].body) >= 28 {
			e := entries[0].body
			t.channels = int(binary.BigEndian.Uint16(e[16:]))
			t.sampleRate = int(binary.BigEndian.Uint32(e[24:]) >> 16)
			if esds := child(e[28:], "esds"); len(esds) > 4 {
				var ch int
				if t.avgBitrate, ch = esdsConfig(esds[4:]); ch > 0 {
					t.channels = ch
				}
			}
		}
	}
	return t
}

// esdsConfig reads an ES descriptor: the decoder config's average bitrate and the
// channel count of an AAC AudioSpecificConfig (MP4 sample entries always say 2).
func esdsConfig(b []byte) (avgBitrate, channels int) {
	for len(b) >= 2 {
		tagID := b[0]
		b = b[1:]
		n := 0
		for i := 0; i < 4 && len(b) > 0; i++ {
			c := b[0]
			b = b[1:]
			n = n<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
		switch tagID {
		case 3: // ES_Descriptor: ES_ID(2), flags(1), then sub-descriptors (optional fields ignored)
			if len(b) < 3 || b[2]&0xe0 != 0 {
				return
			}
			b = b[3:]
		case 4: // DecoderConfigDescriptor: 13 bytes, then DecoderSpecificInfo
			if len(b) < 13 {
				return
			}
			avgBitrate = int(binary.BigEndian.Uint32(b[9:]))
			b = b[13:]
		case 5: // AudioSpecificConfig: object type (5 bits), frequency index (4), channels (4)
			if n >= 2 && len(b) >= 2 {
				objType, p := int(b[0]>>3), 5
				if objType == 31 {
					p += 6
				}
				bits := uint32(b[0])<<24 | uint32(b[1])<<16
				if len(b) >= 3 {
					bits |= uint32(b[2]) << 8
				}
				freqIdx := (bits >> (32 - p - 4)) & 0xf
				p += 4
				if freqIdx == 15 {
					p += 24
				}
				if p+4 <= 24 {
					if c := int((bits >> (32 - p - 4)) & 0xf); c > 0 && c < 7 {
						channels = c
					} else if c == 7 {
						channels = 8
					}
				}
			}
			return
		default:
			if n > len(b) {
				return
			}
			b = b[n:]
		}
	}
	return
}

// sampleCount returns the number of samples in an stbl's stsz table.
func sampleCount(stbl []byte) int {
	if stsz := child(stbl, "stsz"); len(stsz) >= 12 {
		return int(binary.BigEndian.Uint32(stsz[8:]))
	}
	return 0
}

// probeM4A reads an ISO base media file holding audio.
func probeM4A(ctx context.Context, r io.ReaderAt, size int64) (*Info, error) {
	var moovOff, moovLen int64 = -1, 0
	var mdatBytes int64
	var hdr [16]byte
	pos := int64(0)
	for i := 0; pos < size; i++ {
		if i == maxTopBoxes {
			return nil, malformed("more than %d top-level MPEG-4 boxes", maxTopBoxes)
		}
		if i&0xff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if size-pos < 8 {
			return nil, malformed("%d stray bytes at the end of the MPEG-4 file", size-pos)
		}
		n, err := r.ReadAt(hdr[:min(16, size-pos)], pos)
		if n < 8 {
			return nil, fmt.Errorf("probe: read an MPEG-4 box header: %w", err)
		}
		bl, hl := int64(binary.BigEndian.Uint32(hdr[:])), int64(8)
		typ := printable(string(hdr[4:8]))
		switch bl {
		case 0:
			bl = size - pos
		case 1:
			if n < 16 {
				return nil, malformed("box %q at byte %d has a cut 64-bit size", typ, pos)
			}
			u := binary.BigEndian.Uint64(hdr[8:])
			if u > uint64(size) {
				return nil, malformed("box %q at byte %d declares %d bytes but the file has %d: the file is truncated or corrupt", typ, pos, u, size)
			}
			bl, hl = int64(u), 16
		}
		if bl < hl || bl > size-pos {
			return nil, malformed("box %q at byte %d declares %d bytes but the file has %d: the file is truncated or corrupt", typ, pos, bl, size)
		}
		switch typ {
		case "moov":
			moovOff, moovLen = pos+hl, bl-hl
		case "mdat":
			mdatBytes += bl - hl
		}
		pos += bl
	}
	if moovOff < 0 {
		return nil, malformed("the MPEG-4 file has no movie box (moov): it is incomplete, e.g. an interrupted recording")
	}
	if moovLen > maxMoovSize {
		return nil, malformed("the MPEG-4 movie box is %d bytes, over the %d MiB limit", moovLen, maxMoovSize>>20)
	}
	if moovLen == 0 {
		return nil, malformed("the MPEG-4 movie box (moov) is empty: the file is incomplete or corrupt")
	}
	moov, udtaBox, err := readMoov(r, moovOff, moovLen)
	if err != nil {
		return nil, err
	}
	boxes, err := children(moov)
	if err != nil {
		return nil, err
	}
	var tracks []mp4Track
	var movieScale, movieDur uint64
	for _, b := range boxes {
		switch b.typ {
		case "trak":
			if len(tracks) < 64 {
				tracks = append(tracks, parseTrack(b.body))
			}
		case "mvhd":
			if len(b.body) >= 20 && b.body[0] == 0 {
				movieScale = uint64(binary.BigEndian.Uint32(b.body[12:]))
				movieDur = uint64(binary.BigEndian.Uint32(b.body[16:]))
			} else if len(b.body) >= 32 {
				movieScale = uint64(binary.BigEndian.Uint32(b.body[20:]))
				movieDur = binary.BigEndian.Uint64(b.body[24:])
			}
		}
	}
	var audio *mp4Track
	for i := range tracks {
		switch tracks[i].handler {
		case "soun":
			if audio == nil {
				audio = &tracks[i]
			}
		case "vide":
			if sampleCount(tracks[i].stbl) > 1 {
				return nil, &UnsupportedError{Found: "an MPEG-4 video"}
			}
		}
	}
	if audio == nil {
		return nil, &UnsupportedError{Found: "an MPEG-4 file without an audio track"}
	}
	if mdatBytes == 0 {
		return nil, malformed("the MPEG-4 file has no media data (mdat)")
	}

	info := &Info{SampleRate: audio.sampleRate, Channels: audio.channels}
	if info.SampleRate == 0 {
		info.SampleRate = int(min(audio.timescale, 1<<20))
	}
	switch {
	case audio.timescale > 0 && audio.duration > 0:
		d := audio.duration
		if audio.mediaTime > 0 && uint64(audio.mediaTime) < d {
			d -= uint64(audio.mediaTime)
		}
		if audio.editDur > 0 && movieScale > 0 {
			if e := mulDiv(audio.editDur, audio.timescale, movieScale); e < d {
				d = e
			}
		}
		info.DurationMS = int64(mulDiv(d, 1000, audio.timescale))
	case movieScale > 0:
		info.DurationMS = int64(mulDiv(movieDur, 1000, movieScale))
	}
	if info.DurationMS <= 0 {
		return nil, malformed("the MPEG-4 audio track has no duration")
	}
	info.Bitrate = audio.avgBitrate
	if info.Bitrate == 0 {
		info.Bitrate = int(mulDiv(uint64(mdatBytes), 8000, uint64(info.DurationMS)))
	}

	udta := child(moov, "udta")
	info.Chapters = chplChapters(child(udta, "chpl"))
	if info.Chapters == nil {
		for _, id := range audio.chapRefs {
			for i := range tracks {
				if tracks[i].id == id && tracks[i].handler == "text" {
					info.Chapters = textChapters(r, size, tracks[i])
				}
			}
		}
	}
	ilst := child(udta, "meta", "ilst")
	if trkn := child(ilst, "trkn", "data"); len(trkn) >= 12 {
		info.Track = int(binary.BigEndian.Uint16(trkn[10:])) // dhowden/tag cuts it to 8 bits
	}
	if ilst != nil {
		// The tag library trusts atom sizes: hand it the movie box only if the boxes it
		// walks (udta, meta, ilst and the items) all fit inside their parents.
		_, errU := children(udta)
		_, errM := children(child(udta, "meta"))
		_, errI := children(ilst)
		if err := errors.Join(errU, errM, errI); err != nil {
			info.Warnings = append(info.Warnings, fmt.Sprintf("MP4 tags not read: %v", err))
		} else if md, err := readTags(bytes.NewReader(moovBox(udtaBox)), tag.ReadAtoms); err != nil {
			info.Warnings = append(info.Warnings, fmt.Sprintf("MP4 tags: %v", err))
		} else {
			applyTags(info, md)
		}
	}
	return info, nil
}

// moovBox rebuilds a moov box around body for the tag reader.
func moovBox(body []byte) []byte {
	b := make([]byte, 8, 8+len(body))
	binary.BigEndian.PutUint32(b, uint32(8+len(body)))
	copy(b[4:], "moov")
	return append(b, body...)
}

// mulDiv returns a*b/c without overflowing for the sizes seen in media files.
func mulDiv(a, b, c uint64) uint64 {
	if c == 0 {
		return 0
	}
	return a/c*b + a%c*b/c
}

// chplChapters reads a Nero chapter list (times in 100 ns units).
func chplChapters(b []byte) []Chapter {
	if len(b) < 5 {
		return nil
	}
	p := 4
	if b[0] == 1 {
		p += 4
	}
	if p >= len(b) {
		return nil
	}
	n := int(b[p])
	p++
	var out []Chapter
	for i := 0; i < n && p+9 <= len(b); i++ {
		start := binary.BigEndian.Uint64(b[p:])
		l := int(b[p+8])
		p += 9
		if p+l > len(b) {
			break
		}
		out = append(out, Chapter{StartMS: int64(start / 10000), Title: strings.TrimSpace(strings.ToValidUTF8(string(b[p:p+l]), "\uFFFD"))})
		p += l
	}
	return out
}

// textChapters reads the samples of a QuickTime chapter text track: each a 16-bit
// length and the title, timed by the track's stts table.
func textChapters(r io.ReaderAt, size int64, t mp4Track) []Chapter {
	if t.timescale == 0 {
		return nil
	}
	stsz := child(t.stbl, "stsz")
	stsc := child(t.stbl, "stsc")
	stts := child(t.stbl, "stts")
	var offsets []uint64
	if stco := child(t.stbl, "stco"); len(stco) >= 8 {
		for i, n := 0, int(binary.BigEndian.Uint32(stco[4:])); i < n && 8+4*i+4 <= len(stco) && i < maxChapterRefs; i++ {
			offsets = append(offsets, uint64(binary.BigEndian.Uint32(stco[8+4*i:])))
		}
	} else if co64 := child(t.stbl, "co64"); len(co64) >= 8 {
		for i, n := 0, int(binary.BigEndian.Uint32(co64[4:])); i < n && 8+8*i+8 <= len(co64) && i < maxChapterRefs; i++ {
			offsets = append(offsets, binary.BigEndian.Uint64(co64[8+8*i:]))
		}
	}
	if len(stsz) < 12 || len(stsc) < 8 || len(stts) < 8 {
		return nil
	}
	fixed := binary.BigEndian.Uint32(stsz[4:])
	count := min(int(binary.BigEndian.Uint32(stsz[8:])), maxChapterRefs)
	sizeOf := func(i int) uint64 {
		if fixed != 0 {
			return uint64(fixed)
		}
		if 12+4*i+4 > len(stsz) {
			return 0
		}
		return uint64(binary.BigEndian.Uint32(stsz[12+4*i:]))
	}
	// Sample offsets from the chunk table.
	type run struct{ first, perChunk int }
	var runs []run
	for i, n := 0, int(binary.BigEndian.Uint32(stsc[4:])); i < n && 8+12*i+12 <= len(stsc) && i < maxChapterRefs; i++ {
		e := stsc[8+12*i:]
		runs = append(runs, run{int(binary.BigEndian.Uint32(e)), int(binary.BigEndian.Uint32(e[4:]))})
	}
	sampleOffsets := make([]uint64, 0, count)
	for c := 0; c < len(offsets) && len(sampleOffsets) < count; c++ {
		per := 0
		for _, rn := range runs {
			if rn.first <= c+1 {
				per = rn.perChunk
			}
		}
		off := offsets[c]
		for s := 0; s < per && len(sampleOffsets) < count; s++ {
			sampleOffsets = append(sampleOffsets, off)
			off += sizeOf(len(sampleOffsets) - 1)
		}
	}
	// Sample times from the time-to-sample table.
	var out []Chapter
	var tick uint64
	sample := 0
	for i, n := 0, int(binary.BigEndian.Uint32(stts[4:])); i < n && 8+8*i+8 <= len(stts) && sample < len(sampleOffsets); i++ {
		cnt := int(binary.BigEndian.Uint32(stts[8+8*i:]))
		delta := uint64(binary.BigEndian.Uint32(stts[12+8*i:]))
		for j := 0; j < cnt && sample < len(sampleOffsets); j++ {
			out = append(out, Chapter{StartMS: int64(mulDiv(tick, 1000, t.timescale)), Title: textSample(r, size, sampleOffsets[sample], sizeOf(sample))})
			tick += delta
			sample++
		}
	}
	return out
}

// textSample reads one QuickTime text sample's string.
func textSample(r io.ReaderAt, size int64, off, n uint64) string {
	if n < 2 || off >= uint64(size) {
		return ""
	}
	n = min(n, 2+1024, uint64(size)-off)
	b := make([]byte, n)
	if m, _ := r.ReadAt(b, int64(off)); uint64(m) < n {
		return ""
	}
	l := min(int(binary.BigEndian.Uint16(b)), len(b)-2)
	s := b[2 : 2+l]
	if len(s) >= 2 && (s[0] == 0xfe && s[1] == 0xff || s[0] == 0xff && s[1] == 0xfe) {
		u := make([]uint16, 0, len(s)/2)
		be := s[0] == 0xfe
		for i := 2; i+1 < len(s); i += 2 {
			if be {
				u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
			} else {
				u = append(u, uint16(s[i+1])<<8|uint16(s[i]))
			}
		}
		return strings.TrimSpace(string(utf16.Decode(u)))
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(s), "\uFFFD"))
}
