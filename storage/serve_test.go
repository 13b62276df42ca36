package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lyssna/lyssna/storage"
)

// rangeBucket is an in-memory Bucket without Opener that records every
// GetRange, to check which bytes Serve fetches; failAt > 0 makes reads past
// that offset fail, and statErr makes Stat fail.
type rangeBucket struct {
	data    []byte
	failAt  int64
	statErr error

	mu    sync.Mutex
	calls []string
}

var errBackend = errors.New("backend exploded")

func (m *rangeBucket) info() storage.ObjectInfo {
	return storage.ObjectInfo{Key: "k.mp3", Size: int64(len(m.data)), ContentType: "audio/mpeg",
		ModTime: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), ETag: "abc"}
}

func (m *rangeBucket) Put(context.Context, string, string, io.Reader) (storage.ObjectInfo, error) {
	return storage.ObjectInfo{}, errors.New("read-only")
}

func (m *rangeBucket) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	return m.GetRange(ctx, key, 0, -1)
}

func (m *rangeBucket) GetRange(_ context.Context, key string, off, n int64) (io.ReadCloser, storage.ObjectInfo, error) {
	m.mu.Lock()
	m.calls = append(m.calls, fmt.Sprintf("%d+%d", off, n))
	m.mu.Unlock()
	if key != "k.mp3" {
		return nil, storage.ObjectInfo{}, storage.ErrNotFound
	}
	end := int64(len(m.data))
	if n >= 0 {
		end = min(off+n, end)
	}
	var r io.Reader = bytes.NewReader(m.data[off:end])
	if m.failAt > 0 {
		r = io.MultiReader(io.LimitReader(r, max(m.failAt-off, 0)), errReader{})
	}
	return io.NopCloser(r), m.info(), nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBackend }

func (m *rangeBucket) Stat(_ context.Context, key string) (storage.ObjectInfo, error) {
	if m.statErr != nil {
		return storage.ObjectInfo{}, m.statErr
	}
	if key != "k.mp3" {
		return storage.ObjectInfo{}, fmt.Errorf("fake: %w", storage.ErrNotFound)
	}
	return m.info(), nil
}

func (m *rangeBucket) Delete(context.Context, string) error { return nil }
func (m *rangeBucket) List(context.Context, string, func(storage.ObjectInfo) error) error {
	return nil
}
func (m *rangeBucket) Ping(context.Context) error { return nil }

func serveOnce(t *testing.T, h func(http.ResponseWriter, *http.Request) error, method, target string, header ...string) (*httptest.ResponseRecorder, error) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	err := h(rec, req)
	return rec, err
}

func TestServeFetchesOnlyRequestedBytes(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000)
	cases := []struct {
		method, rng string
		status      int
		calls       []string
	}{
		{"GET", "bytes=0-1", 206, []string{"0+2"}},
		{"GET", "bytes=-100", 206, []string{"9900+100"}},
		{"GET", "bytes=9000-", 206, []string{"9000+1000"}},
		{"GET", "bytes=10-19,100-109", 206, []string{"10+100"}},    // merged: 80 bytes apart
		{"GET", "bytes=10-19,5000-5009", 206, []string{"10+5000"}}, // two parts from one read
		{"GET", "", 200, []string{"0+10000"}},
		{"HEAD", "", 200, nil},
		{"HEAD", "bytes=0-1", 206, nil},
		{"GET", "bytes=20000-", 416, nil},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.rng, func(t *testing.T) {
			b := &rangeBucket{data: data}
			rec, err := serveOnce(t, func(w http.ResponseWriter, r *http.Request) error {
				return storage.Serve(w, r, b, "k.mp3")
			}, c.method, "/k.mp3", "Range", c.rng)
			if err != nil {
				t.Fatalf("Serve: %v", err)
			}
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d", rec.Code, c.status)
			}
			if fmt.Sprint(b.calls) != fmt.Sprint(c.calls) {
				t.Errorf("GetRange calls %v, want %v", b.calls, c.calls)
			}
		})
	}
	t.Run("If-None-Match reads nothing", func(t *testing.T) {
		b := &rangeBucket{data: data}
		rec, _ := serveOnce(t, func(w http.ResponseWriter, r *http.Request) error {
			return storage.Serve(w, r, b, "k.mp3")
		}, "GET", "/k.mp3", "If-None-Match", `"abc"`)
		if rec.Code != 304 || len(b.calls) != 0 {
			t.Errorf("status %d after %d reads, want 304 after none", rec.Code, len(b.calls))
		}
	})
}

