package probe

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Bounds on reading an ID3v2 tag. The tag is never held in memory whole: its
// frames are walked one header at a time, and only the frames Lyssna reads
// are kept, each up to a size, each ID up to a number of times. So the work
// is linear in the tag's size and the memory a fixed bound, whatever the tag
// holds (a third-party reader took 32 s of CPU for 20,000 repeated frames).
const (
	maxID3Frames  = 1 << 17  // frame headers walked; the rest of a tag is skipped
	maxTextFrame  = 64 << 10 // a kept text, comment, chapter or table-of-contents frame
	maxPicture    = 10 << 20 // an embedded picture kept (larger ones are skipped)
	maxRepeats    = 16       // frames kept of one ID (chapters aside)
	maxChapters   = 1000     // CHAP frames kept
	maxKeptID3    = 12 << 20 // bytes kept of one tag in all
	id3ReadBuffer = 64 << 10
)

// keptID3 says whether Lyssna reads frames of the ID, and how large one may be.
func keptID3(id string) (maxSize int64, ok bool) {
	switch id {
	case "TIT2", "TT2", "TPE1", "TP1", "TPE2", "TP2", "TALB", "TAL", "TYER", "TYE", "TDRC", "TDRL",
		"TRCK", "TRK", "COMM", "COM", "TXXX", "TXX", "CHAP", "CTOC":
		return maxTextFrame, true
	case "APIC", "PIC":
		return maxPicture, true
	}
	return 0, false
}

// id3Tag is what readID3 kept of a tag.
type id3Tag struct {
	version  byte
	frames   []id3Frame
	warnings []string
	// work counts the units of work done (frame headers walked and bytes
	// read or skipped), for the fuzz test that fails on superlinear work.
	work int64
}

// readID3 walks the ID3v2 tag of n bytes at the start of r.
func readID3(r io.ReaderAt, n int64) (*id3Tag, error) {
	var hdr [10]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return nil, fmt.Errorf("probe: read the ID3v2 tag: %w", err)
	}
	t := &id3Tag{version: hdr[3]}
	flags := hdr[5]
	buf := int(min(max(n-10, 16), id3ReadBuffer))
	var body io.Reader = io.NewSectionReader(r, 10, n-10)
	if t.version < 4 && flags&0x80 != 0 {
		body = &unsyncReader{r: bufio.NewReaderSize(body, buf)}
	}
	br := bufio.NewReaderSize(&countingReader{r: body, n: &t.work}, buf)
	if flags&0x40 != 0 && t.version >= 3 { // extended header
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			t.warn("the extended header is cut short")
			return t, nil
		}
		skip := int64(binary.BigEndian.Uint32(b[:]))
		if t.version == 4 {
			skip = syncsafe(b[:]) - 4
		}
		if skip < 0 || skip > n {
			t.warn("the extended header's size is impossible")
			return t, nil
		}
		if _, err := br.Discard(int(skip)); err != nil {
			t.warn("the extended header is cut short")
			return t, nil
		}
	}
	hl := 10
	if t.version == 2 {
		hl = 6
	}
	kept := map[string]int{}
	var keptBytes int64
	var head [10]byte
	for walked := 0; ; walked++ {
		if walked == maxID3Frames {
			t.warn(fmt.Sprintf("more than %d frames; the rest were skipped", maxID3Frames))
			return t, nil
		}
		t.work++
		if _, err := io.ReadFull(br, head[:hl]); err != nil || head[0] == 0 {
			return t, nil // the end, or padding
		}
		id, size, fflags := id3FrameHeader(head[:hl], t.version)
		if size > n {
			t.warn(fmt.Sprintf("the frame %q declares %d bytes, more than the whole tag", printable(id), size))
			return t, nil
		}
		limit, want := keptID3(id)
		repeats := maxRepeats
		if id == "CHAP" {
			repeats = maxChapters
		}
		if !want || size > limit || kept[id] >= repeats || keptBytes+size > maxKeptID3 {
			if _, err := discard(br, size); err != nil {
				t.warn(fmt.Sprintf("the frame %q runs past the end of the tag", printable(id)))
				return t, nil
			}
			continue
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(br, data); err != nil {
			t.warn(fmt.Sprintf("the frame %q runs past the end of the tag", printable(id)))
			return t, nil
		}
		if data, want = frameData(data, t.version, fflags, flags&0x80 != 0); want {
			kept[id]++
			keptBytes += size
			t.frames = append(t.frames, id3Frame{id: id, data: data})
		}
	}
}

