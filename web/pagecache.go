package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/web/kit"
)

// This file is the page cache: the show page, the episode page (per
// transcript language) and the study guide, kept as rendered bytes with
// their gzip form and a strong ETag, so that a spike of listeners on one
// page costs a map lookup and a write per view, not a database read and a
// render.
//
// A page is kept only when its handler says it is the same for everyone
// (cacheable), and only for requests that carry nothing personal: no
// Cookie, no Authorization and no query parameter but the one that selects
// the page. Everything a cached page depends on is in its key or ends it:
// the path and that parameter (the key), the show's version (every write to
// the show or its episodes changes it), and the show's next scheduled
// publish time (the page expires then, so a scheduled episode appears on
// time). The store's change announcements (Changed, registered with
// episodes.Store.Listen) drop a show's pages in this process; other
// replicas' writes are noticed by a version check, at most once per
// CheckInterval per show, the only query a cached page can cause.

// DefaultPageCacheBytes bounds the page cache when Deps.CacheBytes is not set.
const DefaultPageCacheBytes = 64 << 20

// pageOverhead is what a cached page holds besides its two bodies: the
// entry, its key and two header maps.
const pageOverhead = 1 << 10

// pageCache keeps rendered public pages by key, up to max bytes, dropping
// the least recently used first. It is safe for concurrent use.
type pageCache struct {
	max     int64
	check   time.Duration
	now     func() time.Time
	version func(ctx context.Context, showID int64) (int64, error)
	flight  singleflight.Group

	mu      sync.RWMutex
	entries map[string]*cachedPage
	shows   map[int64]*showMark
	bytes   int64

	gen       atomic.Int64 // Changed calls: a render that raced one is not kept
	tick      atomic.Int64 // orders uses, for least-recently-used eviction
	hits      atomic.Int64
	renders   atomic.Int64
	evictions atomic.Int64
}

// showMark is what the cache knows of a show whose pages it holds: the
// version they were rendered at and when that was last confirmed.
type showMark struct {
	version int64
	checked atomic.Int64 // unix nanoseconds
}

// cachedPage is one rendered page; it is never changed once stored.
type cachedPage struct {
	showID  int64
	expires time.Time // the show's next scheduled publish; zero for never
	size    int64
	used    atomic.Int64
	plain   pageVariant
	gzipped pageVariant
}

// pageVariant is a page's body in one encoding with its 200 headers, made
// once: serving copies the header map's slices, never changes them.
type pageVariant struct {
	body   []byte
	etag   string
	header http.Header
}

// PageCacheStats are the page cache's counters, for metrics and tests.
type PageCacheStats struct {
	Served    int64 // answers from a cached page (200 or 304)
	Renders   int64 // pages rendered for the cache (misses)
	Evictions int64 // pages dropped to stay under the bound
	Pages     int   // pages held now
	Bytes     int64 // their size
}

func newPageCache(max int64, check time.Duration, now func() time.Time,
	version func(ctx context.Context, showID int64) (int64, error)) *pageCache {
	return &pageCache{max: max, check: check, now: now, version: version,
		entries: map[string]*cachedPage{}, shows: map[int64]*showMark{}}
}

// Changed drops the show's pages: register it with episodes.Store.Listen.
func (h *Handler) Changed(ch episodes.Change) { h.cache.drop(ch.ShowID) }

// CacheStats returns the page cache's counters.
func (h *Handler) CacheStats() PageCacheStats {
	c := h.cache
	c.mu.RLock()
	n, b := len(c.entries), c.bytes
	c.mu.RUnlock()
	return PageCacheStats{Served: c.hits.Load(), Renders: c.renders.Load(), Evictions: c.evictions.Load(), Pages: n, Bytes: b}
}

func (c *pageCache) drop(showID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	for k, p := range c.entries {
		if p.showID == showID {
			c.bytes -= p.size
			delete(c.entries, k)
		}
	}
	delete(c.shows, showID)
}

// pageCapture is the ResponseWriter a page renders into when the cache may
// keep it. The handler marks it cacheable once it knows the page is the
// same for everyone.
type pageCapture struct {
	header http.Header
	status int
	body   bytes.Buffer
	// Set by cacheable:
	ok      bool
	showID  int64
	version int64
	expires time.Time
}

func (p *pageCapture) Header() http.Header { return p.header }
func (p *pageCapture) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
func (p *pageCapture) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return p.body.Write(b)
}

