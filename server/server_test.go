package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/internal/logline"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/filesystem"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// records returns the JSON log records written so far.
func (s *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// realDeps opens a real SQLite store and a real filesystem bucket in temp dirs.
func realDeps(t *testing.T) (Deps, *syncBuffer) {
	t.Helper()
	dir := t.TempDir()
	store, err := episodes.Open(context.Background(), episodestest.SQLiteAt(t, filepath.Join(dir, "lyssna.db")), time.Now)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	bucket, err := filesystem.New(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatalf("open bucket: %v", err)
	}
	logs := &syncBuffer{}
	return Deps{
		Store:  store,
		Bucket: bucket,
		Links:  links.New("http://lyssna.test"),
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}, logs
}

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = "192.0.2.7:5555"
	h.ServeHTTP(rec, req)
	return rec
}

func TestHealthz(t *testing.T) {
	deps, _ := realDeps(t)
	h := serve(t, deps)
	rec := get(t, h, http.MethodGet, "/healthz")
	if rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", rec.Code, rec.Body.String())
	}
	if rec.Header().Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id on the answer")
	}
	if rec := get(t, h, http.MethodPost, "/healthz"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d, want 405", rec.Code)
	}
}

func TestReadyz(t *testing.T) {
	t.Run("store and bucket answer", func(t *testing.T) {
		t.Parallel()
		deps, _ := realDeps(t)
		rec := get(t, serve(t, deps), http.MethodGet, "/readyz")
		if rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
			t.Errorf("GET /readyz = %d %q, want 200 ok", rec.Code, rec.Body.String())
		}
	})
	// Not ready: the answer says only that; the reason is in the log.
	for _, c := range []struct {
		name, reason string
		break_       func(*Deps)
	}{
		{"database closed", "database: ", func(d *Deps) { d.Store.Close() }},
		{"bucket unreachable", "storage: s3: endpoint unreachable", func(d *Deps) {
			d.Bucket = failingBucket{Bucket: d.Bucket, err: errors.New("s3: endpoint unreachable")}
		}},
		{"bucket hangs", "storage: context deadline exceeded", func(d *Deps) { d.Bucket = failingBucket{Bucket: d.Bucket, hang: true} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // the hanging bucket waits out readyTimeout; the others need not wait for it
			deps, logs := realDeps(t)
			c.break_(&deps)
			rec := get(t, serve(t, deps), http.MethodGet, "/readyz")
			if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != "not ready\n" {
				t.Errorf("GET /readyz = %d %q, want 503 \"not ready\" and nothing more", rec.Code, rec.Body.String())
			}
			var logged string
			for _, r := range logs.records(t) {
				if r["msg"] == "not ready" {
					logged, _ = r["reason"].(string)
				}
			}
			if !strings.Contains(logged, c.reason) {
				t.Errorf("logged reason %q, want it to name %q", logged, c.reason)
			}
		})
	}
}

// failingBucket is a bucket whose Ping fails or hangs until its context ends:
// the edge case a real backend cannot be made to show on demand.
type failingBucket struct {
	storage.Bucket
	err  error
	hang bool
}

func (b failingBucket) Ping(ctx context.Context) error {
	if b.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return b.err
}

