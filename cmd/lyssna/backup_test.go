package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lyssna/lyssna/internal/testenv"
)

// TestBackupRestoreUnderLoad backs up a running `lyssna serve` (SQLite and
// filesystem media) while clients keep creating shows, restores the backup
// into an empty data directory, and serves it: every show created before
// the backup began is there, the episode's audio plays byte for byte, and
// the token still works.
func TestBackupRestoreUnderLoad(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "lyssna-data")
	token := createToken(t, dataDir)
	// The load is meant to be heavy: no API rate limit in its way.
	s := startServe(t, dir, "LYSSNA_LISTEN=127.0.0.1:0", "LYSSNA_API_RATE_LIMIT=100000")
	api := func(base, method, path, body string) (int, string) { return apiCall(base, token, method, path, body) }
	createShow := func(slug string) error {
		for {
			code, body := api(s.base, "POST", "/api/v1/shows", `{"slug":"`+slug+`","title":"Show `+slug+`","language":"en"}`)
			switch code {
			case http.StatusCreated:
				return nil
			case http.StatusTooManyRequests: // the per-token rate limit: wait as a client would
				time.Sleep(200 * time.Millisecond)
				continue
			}
			return fmt.Errorf("create %s: %d %s", slug, code, body)
		}
	}
	if err := createShow("talks"); err != nil {
		t.Fatal(err)
	}
	audio := filepath.Join("..", "..", "testdata", "audio", "chapters.mp3")
	env := map[string]string{"LYSSNA_SERVER": s.base, "LYSSNA_TOKEN": token}
	if code, _, stderr := runCLI(t, env, "upload", "--show", "talks", "--publish", "--title", "First", audio); code != 0 {
		t.Fatalf("upload: exit %d: %s", code, stderr)
	}

	// Writers create shows while the backup runs.
	var done sync.Map
	var created atomic.Int64
	stop := make(chan struct{})
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				select {
				case <-stop:
					return
				default:
				}
				slug := fmt.Sprintf("load-%d-%d", g, i)
				if err := createShow(slug); err != nil {
					errc <- err
					return
				}
				done.Store(slug, true)
				created.Add(1)
			}
		}()
	}
	for created.Load() < 10 && len(errc) == 0 {
		runtimeYield()
	}
	var before []string
	done.Range(func(k, _ any) bool { before = append(before, k.(string)); return true })
	backup := filepath.Join(dir, "lyssna.tar")
	code, out, stderr := runCLI(t, map[string]string{"LYSSNA_DATA_DIR": dataDir}, "backup", "--to", backup, "--media")
	atBackup := created.Load()
	for created.Load() < atBackup+5 && len(errc) == 0 {
		runtimeYield()
	}
	close(stop)
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if code != 0 || !strings.Contains(out, "Wrote "+backup) || !strings.Contains(out, "media files") {
		t.Fatalf("backup: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	t.Logf("backup: %s(%d shows created during the test, %d when it ended)", out, created.Load(), atBackup)

	// --check verifies without touching anything; then restore for real.
	fresh := filepath.Join(t.TempDir(), "restored")
	freshData := filepath.Join(fresh, "lyssna-data")
	if code, out, stderr := runCLI(t, map[string]string{"LYSSNA_DATA_DIR": freshData}, "restore", "--from", backup, "--check"); code != 0 || !strings.Contains(out, "is a good backup") {
		t.Fatalf("restore --check: exit %d: %s %s", code, out, stderr)
	}
	if _, err := os.Stat(freshData); !os.IsNotExist(err) {
		t.Errorf("restore --check created %s", freshData)
	}
	if code, out, stderr := runCLI(t, map[string]string{"LYSSNA_DATA_DIR": freshData}, "restore", "--from", backup); code != 0 || !strings.Contains(out, "Restored ") {
		t.Fatalf("restore: exit %d: %s %s", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, map[string]string{"LYSSNA_DATA_DIR": freshData}, "restore", "--from", backup); code != 1 || !strings.Contains(stderr, "--force") {
		t.Errorf("restore over a database without --force: exit %d: %s", code, stderr)
	}

	r := startServe(t, fresh, "LYSSNA_LISTEN=127.0.0.1:0")
	for _, slug := range append(before, "talks") {
		if code, body := api(r.base, "GET", "/api/v1/shows/"+slug, ""); code != http.StatusOK {
			t.Errorf("show %s, created before the backup: %d %s", slug, code, body)
		}
	}
	resp, err := http.Get(r.base + "/talks/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	feedXML, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	enclosure := regexp.MustCompile(`<enclosure url="([^"]+)"`).FindSubmatch(feedXML)
	if enclosure == nil {
		t.Fatalf("no enclosure in the restored feed:\n%s", feedXML)
	}
	resp, err = http.Get(strings.ReplaceAll(string(enclosure[1]), "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, _ := os.ReadFile(audio)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) || resp.Header.Get("Content-Type") != "audio/mpeg" {
		t.Errorf("restored audio: %s, %d bytes, %s; want 200, the %d bytes uploaded, audio/mpeg", resp.Status, len(got), resp.Header.Get("Content-Type"), len(want))
	}
}

// runtimeYield lets the writers run while the test waits for them.
func runtimeYield() { time.Sleep(time.Millisecond) }

func TestRestoreRefusesDamagedBackups(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"LYSSNA_DATA_DIR": filepath.Join(dir, "data")}
	garbage := filepath.Join(dir, "garbage.tar")
	os.WriteFile(garbage, []byte("not a tar file at all"), 0o600)
	if code, _, stderr := runCLI(t, env, "restore", "--from", garbage); code != 1 || !strings.Contains(stderr, "not a Lyssna backup") {
		t.Errorf("restore of garbage: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "backup"); code != 2 || !strings.Contains(stderr, "--to FILE") {
		t.Errorf("backup without --to: exit %d: %s", code, stderr)
	}
	s3env := map[string]string{"LYSSNA_DATA_DIR": dir, "LYSSNA_STORAGE": "s3", "LYSSNA_S3_BUCKET": "b"}
	if code, _, stderr := runCLI(t, s3env, "backup", "--to", filepath.Join(dir, "x.tar"), "--media"); code != 2 || !strings.Contains(stderr, "bucket") {
		t.Errorf("backup --media with S3: exit %d: %s", code, stderr)
	}
	// A backup cut short is refused, and the database in place is untouched.
	good := filepath.Join(dir, "good.tar")
	if code, _, stderr := runCLI(t, env, "backup", "--to", good); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(good)
	cut := filepath.Join(dir, "cut.tar")
	os.WriteFile(cut, b[:len(b)/2], 0o600)
	other := map[string]string{"LYSSNA_DATA_DIR": filepath.Join(dir, "other")}
	if code, _, stderr := runCLI(t, other, "restore", "--from", cut); code != 1 || !strings.Contains(stderr, "cut short") {
		t.Errorf("restore of a cut backup: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "other", "lyssna.db")); !os.IsNotExist(err) {
		t.Errorf("a refused restore left a database behind (%v)", err)
	}
}

// TestBackupPostgres checks that backup, on PostgreSQL, checks the
// connection, explains pg_dump and writes nothing.
func TestBackupPostgres(t *testing.T) {
	url := testenv.Postgres(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "x.tar")
	code, stdout, stderr := runCLI(t, map[string]string{"LYSSNA_DATA_DIR": dir, "LYSSNA_DATABASE_URL": url}, "backup", "--to", out)
	if code != 1 || !strings.Contains(stdout, "pg_dump --format=custom") || !strings.Contains(stdout, "The database answers.") || !strings.Contains(stderr, "no backup written") {
		t.Errorf("backup on PostgreSQL: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("backup on PostgreSQL wrote %s", out)
	}
	code, stdout, _ = runCLI(t, map[string]string{"LYSSNA_DATA_DIR": dir, "LYSSNA_DATABASE_URL": "postgres://nobody:secret@127.0.0.1:1/none?connect_timeout=2"}, "backup", "--to", out)
	if code != 1 || !strings.Contains(stdout, "does not answer") || strings.Contains(stdout, "secret") {
		t.Errorf("backup on an unreachable PostgreSQL: exit %d: %s", code, stdout)
	}
}
