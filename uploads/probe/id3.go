package probe

import (
	"bytes"
	"encoding/binary"
	"sort"
	"strings"
	"unicode/utf16"
)

// isID3v2Header reports whether b starts with a plausible ID3v2 header.
func isID3v2Header(b []byte) bool {
	return len(b) >= 10 && string(b[:3]) == "ID3" && b[3] >= 2 && b[3] <= 4 && b[4] != 0xff &&
		b[6]|b[7]|b[8]|b[9] < 0x80
}

func syncsafe(b []byte) int64 {
	return int64(b[0]&0x7f)<<21 | int64(b[1]&0x7f)<<14 | int64(b[2]&0x7f)<<7 | int64(b[3]&0x7f)
}

// id3Size returns the whole size of the ID3v2 tag whose header is b[0:10], footer included.
func id3Size(b []byte) int64 {
	n := 10 + syncsafe(b[6:10])
	if b[3] == 4 && b[5]&0x10 != 0 {
		n += 10
	}
	return n
}

// id3Frame is one raw frame of an ID3v2 tag.
type id3Frame struct {
	id   string
	data []byte
}

// splitFrames walks frames in body for the given major version (2, 3 or 4).
func splitFrames(body []byte, version byte, unsyncAll bool) []id3Frame {
	var out []id3Frame
	hl := 10
	if version == 2 {
		hl = 6
	}
	for len(body) >= hl && body[0] != 0 {
		id, size, fflags := id3FrameHeader(body, version)
		if size > int64(len(body)-hl) {
			break
		}
		data := body[hl : hl+int(size)]
		body = body[hl+int(size):]
		data, ok := frameData(data, version, fflags, unsyncAll)
		if !ok {
			continue
		}
		out = append(out, id3Frame{id: id, data: data})
	}
	return out
}

// id3FrameHeader reads a frame header (6 bytes in ID3v2.2, else 10): the
// frame's ID, its size and its flags.
func id3FrameHeader(h []byte, version byte) (id string, size int64, flags uint16) {
	switch version {
	case 2:
		return string(h[:3]), int64(h[3])<<16 | int64(h[4])<<8 | int64(h[5]), 0
	case 3:
		return string(h[:4]), int64(binary.BigEndian.Uint32(h[4:])), binary.BigEndian.Uint16(h[8:])
	}
	return string(h[:4]), syncsafe(h[4:]), binary.BigEndian.Uint16(h[8:])
}

// unsync undoes ID3 unsynchronisation (0xFF 0x00 -> 0xFF).
func unsync(b []byte) []byte {
	if !bytes.Contains(b, []byte{0xff, 0x00}) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		out = append(out, b[i])
		if b[i] == 0xff && i+1 < len(b) && b[i+1] == 0 {
			i++
		}
	}
	return out
}

// id3Text decodes an ID3 string in encoding enc (0 Latin-1, 1 UTF-16 with BOM,
// 2 UTF-16BE, 3 UTF-8), dropping a trailing terminator.
func id3Text(enc byte, b []byte) string {
	switch enc {
	case 1, 2:
		bigEndian := enc == 2
		if len(b) >= 2 {
			switch {
			case b[0] == 0xfe && b[1] == 0xff:
				bigEndian, b = true, b[2:]
			case b[0] == 0xff && b[1] == 0xfe:
				bigEndian, b = false, b[2:]
			}
		}
		u := make([]uint16, 0, len(b)/2)
		for i := 0; i+1 < len(b); i += 2 {
			if bigEndian {
				u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
			} else {
				u = append(u, uint16(b[i+1])<<8|uint16(b[i]))
			}
		}
		for len(u) > 0 && u[len(u)-1] == 0 {
			u = u[:len(u)-1]
		}
		return strings.ToValidUTF8(string(utf16.Decode(u)), "\uFFFD")
	case 3:
		return strings.ToValidUTF8(string(bytes.TrimRight(b, "\x00")), "\uFFFD")
	}
	r := make([]rune, 0, len(b))
	for _, c := range bytes.TrimRight(b, "\x00") {
		r = append(r, rune(c))
	}
	return string(r)
}

