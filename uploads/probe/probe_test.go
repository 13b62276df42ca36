package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

const fixtures = "../../testdata/audio"

// expectation is one entry of testdata/audio/expected.json, written by make.sh.
type expectation struct {
	File        string `json:"file"`
	Format      string `json:"format"`
	DecodedMS   int64  `json:"decoded_ms"`
	Title       string `json:"title"`
	Artist      string `json:"artist"`
	Album       string `json:"album"`
	Year        int    `json:"year"`
	Track       int    `json:"track"`
	Comment     string `json:"comment"`
	SampleRate  int    `json:"sample_rate"`
	Channels    int    `json:"channels"`
	Bitrate     int    `json:"bitrate"`
	VBR         bool   `json:"vbr"`
	PictureMIME string `json:"picture_mime"`
	PictureFile string `json:"picture_file"`
	Chapters    []struct {
		StartMS int64  `json:"start_ms"`
		EndMS   int64  `json:"end_ms"`
		Title   string `json:"title"`
	} `json:"chapters"`
}

func loadExpectations(t testing.TB) []expectation {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, "expected.json"))
	if err != nil {
		t.Fatalf("read expected.json (regenerate with testdata/audio/make.sh): %v", err)
	}
	var exp []expectation
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp) < 8 {
		t.Fatalf("expected.json lists %d fixtures, want at least 8", len(exp))
	}
	return exp
}

func probeFile(t testing.TB, path string) (*Info, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return Probe(context.Background(), f, st.Size())
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func TestProbeFixtures(t *testing.T) {
	for _, e := range loadExpectations(t) {
		t.Run(e.File, func(t *testing.T) {
			info, err := probeFile(t, filepath.Join(fixtures, e.File))
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if string(info.Format) != e.Format || info.ContentType != info.Format.ContentType() {
				t.Errorf("format %q (%s), want %q", info.Format, info.ContentType, e.Format)
			}
			if d := abs(info.DurationMS - e.DecodedMS); d > 50 {
				t.Errorf("duration %d ms, decoded length %d ms (off by %d)", info.DurationMS, e.DecodedMS, d)
			}
			strs := []struct{ name, got, want string }{
				{"title", info.Title, e.Title}, {"artist", info.Artist, e.Artist},
				{"album", info.Album, e.Album}, {"comment", info.Comment, e.Comment},
			}
			for _, s := range strs {
				if s.got != s.want {
					t.Errorf("%s %q, want %q", s.name, s.got, s.want)
				}
			}
			ints := []struct {
				name      string
				got, want int
			}{
				{"year", info.Year, e.Year}, {"track", info.Track, e.Track},
				{"sample rate", info.SampleRate, e.SampleRate}, {"channels", info.Channels, e.Channels},
			}
			for _, n := range ints {
				if n.got != n.want {
					t.Errorf("%s %d, want %d", n.name, n.got, n.want)
				}
			}
			switch {
			case e.Bitrate != 0 && info.Bitrate != e.Bitrate:
				t.Errorf("bitrate %d, want %d", info.Bitrate, e.Bitrate)
			case e.Bitrate == 0:
				// VBR or AAC: the average must match the file's audio bytes over its length.
				st, _ := os.Stat(filepath.Join(fixtures, e.File))
				upper := st.Size() * 8 * 1000 / e.DecodedMS
				if info.Bitrate <= 0 || int64(info.Bitrate) > upper {
					t.Errorf("bitrate %d, want between 1 and %d (file bits per second)", info.Bitrate, upper)
				}
			}
			if e.PictureMIME == "" {
				if info.Picture != nil {
					t.Errorf("picture %s, want none", info.Picture.MIME)
				}
			} else {
				want, err := os.ReadFile(filepath.Join(fixtures, e.PictureFile))
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case info.Picture == nil:
					t.Errorf("no picture, want %s", e.PictureMIME)
				case info.Picture.MIME != e.PictureMIME || !bytes.Equal(info.Picture.Data, want):
					t.Errorf("picture %s of %d bytes, want %s %s (%d bytes)", info.Picture.MIME, len(info.Picture.Data), e.PictureMIME, e.PictureFile, len(want))
				}
			}
			if len(info.Chapters) != len(e.Chapters) {
				t.Fatalf("chapters %+v, want %+v", info.Chapters, e.Chapters)
			}
			for i, c := range e.Chapters {
				got := info.Chapters[i]
				if got.Title != c.Title || got.StartMS != c.StartMS || abs(got.EndMS-c.EndMS) > 50 {
					t.Errorf("chapter %d %+v, want %+v", i, got, c)
				}
			}
		})
	}
}

