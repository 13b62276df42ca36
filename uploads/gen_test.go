package uploads

import (
	"encoding/binary"
	"io"
	"testing"
)

// mp3FrameLen is one MPEG-1 Layer III frame at 128 kbit/s and 44.1 kHz
// without padding: 144 * 128000 / 44100 bytes.
const mp3FrameLen = 417

// mp3Frame is a valid CBR frame: the header, then zero side information and
// main data, which decoders play as silence. The seed goes into the first
// bytes of main data (after 32 bytes of stereo side information) so streams
// of different seeds have different hashes.
func mp3Frame(seed uint64) []byte {
	f := make([]byte, mp3FrameLen)
	copy(f, []byte{0xFF, 0xFB, 0x90, 0x00})
	binary.BigEndian.PutUint64(f[4+32:], seed)
	return f
}

// mp3Stream is a CBR MP3 of whole frames, about size bytes long (rounded
// down to a frame), made as it is read so it needs no memory. Its length is
// unknown to the reader.
type mp3Stream struct {
	frame  []byte
	left   int64 // bytes still to give
	offset int   // into frame
}

func newMP3Stream(size int64, seed uint64) *mp3Stream {
	return &mp3Stream{frame: mp3Frame(seed), left: size / mp3FrameLen * mp3FrameLen}
}

func (s *mp3Stream) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && s.left > 0 {
		c := copy(p[n:min(len(p), n+int(min(s.left, int64(len(s.frame)-s.offset))))], s.frame[s.offset:])
		n += c
		s.left -= int64(c)
		s.offset = (s.offset + c) % len(s.frame)
	}
	return n, nil
}

// repeatMP3 is a CBR MP3 of about size bytes in memory.
func repeatMP3(t testing.TB, size int64) []byte {
	t.Helper()
	b, err := io.ReadAll(newMP3Stream(size, uint64(size)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mp3Duration is the length in ms of a stream of size bytes from newMP3Stream.
func mp3Duration(size int64) int64 {
	return size / mp3FrameLen * 1152 * 1000 / 44100
}
