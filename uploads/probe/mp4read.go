package probe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Bounds on the user data box (udta) of an MPEG-4 file, where tags live. The
// movie box is read into memory for its sample tables, but its udta is
// walked box header by box header through the file, and only what Lyssna
// reads is kept: Nero chapters, the meta handler and the first item of each
// tag Lyssna uses, each up to a size. So a file with megabytes of tags, or
// thousands of repeated items, costs a fixed amount of memory and linear
// work, and the tag library is handed only the kept items.
const (
	maxUdtaBoxes = 1 << 16 // boxes walked in udta, meta and ilst together
	maxChpl      = 1 << 20 // a Nero chapter list (at most 255 chapters)
	maxHdlr      = 4 << 10 // the meta box's handler
)

// keptItem says whether Lyssna reads an ilst item, and how large it may be.
func keptItem(typ string) (int64, bool) {
	switch typ {
	case "\xa9nam", "\xa9ART", "aART", "\xa9alb", "\xa9day", "trkn", "\xa9cmt", "desc":
		return maxTextFrame, true
	case "covr":
		return maxPicture, true
	}
	return 0, false
}

// boxHeader is a box found in a file: its type, where its body starts and how long it is.
type boxHeader struct {
	typ       string
	off, size int64 // the body
}

// fileBoxes walks the boxes in [off, off+n) of r, calling fn for each;
// *walked counts them across calls and stops the walk at maxUdtaBoxes.
func fileBoxes(r io.ReaderAt, off, n int64, walked *int, fn func(boxHeader) error) error {
	var hdr [16]byte
	end := off + n
	for pos := off; pos < end; {
		if *walked++; *walked > maxUdtaBoxes {
			return malformed("more than %d boxes in the MPEG-4 user data", maxUdtaBoxes)
		}
		if end-pos < 8 {
			return malformed("a %d-byte fragment where an MPEG-4 box header was expected", end-pos)
		}
		k, err := r.ReadAt(hdr[:min(16, end-pos)], pos)
		if k < 8 {
			return fmt.Errorf("probe: read an MPEG-4 box header: %w", err)
		}
		bl, hl := int64(binary.BigEndian.Uint32(hdr[:])), int64(8)
		typ := string(hdr[4:8])
		switch bl {
		case 0:
			bl = end - pos
		case 1:
			if k < 16 {
				return malformed("box %q has a cut 64-bit size", printable(typ))
			}
			u := binary.BigEndian.Uint64(hdr[8:])
			if u > uint64(end-pos) {
				return malformed("box %q declares %d bytes but only %d are left in its parent", printable(typ), u, end-pos)
			}
			bl, hl = int64(u), 16
		}
		if bl < hl || bl > end-pos {
			return malformed("box %q declares %d bytes but only %d are left in its parent", printable(typ), bl, end-pos)
		}
		if err := fn(boxHeader{typ: typ, off: pos + hl, size: bl - hl}); err != nil {
			return err
		}
		pos += bl
	}
	return nil
}

// appendBox appends a box of type typ around body.
func appendBox(dst []byte, typ string, body []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(8+len(body)))
	dst = append(dst, typ...)
	return append(dst, body...)
}

// readBody reads a box's body.
func readBody(r io.ReaderAt, b boxHeader) ([]byte, error) {
	body := make([]byte, b.size)
	if n, err := r.ReadAt(body, b.off); int64(n) < b.size {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, malformed("the MPEG-4 box %q is cut short: the file is truncated", printable(b.typ))
		}
		return nil, fmt.Errorf("probe: read the MPEG-4 box %q: %w", printable(b.typ), err)
	}
	return body, nil
}

// readMoov reads the movie box body at [off, off+n) of r: every child as it
// is but udta, which is rebuilt from what Lyssna reads of it (see keptItem).
// udta is that rebuilt box (nil when there is none), for the tag library.
func readMoov(r io.ReaderAt, off, n int64) (moov, udta []byte, err error) {
	walked := 0
	err = fileBoxes(r, off, n, &walked, func(b boxHeader) error {
		if b.typ == "udta" {
			u, err := readUdta(r, b, &walked)
			if err != nil {
				return err
			}
			udta = appendBox(nil, "udta", u)
			moov = append(moov, udta...)
			return nil
		}
		body, err := readBody(r, b)
		if err != nil {
			return err
		}
		moov = appendBox(moov, b.typ, body)
		return nil
	})
	return moov, udta, err
}

// readUdta rebuilds a udta body from the kept parts of the one in the file.
func readUdta(r io.ReaderAt, udta boxHeader, walked *int) ([]byte, error) {
	var out []byte
	err := fileBoxes(r, udta.off, udta.size, walked, func(b boxHeader) error {
		switch {
		case b.typ == "chpl" && b.size <= maxChpl:
			body, err := readBody(r, b)
			if err != nil {
				return err
			}
			out = appendBox(out, "chpl", body)
		case b.typ == "meta" && b.size >= 4:
			meta, err := readMeta(r, b, walked)
			if err != nil {
				return err
			}
			out = appendBox(out, "meta", meta)
		}
		return nil
	})
	return out, err
}

// readMeta rebuilds a meta body: its version and flags, the handler, and an
// ilst of the first kept item of each type.
func readMeta(r io.ReaderAt, meta boxHeader, walked *int) ([]byte, error) {
	out := make([]byte, 4) // version and flags
	if _, err := r.ReadAt(out, meta.off); err != nil {
		return nil, fmt.Errorf("probe: read the MPEG-4 meta box: %w", err)
	}
	err := fileBoxes(r, meta.off+4, meta.size-4, walked, func(b boxHeader) error {
		switch {
		case b.typ == "hdlr" && b.size <= maxHdlr:
			body, err := readBody(r, b)
			if err != nil {
				return err
			}
			out = appendBox(out, "hdlr", body)
		case b.typ == "ilst":
			var ilst []byte
			seen := map[string]bool{}
			var kept int64
			err := fileBoxes(r, b.off, b.size, walked, func(item boxHeader) error {
				limit, ok := keptItem(item.typ)
				if !ok || seen[item.typ] || item.size > limit || kept+item.size > maxKeptID3 {
					return nil
				}
				body, err := readBody(r, item)
				if err != nil {
					return err
				}
				seen[item.typ] = true
				kept += item.size
				ilst = appendBox(ilst, item.typ, body)
				return nil
			})
			if err != nil {
				return err
			}
			out = appendBox(out, "ilst", ilst)
		}
		return nil
	})
	return out, err
}