// TestVBRWithoutHeaderIsWalked proves the frame walk, not a first-frame estimate,
// gives the duration: the estimate from the first frame's bitrate is far off.
func TestVBRWithoutHeaderIsWalked(t *testing.T) {
	path := filepath.Join(fixtures, "vbr-noxing.mp3")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, ok := parseFrameHeader(b)
	if !ok {
		t.Fatal("vbr-noxing.mp3 does not start with a frame")
	}
	estimate := int64(len(b)) * 8 * 1000 / int64(h.bitrate)
	info, err := Probe(context.Background(), bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if abs(estimate-info.DurationMS) < 200 {
		t.Fatalf("fixture is not variable enough: estimate %d ms, probe %d ms", estimate, info.DurationMS)
	}
}

// TestM4AChapterTextTrack hides the Nero chpl atom so chapters come from the
// QuickTime chapter text track that ffmpeg also writes.
func TestM4AChapterTextTrack(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures, "chapters.m4a"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("chpl"))
	if i < 0 {
		t.Fatal("chapters.m4a has no chpl atom")
	}
	b = bytes.Clone(b)
	copy(b[i:], "free")
	info, err := Probe(context.Background(), bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, c := range info.Chapters {
		titles = append(titles, c.Title)
	}
	want := "Intro|Mitt – del två|Outro"
	if got := strings.Join(titles, "|"); got != want || info.Chapters[1].StartMS != 1000 || info.Chapters[2].StartMS != 2200 {
		t.Fatalf("chapters %+v, want %s starting 0, 1000, 2200", info.Chapters, want)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		file  string
		want  Format
		found string // substring of the error for refused files
	}{
		{file: "cbr.mp3", want: MP3},
		{file: "vbr-noxing.mp3", want: MP3},
		{file: "v1.mp3", want: MP3},
		{file: "chapters.m4a", want: M4A},
		{file: "broken/empty.mp3", found: "empty"},
		{file: "broken/png.mp3", found: "PNG image"},
		{file: "broken/wav.mp3", found: "WAV audio"},
		{file: "broken/flac.mp3", found: "FLAC audio"},
		{file: "broken/ogg.mp3", found: "Ogg"},
		{file: "broken/page.mp3", found: "HTML page"},
		{file: "broken/random.mp3", found: "unknown"},
		{file: "cover.jpg", found: "JPEG image"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(fixtures, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Sniff(b[:min(len(b), SniffLen)])
			if tt.found == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Sniff = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var ue *UnsupportedError
			if !errors.As(err, &ue) || !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Sniff = %q, %v; want an *UnsupportedError", got, err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.found) || !strings.Contains(msg, "MP3") || !strings.Contains(msg, "M4A") {
				t.Fatalf("error %q should name %q and the accepted MP3 and M4A", msg, tt.found)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	if MP3.ContentType() != "audio/mpeg" || MP3.Ext() != ".mp3" || M4A.ContentType() != "audio/x-m4a" || M4A.Ext() != ".m4a" {
		t.Fatalf("content types/extensions: %s %s %s %s", MP3.ContentType(), MP3.Ext(), M4A.ContentType(), M4A.Ext())
	}
}

// TestBrokenCorpus: every file in testdata/audio/broken is refused with a clear
// error, without a panic and without allocating much.
func TestBrokenCorpus(t *testing.T) {
	want := map[string]error{
		"empty.mp3": ErrUnsupported, "png.mp3": ErrUnsupported, "wav.mp3": ErrUnsupported,
		"flac.mp3": ErrUnsupported, "ogg.mp3": ErrUnsupported, "page.mp3": ErrUnsupported,
		"random.mp3": ErrUnsupported, "id3-flac.mp3": ErrUnsupported,
		"truncated.mp3": ErrMalformed, "id3-random.mp3": ErrMalformed, "huge-tag.mp3": ErrMalformed,
		"huge-frame.mp3": ErrMalformed, "huge-dli.mp3": ErrMalformed, "huge-box.m4a": ErrMalformed,
		"huge-box64.m4a": ErrMalformed, "no-moov.m4a": ErrMalformed,
	}
	entries, err := os.ReadDir(filepath.Join(fixtures, "broken"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("broken/ has %d files, the test knows %d", len(entries), len(want))
	}
	for _, de := range entries {
		t.Run(de.Name(), func(t *testing.T) {
			wantErr, ok := want[de.Name()]
			if !ok {
				t.Fatalf("no expectation for %s", de.Name())
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			info, err := probeFile(t, filepath.Join(fixtures, "broken", de.Name()))
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("Probe accepted it: %+v", info)
			}
			if !errors.Is(err, wantErr) {
				t.Fatalf("error %q does not match %v", err, wantErr)
			}
			if !strings.HasPrefix(err.Error(), "probe: ") || len(err.Error()) < 30 {
				t.Errorf("error %q is not a clear message", err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("Probe allocated %d bytes for a broken file", n)
			}
			t.Log(err)
		})
	}
}

// TestTruncatedWithoutHeader cuts a header-less file mid-frame.
func TestTruncatedWithoutHeader(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures, "vbr-noxing.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	b = b[:len(b)/2]
	_, err = Probe(context.Background(), bytes.NewReader(b), int64(len(b)))
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("Probe of a cut file: %v, want a truncation error", err)
	}
}

func TestProbeCanceled(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures, "vbr-noxing.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Probe(ctx, bytes.NewReader(b), int64(len(b))); !errors.Is(err, context.Canceled) {
		t.Fatalf("Probe with a canceled context: %v", err)
	}
}

// FuzzProbe feeds arbitrary bytes to Sniff and Probe: neither may panic, and what
// Probe accepts must be self-consistent.
func FuzzProbe(f *testing.F) {
	for _, dir := range []string{fixtures, filepath.Join(fixtures, "broken")} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, de := range entries {
			if de.IsDir() || strings.HasSuffix(de.Name(), ".json") || strings.HasSuffix(de.Name(), ".sh") || strings.HasSuffix(de.Name(), ".py") || strings.HasSuffix(de.Name(), ".md") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, de.Name()))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// The walk done while the bytes arrive, in writes of any size, must
		// give what Probe gives walking the file.
		want, werr := Probe(context.Background(), bytes.NewReader(b), int64(len(b)))
		for _, chunk := range []int{1, 7, 4096, len(b) + 1} {
			scan := NewScan()
			for rest := b; len(rest) > 0; rest = rest[min(chunk, len(rest)):] {
				scan.Write(rest[:min(chunk, len(rest))])
			}
			got, gerr := scan.Probe(context.Background(), bytes.NewReader(b), int64(len(b)))
			if errString(gerr) != errString(werr) || !reflect.DeepEqual(got, want) {
				t.Fatalf("scanned in writes of %d: %+v, %v; Probe: %+v, %v", chunk, got, gerr, want, werr)
			}
		}
		format, serr := Sniff(b[:min(len(b), SniffLen)])
		info, err := Probe(context.Background(), bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v matches neither ErrUnsupported nor ErrMalformed", err)
			}
			return
		}
		if serr != nil || info.Format != format {
			t.Fatalf("Probe accepted %q but Sniff said %q, %v", info.Format, format, serr)
		}
		if info.DurationMS <= 0 || info.SampleRate <= 0 || info.Bitrate < 0 {
			t.Fatalf("accepted with duration %d ms, sample rate %d, bitrate %d", info.DurationMS, info.SampleRate, info.Bitrate)
		}
		if p := info.Picture; p != nil && p.MIME != "image/jpeg" && p.MIME != "image/png" {
			t.Fatalf("picture type %q", p.MIME)
		}
		for _, c := range info.Chapters {
			if c.EndMS < c.StartMS {
				t.Fatalf("chapter %+v ends before it starts", c)
			}
		}
	})
}

