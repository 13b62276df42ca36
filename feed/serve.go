package feed

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file is the HTTP side of the feed cache: answering GET and HEAD from
// a built entry, with gzip and conditional requests (ETag and
// Last-Modified). cache.go keeps the entries and decides when to rebuild.

// variant is one representation of a feed (identity or gzip) with the
// headers of its 200 answer. The header values are shared by every answer:
// they are only ever replaced in a response's header map, never changed.
type variant struct {
	body   []byte
	etag   string
	header http.Header
}

// newVariant makes the 200 headers for body. Content-Length is set here
// because http.ServeContent leaves it out when Content-Encoding is set, which
// sends the gzip answer chunked. With Vary and the server's CORS origin they
// are eight, which keeps a response's header map in one small-map group (no
// Accept-Ranges: Range requests are still answered, by ServeContent; and no
// X-Request-Id on an answer a shared cache keeps: see the server's recorder).
func newVariant(body []byte, etag, encoding, cacheCtrl string, modified time.Time) variant {
	one := func(s string) []string { return []string{s}[:1:1] }
	h := http.Header{
		"Content-Type":   one("application/rss+xml; charset=utf-8"),
		"Cache-Control":  one(cacheCtrl),
		"Etag":           one(etag),
		"Last-Modified":  one(modified.UTC().Format(http.TimeFormat)),
		"Content-Length": one(strconv.Itoa(len(body))),
	}
	if encoding != "" {
		h["Content-Encoding"] = one(encoding)
	}
	return variant{body: body, etag: etag, header: h}
}

// retryAfter is the Retry-After of a 503: about how long a database
// failover or restart takes.
const retryAfter = 10 * time.Second

// varyAcceptEncoding is the Vary value of every feed answer.
var varyAcceptEncoding = []string{"Accept-Encoding"}[:1:1]

// Serve answers a GET or HEAD for the feed of the show with showSlug: the
// cached feed (gzip when accepted) with ETag and Last-Modified, 304 when the
// client's copy is current, 301 when the show moved, 404 for an unknown show,
// 405 for other methods. When the database cannot be read it serves the last
// feed it built, however old, and without one answers 503 with Retry-After;
// the cache logs such an outage once, when it starts, so Serve returns an
// error only for a failure it did not log.
func (c *Cache) Serve(w http.ResponseWriter, r *http.Request, showSlug string) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "feed: only GET and HEAD are allowed on a feed", http.StatusMethodNotAllowed)
		return nil
	}
	n := 1
	if r.URL.RawQuery != "" {
		if v := r.URL.Query().Get("page"); v != "" {
			var err error
			if n, err = strconv.Atoi(v); err != nil || n < 1 {
				http.Error(w, "feed: page "+strconv.Quote(v)+" is not a page number; pages are numbered from 1", http.StatusBadRequest)
				return nil
			}
		}
	}
	e, err := c.lookup(r.Context(), showSlug, n)
	if err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
		http.Error(w, "feed: the feed is unavailable right now; try again shortly", http.StatusServiceUnavailable)
		return nil
	}
	if e == nil {
		http.Error(w, "feed: no show "+strconv.Quote(showSlug)+" here; check the feed URL", http.StatusNotFound)
		return nil
	}
	if e.moved != "" {
		http.Redirect(w, r, e.moved, http.StatusMovedPermanently)
		return nil
	}
	if e.private {
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "feed: this show is private; listeners subscribe with the personal feed URL the producer gave them", http.StatusNotFound)
		return nil
	}
	if e.noPage {
		http.Error(w, "feed: the feed of "+strconv.Quote(showSlug)+" has "+strconv.Itoa(e.pages)+" page(s); there is no page "+strconv.Itoa(n), http.StatusNotFound)
		return nil
	}
	c.answer(w, r, e)
	return nil
}

// Cached is a feed the cache holds, current for the request it was looked
// up for; its Serve answers that request.
type Cached struct {
	c *Cache
	e *entry
}

// Cached returns the show's feed when the cache can answer r with it as it
// stands, without reading the database: r is a GET or HEAD of the feed's
// first page with no query, conditional at most on If-None-Match or
// If-Modified-Since, for a public show that has not moved, and the feed is
// current (see Cache.current). ok is false otherwise, and Serve answers r.
// It is for the server's fast path, which skips the route table for
// a podcast app's poll.
func (c *Cache) Cached(r *http.Request, showSlug string) (f Cached, ok bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || r.URL.RawQuery != "" || !plainConditional(r.Header) {
		return Cached{}, false
	}
	e := c.held(pageKey(showSlug, 1))
	if e == nil || e.moved != "" || e.private || e.noPage || !c.current(e, c.now()) {
		return Cached{}, false
	}
	return Cached{c, e}, true
}

