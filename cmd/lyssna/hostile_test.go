package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
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
