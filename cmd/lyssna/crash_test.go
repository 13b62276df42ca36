package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKilledMidUploadLeavesNothing kills a real `lyssna serve` while an upload
// is being spooled and after an object was put without its episode (as a crash
// between the two steps leaves it), then restarts it: the restart removes the
// temp file at once, the sweeper records the orphaned object (the first
// sweep lists the bucket) and removes it only once LYSSNA_SWEEP_GRACE has
// passed, and no episode exists. It also proves that LYSSNA_ADMIN_TOKEN
// creates a working API token on an empty instance.
func TestKilledMidUploadLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	const token = "test-admin-token-0123456789"
	env := []string{"LYSSNA_LISTEN=127.0.0.1:0", "LYSSNA_ADMIN_TOKEN=" + token, "LYSSNA_SWEEP_GRACE=1h"}
	s := startServe(t, dir, env...)

	api := func(base, method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := api(s.base, "POST", "/api/v1/shows", `{"slug":"crash","title":"Crash","description":"d","author":"a",
		"owner":{"name":"o","email":"o@example.org"},"language":"en","categories":[{"category":"Education"}]}`)
	if code != http.StatusCreated {
		t.Fatalf("create show with the bootstrapped admin token = %d %s", code, body)
	}

	// Start a multipart upload of a real MP3 and stop sending halfway.
	audio, err := os.ReadFile("../../testdata/audio/cbr.mp3")
	if err != nil {
		t.Fatal(err)
	}
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	part, _ := mw.CreateFormFile("audio", "cbr.mp3")
	part.Write(audio[:len(audio)/2])
	u, _ := url.Parse(s.base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/shows/crash/episodes HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: %s\r\nContent-Length: %d\r\n\r\n", u.Host, token, mw.FormDataContentType(), head.Len()+len(audio))
	conn.Write(head.Bytes())

	tmp := filepath.Join(dir, "lyssna-data", "tmp")
	waitFor(t, "the upload to be spooled under "+tmp, func() bool { return countFiles(tmp) > 0 })

	// A crash between putting an object and creating its episode leaves this.
	orphan := filepath.Join(dir, "lyssna-data", "media", "audio", "1", "orphan-0123456789abcdef.mp3")
	if err := os.MkdirAll(filepath.Dir(orphan), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(orphan, audio, 0o640); err != nil {
		t.Fatal(err)
	}
	// Left two hours ago: past the floor of the grace (an hour), within the
	// default (a day).
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(orphan, old, old); err != nil {
		t.Fatal(err)
	}

	s.cmd.Process.Kill()
	s.cmd.Wait()
	if countFiles(tmp) == 0 {
		t.Fatal("the killed server left no temp file: the test did not catch it mid-upload")
	}

	// First restart with the default grace of a day: the temp file must go at
	// once (nothing can still be writing it), while the orphan is young and stays.
	base := []string{"LYSSNA_LISTEN=127.0.0.1:0", "LYSSNA_ADMIN_TOKEN=" + token}
	s1 := startServe(t, dir, base...)
	if n := countFiles(tmp); n != 0 {
		t.Errorf("%d temp files left after the restart, want 0", n)
	}
	if _, err := os.Stat(orphan); err != nil {
		t.Errorf("the orphan went before LYSSNA_SWEEP_GRACE had passed: %v", err)
	}
	if err := s1.stop(t); err != nil {
		t.Errorf("serve exited with %v", err)
	}

	// An object without a row (put before the media lifecycle, or by hand)
	// is found by the reconciliation, which `lyssna sweep --reconcile` runs
	// now: recorded as pending since its time, kept within the default grace.
	code, out, errOut := runCLI(t, map[string]string{"LYSSNA_DATA_DIR": filepath.Join(dir, "lyssna-data")}, "sweep", "--reconcile")
	if code != 0 || !strings.Contains(out, "1 of them unknown to the database") || !strings.Contains(out, "deleted 0 objects") {
		t.Fatalf("lyssna sweep --reconcile: exit %d, %q %s", code, out, errOut)
	}

	// Then with a grace it has outlived: the sweeper deletes it.
	s2 := startServe(t, dir, env...)
	waitFor(t, "the sweeper to delete the orphaned object", func() bool {
		_, err := os.Stat(orphan)
		return os.IsNotExist(err)
	})
	code, body = api(s2.base, "GET", "/api/v1/shows/crash/episodes", "")
	var list struct {
		Episodes []json.RawMessage `json:"episodes"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil || len(list.Episodes) != 0 {
		t.Errorf("episodes after the crash = %d %s, want 200 and none", code, body)
	}
	if err := s2.stop(t); err != nil {
		t.Errorf("serve exited with %v", err)
	}
}

// countFiles counts the regular files directly in dir (0 when it is missing).
func countFiles(dir string) int {
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if e.Type().IsRegular() {
			n++
		}
	}
	return n
}

// waitFor polls cond for up to 20 s and fails the test naming what it waited for.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
