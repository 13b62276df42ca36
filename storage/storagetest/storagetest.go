// Package storagetest is the conformance suite every storage backend passes:
// a new backend is one constructor plus one call to Run from its tests.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lyssna/lyssna/storage"
)

// Run runs the suite as subtests. newBucket returns an empty bucket for one
// subtest and arranges its cleanup with t.Cleanup.
func Run(t *testing.T, newBucket func(t *testing.T) storage.Bucket) {
	tests := []struct {
		name string
		fn   func(*testing.T, storage.Bucket)
	}{
		{"RoundTrip", testRoundTrip},
		{"Ranges", testRanges},
		{"MissingKey", testMissingKey},
		{"Delete", testDelete},
		{"BadKeys", testBadKeys},
		{"FailingReader", testFailingReader},
		{"CancelledContext", testCancelledContext},
		{"ConcurrentWriters", testConcurrentWriters},
		{"List", testList},
		{"Ping", testPing},
		{"HTTP", testHTTP},
		{"Redirect", testRedirect},
		{"Presigned", testPresigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newBucket(t)) })
	}
}

// Data returns n bytes of deterministic noise, distinct per seed.
func Data(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 42))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func put(t *testing.T, b storage.Bucket, key, ct string, data []byte) storage.ObjectInfo {
	t.Helper()
	// A plain io.Reader: backends must not rely on knowing the length.
	info, err := b.Put(ctxT(t), key, ct, struct{ io.Reader }{bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return info
}

func readAll(t *testing.T, rc io.ReadCloser) []byte {
	t.Helper()
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return got
}

func sameInfo(t *testing.T, what string, got, want storage.ObjectInfo) {
	t.Helper()
	if got.Key != want.Key || got.Size != want.Size || got.ContentType != want.ContentType || got.ETag != want.ETag {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
	if got.ModTime.IsZero() {
		t.Errorf("%s has no ModTime", what)
	}
}

func testRoundTrip(t *testing.T, b storage.Bucket) {
	cases := []struct {
		key, ct, wantCT string
		data            []byte
	}{
		{"audio/ab12/episode.mp3", "audio/mpeg", "audio/mpeg", Data(1, 100_000)},
		{"shows/my show/épisode 1+2&3.m4a", "audio/x-m4a", "audio/x-m4a", Data(2, 1000)},
		{"empty.txt", "text/plain; charset=utf-8", "text/plain; charset=utf-8", nil},
		{"no-type.bin", "", "application/octet-stream", []byte("x")},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			start := time.Now().Add(-time.Minute)
			pi := put(t, b, c.key, c.ct, c.data)
			want := storage.ObjectInfo{Key: c.key, Size: int64(len(c.data)), ContentType: c.wantCT, ETag: pi.ETag}
			sameInfo(t, "Put info", pi, want)
			if pi.ETag == "" {
				t.Error("Put info has no ETag")
			}
			if pi.ModTime.Before(start) {
				t.Errorf("ModTime %v is before the put", pi.ModTime)
			}
			rc, gi, err := b.Get(ctxT(t), c.key)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if got := readAll(t, rc); !bytes.Equal(got, c.data) {
				t.Errorf("Get read %d bytes, want the %d put", len(got), len(c.data))
			}
			sameInfo(t, "Get info", gi, want)
			si, err := b.Stat(ctxT(t), c.key)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			sameInfo(t, "Stat info", si, want)
		})
	}
}

func testRanges(t *testing.T, b storage.Bucket) {
	data := Data(3, 10_000)
	const key = "ranges/object.bin"
	put(t, b, key, "application/octet-stream", data)
	n := int64(len(data))
	cases := []struct {
		offset, length int64
		want           []byte
	}{
		{0, 2, data[:2]},
		{0, 1, data[:1]},
		{100, 50, data[100:150]},
		{n - 3, -1, data[n-3:]},
		{n - 3, 100, data[n-3:]},
		{0, -1, data},
		{0, n, data},
		{n - 1, 1, data[n-1:]},
		{n, 10, nil},
		{n + 5, -1, nil},
		{5, 0, nil},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d+%d", c.offset, c.length), func(t *testing.T) {
			rc, info, err := b.GetRange(ctxT(t), key, c.offset, c.length)
			if err != nil {
				t.Fatalf("GetRange: %v", err)
			}
			if got := readAll(t, rc); !bytes.Equal(got, c.want) {
				t.Errorf("read %d bytes, want %d (equal: false)", len(got), len(c.want))
			}
			if info.Size != n {
				t.Errorf("info.Size = %d, want the whole object's %d", info.Size, n)
			}
		})
	}
}

