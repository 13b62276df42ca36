package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lyssna/lyssna/internal/testenv"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// binary builds lyssna once per test run into a temp dir.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lyssna-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "lyssna")
		// Built as make release builds (static, -trimpath), so that
		// TestMakeRelease finds every package compiled already.
		cmd := exec.Command("go", "build", "-trimpath", "-o", builtBin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := testenv.RunMain(m)
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// cleanEnv is the test's environment without any LYSSNA_ setting, plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LYSSNA_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// served is a running `lyssna serve` process.
type served struct {
	cmd    *exec.Cmd
	base   string // the printed URL without the trailing slash
	stderr *syncBuilder
}

// syncBuilder collects a process's stderr while the test reads it.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `lyssna serve` in dir with only the given LYSSNA_ settings
// and waits for the line that names its URL.
func startServe(t *testing.T, dir string, env ...string) *served {
	t.Helper()
	cmd := exec.Command(binary(t), "serve")
	cmd.Dir = dir
	cmd.Env = cleanEnv(env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &served{cmd: cmd, stderr: &syncBuilder{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		io.Copy(io.Discard, stdout) // keep draining until the process exits
	}()
	var u string
	select {
	case line := <-first:
		u, _ = strings.CutPrefix(line, "Lyssna is listening on ")
	case <-time.After(60 * time.Second):
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.HasSuffix(u, "/") {
		t.Fatalf("no \"Lyssna is listening on http://127.0.0.1:PORT/\" line (got %q); stderr:\n%s", u, s.stderr.String())
	}
	s.base = strings.TrimSuffix(u, "/")
	return s
}

// stop sends SIGTERM and waits for the process to exit.
func (s *served) stop(t *testing.T) error {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("lyssna serve did not stop within 30s of SIGTERM")
		return nil
	}
}

// getOK fetches base+path and fails the test unless it answers 200 "ok".
func getOK(t *testing.T, base, path string) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("GET %s = %d %q, want 200 ok", path, resp.StatusCode, body)
	}
}

// TestServeEmbeddedDefault runs `lyssna serve` with no settings in an empty
// directory: it must create ./lyssna-data, print its URL, answer /healthz and
// /readyz, log requests, and stop cleanly on SIGTERM. When 127.0.0.1:8080 is
// taken (another Lyssna, say), it listens on a free port instead, its only setting.
func TestServeEmbeddedDefault(t *testing.T) {
	dir := t.TempDir()
	var extra []string
	if ln, err := net.Listen("tcp", "127.0.0.1:8080"); err != nil {
		t.Logf("127.0.0.1:8080 is taken (%v); listening on a free port instead", err)
		extra = append(extra, "LYSSNA_LISTEN=127.0.0.1:0")
	} else {
		ln.Close()
	}
	s := startServe(t, dir, extra...)
	if extra == nil && s.base != "http://127.0.0.1:8080" {
		t.Errorf("listening on %s with no settings, want http://127.0.0.1:8080", s.base)
	}
	getOK(t, s.base, "/healthz")
	getOK(t, s.base, "/readyz")
	resp, err := http.Get(s.base + "/no-such-page/at/all")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET an unknown path = %d, want 404", resp.StatusCode)
	}
	for _, p := range []string{"lyssna-data", "lyssna-data/lyssna.db", "lyssna-data/media"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("the embedded default did not create %s: %v", p, err)
		}
	}
	if err := s.stop(t); err != nil {
		t.Errorf("lyssna serve exited with %v after SIGTERM; stderr:\n%s", err, s.stderr.String())
	}
	logs := s.stderr.String()
	if !strings.Contains(logs, "msg=request method=GET path=/no-such-page/at/all status=404") || !strings.Contains(logs, "msg=stopped") {
		t.Errorf("stderr lacks the access log or the stop message:\n%s", logs)
	}
}

// TestServeScaledOut runs `lyssna serve` on PostgreSQL and an S3 bucket
// (versitygw), the scaled-out set-up, and checks that /readyz sees both.
func TestServeScaledOut(t *testing.T) {
	pg := testenv.Postgres(t)
	gw := testenv.S3(t)
	bucket := gw.NewBucket(t)
	dir := t.TempDir()
	s := startServe(t, dir,
		"LYSSNA_LISTEN=127.0.0.1:0",
		"LYSSNA_DATABASE_URL="+pg,
		"LYSSNA_STORAGE=s3",
		"LYSSNA_S3_ENDPOINT="+gw.Endpoint,
		"LYSSNA_S3_REGION="+gw.Region,
		"LYSSNA_S3_BUCKET="+bucket,
		"LYSSNA_S3_PREFIX=media/",
		"LYSSNA_S3_ACCESS_KEY="+gw.AccessKey,
		"LYSSNA_S3_SECRET_KEY="+gw.SecretKey,
		"LYSSNA_S3_PATH_STYLE=true",
		"LYSSNA_LOG_FORMAT=json",
	)
	getOK(t, s.base, "/readyz")
	if err := s.stop(t); err != nil {
		t.Errorf("exit %v; stderr:\n%s", err, s.stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "lyssna-data", "media")); !os.IsNotExist(err) {
		t.Errorf("with S3 storage, a local media directory was made anyway (%v)", err)
	}
	if !strings.Contains(s.stderr.String(), `"msg":"serving"`) {
		t.Errorf("LYSSNA_LOG_FORMAT=json did not log JSON:\n%s", s.stderr.String())
	}
}

