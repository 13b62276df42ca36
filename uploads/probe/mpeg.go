package probe

import (
	"context"
	"encoding/binary"
	"io"
	"math"
)

// frameHeader is a decoded 4-byte MPEG audio frame header.
type frameHeader struct {
	version    int // 1 (MPEG-1), 2 (MPEG-2), 25 (MPEG-2.5)
	layer      int // 1, 2 or 3
	bitrate    int // bits per second
	sampleRate int
	channels   int
	samples    int // samples per frame
	length     int // whole frame in bytes, header included
	raw        uint32
}

var bitrates = [2][3][16]int{
	{ // MPEG-1: layer I, II, III (kbit/s)
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0},
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0},
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0},
	},
	{ // MPEG-2 and 2.5
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
	},
}

var sampleRates = [3]int{44100, 48000, 32000}

// parseFrameHeader decodes b[0:4] as an MPEG audio frame header. Free-format
// bitrates and reserved values are refused.
func parseFrameHeader(b []byte) (frameHeader, bool) {
	if len(b) < 4 || b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return frameHeader{}, false
	}
	var h frameHeader
	h.raw = binary.BigEndian.Uint32(b)
	switch (b[1] >> 3) & 3 {
	case 0:
		h.version = 25
	case 2:
		h.version = 2
	case 3:
		h.version = 1
	default:
		return frameHeader{}, false
	}
	switch (b[1] >> 1) & 3 {
	case 1:
		h.layer = 3
	case 2:
		h.layer = 2
	case 3:
		h.layer = 1
	default:
		return frameHeader{}, false
	}
	bi := int(b[2] >> 4)
	si := int(b[2]>>2) & 3
	if bi == 0 || bi == 15 || si == 3 || b[3]&3 == 2 { // free format, bad, reserved rate, reserved emphasis
		return frameHeader{}, false
	}
	vi := 0
	if h.version != 1 {
		vi = 1
	}
	h.bitrate = bitrates[vi][h.layer-1][bi] * 1000
	h.sampleRate = sampleRates[si]
	switch h.version {
	case 2:
		h.sampleRate /= 2
	case 25:
		h.sampleRate /= 4
	}
	h.channels = 2
	if b[3]>>6 == 3 {
		h.channels = 1
	}
	padding := int(b[2]>>1) & 1
	switch {
	case h.layer == 1:
		h.samples = 384
		h.length = (12*h.bitrate/h.sampleRate + padding) * 4
	case h.layer == 2 || h.version == 1:
		h.samples = 1152
		h.length = 144*h.bitrate/h.sampleRate + padding
	default: // layer III, MPEG-2/2.5
		h.samples = 576
		h.length = 72*h.bitrate/h.sampleRate + padding
	}
	if h.length < 4 {
		return frameHeader{}, false
	}
	return h, true
}

// sameStream reports whether o can follow h in one stream: same version, layer and
// sample rate (the bits that never change between frames).
func (h frameHeader) sameStream(o frameHeader) bool {
	const mask = 0xfffe0c00 // sync, version, layer, protection; sample rate
	return h.raw&mask == o.raw&mask
}

// sideInfoLen is the length of layer III side information, which a Xing header follows.
func (h frameHeader) sideInfoLen() int {
	switch {
	case h.version == 1 && h.channels == 1:
		return 17
	case h.version == 1:
		return 32
	case h.channels == 1:
		return 9
	}
	return 17
}

// vbrHeader is what a Xing/Info or VBRI header in the first frame says.
type vbrHeader struct {
	kind    string // "Xing", "Info" or "VBRI"
	frames  int64  // audio frames, the header frame excluded
	bytes   int64  // audio bytes (0 if absent)
	delay   int    // encoder delay in samples (LAME tag)
	padding int    // end padding in samples (LAME tag)
}