// Serve answers the request f was looked up for as Cache.Serve would: 200
// or 304.
func (f Cached) Serve(w http.ResponseWriter, r *http.Request) { f.c.answer(w, r, f.e) }

// answer writes e as the answer to a GET or HEAD: gzip when accepted, 304
// when the client's copy is current, a range through ServeContent.
func (c *Cache) answer(w http.ResponseWriter, r *http.Request, e *entry) {
	c.hits.Add(1)
	c.touch(e.b)
	v := &e.b.plain
	if acceptsGzip(r.Header["Accept-Encoding"]) {
		v = &e.b.gzipped
	}
	h := w.Header()
	if vary, ok := h["Vary"]; ok {
		h["Vary"] = append(vary, "Accept-Encoding")
	} else {
		h["Vary"] = varyAcceptEncoding
	}
	if !plainConditional(r.Header) {
		// Range, If-Range, If-Match or If-Unmodified-Since: rare for a feed;
		// ServeContent knows them all.
		for k, vals := range v.header {
			if k != "Content-Length" {
				h[k] = vals
			}
		}
		http.ServeContent(w, r, "", e.b.modified, bytes.NewReader(v.body))
		return
	}
	for k, vals := range v.header {
		h[k] = vals
	}
	if notModified(r.Header, v.etag, e.b.modified) {
		// As ServeContent answers a 304: no entity headers, and no
		// Last-Modified when there is an ETag.
		delete(h, "Content-Type")
		delete(h, "Content-Length")
		delete(h, "Content-Encoding")
		delete(h, "Last-Modified")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(v.body)
	}
}

// plainConditional reports whether a request's headers ask for nothing but
// If-None-Match and If-Modified-Since, which Serve answers itself.
func plainConditional(h http.Header) bool {
	for _, k := range [...]string{"Range", "If-Range", "If-Match", "If-Unmodified-Since"} {
		if _, ok := h[k]; ok {
			return false
		}
	}
	return true
}

// notModified evaluates If-None-Match (weak comparison, as RFC 9110 asks for
// GET and HEAD) and, only without it, If-Modified-Since.
func notModified(h http.Header, etag string, modified time.Time) bool {
	if inm, ok := h["If-None-Match"]; ok {
		for _, list := range inm {
			if etagListMatches(list, etag) {
				return true
			}
		}
		return false
	}
	ims := h.Get("If-Modified-Since")
	if ims == "" || modified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	if err != nil {
		return false
	}
	return !modified.Truncate(time.Second).After(t)
}

// etagListMatches reports whether an If-None-Match value ("*" or a list of
// entity tags, weak or strong) names etag, a strong tag with its quotes.
func etagListMatches(list, etag string) bool {
	for list != "" {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			break
		}
		if list[0] == '*' {
			return true
		}
		list = strings.TrimPrefix(list, "W/")
		if list == "" || list[0] != '"' {
			return false // malformed: stop, as ServeContent does
		}
		end := strings.IndexByte(list[1:], '"')
		if end < 0 {
			return false
		}
		tag := list[:end+2]
		if tag == etag {
			return true
		}
		list = list[end+2:]
	}
	return false
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("feed: unable to compress: %w", err)
	}
	if _, err := zw.Write(b); err != nil {
		return nil, fmt.Errorf("feed: unable to compress: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("feed: unable to compress: %w", err)
	}
	return buf.Bytes(), nil
}

// acceptsGzip reports whether Accept-Encoding header values allow gzip
// (explicitly, or by "*", and not with q=0).
func acceptsGzip(values []string) bool {
	gz, star := -1.0, -1.0
	for _, header := range values {
		for header != "" {
			var part string
			part, header, _ = strings.Cut(header, ",")
			name, params, _ := strings.Cut(part, ";")
			name = strings.TrimSpace(name)
			var isGzip, isStar bool
			switch {
			case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
				isGzip = true
			case name == "*":
				isStar = true
			default:
				continue
			}
			q := qValue(params)
			if isGzip {
				gz = q
			} else if isStar {
				star = q
			}
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}

// qValue is the q parameter in an Accept-Encoding element's parameters
// ("q=0.5" or "" for 1).
func qValue(params string) float64 {
	q := 1.0
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(p, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
	}
	return q
}
