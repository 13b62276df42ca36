package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
)

// Source is what the cache reads from the database; *episodes.Store has it.
type Source interface {
	GetShow(ctx context.Context, slug string) (*episodes.Show, error)
	PublicEpisodes(ctx context.Context, showID int64, now time.Time) ([]*episodes.Episode, error)
	ShowVersion(ctx context.Context, showID int64) (int64, error)
	NextScheduled(ctx context.Context, showID int64, after time.Time) (time.Time, bool, error)
}

// Options tune a Cache. The zero value is usable.
type Options struct {
	// CheckInterval is how long a cached feed is served without asking the
	// database whether the show's version changed (another replica may have
	// written). Default one second.
	CheckInterval time.Duration
	// MaxAge is the Cache-Control max-age of feed responses. Default 60 s.
	MaxAge time.Duration
	// Logger receives database errors hidden by serving a stale feed.
	// Default slog.Default().
	Logger *slog.Logger
}

// Cache serves shows' feeds from bytes built once per change of the show.
// It is safe for concurrent use.
type Cache struct {
	src    Source
	lb     links.Builder
	now    func() time.Time
	opts   Options
	flight singleflight.Group
	html   *htmlCache // episodes' rendered show notes, kept between builds

	mu      sync.RWMutex
	entries map[string]*entry // by show slug

	builds        atomic.Int64 // feeds built, for tests and metrics
	invalidations atomic.Int64 // Invalidate calls, to spot a refresh that raced one
}

// entry is one show's cached feed; it is never changed once stored.
type entry struct {
	showID    int64
	version   int64 // -1 after Invalidate: rebuild on next request
	checked   time.Time
	nextAt    time.Time // a scheduled episode's time; zero when none
	moved     string    // show.NewFeedURL: answer 301
	body      []byte
	gz        []byte
	etag      string
	gzETag    string
	modified  time.Time
	cacheCtrl string
	// plain and gzip are the answers' headers, made once per build so that
	// serving a feed formats nothing.
	plain, gzipped variant
}

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
// sends the gzip answer chunked. With X-Request-Id and Vary they are eight,
// which keeps a response's header map in one small-map group (no
// Accept-Ranges: Range requests are still answered, by ServeContent).
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

// varyAcceptEncoding is the Vary value of every feed answer.
var varyAcceptEncoding = []string{"Accept-Encoding"}[:1:1]

// NewCache returns a Cache that reads shows from src, builds URLs with lb and
// takes the time from now (time.Now when nil).
func NewCache(src Source, lb links.Builder, now func() time.Time, opts Options) *Cache {
	if now == nil {
		now = time.Now
	}
	if opts.CheckInterval <= 0 {
		opts.CheckInterval = time.Second
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 60 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Cache{src: src, lb: lb, now: now, opts: opts, html: newHTMLCache(), entries: map[string]*entry{}}
}

// Invalidate makes the next request for the show rebuild its feed. The
// process that writes a show calls it; other replicas notice the new version
// within CheckInterval.
func (c *Cache) Invalidate(showID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invalidations.Add(1)
	for slug, e := range c.entries {
		if e.showID == showID {
			stale := *e
			stale.version = -1
			c.entries[slug] = &stale
		}
	}
}

// Serve answers a GET or HEAD for the feed of the show with showSlug: the
// cached feed (gzip when accepted) with ETag and Last-Modified, 304 when the
// client's copy is current, 301 when the show moved, 404 for an unknown show,
// 405 for other methods. It writes every response itself and returns an error
// only when it answered 500, for the caller to log.
func (c *Cache) Serve(w http.ResponseWriter, r *http.Request, showSlug string) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "feed: only GET and HEAD are allowed on a feed", http.StatusMethodNotAllowed)
		return nil
	}
	e, err := c.lookup(r.Context(), showSlug)
	if err != nil {
		http.Error(w, "feed: the feed is unavailable right now; try again shortly", http.StatusInternalServerError)
		return err
	}
	if e == nil {
		http.Error(w, "feed: no show "+strconv.Quote(showSlug)+" here; check the feed URL", http.StatusNotFound)
		return nil
	}
	if e.moved != "" {
		http.Redirect(w, r, e.moved, http.StatusMovedPermanently)
		return nil
	}

	v := &e.plain
	if acceptsGzip(r.Header["Accept-Encoding"]) {
		v = &e.gzipped
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
		http.ServeContent(w, r, "", e.modified, bytes.NewReader(v.body))
		return nil
	}
	for k, vals := range v.header {
		h[k] = vals
	}
	if notModified(r.Header, v.etag, e.modified) {
		// As ServeContent answers a 304: no entity headers, and no
		// Last-Modified when there is an ETag.
		delete(h, "Content-Type")
		delete(h, "Content-Length")
		delete(h, "Content-Encoding")
		delete(h, "Last-Modified")
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(v.body)
	}
	return nil
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

