package bodyguard

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// Generous times: the box may be loaded, and a late scheduler must not look like a stall.
const idle = 1500 * time.Millisecond

// serve runs h behind the guard on a real connection (deadlines need one).
func serve(t *testing.T, g Guard, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(g.Wrap(h))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// raw sends head and then the chunks, pausing between them, and returns the
// status line of the answer (or "" when none came within 10 s).
func raw(t *testing.T, addr, head string, chunks int, pause time.Duration) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, head)
	for i := 0; i < chunks; i++ {
		conn.Write(bytes.Repeat([]byte("x"), 1000))
		time.Sleep(pause)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line)
}

// echoLen reads the whole body and answers its length, or the guard's status.
func echoLen(got chan<- error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		got <- err
		if status, msg, ok := Status(err); ok {
			http.Error(w, msg, status)
			return
		}
		fmt.Fprint(w, n)
	}
}

// TestSteadyBodyPassesStalledGets408: a body that keeps arriving, more slowly
// in total than the idle time, is read whole; one that stops gets a 408 the
// client receives, within about the idle time.
func TestSteadyBodyPassesStalledGets408(t *testing.T) {
	got := make(chan error, 2)
	addr := serve(t, Guard{Idle: idle}, echoLen(got))
	head := "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n"

	if line := raw(t, addr, head, 10, idle/5); line != "HTTP/1.1 200 OK" {
		t.Errorf("steady body (twice the idle time in total): %q, want 200", line)
	}
	if err := <-got; err != nil {
		t.Errorf("steady body failed: %v", err)
	}
	start := time.Now()
	if line := raw(t, addr, head, 3, 0); line != "HTTP/1.1 408 Request Timeout" {
		t.Errorf("stalled body: %q, want 408", line)
	}
	err := <-got
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, new(*IdleError)) {
		t.Errorf("stalled body: read error %v, want *IdleError", err)
	}
	t.Logf("408 after %s (idle %s)", time.Since(start).Round(time.Millisecond), idle)
}

// TestBodyNeverSentHandlerIgnoresIt: a handler that answers without reading
// the body (a health check, a refused token) answers at once, and the
// connection is not held past the idle time waiting for the body.
func TestBodyNeverSentHandlerIgnoresIt(t *testing.T) {
	addr := serve(t, Guard{Idle: idle}, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized)
	})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	line, _ := br.ReadString('\n')
	if strings.TrimSpace(line) != "HTTP/1.1 401 Unauthorized" {
		t.Fatalf("answer %q, want 401", line)
	}
	// The server gives up on the body and closes: EOF, not our 10 s deadline.
	_, err = io.Copy(io.Discard, br)
	if err != nil {
		t.Errorf("connection not closed after the idle time: %v", err)
	}
}

// TestMaxCapsEveryBody: past Guard.Max a read fails with *http.MaxBytesError
// and Status answers 413; Limit tightens it for one route.
func TestMaxCapsEveryBody(t *testing.T) {
	got := make(chan error, 2)
	srv := httptest.NewServer(Guard{Idle: idle, Max: 5000}.Wrap(echoLen(got)))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "text/plain", strings.NewReader(strings.Repeat("x", 6000)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("6000 bytes over a cap of 5000: %d, want 413", resp.StatusCode)
	}
	<-got
	resp, err = http.Post(srv.URL, "text/plain", strings.NewReader(strings.Repeat("x", 4000)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "4000" {
		t.Errorf("4000 bytes under the cap: %d %q", resp.StatusCode, b)
	}
	<-got
}
