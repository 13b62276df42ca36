package imports

import (
	"encoding/binary"
	"hash/fnv"
)

// mp3FrameLen is one MPEG-1 Layer III frame at 128 kbit/s and 44.1 kHz.
const mp3FrameLen = 417

// fixtureMP3 is a small valid CBR MP3 (about 2 s of silence) whose bytes
// depend on name, so every fixture item has its own file and hash.
func fixtureMP3(name string) []byte {
	h := fnv.New64a()
	h.Write([]byte(name))
	seed := h.Sum64()
	const frames = 77 // 77 * 1152 / 44100 = 2.01 s
	out := make([]byte, 0, frames*mp3FrameLen)
	for i := range frames {
		f := make([]byte, mp3FrameLen)
		copy(f, []byte{0xFF, 0xFB, 0x90, 0x00})
		binary.BigEndian.PutUint64(f[4+32:], seed+uint64(i))
		out = append(out, f...)
	}
	return out
}
