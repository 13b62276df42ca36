package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/internal/testenv"
)

// TestBrowser opens the pages in headless Chromium: the player's duration,
// seeking by chapter, switching the transcript language, and axe-core at
// 1280 and 375 px. web/e2e/setup.sh installs what it needs.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, p := range []string{"/usr/bin/chromium", "e2e/node_modules/playwright-core", "e2e/node_modules/axe-core/axe.min.js"} {
		if _, err := os.Stat(p); err != nil {
			testenv.Missing(t, "%s is missing: run web/e2e/setup.sh (apt-get install chromium; npm ci in web/e2e)", p)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "node is missing: apt-get install nodejs npm, then run web/e2e/setup.sh")
	}
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Missing(t, "%s is missing: apt-get install ffmpeg", tool)
		}
	}
	dir := t.TempDir()
	mp3 := filepath.Join(dir, "tone.mp3")
	ffmpeg := exec.Command("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=5",
		"-ac", "1", "-ar", "44100", "-b:a", "64k", mp3)
	if out, err := ffmpeg.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", mp3).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	seconds, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe duration %q: %v", out, err)
	}
	audio, err := os.ReadFile(mp3)
	if err != nil {
		t.Fatal(err)
	}
	jpg := filepath.Join(dir, "art.jpg")
	if out, err := exec.Command("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=0x2b5f9e:s=480x480",
		"-frames:v", "1", jpg).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg artwork: %v\n%s", err, out)
	}
	art, err := os.ReadFile(jpg)
	if err != nil {
		t.Fatal(err)
	}

	st, clk, _ := sampleSite(t)
	b := newBucket(t)
	objs := map[string]string{}
	for k, v := range sampleObjects {
		objs[k] = v
	}
	objs["episodes/a.mp3"] = string(audio)
	objs["shows/learning-lab/art.jpg"] = string(art)
	putObjects(t, b, objs)
	_, lb := serve(t, st, b, clk.Now)

	shots := filepath.Join(os.TempDir(), "lyssna-web-screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e/pages.test.mjs", lb.ShowPage("learning-lab"),
		lb.EpisodePage("learning-lab", "spaced-repetition"), strconv.FormatFloat(seconds, 'f', 3, 64), "3", shots)
	res, err := cmd.CombinedOutput()
	t.Logf("node e2e/pages.test.mjs:\n%s", res)
	if err != nil {
		t.Fatalf("browser checks failed: %v", err)
	}
	t.Logf("screenshots in %s", shots)

	// The embed player inside an <iframe> on a page of another origin.
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course week 3</title></head>
<body><main><h1>Course week 3</h1>
<iframe id="embed" src="%s" width="640" height="480" title="Player: Spaced repetition"></iframe>
<iframe id="framed" src="%s" width="640" height="200" title="An episode page, which must not be framed"></iframe>
</main></body></html>`, lb.EpisodeEmbed("learning-lab", "spaced-repetition"), lb.EpisodePage("learning-lab", "spaced-repetition"))
	}))
	defer host.Close()
	cmd = exec.CommandContext(ctx, node, "e2e/embed.test.mjs", host.URL+"/", lb.Base(), "3", shots)
	res, err = cmd.CombinedOutput()
	t.Logf("node e2e/embed.test.mjs:\n%s", res)
	if err != nil {
		t.Fatalf("embed browser checks failed: %v", err)
	}
}