// TestMigrate runs `lyssna migrate` twice on an empty PostgreSQL schema: the
// first run creates the schema, the second finds nothing to do.
func TestMigrate(t *testing.T) {
	pg := testenv.Postgres(t)
	for i := 0; i < 2; i++ {
		cmd := exec.Command(binary(t), "migrate")
		cmd.Dir = t.TempDir()
		cmd.Env = cleanEnv("LYSSNA_DATABASE_URL=" + pg)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "up to date") {
			t.Fatalf("lyssna migrate (run %d): %v\n%s", i+1, err, out)
		}
	}
	cmd := exec.Command(binary(t), "migrate")
	cmd.Dir = t.TempDir()
	cmd.Env = cleanEnv("LYSSNA_DATABASE_URL=postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "LYSSNA_DATABASE_URL") {
		t.Errorf("lyssna migrate with an unreachable database: %v\n%s; want exit 1 naming LYSSNA_DATABASE_URL", err, out)
	}
}

// TestServeBadSettings checks that bad settings stop `lyssna serve` before it
// does anything, with exit status 2 and one line per problem naming the setting.
func TestServeBadSettings(t *testing.T) {
	bin := binary(t)
	cases := []struct {
		name string
		env  []string
		want []string // the start of each line on stderr, in order
	}{
		{"unknown storage", []string{"LYSSNA_STORAGE=s4"}, []string{`LYSSNA_STORAGE: must be "filesystem" or "s3", got "s4"`}},
		{"s3 without a bucket", []string{"LYSSNA_STORAGE=s3"}, []string{`LYSSNA_S3_BUCKET: required when LYSSNA_STORAGE is "s3"`}},
		{"several at once", []string{"LYSSNA_STORAGE=s4", "LYSSNA_MAX_UPLOAD_SIZE=2gigs", "LYSSNA_LOG_FORMAT=xml"}, []string{
			"LYSSNA_STORAGE: ", "LYSSNA_MAX_UPLOAD_SIZE: ", "LYSSNA_LOG_FORMAT: ",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(bin, "serve")
			cmd.Dir = dir
			cmd.Env = cleanEnv(tc.env...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("exit %v, want status 2; stderr:\n%s", err, stderr.String())
			}
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("stderr has %d lines, want %d (one per problem):\n%s", len(lines), len(tc.want), stderr.String())
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %d = %q, want it to start with %q", i+1, lines[i], w)
				}
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
			if _, err := os.Stat(filepath.Join(dir, "lyssna-data")); !os.IsNotExist(err) {
				t.Errorf("bad settings still created the data directory (%v)", err)
			}
		})
	}
}

// TestGracefulShutdown checks that a request in flight when shutdown starts
// is finished, not cut, and that new connections are refused meanwhile.
func TestGracefulShutdown(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveUntil(ctx, srv, ln, 10*time.Second, slog.New(slog.DiscardHandler)) }()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	cancel() // as SIGTERM does
	// Wait until the listener is closed, then release the request.
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		c.Close()
		if i > 500 {
			t.Fatal("the listener still accepts 5s after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if r := <-got; r.err != nil || r.body != "finished" {
		t.Errorf("the in-flight request got %q, %v; want it finished", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Errorf("serveUntil = %v, want nil after a clean shutdown", err)
	}
}

// TestShutdownTimeout checks that a request outlasting the shutdown timeout
// is cut off and reported.
func TestShutdownTimeout(t *testing.T) {
	started := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveUntil(ctx, srv, ln, 100*time.Millisecond, slog.New(slog.DiscardHandler)) }()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/hang"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	cancel()
	if err := <-served; err == nil || !strings.Contains(err.Error(), "LYSSNA_SHUTDOWN_TIMEOUT") {
		t.Errorf("serveUntil = %v, want the shutdown timeout reported", err)
	}
}

// createToken makes an API token in the data directory with `lyssna token create`.
func createToken(t *testing.T, dataDir string) string {
	t.Helper()
	code, token, stderr := runCLI(t, map[string]string{"LYSSNA_DATA_DIR": dataDir}, "token", "create", "--name", "ci")
	if code != 0 {
		t.Fatalf("token create: exit %d: %s", code, stderr)
	}
	return strings.TrimSpace(token)
}

// apiCall sends a JSON request with the token and returns the status and
// body; a request that cannot be sent is status 0 with the error as body.
func apiCall(base, token, method, path, body string) (int, string) {
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