// readVBRHeader looks for a Xing/Info or VBRI header in frame, the complete first frame.
func readVBRHeader(h frameHeader, frame []byte) (vbrHeader, bool) {
	if h.layer == 3 {
		off := 4 + h.sideInfoLen()
		if h.raw&0x10000 == 0 { // CRC present
			off += 2
		}
		if off+8 <= len(frame) {
			if id := string(frame[off : off+4]); id == "Xing" || id == "Info" {
				v := vbrHeader{kind: id}
				flags := binary.BigEndian.Uint32(frame[off+4:])
				p := off + 8
				if flags&1 != 0 {
					if p+4 > len(frame) {
						return vbrHeader{}, false
					}
					v.frames = int64(binary.BigEndian.Uint32(frame[p:]))
					p += 4
				}
				if flags&2 != 0 {
					if p+4 > len(frame) {
						return vbrHeader{}, false
					}
					v.bytes = int64(binary.BigEndian.Uint32(frame[p:]))
					p += 4
				}
				if flags&4 != 0 {
					p += 100
				}
				if flags&8 != 0 {
					p += 4
				}
				// LAME extension: 9-byte encoder string, then 12 bytes, then 12+12 bits of delay and padding.
				if p+24 <= len(frame) {
					enc := string(frame[p : p+4])
					if enc == "LAME" || enc == "Lavc" || enc == "Lavf" || enc == "L3.9" {
						d := frame[p+21:]
						v.delay = int(d[0])<<4 | int(d[1])>>4
						v.padding = int(d[1]&0x0f)<<8 | int(d[2])
					}
				}
				return v, flags&1 != 0
			}
		}
	}
	// VBRI sits 32 bytes after the header in every layer III frame that has one.
	if off := 4 + 32; off+18 <= len(frame) && string(frame[off:off+4]) == "VBRI" {
		return vbrHeader{
			kind:   "VBRI",
			delay:  0,
			bytes:  int64(binary.BigEndian.Uint32(frame[off+10:])),
			frames: int64(binary.BigEndian.Uint32(frame[off+14:])),
		}, true
	}
	return vbrHeader{}, false
}

// maxResync bounds how far past junk the frame walk and the first-frame search look
// for the next frame before deciding there is no more audio.
const maxResync = 64 << 10

// findFirstFrame finds the first MPEG frame at or after start that is followed by a
// second frame of the same stream (or ends the file), skipping padding and junk up
// to maxResync bytes.
func findFirstFrame(r io.ReaderAt, start, end int64) (int64, frameHeader, bool) {
	n := min(int64(maxResync+2*2881+4), end-start)
	if n < 4 {
		return 0, frameHeader{}, false
	}
	buf := make([]byte, n)
	m, err := r.ReadAt(buf, start)
	if err != nil && err != io.EOF {
		return 0, frameHeader{}, false
	}
	buf = buf[:m]
	for i := 0; i+4 <= len(buf) && i <= maxResync; i++ {
		if buf[i] != 0xff {
			continue
		}
		h, ok := parseFrameHeader(buf[i:])
		if !ok {
			continue
		}
		next := i + h.length
		if start+int64(next) == end {
			return start + int64(i), h, true
		}
		if next+4 <= len(buf) {
			if h2, ok := parseFrameHeader(buf[next:]); ok && h2.sameStream(h) {
				return start + int64(i), h, true
			}
		}
	}
	return 0, frameHeader{}, false
}

// walkResult is what walking every frame header found.
type walkResult struct {
	frames  int64
	samples int64
	bytes   int64
	junk    int64 // bytes skipped between frames
	vbr     bool  // frames of more than one bitrate
	cutAt   int64 // offset of a frame that runs past end, or -1
}

// frameSource gives the frame walk the bytes it looks at. The walk reads only
// the 4 header bytes of each frame (and every byte while it resynchronises), so a
// source over a memory map never touches frame bodies; one over a ReaderAt copies
// windows.
type frameSource interface {
	// window returns the bytes from the file offset off on: at least 4 unless
	// fewer are left. Fewer than 4 means the data ends there. The slice is valid
	// until the next call.
	window(off int64) ([]byte, error)
}

// bytesSource is a frameSource over bytes already in memory (a memory map):
// data holds the file's bytes from offset base on.
type bytesSource struct {
	data []byte
	base int64
}

func (s bytesSource) window(off int64) ([]byte, error) {
	if i := off - s.base; i >= 0 && i < int64(len(s.data)) {
		return s.data[i:], nil
	}
	return nil, nil
}