// TestAccessLog checks the access line through slog's JSON handler (a
// record) and through logline's, the process's (written without one).
func TestAccessLog(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler func(w io.Writer) slog.Handler
	}{
		{"slog", func(w io.Writer) slog.Handler {
			return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})
		}},
		{"logline", func(w io.Writer) slog.Handler { return logline.New(w, true, slog.LevelDebug) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			deps, logs := realDeps(t)
			deps.Logger = slog.New(tc.handler(logs))
			h := serve(t, deps)
			rec := get(t, h, http.MethodGet, "/api/v1/nothing-here")
			if rec.Code != http.StatusNotFound {
				t.Fatalf("status %d, want 404", rec.Code)
			}
			var line map[string]any
			for _, r := range logs.records(t) {
				if r["msg"] == "request" {
					line = r
				}
			}
			if line == nil {
				t.Fatal("no access log line")
			}
			want := map[string]any{
				"level": "INFO", "method": "GET", "path": "/api/v1/nothing-here", "status": float64(404),
				"bytes": float64(rec.Body.Len()), "client": "192.0.2.0/24", "request_id": rec.Header().Get("X-Request-Id"),
			}
			for k, v := range want {
				if line[k] != v {
					t.Errorf("access log %s = %v, want %v (line %v)", k, line[k], v, line)
				}
			}
			if _, ok := line["duration"]; !ok {
				t.Errorf("access log has no duration: %v", line)
			}

			// Forwarding headers count only from a trusted proxy, and the log keeps
			// the client's network, never its full address.
			deps.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
			behind := serve(t, deps)
			for _, c := range []struct {
				h    http.Handler
				want string
			}{{h, "192.0.2.0/24"}, {behind, "2001:db8:1:2::/64"}} {
				req := httptest.NewRequest(http.MethodGet, "/api/v1/nothing-here", nil)
				req.RemoteAddr = "192.0.2.7:1234"
				req.Header.Set("X-Forwarded-For", "2001:db8:1:2:3:4:5:6")
				c.h.ServeHTTP(httptest.NewRecorder(), req)
				recs := logs.records(t)
				if got := recs[len(recs)-1]["client"]; got != c.want {
					t.Errorf("logged client %v, want %s", got, c.want)
				}
			}

			get(t, h, http.MethodGet, "/healthz")
			recs := logs.records(t)
			if last := recs[len(recs)-1]; last["path"] != "/healthz" || last["level"] != "DEBUG" {
				t.Errorf("health probe logged as %v, want at DEBUG", last)
			}
		})
	}
}

func TestRecovery(t *testing.T) {
	deps, logs := realDeps(t)
	h := &handler{Deps: withParts(t, deps)}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("/boom", func(w http.ResponseWriter, r *http.Request) { panic(fmt.Errorf("wrapped: %w", io.EOF)) })
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		panic("after the header")
	})
	hot := func(w http.ResponseWriter, r *http.Request) string {
		if r.URL.Path == "/hot-boom" {
			panic("on the hot path")
		}
		return ""
	}
	srv := h.middleware(hot, mux)

	rec := get(t, srv, http.MethodGet, "/api/v1/boom")
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 500 || body.Error.Code != codeInternal {
		t.Errorf("API panic: %d %q, want a 500 JSON error", rec.Code, rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("the panic value leaked to the client: %q", rec.Body.String())
	}
	rec = get(t, srv, http.MethodGet, "/boom")
	if rec.Code != 500 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("page panic: %d %q, want a 500 text answer", rec.Code, rec.Header().Get("Content-Type"))
	}
	rec = get(t, srv, http.MethodGet, "/late")
	if rec.Code != http.StatusAccepted {
		t.Errorf("a panic after the header changed the status to %d", rec.Code)
	}
	rec = get(t, srv, http.MethodGet, "/hot-boom")
	if id := rec.Header().Get("X-Request-Id"); rec.Code != 500 || id == "" || !strings.Contains(rec.Body.String(), "request id "+id) {
		t.Errorf("hot path panic: %d, X-Request-Id %q, %q; want a 500 naming its request id", rec.Code, id, rec.Body.String())
	}

	panics, accessed := 0, 0
	for _, r := range logs.records(t) {
		switch r["msg"] {
		case "panic serving request":
			panics++
			if r["level"] != "ERROR" || !strings.Contains(fmt.Sprint(r["stack"]), "server_test.go") {
				t.Errorf("panic log lacks level or stack: %v", r)
			}
		case "request":
			accessed++
		}
	}
	if panics != 4 || accessed != 4 {
		t.Errorf("logged %d panics and %d requests, want each 4 (once per request)", panics, accessed)
	}
}

