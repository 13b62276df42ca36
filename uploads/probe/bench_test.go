package probe

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkProbeFixture probes each fixture from memory.
func BenchmarkProbeFixture(b *testing.B) {
	for _, e := range loadExpectations(b) {
		data, err := os.ReadFile(filepath.Join(fixtures, e.File))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(e.File, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Probe(context.Background(), bytes.NewReader(data), int64(len(data))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkProbeLarge probes ~200 MB MP3s without a Xing/Info header (CBR and VBR),
// so every frame header is walked: "read" walks the file after the fact (Probe),
// "scanned" is what is left after the last byte when the walk ran while the
// file was written (Scan.Probe: the tags and the end). The files are made by
// ffmpeg in a temp dir.
func BenchmarkProbeLarge(b *testing.B) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		b.Skip("ffmpeg is not installed (apt-get install -y ffmpeg); it makes the large MP3s this benchmark probes")
	}
	dir := b.TempDir()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"cbr-320k-noheader", []string{"-b:a", "320k"}},
		{"vbr-q2-noheader", []string{"-q:a", "2"}},
	} {
		path, wantMS := makeLargeMP3(b, dir, tc.name, tc.args, 200<<20)
		for _, how := range []string{"read", "scanned"} {
			b.Run(tc.name+"/"+how, func(b *testing.B) {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				st, err := f.Stat()
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(st.Size())
				b.ReportAllocs()
				var info *Info
				rss, hwmReset := resetPeakRSS()
				for b.Loop() {
					var scan *Scan
					if how == "scanned" {
						b.StopTimer()
						scan = NewScan()
						if _, err := io.Copy(scan, io.NewSectionReader(f, 0, st.Size())); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
					if info, err = scan.Probe(context.Background(), f, st.Size()); err != nil {
						b.Fatal(err)
					}
				}
				if d := abs(info.DurationMS - wantMS); d > 50 {
					b.Fatalf("duration %d ms, want %d", info.DurationMS, wantMS)
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/probe")
				b.ReportMetric(float64(st.Size())/1e6, "file-MB")
				if hwm := procStatusKB("VmHWM"); hwmReset && hwm > 0 {
					b.ReportMetric(float64(hwm-rss)/1024, "peak-RSS-growth-MiB")
				}
			})
		}
	}
}

// makeLargeMP3 encodes 30 s of a tone over noise with ffmpeg (no tag, no Xing
// header) and repeats its frames until the file is about size bytes. It returns the
// path and the duration in ms that the frames add up to.
func makeLargeMP3(b *testing.B, dir, name string, args []string, size int64) (string, int64) {
	b.Helper()
	clip := filepath.Join(dir, name+"-clip.mp3")
	cmd := append([]string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
		"aevalsrc=0.3*sin(2*PI*440*t)+0.2*(random(0)*2-1)*gt(mod(t\\,2)\\,1):s=44100:c=stereo:d=30",
		"-c:a", "libmp3lame"}, args...)
	cmd = append(cmd, "-write_xing", "0", "-id3v2_version", "0", clip)
	if out, err := exec.Command("ffmpeg", cmd...).CombinedOutput(); err != nil {
		b.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(clip)
	if err != nil {
		b.Fatal(err)
	}
	first, h, ok := findFirstFrame(bytes.NewReader(data), 0, int64(len(data)))
	if !ok {
		b.Fatal("ffmpeg's clip has no MPEG frames")
	}
	one, err := walkFrames(context.Background(), bytesSource{data: data}, first, int64(len(data)), h)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, name+".mp3")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	copies := size/int64(len(data)) + 1
	for i := int64(0); i < copies; i++ {
		if _, err := f.Write(data); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path, one.samples * copies * 1000 / int64(h.sampleRate)
}

// resetPeakRSS resets the process's peak RSS (VmHWM) to its current RSS, where
// Linux allows, and returns that RSS in KiB.
func resetPeakRSS() (rssKB int64, ok bool) {
	runtime.GC()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return 0, false
	}
	rss := procStatusKB("VmRSS")
	return rss, rss > 0
}

// procStatusKB reads a "Name:   N kB" field of /proc/self/status; 0 if absent.
func procStatusKB(name string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