func testMissingKey(t *testing.T, b storage.Bucket) {
	const key = "missing/nothing-here.mp3"
	ctx := ctxT(t)
	if _, _, err := b.Get(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get: %v, want ErrNotFound", err)
	}
	if _, _, err := b.GetRange(ctx, key, 0, 2); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetRange: %v, want ErrNotFound", err)
	}
	if _, err := b.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat: %v, want ErrNotFound", err)
	}
	put(t, b, "missing/dir/child", "text/plain", []byte("x"))
	if _, err := b.Stat(ctx, "missing/dir"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat of a key that is only a prefix: %v, want ErrNotFound", err)
	}
}

func testDelete(t *testing.T, b storage.Bucket) {
	ctx := ctxT(t)
	const key = "delete/me.txt"
	put(t, b, key, "text/plain", []byte("bye"))
	put(t, b, "delete/me.txt2", "text/plain", []byte("stay"))
	for i := range 2 {
		if err := b.Delete(ctx, key); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	if _, err := b.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat after Delete: %v, want ErrNotFound", err)
	}
	if err := b.Delete(ctx, "delete/never-existed"); err != nil {
		t.Errorf("Delete of a missing key: %v", err)
	}
	if _, err := b.Stat(ctx, "delete/me.txt2"); err != nil {
		t.Errorf("Delete removed a neighbour: %v", err)
	}
	if keys := listKeys(t, b, "delete/"); !slices.Equal(keys, []string{"delete/me.txt2"}) {
		t.Errorf("List after Delete = %q", keys)
	}
}

// BadKeys are keys every backend must reject with ErrInvalidKey.
var BadKeys = []string{
	"", "/etc/passwd", "../escape", "a/../../escape", "a/..", "./a", "a/./b", "a//b", "a/",
	`a\b`, `..\escape`, "a\x00b", "a\nb", "a\x7fb", ".hidden", "a/.meta",
	strings.Repeat("k", storage.MaxKeyLen+1), "bad\xffutf8",
}

func testBadKeys(t *testing.T, b storage.Bucket) {
	ctx := ctxT(t)
	for _, key := range BadKeys {
		t.Run(fmt.Sprintf("%.20q", key), func(t *testing.T) {
			check := func(method string, err error) {
				t.Helper()
				if !errors.Is(err, storage.ErrInvalidKey) {
					t.Errorf("%s(%q) = %v, want ErrInvalidKey", method, key, err)
				}
			}
			_, err := b.Put(ctx, key, "text/plain", strings.NewReader("evil"))
			check("Put", err)
			_, _, err = b.Get(ctx, key)
			check("Get", err)
			_, _, err = b.GetRange(ctx, key, 0, 1)
			check("GetRange", err)
			_, err = b.Stat(ctx, key)
			check("Stat", err)
			check("Delete", b.Delete(ctx, key))
			if s, ok := b.(storage.URLSigner); ok {
				_, err = s.PresignGet(ctx, key, time.Minute)
				check("PresignGet", err)
			}
			if err := storage.ValidateKey(key); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("ValidateKey = %v, want ErrInvalidKey", err)
			}
		})
	}
	if keys := listKeys(t, b, ""); len(keys) != 0 {
		t.Errorf("bad keys left objects: %q", keys)
	}
}

var errBoom = errors.New("storagetest: the reader broke")

// failingReader yields n bytes, then errBoom.
type failingReader struct {
	data []byte
	n    int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errBoom
	}
	k := copy(p[:min(len(p), f.n)], f.data)
	f.data, f.n = f.data[k:], f.n-k
	return k, nil
}

