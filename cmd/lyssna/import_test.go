package main

import (
	"archive/zip"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportExportCommands runs a real `lyssna serve`, then `lyssna import`
// of a feed served locally (the job queue runs it) and `lyssna export` of
// the show it made: the import reports its one item, and the archive holds
// the feed, show.json and the episode's audio.
func TestImportExportCommands(t *testing.T) {
	dir := t.TempDir()
	code, token, stderr := runCLI(t, map[string]string{"LYSSNA_DATA_DIR": filepath.Join(dir, "lyssna-data")}, "token", "create", "--name", "ci")
	if code != 0 {
		t.Fatalf("token create: exit %d: %s", code, stderr)
	}
	token = strings.TrimSpace(token)
	s := startServe(t, dir, "LYSSNA_LISTEN=127.0.0.1:0", "LYSSNA_IMPORT_ALLOW_PRIVATE=true")

	audio, err := os.ReadFile(filepath.Join("..", "..", "testdata", "audio", "chapters.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	var origin *httptest.Server
	origin = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
<title>Moving Day</title><description>A show that moves.</description><language>en</language><link>https://old.example.com/</link>
<item><title>First</title><guid isPermaLink="false">md-1</guid><pubDate>Mon, 06 Nov 2023 08:00:00 GMT</pubDate>
<enclosure url="` + origin.URL + `/md-1.mp3" length="1" type="audio/mpeg"/></item></channel></rss>`))
		case "/md-1.mp3":
			w.Header().Set("Content-Type", "audio/mpeg")
			w.Write(audio)
		default:
			http.NotFound(w, r)
		}
	}))
	defer origin.Close()

	env := map[string]string{"LYSSNA_SERVER": s.base, "LYSSNA_TOKEN": token}
	code, stdout, stderr := runCLI(t, env, "import", "--slug", "moving", origin.URL+"/feed.xml")
	if code != 0 || !strings.Contains(stdout, `imported 1 of 1 new items into "moving" (0 failed)`) {
		t.Fatalf("import: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	to := filepath.Join(dir, "moving.zip")
	code, stdout, stderr = runCLI(t, env, "export", "--show", "moving", "--to", to)
	if code != 0 || !strings.Contains(stdout, "wrote "+to) {
		t.Fatalf("export: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	zr, err := zip.OpenReader(to)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	for _, want := range []string{"feed.xml", "show.json", "audio/001-first.mp3"} {
		if !names[want] {
			t.Errorf("the archive lacks %s: %v", want, names)
		}
	}

	if code, _, stderr := runCLI(t, env, "export", "--show", "nope", "--to", filepath.Join(dir, "nope.zip")); code != 1 || !strings.Contains(stderr, "404") {
		t.Errorf("export of a missing show: exit %d, stderr %s; want 1 with the 404", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.zip")); !os.IsNotExist(err) {
		t.Errorf("a failed export left a file: %v", err)
	}
}

func TestImportExportUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		says []string
	}{
		{[]string{"import", "a", "b"}, []string{"LYSSNA_SERVER", "LYSSNA_TOKEN", "--slug SLUG", "exactly one FEED_URL (got 2)"}},
		{[]string{"export", "extra"}, []string{"LYSSNA_SERVER", "LYSSNA_TOKEN", "--show SLUG", "unexpected arguments"}},
		{[]string{"import", "--server", "ftp://x", "--token", "t", "--slug", "s", "https://f.example/feed"}, []string{`--server "ftp://x" is not an http:// or https:// URL`}},
	} {
		code, _, stderr := runCLI(t, nil, c.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", c.args, code)
		}
		for _, want := range c.says {
			if !strings.Contains(stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", c.args, want, stderr)
			}
		}
	}
}