// splitTerminated splits b at the first string terminator of encoding enc.
func splitTerminated(enc byte, b []byte) (head, rest []byte, ok bool) {
	if enc == 1 || enc == 2 {
		for i := 0; i+1 < len(b); i += 2 {
			if b[i] == 0 && b[i+1] == 0 {
				return b[:i], b[i+2:], true
			}
		}
		return b, nil, false
	}
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return b, nil, false
	}
	return b[:i], b[i+1:], true
}

// id3Comment returns the first COMM frame's text (any description but iTunes'
// machine-written ones), or else a TXXX frame described "comment" as ffmpeg writes.
func id3Comment(frames []id3Frame) string {
	var txxx string
	for _, f := range frames {
		switch f.id {
		case "COMM", "COM":
			if len(f.data) < 4 {
				continue
			}
			enc := f.data[0]
			desc, text, ok := splitTerminated(enc, f.data[4:])
			if !ok {
				continue
			}
			d := id3Text(enc, desc)
			if strings.HasPrefix(d, "iTun") {
				continue
			}
			if t := strings.TrimSpace(id3Text(enc, text)); t != "" {
				return t
			}
		case "TXXX", "TXX":
			if len(f.data) < 1 || txxx != "" {
				continue
			}
			enc := f.data[0]
			desc, text, ok := splitTerminated(enc, f.data[1:])
			if ok && strings.EqualFold(id3Text(enc, desc), "comment") {
				txxx = strings.TrimSpace(id3Text(enc, text))
			}
		}
	}
	return txxx
}

// id3Chapters reads CHAP frames (ID3v2.3/2.4 chapter frames) with the titles of
// their embedded TIT2 frames, ordered as a top-level CTOC lists them, else by start.
func id3Chapters(frames []id3Frame, version byte) []Chapter {
	type chap struct {
		Chapter
		id string
	}
	var chaps []chap
	var order []string
	for _, f := range frames {
		switch f.id {
		case "CHAP":
			id, rest, ok := splitTerminated(0, f.data)
			if !ok || len(rest) < 16 {
				continue
			}
			c := chap{id: string(id)}
			c.StartMS = int64(binary.BigEndian.Uint32(rest[0:]))
			c.EndMS = int64(binary.BigEndian.Uint32(rest[4:]))
			for _, sub := range splitFrames(rest[16:], version, false) {
				if sub.id == "TIT2" && len(sub.data) > 0 {
					c.Title = strings.TrimSpace(id3Text(sub.data[0], sub.data[1:]))
				}
			}
			chaps = append(chaps, c)
		case "CTOC":
			_, rest, ok := splitTerminated(0, f.data)
			if !ok || len(rest) < 2 || rest[0]&0x02 == 0 || order != nil { // top-level only
				continue
			}
			n := int(rest[1])
			rest = rest[2:]
			for i := 0; i < n; i++ {
				var child []byte
				if child, rest, ok = splitTerminated(0, rest); !ok {
					break
				}
				order = append(order, string(child))
			}
		}
	}
	if len(chaps) == 0 {
		return nil
	}
	rank := make(map[string]int, len(order))
	for i, id := range order {
		if _, dup := rank[id]; !dup {
			rank[id] = i
		}
	}
	sort.SliceStable(chaps, func(i, j int) bool {
		ri, iok := rank[chaps[i].id]
		rj, jok := rank[chaps[j].id]
		if iok && jok {
			return ri < rj
		}
		if iok != jok {
			return iok
		}
		return chaps[i].StartMS < chaps[j].StartMS
	})
	out := make([]Chapter, len(chaps))
	for i, c := range chaps {
		out[i] = c.Chapter
	}
	return out
}