// readerSource is a frameSource that reads windows of up to len(buf) bytes of
// r, never past end, into one reused buffer.
type readerSource struct {
	r   io.ReaderAt
	end int64
	buf []byte
}

func newReaderSource(r io.ReaderAt, start, end int64) *readerSource {
	return &readerSource{r: r, end: end, buf: make([]byte, min(256<<10, max(16, end-start)))}
}

func (s *readerSource) window(off int64) ([]byte, error) {
	n, err := s.r.ReadAt(s.buf[:min(int64(len(s.buf)), max(0, s.end-off))], off)
	if err != nil && err != io.EOF {
		return nil, err
	}
	return s.buf[:n], nil
}

// streamFrames knows the frames that can follow the first one of a stream: as
// version, layer and sample rate are fixed, a frame's length depends only on its
// bitrate index and padding bit, so one table lookup replaces parsing each header.
type streamFrames struct {
	raw uint32 // the first header
	// length is by header bits 15-9 (bitrate index, sample rate index, padding)
	// and 1-0 (emphasis), see lengthIndex; 0 where parseFrameHeader refuses the
	// header or sameStream refuses the frame.
	length  [512]uint16
	maxLen  uint16 // the longest frame
	samples int64
}

// fixedMask covers the header bits that frameLen compares rather than looks up:
// sync, version and layer.
const fixedMask = 0xfffe0000

func lengthIndex(raw uint32) uint32 { return raw>>7&0x1fc | raw&3 }

func newStreamFrames(first frameHeader) *streamFrames {
	s := &streamFrames{raw: first.raw, samples: int64(first.samples)}
	var b [4]byte
	for bi := range uint32(16) {
		for pad := range uint32(2) {
			raw := first.raw&^0xf203 | bi<<12 | pad<<9 // the first's sample rate; emphasis 0
			binary.BigEndian.PutUint32(b[:], raw)
			h, ok := parseFrameHeader(b[:])
			if !ok {
				continue
			}
			for emphasis := range uint32(4) {
				if emphasis != 2 { // reserved
					s.length[lengthIndex(raw|emphasis)] = uint16(h.length)
				}
			}
			s.maxLen = max(s.maxLen, uint16(h.length))
		}
	}
	return s
}

// frameLen returns the length of the frame whose header is raw if it is one of
// the stream's frames (what parseFrameHeader and sameStream accept), else 0.
func (s *streamFrames) frameLen(raw uint32) int64 {
	if (raw^s.raw)&fixedMask != 0 {
		return 0
	}
	return int64(s.length[lengthIndex(raw)])
}

// walkFile walks the frames of [start, end) of r, reading them in windows.
func walkFile(ctx context.Context, r io.ReaderAt, start, end int64, first frameHeader) (walkResult, error) {
	return walkFrames(ctx, newReaderSource(r, start, end), start, end, first)
}

// walkFrames reads every frame header from start to end, taking bytes from src,
// skipping frame bodies and resynchronising past junk of up to maxResync bytes.
func walkFrames(ctx context.Context, src frameSource, start, end int64, first frameHeader) (walkResult, error) {
	w := newWalker(newStreamFrames(first), src, start, end, math.MaxInt64)
	if err := w.run(ctx); err != nil {
		return walkResult{}, err
	}
	return w.result(), nil
}

// walker is one frame walk in progress, advanced one frame (or one skipped byte)
// per step.
type walker struct {
	st     *streamFrames
	src    frameSource
	w      []byte // the current window: the file's bytes from wOff on
	wOff   int64
	from   int64 // where the walk began
	pos    int64 // the next byte to look at
	end    int64
	stopAt int64 // pause at the first frame boundary at or past this
	skip   int64 // bytes skipped since the last frame, while resynchronising
	done   bool  // the walk ended: end of data, trailing tags, a cut frame, no frame within maxResync, or err
	err    error
	res    walkResult
	// bitrates has a bit of the bitrate index (bits 12-15) set once a frame's
	// index differs from the first frame's, since a frame's header xor the first's
	// is or-ed in.
	bitrates uint32
	// fastEnd bounds the positions step may handle alone (see stepEdge);
	// lowering stopAt must lower it too.
	fastEnd int64
}

