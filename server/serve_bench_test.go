package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/logline"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/metrics"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/filesystem"
)

// benchSite is the show the server benchmarks serve: 300 published episodes
// on SQLite, their audio in a filesystem bucket.
type benchSite struct {
	deps    Deps
	audio   storage.ObjectInfo
	episode string // the newest episode's slug
}

// newBenchSite seeds the show; the access log is formatted to io.Discard by
// the process's log handler (text).
func newBenchSite(b *testing.B) benchSite {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store, err := episodes.Open(ctx, "sqlite:"+filepath.Join(dir, "lyssna.db"), clock)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	bucket, err := filesystem.New(filepath.Join(dir, "media"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bucket.Close() })
	audio := bytes.Repeat([]byte{0xff, 0xfb, 0x90, 0x64}, 1<<20) // 4 MiB
	info, err := bucket.Put(ctx, "audio/1/bench-episode.mp3", "audio/mpeg", bytes.NewReader(audio))
	if err != nil {
		b.Fatal(err)
	}
	show := &episodes.Show{Slug: "bench", Title: "Bench", Description: "A *bench* show.", Language: "en",
		Author: "A. Host", Categories: []episodes.Category{{Category: "Education"}},
		GUID: episodes.PodcastGUID("http://lyssna.test/bench/feed.xml")}
	if err := store.CreateShow(ctx, show); err != nil {
		b.Fatal(err)
	}
	var last string
	for i := range 300 {
		ep := &episodes.Episode{ShowID: show.ID, Title: fmt.Sprintf("Episode %d", i+1),
			Notes:     "We discuss *greetings*, with [a link](https://example.org/x).\n\n- one\n- two",
			Takeaways: []string{"Say hej."}, StudyQuestions: []string{"How do you greet?"},
			Audio: &episodes.Audio{Key: info.Key, Size: info.Size, ContentType: "audio/mpeg", DurationMS: 60000}}
		if err := store.CreateEpisode(ctx, ep); err != nil {
			b.Fatal(err)
		}
		if _, err := store.Publish(ctx, ep.ID, now.Add(-time.Duration(300-i)*time.Hour)); err != nil {
			b.Fatal(err)
		}
		last = ep.Slug
	}
	return benchSite{deps: Deps{Store: store, Bucket: bucket, Links: links.New("http://lyssna.test"), Now: clock,
		Logger: slog.New(logline.New(io.Discard, false, nil))}, audio: info, episode: last}
}