func TestServeErrors(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 100_000)
	cases := []struct {
		name    string
		b       *rangeBucket
		key     string
		status  int
		wantErr bool
	}{
		{"missing", &rangeBucket{data: data}, "nope.mp3", 404, false},
		{"invalid key", &rangeBucket{data: data}, "../k.mp3", 404, false},
		{"stat fails", &rangeBucket{data: data, statErr: errBackend}, "k.mp3", 503, true},
		{"read fails midway", &rangeBucket{data: data, failAt: 50_000}, "k.mp3", 200, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, err := serveOnce(t, func(w http.ResponseWriter, r *http.Request) error {
				return storage.Serve(w, r, c.b, c.key)
			}, "GET", "/x")
			if rec.Code != c.status {
				t.Errorf("status %d, want %d", rec.Code, c.status)
			}
			if got := err != nil; got != c.wantErr {
				t.Errorf("Serve returned %v, want an error: %v", err, c.wantErr)
			}
			if c.wantErr && !errors.Is(err, errBackend) {
				t.Errorf("Serve returned %v, want it to wrap the backend's error", err)
			}
			if c.status >= 400 && strings.Contains(rec.Body.String(), errBackend.Error()) {
				t.Errorf("the response leaks the internal error: %q", rec.Body.String())
			}
		})
	}
	t.Run("client gone", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequest("GET", "/k.mp3", nil).WithContext(ctx)
		b := &rangeBucket{data: data, statErr: context.Canceled}
		if err := storage.Serve(httptest.NewRecorder(), req, b, "k.mp3"); err != nil {
			t.Errorf("Serve for a departed client = %v, want nil (nothing to log)", err)
		}
	})
}

type signer struct {
	*rangeBucket
	err error
}

func (s signer) PresignGet(_ context.Context, key string, ttl time.Duration) (string, error) {
	return "https://s3.example.com/bucket/" + key + "?ttl=" + ttl.String(), s.err
}

func TestRedirect(t *testing.T) {
	data := []byte("0123456789")
	cases := []struct {
		name, method, key, base string
		b                       storage.Bucket
		status                  int
		location                string
		wantErr                 bool
	}{
		{"cdn", "GET", "a b/ép.mp3", "https://cdn.example.com/m/", &rangeBucket{data: data}, 302,
			"https://cdn.example.com/m/a%20b/%C3%A9p.mp3", false},
		{"cdn HEAD", "HEAD", "k.mp3", "https://cdn.example.com", &rangeBucket{data: data}, 302, "https://cdn.example.com/k.mp3", false},
		{"presigned", "GET", "k.mp3", "", signer{rangeBucket: &rangeBucket{data: data}}, 302,
			"https://s3.example.com/bucket/k.mp3?ttl=15m0s", false},
		{"presigned HEAD is served", "HEAD", "k.mp3", "", signer{rangeBucket: &rangeBucket{data: data}}, 200, "", false},
		{"presign fails", "GET", "k.mp3", "", signer{rangeBucket: &rangeBucket{data: data}, err: errBackend}, 503, "", true},
		{"no signer", "GET", "k.mp3", "", &rangeBucket{data: data}, 200, "", false},
		{"bad key", "GET", "a//b", "https://cdn.example.com", &rangeBucket{data: data}, 404, "", false},
		{"POST", "POST", "k.mp3", "https://cdn.example.com", &rangeBucket{data: data}, 405, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, err := serveOnce(t, func(w http.ResponseWriter, r *http.Request) error {
				return storage.Redirect(w, r, c.b, c.key, c.base, 0)
			}, c.method, "/x")
			if rec.Code != c.status || rec.Header().Get("Location") != c.location {
				t.Errorf("= %d to %q, want %d to %q", rec.Code, rec.Header().Get("Location"), c.status, c.location)
			}
			if (err != nil) != c.wantErr {
				t.Errorf("returned %v, want an error: %v", err, c.wantErr)
			}
		})
	}
}
