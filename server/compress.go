package server

import (
	"compress/gzip"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/lyssna/lyssna/web/kit"
)

// compressible are the content types gzipped for clients that accept it:
// pages, JSON, transcripts and the pages' assets. Media (audio, pictures) is
// already compressed and stays as it is, so ranges and sendfile still work.
var compressible = map[string]bool{
	"text/html": true, "application/json": true, "text/vtt": true, "application/x-subrip": true,
	"text/plain": true, "text/css": true, "text/javascript": true, "application/javascript": true,
	"application/json+chapters": true, "image/svg+xml": true,
}

var gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression); return w }}

// compress gzips answers of a compressible type to clients that accept
// gzip: whole answers (200) only, never a range, a HEAD or an answer that is
// encoded already (the feed does its own). The ETag of a compressed answer
// is made weak, since its bytes differ from the object's.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead || r.Header.Get("Range") != "" {
			next.ServeHTTP(w, r)
			return
		}
		var cw *gzipWriter
		if x := exchangeOf(r.Context()); x != nil {
			cw = &x.gz // made with the request's exchange: no allocation of its own
		} else {
			cw = new(gzipWriter)
		}
		*cw = gzipWriter{ResponseWriter: w, accepts: acceptsGzip(r.Header.Get("Accept-Encoding"))}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

// acceptsGzip reads Accept-Encoding for gzip with a non-zero weight.
func acceptsGzip(h string) bool { return kit.AcceptsGzip(h) }

// baseType is a Content-Type's media type, lower case, without parameters
// ("text/html" of "text/html; charset=utf-8"), as mime.ParseMediaType reads it
// but without parsing the parameters into a map for every answer.
func baseType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// gzipWriter decides at the answer's header whether to compress it.
type gzipWriter struct {
	http.ResponseWriter
	accepts bool
	decided bool
	gz      *gzip.Writer
}

func (g *gzipWriter) decide(status int) {
	if g.decided {
		return
	}
	g.decided = true
	h := g.Header()
	if !compressible[baseType(h.Get("Content-Type"))] {
		return
	}
	if !slices.ContainsFunc(h.Values("Vary"), func(v string) bool { return strings.Contains(v, "Accept-Encoding") }) {
		h.Add("Vary", "Accept-Encoding")
	}
	if !g.accepts || status != http.StatusOK || h.Get("Content-Encoding") != "" || h.Get("Content-Range") != "" {
		return
	}
	h.Del("Content-Length")
	h.Set("Content-Encoding", "gzip")
	if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
		h.Set("ETag", "W/"+etag)
	}
	g.gz = gzipWriters.Get().(*gzip.Writer)
	g.gz.Reset(g.ResponseWriter)
}

func (g *gzipWriter) WriteHeader(status int) {
	if status >= 200 {
		g.decide(status)
	}
	g.ResponseWriter.WriteHeader(status)
}

func (g *gzipWriter) Write(p []byte) (int, error) {
	if !g.decided {
		g.WriteHeader(http.StatusOK)
	}
	if g.gz != nil {
		return g.gz.Write(p)
	}
	return g.ResponseWriter.Write(p)
}

// ReadFrom keeps sendfile for answers that are not compressed (media).
func (g *gzipWriter) ReadFrom(src io.Reader) (int64, error) {
	if !g.decided {
		g.WriteHeader(http.StatusOK)
	}
	if g.gz != nil {
		return io.Copy(g.gz, src)
	}
	if rf, ok := g.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(g.ResponseWriter, src)
}

// Flush sends what is compressed so far.
func (g *gzipWriter) Flush() {
	if g.gz != nil {
		_ = g.gz.Flush()
	}
	_ = http.NewResponseController(g.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *gzipWriter) close() {
	if g.gz != nil {
		_ = g.gz.Close()
		g.gz.Reset(io.Discard)
		gzipWriters.Put(g.gz)
		g.gz = nil
	}
}

// publicCORS lets web players on other sites read the public, read-only
// resources (feeds, chapters, transcripts and media): any origin on GET and
// HEAD. It is never used on /api or /admin.
func publicCORS(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			allowAnyOrigin(w.Header())
		}
		next(w, r)
	}
}

// allowAnyOrigin is publicCORS's header.
func allowAnyOrigin(h http.Header) { h["Access-Control-Allow-Origin"] = corsAnyOrigin }

// mediaCORS is publicCORS for media, which players fetch in ranges: it also
// exposes the range headers to them. The other public answers leave this out,
// since a whole answer has none of the headers it names but Content-Length,
// which Fetch exposes anyway; one header fewer keeps a cached feed's answer
// to eight headers, which net/http copies without growing a map (findings
// item 2).
func mediaCORS(next http.HandlerFunc) http.HandlerFunc {
	cors := publicCORS(next)
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			w.Header()["Access-Control-Expose-Headers"] = corsExposed
		}
		cors(w, r)
	}
}

// The values publicCORS and mediaCORS set, shared by every answer: a header value is
// replaced, never changed, and the capacity of one makes an append copy.
var (
	corsAnyOrigin = []string{"*"}[:1:1]
	corsExposed   = []string{"Range, Content-Range, Accept-Ranges, Content-Length"}[:1:1]
)