func (t *id3Tag) warn(msg string) {
	t.warnings = append(t.warnings, "ID3v2 tag: "+msg)
}

// discard skips n bytes of br.
func discard(br *bufio.Reader, n int64) (int64, error) {
	var done int64
	for done < n {
		step := int(min(n-done, 1<<30))
		d, err := br.Discard(step)
		done += int64(d)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// frameData undoes a frame's flags (group id, data length indicator,
// unsynchronisation); ok is false for a compressed or encrypted frame.
func frameData(data []byte, version byte, fflags uint16, tagUnsync bool) ([]byte, bool) {
	switch version {
	case 3:
		if fflags&0x00c0 != 0 { // compressed or encrypted
			return nil, false
		}
		if fflags&0x0020 != 0 && len(data) > 0 { // group id
			data = data[1:]
		}
	case 4:
		if fflags&0x000c != 0 {
			return nil, false
		}
		if fflags&0x0040 != 0 && len(data) > 0 {
			data = data[1:]
		}
		if fflags&0x0001 != 0 { // data length indicator
			if len(data) < 4 {
				return nil, false
			}
			data = data[4:]
		}
		if fflags&0x0002 != 0 || tagUnsync {
			data = unsync(data)
		}
	}
	return data, true
}

// countingReader counts the bytes read through it into *n.
type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// unsyncReader undoes ID3 unsynchronisation (0xFF 0x00 -> 0xFF) as it reads.
type unsyncReader struct {
	r      *bufio.Reader
	lastFF bool
}

func (u *unsyncReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := u.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if u.lastFF && c == 0 {
			u.lastFF = false
			continue
		}
		u.lastFF = c == 0xff
		p[n] = c
		n++
		if u.r.Buffered() == 0 && n > 0 {
			return n, nil
		}
	}
	return n, nil
}

// applyID3 fills empty fields of info from the frames of an ID3v2 tag: the
// first frame of each kind wins; the artist falls back to the album artist;
// the picture is the first front cover, else the first picture.
func applyID3(info *Info, frames []id3Frame) {
	text := func(ids ...string) string {
		for _, id := range ids {
			for _, f := range frames {
				if f.id == id && len(f.data) > 0 {
					v, _, _ := splitTerminated(f.data[0], f.data[1:])
					if s := strings.TrimSpace(id3Text(f.data[0], v)); s != "" {
						return s
					}
				}
			}
		}
		return ""
	}
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	set(&info.Title, text("TIT2", "TT2"))
	set(&info.Artist, text("TPE1", "TP1", "TPE2", "TP2"))
	set(&info.Album, text("TALB", "TAL"))
	if y := text("TYER", "TYE", "TDRC", "TDRL"); info.Year == 0 && len(y) >= 4 {
		if n, err := strconv.Atoi(y[:4]); err == nil && n > 0 {
			info.Year = n
		}
	}
	if tr := text("TRCK", "TRK"); info.Track == 0 && tr != "" {
		num, _, _ := strings.Cut(tr, "/")
		if n, err := strconv.Atoi(strings.TrimSpace(num)); err == nil && n > 0 {
			info.Track = n
		}
	}
	if info.Picture == nil {
		info.Picture = id3Picture(frames)
	}
}

// id3Picture is the first front cover (picture type 3) of the APIC or PIC
// frames, else the first picture, when it is a JPEG or PNG.
func id3Picture(frames []id3Frame) *Picture {
	var first *Picture
	for _, f := range frames {
		var rest []byte
		switch {
		case f.id == "APIC" && len(f.data) > 1:
			_, after, ok := splitTerminated(0, f.data[1:]) // the MIME type
			if !ok {
				continue
			}
			rest = after
		case f.id == "PIC" && len(f.data) > 4:
			rest = f.data[4:]
		default:
			continue
		}
		if len(rest) < 1 {
			continue
		}
		kind := rest[0]
		_, img, ok := splitTerminated(f.data[0], rest[1:]) // the description
		if !ok {
			continue
		}
		p := newPicture(img)
		if p == nil {
			continue
		}
		if kind == 3 {
			return p
		}
		if first == nil {
			first = p
		}
	}
	return first
}