// cacheable tells the page cache, when w is its capture, that the page
// being rendered is the same for every listener and depends on the show
// only through its version, until expires (zero: no scheduled change).
// A page that depends on who asks (a listener key, a signed-in person)
// must not call it.
func cacheable(w http.ResponseWriter, show *episodes.Show, expires time.Time) {
	if p, ok := w.(*pageCapture); ok {
		p.ok, p.showID, p.version, p.expires = true, show.ID, show.Version, expires
	}
}

// cached serves the page of r from the cache, or renders it with render and
// keeps it when it may. param names the one query parameter that selects a
// page ("" for none); a request with any other, or with a Cookie or
// Authorization, is rendered for itself and never shared.
func (h *Handler) cached(w http.ResponseWriter, r *http.Request, param string, render http.HandlerFunc) {
	key, ok := pageKey(r, param)
	if !ok {
		render(w, r)
		return
	}
	if h.serveCached(w, r, key) {
		return
	}
	c := h.cache
	gen := c.gen.Load()
	// Render as a plain GET with no validators, so the capture holds the
	// whole page whatever this request asked.
	r2 := r.Clone(r.Context())
	r2.Method = http.MethodGet
	r2.Header.Del("If-None-Match")
	r2.Header.Del("If-Modified-Since")
	cw := &pageCapture{header: http.Header{}}
	render(cw, r2)
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	if !cw.ok || cw.status != http.StatusOK {
		replay(w, r, cw)
		return
	}
	c.renders.Add(1)
	p := c.newPage(cw)
	if p == nil {
		replay(w, r, cw)
		return
	}
	c.store(key, p, cw.version, gen)
	c.serve(w, r, p)
}

// Show and episode pages are selected by these query parameters.
const (
	showPageParam    = "page"
	episodePageParam = "transcript"
)

// CachedShowPage answers r, a GET or HEAD of /{show}/, when the page cache
// holds its page and reports whether it did; ShowPage answers the rest. The
// server asks it before its route table, for a spike of listeners.
func (h *Handler) CachedShowPage(w http.ResponseWriter, r *http.Request) bool {
	key, ok := pageKey(r, showPageParam)
	return ok && h.serveCached(w, r, key)
}

// CachedEpisodePage is CachedShowPage for /{show}/{episode}/, the episode page.
func (h *Handler) CachedEpisodePage(w http.ResponseWriter, r *http.Request) bool {
	key, ok := pageKey(r, episodePageParam)
	return ok && h.serveCached(w, r, key)
}

// serveCached answers r from the page kept under key, when there is a
// current one, and reports whether it did.
func (h *Handler) serveCached(w http.ResponseWriter, r *http.Request, key string) bool {
	c := h.cache
	p := c.lookup(r.Context(), key)
	if p == nil {
		return false
	}
	c.hits.Add(1)
	c.serve(w, r, p)
	return true
}

// pageKey is the cache key of r: its path and the value of param. ok is
// false when r must not be shared: it carries credentials or a query
// parameter other than param and the tracking parameters links shared on
// social sites carry (utm_*, fbclid...), which no page reads: a spike of
// listeners from a post still gets the cached page.
func pageKey(r *http.Request, param string) (string, bool) {
	if r.Header.Get("Cookie") != "" || r.Header.Get("Authorization") != "" || access.Personal(r) {
		return "", false // a grant's page (signed path, ?key=) is its own
	}
	if r.URL.RawQuery == "" {
		return r.URL.Path, true
	}
	key := r.URL.Path
	for name, vals := range r.URL.Query() {
		switch {
		case tracking(name):
		case name == param && param != "" && len(vals) == 1:
			key = r.URL.Path + "?" + param + "=" + vals[0]
		default:
			return "", false
		}
	}
	return key, true
}

// tracking reports whether a query parameter is one that sites and
// newsletters add to shared links for their own statistics.
func tracking(name string) bool {
	switch name {
	case "fbclid", "gclid", "msclkid", "dclid", "li_fat_id", "trk", "igshid", "mc_cid", "mc_eid", "ref_src", "ref":
		return true
	}
	return strings.HasPrefix(name, "utm_")
}

