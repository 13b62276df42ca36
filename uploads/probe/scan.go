package probe

import (
	"context"
	"io"
	"math"
)

// Scan walks an MP3's frame headers while the file passes through memory:
// write the file's bytes to it in order (io.MultiWriter beside the spool
// file and the hash), then call Probe on the finished file, which reads only
// the tags and the end of the file and takes the duration from the walk
// already done. A Scan holds at most scanLag bytes plus one write. Bytes that
// are not MP3, or an MP3 whose frames do not begin where Probe finds them,
// make the Scan step aside: Probe then walks the file itself, as it does
// without a Scan, so the result is always the same.
type Scan struct {
	n      int64  // bytes written
	buf    []byte // the bytes from bufOff to n that are still needed
	bufOff int64
	state  scanState
	tags   int // ID3v2 tags skipped
	first  int64
	h      frameHeader
	w      *walker
}

type scanState int

const (
	scanHead  scanState = iota // reading the ID3v2 tags at the start
	scanFind                   // collecting the bytes findFirstFrame looks at
	scanWalk                   // walking frames
	scanAside                  // not an MP3 the walk can follow: Probe walks the file
)

// scanLag is how far behind the bytes written the walk stays, so that what
// it reads is never cut by the end of what has arrived: a resynchronisation
// may look maxResync bytes ahead, plus a header, plus one frame.
const scanLag = maxResync + 8 + 4096

// findLen is how many bytes findFirstFrame reads from the audio's start.
const findLen = maxResync + 2*2881 + 4

// NewScan returns a Scan for a file written from its first byte.
func NewScan() *Scan { return &Scan{} }

// Write takes the next bytes of the file; it never fails.
func (s *Scan) Write(p []byte) (int, error) {
	n := len(p)
	if s.state == scanAside {
		s.n += int64(n)
		return n, nil
	}
	if skip := s.bufOff - s.n; skip > 0 { // inside an ID3v2 tag: not needed
		if skip >= int64(len(p)) {
			s.n += int64(n)
			return n, nil
		}
		s.n += skip
		p = p[skip:]
	}
	s.buf = append(s.buf, p...)
	s.n += int64(len(p))
	s.advance()
	return n, nil
}

// scanReaderAt is a ReaderAt over the buffered bytes, at their file offsets.
type scanReaderAt struct{ s *Scan }

func (r scanReaderAt) ReadAt(p []byte, off int64) (int, error) {
	i := off - r.s.bufOff
	if i < 0 || i >= int64(len(r.s.buf)) {
		return 0, io.EOF
	}
	n := copy(p, r.s.buf[i:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (s *Scan) advance() {
	for {
		switch s.state {
		case scanHead:
			if len(s.buf) < 10 {
				return
			}
			// As probeMP3: an ID3v2 tag at the start, and up to 4 more after it.
			if (s.bufOff == 0 || s.tags > 0) && s.tags < 5 && isID3v2Header(s.buf) {
				next := s.bufOff + id3Size(s.buf)
				s.tags++
				s.drop(next)
				continue
			}
			s.state = scanFind
		case scanFind:
			if len(s.buf) < findLen {
				return
			}
			first, h, ok := findFirstFrame(scanReaderAt{s}, s.bufOff, math.MaxInt64)
			if !ok {
				s.aside()
				return
			}
			s.first, s.h = first, h
			s.w = newWalker(newStreamFrames(h), nil, first, math.MaxInt64, 0)
			s.drop(first)
			s.state = scanWalk
		case scanWalk:
			stop := s.n - scanLag
			if s.w.done || stop <= s.w.pos {
				return
			}
			s.w.resume(bytesSource{data: s.buf, base: s.bufOff}, stop)
			if err := s.w.run(context.Background()); err != nil {
				s.aside()
				return
			}
			s.w.w = nil
			s.drop(s.w.pos)
			return
		default:
			return
		}
	}
}

// drop forgets the buffered bytes before off (all of them when off is past
// what has arrived; the bytes up to off are then skipped as they come).
func (s *Scan) drop(off int64) {
	if i := off - s.bufOff; i >= int64(len(s.buf)) {
		s.buf = s.buf[:0]
	} else if i > 0 {
		s.buf = s.buf[:copy(s.buf, s.buf[i:])]
	}
	s.bufOff = off
}

func (s *Scan) aside() {
	s.state, s.buf, s.w = scanAside, nil, nil
}

// result finishes the walk for audio that begins at first with header h and
// ends at end (before any trailing tags), when the Scan walked that very
// stream and no step it took depended on where the audio ends; ok is false
// when Probe must walk the file itself.
func (s *Scan) result(ctx context.Context, first int64, h frameHeader, end int64) (walkResult, bool, error) {
	if s == nil || s.state != scanWalk || s.first != first || s.h.raw != h.raw || s.w.pos+4 > end || s.n < end {
		return walkResult{}, false, nil
	}
	w := s.w
	if !w.done {
		w.end = end
		w.resume(bytesSource{data: s.buf, base: s.bufOff}, math.MaxInt64)
		if err := w.run(ctx); err != nil {
			return walkResult{}, false, err
		}
	}
	return w.result(), true, nil
}

// Probe is the package's Probe for the file the Scan was written, with the
// MP3 frame walk taken from the Scan where it can be. A nil Scan is Probe.
func (s *Scan) Probe(ctx context.Context, r io.ReaderAt, size int64) (*Info, error) {
	return probe(ctx, r, size, s)
}