func newWalker(st *streamFrames, src frameSource, from, end, stopAt int64) *walker {
	return &walker{st: st, src: src, wOff: from, from: from, pos: from, end: end, stopAt: stopAt, res: walkResult{cutAt: -1}, fastEnd: math.MinInt64}
}

// resume points w, paused or not begun, at src, to pause next at the first
// frame boundary at or past stopAt; it drops the window it held in the old source.
func (w *walker) resume(src frameSource, stopAt int64) {
	w.src, w.w, w.wOff, w.stopAt, w.fastEnd = src, nil, w.pos, stopAt, math.MinInt64
}

// run steps w until it ends or pauses, checking ctx every 4096 steps.
func (w *walker) run(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		for range 4096 {
			if !w.step() {
				return w.err
			}
		}
	}
}

// step looks at the 4 bytes at w.pos: a frame of the stream is counted and
// skipped, anything else starts or continues a resynchronisation. It reports
// whether the walk goes on.
func (w *walker) step() bool {
	return w.quick() || w.stepEdge()
}

// quick is step for the common case, kept lean for the lane loop: it counts a
// frame that lies well inside the window, the walk's end and its pause point,
// and reports false, doing nothing, for anything else.
func (w *walker) quick() bool {
	pos := w.pos
	if pos >= w.fastEnd {
		return false
	}
	raw := binary.BigEndian.Uint32(w.w[pos-w.wOff:])
	n := w.st.frameLen(raw)
	if n == 0 {
		return false
	}
	w.count(pos, n, raw)
	return true
}

// count counts the frame of n bytes at pos, whose header is raw.
func (w *walker) count(pos, n int64, raw uint32) {
	w.res.frames++
	w.res.bytes += n
	w.bitrates |= raw ^ w.st.raw // no branch for the bitrate: it would be mispredicted
	w.pos = pos + n
}

// stepEdge is step for any position; it then sets fastEnd for the next steps.
func (w *walker) stepEdge() bool {
	more := w.stepAny()
	w.fastEnd = math.MinInt64
	if !w.done && w.skip == 0 {
		// Below fastEnd a frame header lies inside the window, any frame of the
		// stream ends inside the walk, and the walk does not pause.
		w.fastEnd = min(w.stopAt, w.end-int64(w.st.maxLen), w.wOff+int64(len(w.w))-4)
	}
	return more
}

func (w *walker) stepAny() bool {
	pos := w.pos
	if w.done || (w.skip == 0 && pos >= w.stopAt) {
		return false
	}
	if pos+4 > w.end {
		return w.finish()
	}
	i := pos - w.wOff
	if i < 0 || i+4 > int64(len(w.w)) {
		var err error
		if w.w, err = w.src.window(pos); err != nil {
			w.err = err
			return w.finish()
		}
		w.wOff, i = pos, 0
		if len(w.w) < 4 {
			return w.finish()
		}
	}
	b := w.w[i : i+4 : i+4]
	raw := binary.BigEndian.Uint32(b)
	n := w.st.frameLen(raw)
	if w.skip > 0 { // resynchronising: look for the next frame of the stream
		if n > 0 {
			w.res.junk += w.skip
			w.skip = 0
			return true
		}
		if w.skip++; w.skip > maxResync {
			return w.finish()
		}
		w.pos++
		return true
	}
	if n == 0 {
		// Not a frame: trailing tags end the audio; other junk is skipped.
		if string(b[:3]) == "TAG" || string(b) == "APET" || string(b) == "LYRI" {
			return w.finish()
		}
		w.skip = 1
		w.pos++
		return true
	}
	if pos+n > w.end {
		w.res.cutAt = pos
		return w.finish()
	}
	w.count(pos, n, raw)
	return true
}

// finish ends the walk, counting bytes skipped at the end as junk.
func (w *walker) finish() bool {
	w.res.junk += w.skip
	w.skip = 0
	w.done = true
	return false
}

// result is the walk's counts.
func (w *walker) result() walkResult {
	res := w.res
	res.samples = res.frames * w.st.samples
	res.vbr = w.bitrates&0xf000 != 0
	return res
}
