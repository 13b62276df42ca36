package main

import (
	"bufio"
	"bytes"
	"context"
	be "encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
)

// The hostile-input suite: attacks and faults played against the real
// binary, one test per defence (issue 20). Helpers for one process at a time.

// hostileToken is the bootstrap token of the hostile suite's servers.
const hostileToken = "hostile-suite-admin-token-0123456789"

// bodyIdle is the idle deadline set low for the suite.
const bodyIdle = 2 * time.Second

// startHostile runs `lyssna serve` on a free port with the suite's token and
// a short body idle deadline, plus extra settings.
func startHostile(t *testing.T, extra ...string) *served {
	t.Helper()
	env := append([]string{"LYSSNA_LISTEN=127.0.0.1:0", "LYSSNA_ADMIN_TOKEN=" + hostileToken,
		"LYSSNA_BODY_IDLE_TIMEOUT=" + bodyIdle.String()}, extra...)
	return startServe(t, t.TempDir(), env...)
}

// rawRequest writes head (and body) on a new connection and returns the
// status line and the rest of the answer that came within wait.
func rawRequest(t *testing.T, base, head, body string, wait time.Duration) (string, string) {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, head+body)
	conn.SetReadDeadline(time.Now().Add(wait))
	br := bufio.NewReader(conn)
	line, _ := br.ReadString('\n')
	rest, _ := io.ReadAll(br)
	return strings.TrimSpace(line), string(rest)
}

// TestHostileBodyNeverArrives: a request that declares a body and sends
// none gets an answer within the idle deadline on every kind of route (the
// health check, sign-in, the API's JSON and upload routes): 408 with a
// message where the route reads the body.
func TestHostileBodyNeverArrives(t *testing.T) {
	s := startHostile(t)
	auth := "Authorization: Bearer " + hostileToken + "\r\n"
	s.api(t, "POST", "/api/v1/shows", `{"slug":"talks","title":"Talks","language":"en"}`, 201)
	mp := "--B\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\nID3"
	for _, c := range []struct {
		name, head, want string
	}{
		{"health", "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", "HTTP/1.1 200 OK"},
		{"sign-in", "POST /admin/signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n", "HTTP/1.1 408 Request Timeout"},
		{"API JSON", "POST /api/v1/shows HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n", "HTTP/1.1 408 Request Timeout"},
		{"API JSON, half sent", "POST /api/v1/shows HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"slug\":", "HTTP/1.1 408 Request Timeout"},
		{"API upload, stalled in the file", "POST /api/v1/shows/talks/episodes HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: multipart/form-data; boundary=B\r\nContent-Length: 100000\r\n\r\n" + mp, "HTTP/1.1 408 Request Timeout"},
		{"API without token", "POST /api/v1/shows HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", "HTTP/1.1 401 Unauthorized"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // a connection each: their idle deadlines run out together
			start := time.Now()
			line, rest := rawRequest(t, s.base, c.head, "", bodyIdle+10*time.Second)
			took := time.Since(start)
			if line != c.want {
				t.Fatalf("answer %q after %s, want %q; stderr:\n%s", line, took, c.want, s.stderr.String())
			}
			if c.want == "HTTP/1.1 408 Request Timeout" && !strings.Contains(rest, "sent nothing for "+bodyIdle.String()) {
				t.Errorf("the 408 does not say why:\n%s", rest)
			}
			t.Logf("%s after %s", line, took.Round(time.Millisecond))
		})
	}
}

// api sends an API request with the suite's token and fails unless the
// answer has the status want; it returns the body.
func (s *served) api(t *testing.T, method, path, body string, want int) string {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+hostileToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	return string(b)
}