// lookup returns the show's current entry, nil when there is no such show.
func (c *Cache) lookup(ctx context.Context, slug string) (*entry, error) {
	c.mu.RLock()
	e := c.entries[slug]
	c.mu.RUnlock()
	now := c.now()
	if e != nil && e.version >= 0 && now.Sub(e.checked) < c.opts.CheckInterval && !due(e, now) {
		return e, nil
	}
	// One refresh per show at a time; waiting requests share its result.
	// The refresh must not die with the request that started it.
	v, err, _ := c.flight.Do(slug, func() (any, error) {
		return c.refresh(context.WithoutCancel(ctx), slug)
	})
	if err != nil {
		if e != nil && e.version >= 0 {
			c.opts.Logger.Error("feed: serving a stale feed", "show", slug, "err", err)
			return e, nil
		}
		return nil, err
	}
	return v.(*entry), nil
}

// due reports whether a scheduled episode has become public since the build.
func due(e *entry, now time.Time) bool {
	return !e.nextAt.IsZero() && !now.Before(e.nextAt)
}

// refresh checks the show's version and rebuilds its feed when it changed.
func (c *Cache) refresh(ctx context.Context, slug string) (*entry, error) {
	c.mu.RLock()
	old := c.entries[slug]
	c.mu.RUnlock()
	now := c.now()
	gen := c.invalidations.Load()

	if old != nil && old.version >= 0 && !due(old, now) {
		v, err := c.src.ShowVersion(ctx, old.showID)
		switch {
		case isNotFound(err):
			c.store(slug, nil)
			c.html.forgetShow(old.showID)
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("feed: unable to check the version of %q: %w", slug, err)
		case v == old.version:
			fresh := *old
			fresh.checked = now
			c.store(slug, &fresh)
			return &fresh, nil
		}
	}

	show, err := c.src.GetShow(ctx, slug)
	if isNotFound(err) {
		c.store(slug, nil)
		if old != nil {
			c.html.forgetShow(old.showID)
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("feed: unable to load show %q: %w", slug, err)
	}
	e := &entry{showID: show.ID, version: show.Version, checked: now}
	if show.NewFeedURL != "" {
		e.moved = show.NewFeedURL
		c.store(slug, e)
		return e, nil
	}
	eps, err := c.src.PublicEpisodes(ctx, show.ID, now)
	if err != nil {
		return nil, fmt.Errorf("feed: unable to load the episodes of %q: %w", slug, err)
	}
	next, ok, err := c.src.NextScheduled(ctx, show.ID, now)
	if err != nil {
		return nil, fmt.Errorf("feed: unable to find the next scheduled episode of %q: %w", slug, err)
	}
	if ok {
		e.nextAt = next
	}
	body, modified, err := build(show, eps, c.lb, now, c.html)
	if err != nil {
		return nil, err
	}
	c.builds.Add(1)
	gz, err := gzipBytes(body)
	if err != nil {
		return nil, err
	}
	if old != nil && old.body != nil && !bytes.Equal(old.body, body) && !modified.After(old.modified) {
		// An unpublished or deleted episode can move the latest change
		// back in time; Last-Modified must still move forward.
		modified = now.UTC().Truncate(time.Second)
		if !modified.After(old.modified) {
			modified = old.modified.Add(time.Second)
		}
	}
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:16])
	e.body, e.gz, e.modified = body, gz, modified
	e.etag, e.gzETag = `"`+tag+`"`, `"`+tag+`-gzip"`
	e.cacheCtrl = "public, max-age=" + strconv.Itoa(int(c.opts.MaxAge/time.Second))
	e.plain = newVariant(body, e.etag, "", e.cacheCtrl, modified)
	e.gzipped = newVariant(gz, e.gzETag, "gzip", e.cacheCtrl, modified)
	if c.invalidations.Load() != gen {
		// A write landed while we read: serve this build once, rebuild next time.
		stale := *e
		stale.version = -1
		c.store(slug, &stale)
		return e, nil
	}
	c.store(slug, e)
	return e, nil
}

func (c *Cache) store(slug string, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e == nil {
		delete(c.entries, slug)
		return
	}
	c.entries[slug] = e
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

// isNotFound reports whether err says the show does not exist.
func isNotFound(err error) bool {
	return err != nil && errors.Is(err, episodes.ErrNotFound)
}