func testFailingReader(t *testing.T, b storage.Bucket) {
	ctx := ctxT(t)
	data := Data(4, 200_000)
	_, err := b.Put(ctx, "fail/new.bin", "audio/mpeg", &failingReader{data: data, n: 100_000})
	if !errors.Is(err, errBoom) {
		t.Errorf("Put from a failing reader = %v, want the reader's error", err)
	}
	if _, err := b.Stat(ctx, "fail/new.bin"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat after a failed Put: %v, want ErrNotFound", err)
	}
	// A failed replacement leaves the earlier object whole.
	old := put(t, b, "fail/old.bin", "audio/mpeg", Data(5, 1000))
	if _, err := b.Put(ctx, "fail/old.bin", "text/plain", &failingReader{data: data, n: 50_000}); !errors.Is(err, errBoom) {
		t.Errorf("Put over an object from a failing reader = %v, want the reader's error", err)
	}
	rc, info, err := b.Get(ctx, "fail/old.bin")
	if err != nil {
		t.Fatalf("Get of the earlier object: %v", err)
	}
	if got := readAll(t, rc); !bytes.Equal(got, Data(5, 1000)) {
		t.Error("the earlier object changed after a failed Put")
	}
	sameInfo(t, "earlier object", info, old)
	if keys := listKeys(t, b, ""); !slices.Equal(keys, []string{"fail/old.bin"}) {
		t.Errorf("List after failed Puts = %q, want only fail/old.bin", keys)
	}
}

// cancellingReader cancels its context after the first chunk and goes on.
type cancellingReader struct {
	r      io.Reader
	cancel context.CancelFunc
	reads  int
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	c.reads++
	if c.reads == 2 {
		c.cancel()
	}
	return c.r.Read(p[:min(len(p), 16<<10)])
}

func testCancelledContext(t *testing.T, b storage.Bucket) {
	put(t, b, "cancel/existing", "text/plain", []byte("here"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := b.Put(ctx, "cancel/before", "text/plain", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context = %v, want context.Canceled", err)
	}
	if _, _, err := b.Get(ctx, "cancel/existing"); err == nil {
		t.Error("Get with a cancelled context succeeded")
	}
	if _, err := b.Stat(ctx, "cancel/existing"); err == nil {
		t.Error("Stat with a cancelled context succeeded")
	}
	if err := b.List(ctx, "", func(storage.ObjectInfo) error { return nil }); err == nil {
		t.Error("List with a cancelled context succeeded")
	}

	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	r := &cancellingReader{r: bytes.NewReader(Data(6, 1<<20)), cancel: cancel}
	if _, err := b.Put(ctx, "cancel/during", "text/plain", r); !errors.Is(err, context.Canceled) {
		t.Errorf("Put cancelled while reading = %v, want context.Canceled", err)
	}
	if keys := listKeys(t, b, "cancel/"); !slices.Equal(keys, []string{"cancel/existing"}) {
		t.Errorf("List after cancelled Puts = %q, want only cancel/existing", keys)
	}
}

func testConcurrentWriters(t *testing.T, b storage.Bucket) {
	const writers, size = 6, 300_000
	ctx := ctxT(t)
	content := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i)}, size) }
	ctype := func(i int) string { return fmt.Sprintf("application/x-writer-%d", i) }
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for i := range writers {
		wg.Go(func() {
			_, err := b.Put(ctx, fmt.Sprintf("concurrent/own-%d", i), ctype(i), bytes.NewReader(content(i)))
			errs <- err
		})
		wg.Go(func() {
			_, err := b.Put(ctx, "concurrent/shared", ctype(i), bytes.NewReader(content(i)))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Put: %v", err)
		}
	}
	for i := range writers {
		rc, info, err := b.Get(ctx, fmt.Sprintf("concurrent/own-%d", i))
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if !bytes.Equal(readAll(t, rc), content(i)) || info.ContentType != ctype(i) {
			t.Errorf("writer %d's object is not what it wrote (type %q)", i, info.ContentType)
		}
	}
	rc, info, err := b.Get(ctx, "concurrent/shared")
	if err != nil {
		t.Fatalf("Get shared: %v", err)
	}
	got := readAll(t, rc)
	if len(got) != size || info.Size != size {
		t.Fatalf("shared object has %d bytes (info %d), want %d", len(got), info.Size, size)
	}
	winner := int(got[0] - 'a')
	if !bytes.Equal(got, content(winner)) {
		t.Error("shared object mixes the bytes of several writers")
	}
	if info.ContentType != ctype(winner) {
		t.Errorf("shared object has writer %d's bytes but content type %q", winner, info.ContentType)
	}
}