// tagBomb is an MP3 (the cbr.mp3 fixture's audio) behind an ID3v2.3 tag of
// about tagBytes: a picture of picBytes (a JPEG signature and filler), and
// TXXX frames of 1000 bytes for the rest.
func tagBomb(t *testing.T, tagBytes, picBytes int) []byte {
	t.Helper()
	audio, err := os.ReadFile(filepath.Join("..", "..", "testdata", "audio", "cbr.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	frame := func(id string, body []byte) []byte {
		h := make([]byte, 10, 10+len(body))
		copy(h, id)
		be.BigEndian.PutUint32(h[4:], uint32(len(body)))
		return append(h, body...)
	}
	var body []byte
	if picBytes > 0 {
		pic := append([]byte("\x00image/jpeg\x00\x03\x00\xff\xd8\xff\xe0"), bytes.Repeat([]byte{0x55}, picBytes)...)
		body = frame("APIC", pic)
	}
	for i := 0; len(body) < tagBytes; i++ {
		body = append(body, frame("TXXX", append([]byte(fmt.Sprintf("\x00note%d\x00", i)), bytes.Repeat([]byte{'x'}, 980)...))...)
	}
	n := len(body)
	hdr := []byte{'I', 'D', '3', 3, 0, 0, byte(n >> 21 & 0x7f), byte(n >> 14 & 0x7f), byte(n >> 7 & 0x7f), byte(n & 0x7f)}
	return append(hdr, append(body, audio...)...)
}

// peakRSS is the process's peak resident set size (VmHWM), in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}

// TestHostileTagMemory: 8 uploads at once, each behind a 15 MB ID3 tag,
// keep the server's peak RSS under 150 MB (it reached 428 MB when tags were
// held whole), both for a tag of small frames and for one with a 9 MB
// picture (kept: a picture under 10 MiB becomes the episode's artwork).
func TestHostileTagMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 240 MB")
	}
	for _, c := range []struct {
		name string
		pic  int
	}{{"small frames", 0}, {"9 MB picture", 9 << 20}} {
		t.Run(c.name, func(t *testing.T) {
			// A loaded test machine must not look like a stalled client here.
			s := startHostile(t, "LYSSNA_BODY_IDLE_TIMEOUT=60s")
			s.api(t, "POST", "/api/v1/shows", `{"slug":"talks","title":"Talks","language":"en"}`, 201)
			before := peakRSS(t, s.cmd.Process.Pid)
			file := tagBomb(t, 15_000_000, c.pic)
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// A different file each time (the show refuses the same audio twice).
					f := append(append([]byte{}, file...), byte(i))
					errs <- s.upload(t, "/api/v1/shows/talks/episodes", f)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			peak := peakRSS(t, s.cmd.Process.Pid)
			t.Logf("peak RSS %.1f MB (after start-up %.1f MB) with 8 uploads of %.1f MB behind 15 MB tags", float64(peak)/1e6, float64(before)/1e6, float64(len(file))/1e6)
			if peak >= 150_000_000 {
				t.Errorf("peak RSS %.1f MB, want under 150 MB", float64(peak)/1e6)
			}
		})
	}
}

// upload sends file as the "audio" part of a multipart POST to path with
// the suite's token; an error unless the answer is 201.
func (s *served) upload(t *testing.T, path string, file []byte) error {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("audio", "bomb.mp3")
		if err == nil {
			_, err = part.Write(file)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", s.base+path, pr)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+hostileToken)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("upload: %d %s", resp.StatusCode, b)
	}
	return nil
}

// TestHostileRevokedAdminTokenStaysRevoked: revoke the bootstrap token, then
// restart with LYSSNA_ADMIN_TOKEN still set: the token stays refused.
func TestHostileRevokedAdminTokenStaysRevoked(t *testing.T) {
	dir := t.TempDir()
	env := []string{"LYSSNA_LISTEN=127.0.0.1:0", "LYSSNA_ADMIN_TOKEN=" + hostileToken, "LYSSNA_DATA_DIR=" + dir}
	s := startServe(t, dir, env...)
	s.api(t, "GET", "/api/v1/shows", "", 200)
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, map[string]string{"LYSSNA_DATA_DIR": dir}, "token", "revoke", "--name", "admin"); code != 0 {
		t.Fatalf("token revoke: %d %s %s", code, out, errOut)
	}
	s = startServe(t, dir, env...)
	s.api(t, "GET", "/api/v1/shows", "", 401)
	if !strings.Contains(s.stderr.String(), "LYSSNA_ADMIN_TOKEN was revoked") {
		t.Errorf("the restart does not warn that the admin token stays revoked:\n%s", s.stderr.String())
	}
}