// BenchmarkServeCached measures one cached answer of the whole server.New
// handler (middleware, access log formatted to io.Discard, metrics, route
// table, feed and page caches) through a real loopback connection of
// net/http's server, as wrk asks for it in bench/run.sh: a keep-alive
// connection, one request at a time. The client reads the answers without
// allocating, so allocs/op and B/op are the server's and independent of the
// machine's load; cpu-ns/op is the process's CPU time (server and client)
// per request, less sensitive to the load than ns/op, which is wall time.
// "bare" is a net/http handler that only copies prepared headers and writes
// the same bytes (bench/cmd/bareserve), the floor; "bare-...-all-headers"
// the same with every header Lyssna's answer has.
func BenchmarkServeCached(b *testing.B) {
	site := newBenchSite(b)
	site.deps.Metrics = metrics.New(prometheus.NewRegistry())
	lyssna := serve(b, site.deps)
	feedPath, pagePath := "/bench/feed.xml", "/bench/"+site.episode+"/"

	// What the cache answers, for the bare server and for the 304s.
	answer := func(path string) (http.Header, []byte) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		lyssna.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
			b.Fatalf("GET %s: status %d, encoding %q", path, rec.Code, rec.Header().Get("Content-Encoding"))
		}
		return rec.Header(), rec.Body.Bytes()
	}
	feedHeader, feedBody := answer(feedPath)
	pageHeader, pageBody := answer(pagePath)
	for _, tc := range []struct {
		name    string
		handler http.Handler
		path    string
		etag    string // sent as If-None-Match when set
		want    int
	}{
		{"feed-gzip", lyssna, feedPath, "", http.StatusOK},
		{"feed-304", lyssna, feedPath, feedHeader.Get("Etag"), http.StatusNotModified},
		{"page-gzip", lyssna, pagePath, "", http.StatusOK},
		{"page-304", lyssna, pagePath, pageHeader.Get("Etag"), http.StatusNotModified},
		{"bare-feed-gzip", bareHandler(feedHeader, feedBody, false), feedPath, "", http.StatusOK},
		{"bare-page-gzip", bareHandler(pageHeader, pageBody, false), pagePath, "", http.StatusOK},
		{"bare-feed-gzip-all-headers", bareHandler(feedHeader, feedBody, true), feedPath, "", http.StatusOK},
		{"bare-page-gzip-all-headers", bareHandler(pageHeader, pageBody, true), pagePath, "", http.StatusOK},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			req := "GET " + tc.path + " HTTP/1.1\r\nHost: lyssna.test\r\nAccept-Encoding: gzip\r\n"
			if tc.etag != "" {
				req += "If-None-Match: " + tc.etag + "\r\n"
			}
			raw := []byte(req + "\r\n")
			br := bufio.NewReaderSize(conn, 64<<10)
			b.ReportAllocs()
			cpu0 := testenv.ProcessCPU(b)
			for b.Loop() {
				if _, err := conn.Write(raw); err != nil {
					b.Fatal(err)
				}
				if status, err := readAnswer(br); err != nil || status != tc.want {
					b.Fatalf("status %d, want %d (%v)", status, tc.want, err)
				}
			}
			b.ReportMetric(float64(testenv.ProcessCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// bareHandler answers with body and bareserve's headers taken from hdr, or
// with all of hdr (CORS, Last-Modified, X-Request-Id...) when all is set:
// what the extra headers cost net/http itself, apart from Lyssna's code.
func bareHandler(hdr http.Header, body []byte, all bool) http.Handler {
	keep := http.Header{}
	for _, k := range []string{"Content-Type", "Etag", "Cache-Control", "Content-Length", "Vary", "Content-Encoding"} {
		keep[k] = hdr[k]
	}
	if all {
		keep = hdr.Clone()
	}
	etag := hdr.Get("Etag")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range keep {
			h[k] = v
		}
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(body)
	})
}

// readAnswer reads one HTTP/1.1 answer from br and discards its body (sent
// with Content-Length), allocating nothing; it returns the status.
func readAnswer(br *bufio.Reader) (int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 {
		return 0, fmt.Errorf("status line %q", line)
	}
	status := int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	length := 0
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(line) <= 2 {
			break
		}
		const cl = "content-length:"
		if len(line) > len(cl) && bytes.EqualFold(line[:len(cl)], []byte(cl)) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(line[len(cl):]))); err != nil {
				return 0, err
			}
		}
	}
	_, err = br.Discard(length)
	return status, err
}

// BenchmarkHandlerCached is BenchmarkServeCached without the connection:
// the handler is called directly with a response writer that keeps nothing,
// so ns/op is the CPU of the handlers' own code (Lyssna's stack, or the bare
// handler's header copy) with net/http's reading and writing and the
// kernel's left out. The difference between the two is what Lyssna adds to
// a cached answer in user space.
func BenchmarkHandlerCached(b *testing.B) {
	site := newBenchSite(b)
	site.deps.Metrics = metrics.New(prometheus.NewRegistry())
	lyssna := serve(b, site.deps)
	const feedPath = "/bench/feed.xml"
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, feedPath, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	lyssna.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: status %d", feedPath, rec.Code)
	}
	bare := bareHandler(rec.Header(), rec.Body.Bytes(), false)
	for _, tc := range []struct {
		name    string
		handler http.Handler
	}{{"feed-gzip", lyssna}, {"bare-feed-gzip", bare}} {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, feedPath, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			req.RemoteAddr = "192.0.2.7:40000"
			w := &discardWriter{}
			b.ReportAllocs()
			for b.Loop() {
				w.header, w.status = make(http.Header), 0
				tc.handler.ServeHTTP(w, req)
				if w.status != 0 && w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps only the status: a fresh
// header map for each answer, as net/http makes one.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}
