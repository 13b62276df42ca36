package main

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUploadCommand runs a real `lyssna serve`, then `lyssna upload` against
// it: the episode is created and published, the printed page and feed URLs
// work, and failures exit 1 with the server's message.
func TestUploadCommand(t *testing.T) {
	dir := t.TempDir()
	code, token, stderr := runCLI(t, map[string]string{"LYSSNA_DATA_DIR": filepath.Join(dir, "lyssna-data")}, "token", "create", "--name", "ci")
	if code != 0 {
		t.Fatalf("token create: exit %d: %s", code, stderr)
	}
	token = strings.TrimSpace(token)
	s := startServe(t, dir, "LYSSNA_LISTEN=127.0.0.1:0")

	req, _ := http.NewRequest(http.MethodPost, s.base+"/api/v1/shows", strings.NewReader(`{"slug":"talks","title":"Talks","language":"en"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create show: %s", resp.Status)
	}

	env := map[string]string{"LYSSNA_SERVER": s.base, "LYSSNA_TOKEN": token}
	fixture := filepath.Join("..", "..", "testdata", "audio", "chapters.mp3")
	code, stdout, stderr := runCLI(t, env, "upload", "--show", "talks", fixture, "--title", "Hello world", "--publish")
	if code != 0 {
		t.Fatalf("upload: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, want := range []string{`Episode "Hello world" (hello-world) is published.`, "page: " + s.base + "/talks/hello-world/", "feed: " + s.base + "/talks/feed.xml"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "Uploaded chapters.mp3: 12 KiB in") {
		t.Errorf("stderr lacks the plain summary (not a terminal):\n%s", stderr)
	}
	for _, path := range []string{"/talks/hello-world/", "/talks/feed.xml"} {
		resp, err := http.Get(s.base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Hello world") {
			t.Errorf("GET %s = %s, want 200 naming the episode", path, resp.Status)
		}
	}

	failures := []struct {
		name string
		env  map[string]string
		args []string
		says []string
	}{
		{"same file again", env, []string{"upload", "--show", "talks", fixture}, []string{"409", "hello-world"}},
		{"not audio", env, []string{"upload", "--show", "talks", filepath.Join("..", "..", "testdata", "audio", "cover.png")}, []string{"415", "PNG image", "accepted are MP3"}},
		{"no such show", env, []string{"upload", "--show", "nope", fixture}, []string{"404"}},
		{"bad token", map[string]string{"LYSSNA_SERVER": s.base, "LYSSNA_TOKEN": "wrong"}, []string{"upload", "--show", "talks", fixture}, []string{"401"}},
		{"no such file", env, []string{"upload", "--show", "talks", filepath.Join(dir, "missing.mp3")}, []string{"missing.mp3", "no such file"}},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, f.env, f.args...)
			if code != 1 {
				t.Errorf("exit %d, want 1; stdout %s", code, stdout)
			}
			for _, want := range f.says {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

func TestUploadUsage(t *testing.T) {
	code, _, stderr := runCLI(t, nil, "upload", "a.mp3", "b.mp3")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{"LYSSNA_SERVER", "LYSSNA_TOKEN", "--show SLUG", "exactly one audio FILE"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	code, _, stderr = runCLI(t, map[string]string{"LYSSNA_TOKEN": "x"}, "upload", "--server", "ftp://x", "--show", "s", "a.mp3")
	if code != 2 || !strings.Contains(stderr, `--server "ftp://x" is not an http:// or https:// URL`) {
		t.Errorf("exit %d, stderr %s; want 2 naming the bad URL", code, stderr)
	}
}

// TestProgressBar draws the terminal bar into a buffer: bytes, percentage,
// rate and time left, then the processing note once everything is sent.
func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(4<<20, &buf)
	p.start = time.Now().Add(-2 * time.Second)
	p.add(1 << 20)
	line := buf.String()
	for _, want := range []string{"25.0%", "1.0 MiB / 4.0 MiB", "/s", "left"} {
		if !strings.Contains(line, want) {
			t.Errorf("bar %q lacks %q", line, want)
		}
	}
	p.add(3 << 20)
	if !strings.Contains(buf.String(), "100.0%") || !strings.Contains(buf.String(), "processing") {
		t.Errorf("bar after the last byte %q: want 100%% and the processing note", buf.String())
	}
	p.finish(true)
	if !strings.HasSuffix(buf.String(), "Uploaded 4.0 MiB in 0:02.\n") {
		t.Errorf("bar ends %q", buf.String()[max(0, buf.Len()-60):])
	}
}
