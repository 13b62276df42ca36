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
}

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
	return &Cache{src: src, lb: lb, now: now, opts: opts, entries: map[string]*entry{}}
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

	h := w.Header()
	h.Set("Content-Type", "application/rss+xml; charset=utf-8")
	h.Set("Cache-Control", e.cacheCtrl)
	h.Add("Vary", "Accept-Encoding")
	body, etag := e.body, e.etag
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = e.gz, e.gzETag
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	// ServeContent does If-None-Match (before If-Modified-Since), HEAD,
	// Content-Length and Range on these bytes.
	http.ServeContent(w, r, "", e.modified, bytes.NewReader(body))
	return nil
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
	body, modified, err := build(show, eps, c.lb, now)
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

// acceptsGzip reports whether an Accept-Encoding header allows gzip
// (explicitly, or by "*", and not with q=0).
func acceptsGzip(header string) bool {
	gz, star := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "x-gzip":
			gz = q
		case "*":
			star = q
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}

// isNotFound reports whether err says the show does not exist.
func isNotFound(err error) bool {
	return err != nil && errors.Is(err, episodes.ErrNotFound)
}