// replay sends a captured answer that is not kept, as the handler made it.
func replay(w http.ResponseWriter, r *http.Request, cw *pageCapture) {
	h := w.Header()
	for k, v := range cw.header {
		h[k] = v
	}
	if cw.status == http.StatusOK {
		if etag := cw.header.Get("ETag"); etag != "" && kit.ETagMatches(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.WriteHeader(cw.status)
	if r.Method != http.MethodHead {
		w.Write(cw.body.Bytes())
	}
}

// lookup returns the page kept under key when it is still current: not past
// its show's next scheduled publish, and of the show's version (checked
// against the database at most once per check interval per show).
func (c *pageCache) lookup(ctx context.Context, key string) *cachedPage {
	c.mu.RLock()
	p := c.entries[key]
	var m *showMark
	if p != nil {
		m = c.shows[p.showID]
	}
	c.mu.RUnlock()
	if p == nil || m == nil {
		return nil
	}
	now := c.now()
	if !p.expires.IsZero() && !now.Before(p.expires) {
		return nil
	}
	if now.UnixNano()-m.checked.Load() >= int64(c.check) {
		if !c.confirm(ctx, p.showID, m, now) {
			return nil
		}
	}
	p.used.Store(c.tick.Add(1))
	return p
}

// confirm reads the show's version, once for all requests waiting on it,
// and drops the show's pages when another replica changed it.
func (c *pageCache) confirm(ctx context.Context, showID int64, m *showMark, now time.Time) bool {
	v, err, _ := c.flight.Do(strconv.FormatInt(showID, 10), func() (any, error) {
		return c.version(ctx, showID)
	})
	if err != nil {
		return false // render: the page reports the failure its own way
	}
	if v.(int64) != m.version {
		c.drop(showID)
		return false
	}
	m.checked.Store(now.UnixNano())
	return true
}

// newPage makes a captured page's two variants; nil when gzip fails.
func (c *pageCache) newPage(cw *pageCapture) *cachedPage {
	body := bytes.Clone(cw.body.Bytes())
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := zw.Write(body); err != nil {
		return nil
	}
	if err := zw.Close(); err != nil {
		return nil
	}
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:16])
	p := &cachedPage{showID: cw.showID, expires: cw.expires, size: int64(len(body) + gz.Len() + pageOverhead)}
	p.plain = newPageVariant(cw.header, body, `"`+tag+`"`, "")
	p.gzipped = newPageVariant(cw.header, gz.Bytes(), `"`+tag+`-gzip"`, "gzip")
	p.used.Store(c.tick.Add(1))
	return p
}

func newPageVariant(rendered http.Header, body []byte, etag, encoding string) pageVariant {
	one := func(s string) []string { return []string{s}[:1:1] }
	h := http.Header{}
	for _, k := range []string{"Content-Type", "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control", "X-Robots-Tag"} {
		if v := rendered.Get(k); v != "" {
			h[k] = one(v)
		}
	}
	h["Etag"] = one(etag)
	h["Vary"] = one("Accept-Encoding")
	h["Content-Length"] = one(strconv.Itoa(len(body)))
	if encoding != "" {
		h["Content-Encoding"] = one(encoding)
	}
	return pageVariant{body: body, etag: etag, header: h}
}

// store keeps p under key, unless the show changed since the render began
// (gen), and drops the least recently used pages until under the bound.
func (c *pageCache) store(key string, p *cachedPage, version, gen int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen || p.size > c.max {
		return
	}
	m := c.shows[p.showID]
	if m != nil && m.version != version {
		// Pages of two versions must not mix: keep the newer.
		if version < m.version {
			return
		}
		for k, o := range c.entries {
			if o.showID == p.showID {
				c.bytes -= o.size
				delete(c.entries, k)
			}
		}
		m = nil
	}
	if m == nil {
		m = &showMark{version: version}
		m.checked.Store(c.now().UnixNano())
		c.shows[p.showID] = m
	}
	if old := c.entries[key]; old != nil {
		c.bytes -= old.size
	}
	c.entries[key] = p
	c.bytes += p.size
	for c.bytes > c.max {
		victim, oldest := "", int64(0)
		for k, x := range c.entries {
			if u := x.used.Load(); k != key && (victim == "" || u < oldest) {
				victim, oldest = k, u
			}
		}
		if victim == "" {
			break
		}
		c.bytes -= c.entries[victim].size
		delete(c.entries, victim)
		c.evictions.Add(1)
	}
}

// serve answers r from p: gzip when accepted, 304 when the client has it.
func (c *pageCache) serve(w http.ResponseWriter, r *http.Request, p *cachedPage) {
	v := &p.plain
	if kit.AcceptsGzip(r.Header.Get("Accept-Encoding")) {
		v = &p.gzipped
	}
	h := w.Header()
	for k, vals := range v.header {
		h[k] = vals
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && kit.ETagMatches(inm, v.etag) {
		delete(h, "Content-Length")
		delete(h, "Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(v.body)
	}
}