// TestLyingTagFrameBeforeAudio: good audio behind an ID3 tag whose frame declares
// 9 MB (under the tag library's 10 MB up-front allocation) is accepted, the tag is
// skipped with a warning, and nothing large is allocated.
func TestLyingTagFrameBeforeAudio(t *testing.T) {
	audio, err := os.ReadFile(filepath.Join(fixtures, "vbr-noxing.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	frame := v23Frame("TIT2", []byte("\x00title"))
	binary.BigEndian.PutUint32(frame[4:], 9_000_000)
	tag := append([]byte{'I', 'D', '3', 3, 0, 0, 0, 0, 0, 64}, frame...)
	tag = append(tag, make([]byte, 10+64-len(tag))...)
	file := append(tag, audio...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	info, err := Probe(context.Background(), bytes.NewReader(file), int64(len(file)))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Warnings) == 0 || info.Title != "" {
		t.Errorf("title %q, warnings %q: want the tag skipped with a warning", info.Title, info.Warnings)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 2<<20 {
		t.Errorf("Probe allocated %d bytes", n)
	}
}

// TestVBRIHeader builds an MPEG-1 layer III stream whose first frame carries a
// Fraunhofer VBRI header declaring fewer frames than follow, so the duration can
// only come from the header.
func TestVBRIHeader(t *testing.T) {
	hdr := []byte{0xff, 0xfb, 0x90, 0xc0} // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, mono: 417-byte frames
	frame := func() []byte { return append(bytes.Clone(hdr), make([]byte, 417-4)...) }
	const declared, present = 200, 300
	first := frame()
	copy(first[36:], "VBRI")
	binary.BigEndian.PutUint16(first[40:], 1)
	binary.BigEndian.PutUint32(first[46:], 417*(present+1))
	binary.BigEndian.PutUint32(first[50:], declared)
	file := first
	for range present {
		file = append(file, frame()...)
	}
	info, err := Probe(context.Background(), bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(declared * 1152 * 1000 / 44100); info.DurationMS != want {
		t.Fatalf("duration %d ms, want %d from the VBRI header", info.DurationMS, want)
	}
	if info.SampleRate != 44100 || info.Channels != 1 {
		t.Fatalf("sample rate %d, channels %d", info.SampleRate, info.Channels)
	}
}

// TestMostlyJunk: a few real frames in front of much non-audio is refused.
func TestMostlyJunk(t *testing.T) {
	frame := append([]byte{0xff, 0xfb, 0x90, 0xc0}, make([]byte, 417-4)...)
	var file []byte
	for range 3 {
		file = append(file, frame...)
	}
	file = append(file, bytes.Repeat([]byte("not audio "), 1000)...)
	_, err := Probe(context.Background(), bytes.NewReader(file), int64(len(file)))
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("Probe: %v, want a malformed-file error", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