func TestRespondError(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
		code   string
		field  string
		logged bool
	}{
		{"validation", fmt.Errorf("create: %w", &episodes.Error{Field: "title", Message: "must not be empty"}), 400, codeInvalid, "title", false},
		{"episode missing", fmt.Errorf("server: %w", episodes.Errorf(episodes.NotFound, "", "there is no show %q", "x")), 404, codeNotFound, "", false},
		{"object missing", fmt.Errorf("get: %w", storage.ErrNotFound), 404, codeNotFound, "", false},
		{"conflict", fmt.Errorf("uploads: %w", episodes.Errorf(episodes.Conflict, "slug", "is taken")), 409, codeConflict, "slug", false},
		{"too large", episodes.Errorf(episodes.TooLarge, "audio", "over the limit"), 413, codeTooLarge, "audio", false},
		{"unsupported", episodes.Errorf(episodes.Unsupported, "image", "GIF"), 415, codeUnsupportedMedia, "image", false},
		{"malformed", episodes.Errorf(episodes.Malformed, "audio", "cut off"), 422, codeMalformed, "audio", false},
		{"forbidden", episodes.Errorf(episodes.Forbidden, "", "not yours"), 403, "forbidden", "", false},
		{"unavailable", episodes.Errorf(episodes.Unavailable, "", "try later"), 503, "unavailable", "", false},
		{"a bare sentinel is no domain error", fmt.Errorf("x: %w", episodes.ErrNotFound), 500, codeInternal, "", true},
		{"bad key", fmt.Errorf("get: %w", storage.ErrInvalidKey), 404, codeNotFound, "", false},
		{"anything else", errors.New("disk on fire"), 500, codeInternal, "", true},
		{"canceled but the client is still there", fmt.Errorf("db: %w", context.Canceled), 500, codeInternal, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each case has a store, bucket and log of its own
			deps, logs := realDeps(t)
			h := &handler{Deps: withParts(t, deps)}
			rec := httptest.NewRecorder()
			h.respondError(rec, httptest.NewRequest(http.MethodGet, "/api/v1/x", nil), tc.err)
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body.String(), err)
			}
			if rec.Code != tc.status || body.Error.Code != tc.code || body.Error.Field != tc.field || body.Error.Message == "" {
				t.Errorf("got %d %+v, want %d %s field %q", rec.Code, body.Error, tc.status, tc.code, tc.field)
			}
			if de, ok := episodes.AsError(tc.err); ok && body.Error.Message != de.Public() {
				t.Errorf("message %q, want the domain error's own %q", body.Error.Message, de.Public())
			}
			if tc.status == 500 && strings.Contains(body.Error.Message, "disk on fire") {
				t.Errorf("an internal error leaked: %q", body.Error.Message)
			}
			if n := len(logs.records(t)); (n == 1) != tc.logged || n > 1 {
				t.Errorf("logged %d lines, want logged=%v once", n, tc.logged)
			}
		})
	}
}

func TestRespondErrorClientGone(t *testing.T) {
	deps, logs := realDeps(t)
	h := &handler{Deps: withParts(t, deps)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Whatever error the gone client caused (a driver's own, say), it is no 500.
	for _, err := range []error{fmt.Errorf("db: %w", context.Canceled), errors.New("sqlite: interrupted (9)")} {
		rec := httptest.NewRecorder()
		h.respondError(rec, httptest.NewRequest(http.MethodGet, "/api/v1/x", nil).WithContext(ctx), err)
		recs := logs.records(t)
		if rec.Code != statusClientGone || len(recs) == 0 || recs[len(recs)-1]["msg"] != "client went away" || recs[len(recs)-1]["level"] != "INFO" {
			t.Errorf("%v: a canceled request got %d, logged %v; want 499 logged as the client going away", err, rec.Code, recs)
		}
	}
}

func TestWriteErrorShape(t *testing.T) {
	rec := httptest.NewRecorder()
	writeError(rec, http.StatusBadRequest, codeInvalid, "title: must not be empty", "title")
	want := `{"error":{"code":"invalid","message":"title: must not be empty","field":"title"}}` + "\n"
	if rec.Body.String() != want || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("got %q %q, want %q", rec.Body.String(), rec.Header().Get("Content-Type"), want)
	}
}