func listKeys(t *testing.T, b storage.Bucket, prefix string) []string {
	t.Helper()
	var keys []string
	err := b.List(ctxT(t), prefix, func(o storage.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys
}

func testList(t *testing.T, b storage.Bucket) {
	// No key is also a "directory" of others: a filesystem cannot hold both.
	keys := []string{"list/b/c/d", "list/a/b", "list/a0", "list/ab", "list/a-b", "list/a.b", "other/x", "lis"}
	for i, k := range keys {
		put(t, b, k, "text/plain", Data(uint64(i), i+1))
	}
	cases := []struct {
		prefix string
		want   []string
	}{
		{"list/", []string{"list/a-b", "list/a.b", "list/a/b", "list/a0", "list/ab", "list/b/c/d"}},
		{"list/a", []string{"list/a-b", "list/a.b", "list/a/b", "list/a0", "list/ab"}},
		{"list/a/", []string{"list/a/b"}},
		{"list/b/c", []string{"list/b/c/d"}},
		{"lis", []string{"lis", "list/a-b", "list/a.b", "list/a/b", "list/a0", "list/ab", "list/b/c/d"}},
		{"", []string{"lis", "list/a-b", "list/a.b", "list/a/b", "list/a0", "list/ab", "list/b/c/d", "other/x"}},
		{"nothing/", nil},
		{"../", nil},
	}
	for _, c := range cases {
		if got := listKeys(t, b, c.prefix); !slices.Equal(got, c.want) {
			t.Errorf("List(%q) = %q, want %q", c.prefix, got, c.want)
		}
	}
	err := b.List(ctxT(t), "list/", func(o storage.ObjectInfo) error {
		if want := int64(slices.Index(keys, o.Key) + 1); o.Size != want {
			t.Errorf("List: %s has Size %d, want %d", o.Key, o.Size, want)
		}
		if o.ModTime.IsZero() || o.ETag == "" {
			t.Errorf("List: %s lacks ModTime or ETag: %+v", o.Key, o)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	calls := 0
	err = b.List(ctxT(t), "list/", func(storage.ObjectInfo) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("List with a failing callback = %v after %d calls, want its error after 1", err, calls)
	}
}

func testPing(t *testing.T, b storage.Bucket) {
	if err := b.Ping(ctxT(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// server serves the bucket at /{key} with storage.Serve and fails the test
// if Serve reports a backend error.
func server(t *testing.T, b storage.Bucket, serve func(http.ResponseWriter, *http.Request, storage.Bucket, string) error) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := serve(w, r, b, strings.TrimPrefix(r.URL.Path, "/")); err != nil {
			t.Errorf("%s %s: %v", r.Method, r.URL, err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, method, u string, header ...string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, u, err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

func testHTTP(t *testing.T, b storage.Bucket) {
	data := Data(7, 10_000)
	const key = "http/my episode.mp3"
	info := put(t, b, key, "audio/mpeg", data)
	srv := server(t, b, storage.Serve)
	u := srv.URL + "/" + (&url.URL{Path: key}).EscapedPath()

	full := do(t, "GET", u)
	if full.status != http.StatusOK || !bytes.Equal(full.body, data) {
		t.Fatalf("GET = %d with %d bytes, want 200 with the %d put", full.status, len(full.body), len(data))
	}
	h := full.header
	for name, want := range map[string]string{
		"Content-Type":   "audio/mpeg",
		"Content-Length": "10000",
		"Accept-Ranges":  "bytes",
		"Cache-Control":  storage.CacheControl,
		"Last-Modified":  info.ModTime.UTC().Format(http.TimeFormat),
	} {
		if got := h.Get(name); got != want {
			t.Errorf("GET %s = %q, want %q", name, got, want)
		}
	}
	etag := h.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 3 {
		t.Errorf("GET ETag = %q, want a quoted entity tag", etag)
	}
	lastMod := h.Get("Last-Modified")
	modTime, _ := http.ParseTime(lastMod)

	cases := []struct {
		name, method string
		header       []string
		status       int
		body         []byte
		contentRange string
	}{
		{"HEAD", "HEAD", nil, 200, nil, ""},
		{"first two bytes", "GET", []string{"Range", "bytes=0-1"}, 206, data[:2], "bytes 0-1/10000"},
		{"first byte", "GET", []string{"Range", "bytes=0-0"}, 206, data[:1], "bytes 0-0/10000"},
		{"middle", "GET", []string{"Range", "bytes=100-199"}, 206, data[100:200], "bytes 100-199/10000"},
		{"suffix", "GET", []string{"Range", "bytes=-500"}, 206, data[9500:], "bytes 9500-9999/10000"},
		{"suffix longer than object", "GET", []string{"Range", "bytes=-20000"}, 206, data, "bytes 0-9999/10000"},
		{"open-ended", "GET", []string{"Range", "bytes=9000-"}, 206, data[9000:], "bytes 9000-9999/10000"},
		{"end past the object", "GET", []string{"Range", "bytes=9990-20000"}, 206, data[9990:], "bytes 9990-9999/10000"},
		{"HEAD with range", "HEAD", []string{"Range", "bytes=0-1"}, 206, nil, "bytes 0-1/10000"},
		{"unsatisfiable", "GET", []string{"Range", "bytes=10000-"}, 416, nil, "bytes */10000"},
		{"If-None-Match", "GET", []string{"If-None-Match", etag}, 304, nil, ""},
		{"If-None-Match other", "GET", []string{"If-None-Match", `"other"`}, 200, data, ""},
		{"If-Modified-Since", "GET", []string{"If-Modified-Since", lastMod}, 304, nil, ""},
		{"If-Modified-Since earlier", "GET", []string{"If-Modified-Since", modTime.Add(-time.Hour).Format(http.TimeFormat)}, 200, data, ""},
		{"If-Range current", "GET", []string{"Range", "bytes=0-1", "If-Range", etag}, 206, data[:2], "bytes 0-1/10000"},
		{"If-Range stale", "GET", []string{"Range", "bytes=0-1", "If-Range", `"stale"`}, 200, data, ""},
		// RFC 9110's edge cases, as nginx answers them.
		{"unknown unit ignored", "GET", []string{"Range", "items=0-1"}, 200, data, ""},
		{"unit in capitals", "GET", []string{"Range", "Bytes=0-1"}, 206, data[:2], "bytes 0-1/10000"},
		{"empty suffix unsatisfiable", "GET", []string{"Range", "bytes=-0"}, 416, nil, "bytes */10000"},
		{"first after last", "GET", []string{"Range", "bytes=500-100"}, 416, nil, "bytes */10000"},
		{"not a number", "GET", []string{"Range", "bytes=x-1"}, 416, nil, "bytes */10000"},
		{"one satisfiable of two", "GET", []string{"Range", "bytes=20000-,0-1"}, 206, data[:2], "bytes 0-1/10000"},
		// Bounded: overlapping and nearby ranges merged, too many far apart give the whole object.
		{"overlapping merged", "GET", []string{"Range", "bytes=50-199,0-99"}, 206, data[:200], "bytes 0-199/10000"},
		{"1,000 ranges close together", "GET", []string{"Range", manyRanges(1000, 10)}, 206, data[:9991], "bytes 0-9990/10000"},
		{"9 ranges far apart", "GET", []string{"Range", manyRanges(9, 1100)}, 200, data, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := do(t, c.method, u, c.header...)
			if res.status != c.status {
				t.Fatalf("status %d, want %d (body %.100q)", res.status, c.status, res.body)
			}
			if c.body != nil && !bytes.Equal(res.body, c.body) {
				t.Errorf("body has %d bytes, want %d (equal: false)", len(res.body), len(c.body))
			}
			if c.method == "HEAD" && len(res.body) != 0 {
				t.Errorf("HEAD sent %d body bytes", len(res.body))
			}
			if got := res.header.Get("Content-Range"); got != c.contentRange {
				t.Errorf("Content-Range = %q, want %q", got, c.contentRange)
			}
			if c.method == "HEAD" && c.status == 200 && res.header.Get("Content-Length") != "10000" {
				t.Errorf("HEAD Content-Length = %q, want 10000", res.header.Get("Content-Length"))
			}
		})
	}

	t.Run("two ranges", func(t *testing.T) {
		res := do(t, "GET", u, "Range", "bytes=0-1,5000-5009")
		mt, params, err := mime.ParseMediaType(res.header.Get("Content-Type"))
		if res.status != 206 || err != nil || mt != "multipart/byteranges" {
			t.Fatalf("status %d type %q (%v), want 206 multipart/byteranges", res.status, mt, err)
		}
		mr := multipart.NewReader(bytes.NewReader(res.body), params["boundary"])
		for _, want := range [][]byte{data[:2], data[5000:5010]} {
			p, err := mr.NextPart()
			if err != nil {
				t.Fatalf("next part: %v", err)
			}
			got, _ := io.ReadAll(p)
			if !bytes.Equal(got, want) {
				t.Errorf("part %q has %d bytes, not the range asked for", p.Header.Get("Content-Range"), len(got))
			}
		}
	})
	t.Run("one backend read per request", func(t *testing.T) {
		cb := &countingBucket{Bucket: b}
		var counted storage.Bucket = cb
		if o, ok := b.(storage.Opener); ok {
			counted = &countingOpener{cb, o}
		}
		csrv := server(t, counted, storage.Serve)
		cu := csrv.URL + "/" + (&url.URL{Path: key}).EscapedPath()
		for _, c := range []struct {
			rng   string
			parts int
		}{{manyRanges(1000, 10), 1}, {manyRanges(1000, 1100), 0}, {manyRanges(5, 2000), 5}} {
			cb.reads.Store(0)
			res := do(t, "GET", cu, "Range", c.rng)
			if n := cb.reads.Load(); n != 1 {
				t.Errorf("%.40s... (%d bytes): %d backend reads, want 1", c.rng, len(c.rng), n)
			}
			_, params, _ := mime.ParseMediaType(res.header.Get("Content-Type"))
			if c.parts > 1 {
				mr := multipart.NewReader(bytes.NewReader(res.body), params["boundary"])
				n := 0
				for p, err := mr.NextPart(); err == nil; p, err = mr.NextPart() {
					var start, end int
					fmt.Sscanf(p.Header.Get("Content-Range"), "bytes %d-%d/", &start, &end)
					if got, _ := io.ReadAll(p); !bytes.Equal(got, data[start:end+1]) {
						t.Errorf("part %q: wrong bytes", p.Header.Get("Content-Range"))
					}
					n++
				}
				if n != c.parts {
					t.Errorf("%d parts, want %d", n, c.parts)
				}
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, c := range []struct {
			method, path string
			status       int
		}{
			{"GET", "/http/missing.mp3", 404},
			{"HEAD", "/http/missing.mp3", 404},
			{"GET", "/http//bad-key", 404},
			{"GET", "/.meta/http/my%20episode.mp3", 404},
			{"POST", "/" + key, 405},
			{"DELETE", "/" + key, 405},
		} {
			if res := do(t, c.method, srv.URL+c.path); res.status != c.status {
				t.Errorf("%s %s = %d, want %d", c.method, c.path, res.status, c.status)
			}
		}
		if _, err := b.Stat(ctxT(t), key); err != nil {
			t.Errorf("object gone after DELETE was refused: %v", err)
		}
	})
}

func testRedirect(t *testing.T, b storage.Bucket) {
	data := Data(8, 3000)
	const key = "redirect/a b/ep.mp3"
	put(t, b, key, "audio/mpeg", data)
	escaped := (&url.URL{Path: key}).EscapedPath()

	cdn := server(t, b, func(w http.ResponseWriter, r *http.Request, b storage.Bucket, key string) error {
		return storage.Redirect(w, r, b, key, "https://cdn.example.com/media/", time.Minute)
	})
	res := do(t, "GET", cdn.URL+"/"+escaped)
	if want := "https://cdn.example.com/media/" + escaped; res.status != 302 || res.header.Get("Location") != want {
		t.Errorf("redirect with a media base = %d to %q, want 302 to %q", res.status, res.header.Get("Location"), want)
	}

	direct := server(t, b, func(w http.ResponseWriter, r *http.Request, b storage.Bucket, key string) error {
		return storage.Redirect(w, r, b, key, "", time.Minute)
	})
	if res := do(t, "HEAD", direct.URL+"/"+escaped); res.status != 200 || res.header.Get("Content-Length") != "3000" {
		t.Errorf("HEAD through Redirect = %d (length %q), want 200 served directly", res.status, res.header.Get("Content-Length"))
	}
	res = do(t, "GET", direct.URL+"/"+escaped, "Range", "bytes=0-1")
	if _, signs := b.(storage.URLSigner); signs {
		if res.status != 302 {
			t.Fatalf("Redirect without a media base = %d, want 302 to a presigned URL", res.status)
		}
		res = do(t, "GET", res.header.Get("Location"), "Range", "bytes=0-1")
	}
	if res.status != 206 || !bytes.Equal(res.body, data[:2]) {
		t.Errorf("ranged GET through Redirect = %d with %d bytes, want 206 with 2", res.status, len(res.body))
	}
}

func testPresigned(t *testing.T, b storage.Bucket) {
	s, ok := b.(storage.URLSigner)
	if !ok {
		t.Skip("the backend hands out no direct URLs")
	}
	data := Data(9, 5000)
	const key = "presigned/épisode 1.mp3"
	put(t, b, key, "audio/mpeg", data)
	u, err := s.PresignGet(ctxT(t), key, time.Minute)
	if err != nil {
		t.Fatalf("PresignGet: %v", err)
	}
	res := do(t, "GET", u, "Range", "bytes=0-1")
	if res.status != 206 || !bytes.Equal(res.body, data[:2]) || res.header.Get("Content-Range") != "bytes 0-1/5000" {
		t.Errorf("ranged GET of the presigned URL = %d with %d bytes (Content-Range %q), want 206 with 2",
			res.status, len(res.body), res.header.Get("Content-Range"))
	}
	if res := do(t, "GET", u); res.status != 200 || !bytes.Equal(res.body, data) || res.header.Get("Content-Type") != "audio/mpeg" {
		t.Errorf("GET of the presigned URL = %d with %d bytes (type %q)", res.status, len(res.body), res.header.Get("Content-Type"))
	}
	if res := do(t, "GET", u+"x"); res.status != 403 {
		t.Errorf("GET of a tampered presigned URL = %d, want 403", res.status)
	}
}

// manyRanges is a Range header of n one-byte ranges step bytes apart.
func manyRanges(n, step int) string {
	var b strings.Builder
	b.WriteString("bytes=")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d-%d", i*step, i*step)
	}
	return b.String()
}

// countingBucket counts the reads of object bytes (GetRange, Get, Open).
type countingBucket struct {
	storage.Bucket
	reads atomic.Int64
}

func (c *countingBucket) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, storage.ObjectInfo, error) {
	c.reads.Add(1)
	return c.Bucket.GetRange(ctx, key, off, n)
}

func (c *countingBucket) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	c.reads.Add(1)
	return c.Bucket.Get(ctx, key)
}

// countingOpener is a countingBucket over a backend that opens objects.
type countingOpener struct {
	*countingBucket
	o storage.Opener
}

func (c *countingOpener) Open(ctx context.Context, key string) (io.ReadSeekCloser, storage.ObjectInfo, error) {
	c.reads.Add(1)
	return c.o.Open(ctx, key)
}