// signInReq posts the sign-in form with the given token and extra headers
// and returns the status.
func (s *served) signIn(t *testing.T, token string, header map[string]string) (int, *http.Response) {
	t.Helper()
	req, err := http.NewRequest("POST", s.base+"/admin/signin", strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Transport{}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp
}

// TestHostileSessions: login CSRF from another origin is refused; a cookie
// made from anything in the tokens or sessions tables signs no one in; a
// session ends at sign-out.
func TestHostileSessions(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, dir, "LYSSNA_LISTEN=127.0.0.1:0", "LYSSNA_ADMIN_TOKEN="+hostileToken, "LYSSNA_DATA_DIR="+dir)
	for name, h := range map[string]map[string]string{
		"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": "cross-site"},
		"Origin elsewhere":          {"Origin": "https://evil.example"},
	} {
		if status, _ := s.signIn(t, hostileToken, h); status != http.StatusForbidden {
			t.Errorf("sign-in from another origin (%s): %d, want 403", name, status)
		}
	}
	status, resp := s.signIn(t, hostileToken, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": s.base})
	if status != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("sign-in from the same origin: %d, %d cookies", status, len(resp.Cookies()))
	}
	real := resp.Cookies()[0]

	get := func(value string) int {
		req, _ := http.NewRequest("GET", s.base+"/admin/", nil)
		req.AddCookie(&http.Cookie{Name: real.Name, Value: value})
		resp, err := (&http.Transport{}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(real.Value); got != http.StatusOK {
		t.Fatalf("the real session: %d", got)
	}
	store, err := episodes.Open(context.Background(), "sqlite:"+filepath.Join(dir, "lyssna.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var read []string
	for _, q := range []string{`SELECT hash FROM tokens`, `SELECT id_hash FROM sessions`} {
		rows, err := store.DB().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			rows.Scan(&v)
			read = append(read, v, v[:43])
		}
		rows.Close()
	}
	for _, v := range read {
		if got := get(v); got != http.StatusSeeOther {
			t.Errorf("cookie %q read from the database: %d, want a redirect to sign in", v, got)
		}
	}
	if len(read) < 4 {
		t.Errorf("read %d values from the database", len(read))
	}
}

// TestHostileSignInLimitAcrossReplicas: two replicas on one PostgreSQL give
// one client 10 failed sign-ins in all, not 10 each; behind a trusted proxy
// the limit keys on the forwarded client, so another client is not locked out.
func TestHostileSignInLimitAcrossReplicas(t *testing.T) {
	pg := testenv.Postgres(t)
	env := []string{"LYSSNA_LISTEN=127.0.0.1:0", "LYSSNA_ADMIN_TOKEN=" + hostileToken, "LYSSNA_DATABASE_URL=" + pg,
		"LYSSNA_TRUSTED_PROXIES=127.0.0.1"}
	a := startServe(t, t.TempDir(), env...)
	b := startServe(t, t.TempDir(), env...)
	attacker := map[string]string{"X-Forwarded-For": "198.51.100.66"}
	for i := 0; i < 10; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		if status, _ := s.signIn(t, "wrong-token-"+strconv.Itoa(i), attacker); status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, status)
		}
	}
	for _, s := range []*served{a, b} {
		if status, resp := s.signIn(t, hostileToken, attacker); status != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Errorf("11th try: %d (Retry-After %q), want 429 with Retry-After on both replicas", status, resp.Header.Get("Retry-After"))
		}
	}
	if status, _ := a.signIn(t, hostileToken, map[string]string{"X-Forwarded-For": "203.0.113.9"}); status != http.StatusSeeOther {
		t.Errorf("another client behind the same proxy: %d, want 303", status)
	}
}

// TestHostileEdge: the 20,000-frame MP3 is accepted (its tag walked in
// linear work, see probe's TestRepeatedFramesLinear); 1,000 ranges of its
// audio are merged into one answer; media answers any origin, the API none.
func TestHostileEdge(t *testing.T) {
	s := startHostile(t, "LYSSNA_BODY_IDLE_TIMEOUT=60s")
	s.api(t, "POST", "/api/v1/shows", `{"slug":"talks","title":"Talks","language":"en"}`, 201)
	var body []byte
	for i := 0; i < 20_000; i++ {
		f := append([]byte("TXXX\x00\x00\x00\x07\x00\x00"), "\x00a\x00bcde"...)
		body = append(body, f...)
	}
	n := len(body)
	audio, err := os.ReadFile(filepath.Join("..", "..", "testdata", "audio", "cbr.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	file := append([]byte{'I', 'D', '3', 3, 0, 0, byte(n >> 21 & 0x7f), byte(n >> 14 & 0x7f), byte(n >> 7 & 0x7f), byte(n & 0x7f)}, append(body, audio...)...)
	if err := s.upload(t, "/api/v1/shows/talks/episodes", file); err != nil {
		t.Fatalf("the 20,000-frame MP3: %v", err)
	}
	var list struct {
		Episodes []struct {
			Audio struct {
				URL string `json:"url"`
			} `json:"audio"`
		} `json:"episodes"`
	}
	if err := json.Unmarshal([]byte(s.api(t, "GET", "/api/v1/shows/talks/episodes", "", 200)), &list); err != nil || len(list.Episodes) != 1 {
		t.Fatalf("episode list: %v %+v", err, list)
	}
	media := list.Episodes[0].Audio.URL
	var rng strings.Builder
	rng.WriteString("bytes=")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&rng, "%d-%d,", i*10, i*10)
	}
	req, _ := http.NewRequest("GET", media, nil)
	req.Header.Set("Range", strings.TrimSuffix(rng.String(), ","))
	req.Header.Set("Origin", "https://player.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 0-9990/%d", len(file)) {
		t.Errorf("1,000 ranges: %d %q, want one merged range", resp.StatusCode, resp.Header.Get("Content-Range"))
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("media: Access-Control-Allow-Origin %q, want *", resp.Header.Get("Access-Control-Allow-Origin"))
	}
	req, _ = http.NewRequest("GET", s.base+"/api/v1/shows", nil)
	req.Header.Set("Authorization", "Bearer "+hostileToken)
	req.Header.Set("Origin", "https://player.example")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("API: Access-Control-Allow-Origin %q, want none", got)
	}
}
