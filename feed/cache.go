package feed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
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
	VisibleFeedPage(ctx context.Context, showID int64, now time.Time, upTo string, offset, limit int) ([]*episodes.Episode, int, error)
	ShowVersion(ctx context.Context, showID int64) (int64, error)
	NextScheduled(ctx context.Context, showID int64, after time.Time) (time.Time, bool, error)
	PromoteDue(ctx context.Context, showID int64, now time.Time) (int, error)
}

// DefaultMaxBytes bounds a Cache's memory when Options.MaxBytes is not set.
const DefaultMaxBytes = 256 << 20

// Options tune a Cache. The zero value is usable.
type Options struct {
	// CheckInterval is how long a cached feed is served without asking the
	// database whether the show's version changed (another replica may have
	// written). Default one second.
	CheckInterval time.Duration
	// MaxAge is the Cache-Control max-age of feed responses. Default 60 s.
	MaxAge time.Duration
	// MaxBytes bounds the memory the cache keeps: built feeds (identity and
	// gzip) get one half, episodes' encoded items (show notes included) the
	// other; the least recently used are dropped first. Default DefaultMaxBytes.
	// The feed being served is always kept, even when it alone is larger.
	MaxBytes int64
	// Items, when set, is the per-episode cache the builds go through, to
	// be shared with PublicContent; its own bound counts in MaxBytes (the
	// built feeds get what is left). nil: one of half MaxBytes, for this
	// Cache alone.
	Items *ItemCache
	// RefreshTimeout bounds one refresh's database calls. Default 30 s.
	RefreshTimeout time.Duration
	// StaleAfter is how long a request that has a feed, however old, waits
	// for its refresh before it is answered with that feed. Default 2 s.
	StaleAfter time.Duration
	// Logger receives the start and end of a database outage hidden by
	// serving stale feeds. Default slog.Default().
	Logger *slog.Logger
}

// Cache serves shows' feeds from bytes built once per change of the show,
// keeping at most Options.MaxBytes of them. It is safe for concurrent use.
type Cache struct {
	src    Source
	lb     links.Builder
	now    func() time.Time
	opts   Options
	flight singleflight.Group
	items  *ItemCache // episodes' encoded items, kept between builds

	// entries holds the *entry of each show slug, and of pageKey for a paged
	// feed's later pages. A request reads it without a lock (held), whose
	// read side would bounce a counter between the cores serving requests;
	// writers change it under mu (put, drop), which also guards n and bytes.
	entries sync.Map
	mu      sync.Mutex
	n       int   // entries held
	bytes   int64 // the built feeds' sizes
	max     int64 // the feeds' share of MaxBytes

	tick          atomic.Int64 // orders uses, for least-recently-used eviction
	builds        atomic.Int64 // feeds built
	invalidations atomic.Int64 // Invalidate calls, to spot a refresh that raced one
	hits          atomic.Int64
	evictions     atomic.Int64
	outage        atomic.Bool // the database failed and has not answered since
}

// Stats are a Cache's counters since it was made, for metrics.
type Stats struct {
	Served    int64 // answers from a cached feed (200, 304 or 301)
	Builds    int64 // feeds built
	Evictions int64 // feeds dropped to stay under the bound
	Feeds     int   // feeds held now
	Bytes     int64 // their size
	// Notes* are the per-episode cache's: each episode's encoded item,
	// show notes included (the names are older than the items in it).
	NotesEntries   int
	NotesBytes     int64
	NotesEvictions int64
	// Outage is true while the database is failing and stale feeds are served.
	Outage bool
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	n, b := c.n, c.bytes
	c.mu.Unlock()
	ne, nb, nev := c.items.stats()
	return Stats{
		Served: c.hits.Load(), Builds: c.builds.Load(), Evictions: c.evictions.Load(),
		Feeds: n, Bytes: b, NotesEntries: ne, NotesBytes: nb, NotesEvictions: nev, Outage: c.outage.Load(),
	}
}

// entry is one show's cached feed; it is never changed once stored (a
// check stores a copy), and copies share their built feed.
type entry struct {
	showID  int64
	version int64     // -1 after Invalidate: rebuild on next request
	checked time.Time // when the version was last read
	retryAt time.Time // after a failed refresh: serve as is until then
	nextAt  time.Time // a scheduled episode's time; zero when none
	moved   string    // show.NewFeedURL: answer 301
	// pages is how many pages the show's feed has (1 when not paged); a
	// request for a page past it has an entry with noPage set (404).
	pages   int
	noPage  bool
	private bool // a private show: no shared feed, answer 404
	b       *built
}

// pageKey is the cache key of page n of a show's feed: the slug for the
// first page (the feed), slug?page=n after it.
func pageKey(slug string, n int) string {
	if n <= 1 {
		return slug
	}
	return slug + "?page=" + strconv.Itoa(n)
}

// built is a feed as built once: both representations with their headers.
type built struct {
	modified time.Time
	size     int64
	used     atomic.Int64 // Cache.tick at the last answer from it
	// plain and gzipped are the answers' bodies and headers, made once per
	// build so that serving a feed formats nothing.
	plain, gzipped variant
}

// ItemBytes is the share of a Cache's MaxBytes that its items get: half.
// lyssna serve makes the ItemCache it shares (Options.Items) of this size.
func ItemBytes(maxBytes int64) int64 { return maxBytes / 2 }

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
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.RefreshTimeout <= 0 {
		opts.RefreshTimeout = 30 * time.Second
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	// A rebuild copies the items it finds here, so the items' share is
	// about what the feeds' is: a feed is its items, plus its gzip form.
	items := opts.Items
	if items == nil {
		items = NewItemCache(ItemBytes(opts.MaxBytes))
	}
	return &Cache{src: src, lb: lb, now: now, opts: opts, items: items,
		max: max(opts.MaxBytes-items.max, 0)}
}

// Changed is Invalidate for a change the store announced: register it with
// episodes.Store.Listen, and every committed write refreshes the show's feed
// in this process; other replicas notice the new version within
// CheckInterval.
func (c *Cache) Changed(ch episodes.Change) { c.Invalidate(ch.ShowID) }

// Invalidate makes the next request for the show rebuild its feed.
func (c *Cache) Invalidate(showID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invalidations.Add(1)
	for slug, e := range c.all() {
		if e.showID == showID {
			stale := *e
			stale.version = -1
			c.put(slug, &stale)
		}
	}
}

// lookup returns the current entry of page n of the show's feed (n is 1
// for the feed itself), nil when there is no such show. When the database
// fails it returns the last entry built, however stale, and an error only
// when it has none.
func (c *Cache) lookup(ctx context.Context, slug string, n int) (*entry, error) {
	key := pageKey(slug, n)
	e := c.held(key)
	if e != nil && c.current(e, c.now()) {
		return e, nil
	}
	// One refresh per show at a time; waiting requests share its result.
	// The refresh must not die with the request that started it, but has a
	// deadline of its own, so a database that stopped answering (rather
	// than refusing) cannot hold it for ever.
	ch := c.flight.DoChan(key, func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.RefreshTimeout)
		defer cancel()
		v, err := c.refresh(rctx, slug, n)
		c.noteOutcome(key, err)
		return v, err
	})
	var res singleflight.Result
	if e == nil {
		select {
		case res = <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	} else {
		// With a feed in hand, wait for the refresh only so long: a slow
		// database, or a long rebuild, is answered with the last feed built
		// while the refresh goes on.
		t := time.NewTimer(c.opts.StaleAfter)
		defer t.Stop()
		select {
		case res = <-ch:
		case <-t.C:
			return e, nil
		case <-ctx.Done():
			return e, nil
		}
	}
	if res.Err != nil {
		if e == nil {
			return nil, res.Err
		}
		// Serve the last good bytes, even after an Invalidate (the edit's
		// feed cannot be built now).
		return e, nil
	}
	return res.Val.(*entry), nil
}

// noteOutcome logs the start and the end of a database outage, once each,
// and after a failed refresh leaves the database alone for a check interval
// (the show's last feed is served meanwhile).
func (c *Cache) noteOutcome(slug string, err error) {
	if err == nil {
		if c.outage.CompareAndSwap(true, false) {
			c.opts.Logger.Info("feed: the database answers again", "show", slug)
		}
		return
	}
	if c.outage.CompareAndSwap(false, true) {
		c.opts.Logger.Error("feed: the database failed; serving the last feeds built, and 503 for the others, until it answers",
			"show", slug, "error", err)
	}
	if e := c.held(slug); e != nil {
		stale := *e
		stale.retryAt = c.now().Add(c.opts.CheckInterval)
		c.keep(slug, e, &stale)
	}
}

// held is the entry under key, current or not; nil for none.
func (c *Cache) held(key string) *entry {
	v, _ := c.entries.Load(key)
	e, _ := v.(*entry)
	return e
}

// all yields every entry held with its key.
func (c *Cache) all() func(yield func(string, *entry) bool) {
	return func(yield func(string, *entry) bool) {
		c.entries.Range(func(k, v any) bool { return yield(k.(string), v.(*entry)) })
	}
}

// put sets key's entry; c.mu must be held.
func (c *Cache) put(key string, e *entry) {
	if _, loaded := c.entries.Swap(key, e); !loaded {
		c.n++
	}
}

// drop deletes key's entry; c.mu must be held.
func (c *Cache) drop(key string) {
	if _, loaded := c.entries.LoadAndDelete(key); loaded {
		c.n--
	}
}

// touch marks b as just used, for the least-recently-used eviction. A feed
// that is the last one used already is left as it is, so that a run of
// polls of one feed writes nothing the cores share.
func (c *Cache) touch(b *built) {
	if b.used.Load() != c.tick.Load() {
		b.used.Store(c.tick.Add(1))
	}
}

// current reports whether e can be served at now as it is, without reading
// the database: it was checked within the check interval and no scheduled
// episode has gone public since, or a failed refresh left it to be served
// until retryAt.
func (c *Cache) current(e *entry, now time.Time) bool {
	return now.Before(e.retryAt) || e.version >= 0 && now.Sub(e.checked) < c.opts.CheckInterval && !due(e, now)
}

// due reports whether a scheduled episode has become public since the build.
func due(e *entry, now time.Time) bool {
	return !e.nextAt.IsZero() && !now.Before(e.nextAt)
}

// refresh checks the show's version and rebuilds page n of its feed when
// it changed.
func (c *Cache) refresh(ctx context.Context, slug string, n int) (*entry, error) {
	key := pageKey(slug, n)
	old := c.held(key)
	now := c.now()
	gen := c.invalidations.Load()

	if old != nil && old.version >= 0 && !due(old, now) {
		v, err := c.src.ShowVersion(ctx, old.showID)
		switch {
		case isNotFound(err):
			// The show is gone, but another one may have its slug now:
			// look the slug up below rather than answer 404 from memory.
			c.items.forgetShow(old.showID)
		case err != nil:
			return nil, fmt.Errorf("feed: unable to check the version of %q: %w", slug, err)
		case v == old.version:
			fresh := *old
			fresh.checked, fresh.retryAt = now, time.Time{}
			c.keep(key, old, &fresh)
			return &fresh, nil
		}
	}

	show, err := loadShow(ctx, c.src, slug, now)
	if isNotFound(err) {
		c.store(key, nil)
		if old != nil {
			c.items.forgetShow(old.showID)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e := &entry{showID: show.ID, version: show.Version, checked: now, pages: 1}
	if show.NewFeedURL != "" {
		e.moved = show.NewFeedURL
		e.b = &built{}
		c.store(key, e)
		return e, nil
	}
	if show.Visibility == episodes.VisibilityPrivate {
		e.private = true
		e.b = &built{}
		c.store(key, e)
		return e, nil
	}
	eps, pg, pages, err := listPage(ctx, c.src, show, now, n)
	if err != nil {
		return nil, err
	}
	e.pages = pages
	next, ok, err := c.src.NextScheduled(ctx, show.ID, now)
	if err != nil {
		return nil, fmt.Errorf("feed: unable to find the next scheduled episode of %q: %w", slug, err)
	}
	if ok {
		e.nextAt = next
	}
	if n > e.pages {
		e.noPage, e.b = true, &built{}
	} else {
		b, err := c.build(show, eps, now, pg)
		if err != nil {
			return nil, err
		}
		e.b = b
	}
	if c.invalidations.Load() != gen {
		// A write landed while we read: serve this build once, rebuild next time.
		stale := *e
		stale.version = -1
		c.store(key, &stale)
		return e, nil
	}
	c.store(key, e)
	return e, nil
}

// loadShow reads the show, first promoting its scheduled episodes whose
// time has come (Store.PromoteDue), so that what the feed lists is decided
// by rows every replica reads alike rather than by this replica's clock.
func loadShow(ctx context.Context, src Source, slug string, now time.Time) (*episodes.Show, error) {
	show, err := src.GetShow(ctx, slug)
	if err != nil {
		return nil, wrapUnlessNotFound(err, "unable to load show %q", slug)
	}
	next, ok, err := src.NextScheduled(ctx, show.ID, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("feed: unable to find the next scheduled episode of %q: %w", slug, err)
	}
	if !ok || next.After(now) {
		return show, nil
	}
	if _, err := src.PromoteDue(ctx, show.ID, now); err != nil {
		return nil, fmt.Errorf("feed: unable to publish the scheduled episodes of %q: %w", slug, err)
	}
	show, err = src.GetShow(ctx, slug)
	return show, wrapUnlessNotFound(err, "unable to load show %q", slug)
}

// listPage reads the episodes page n of the show's shared feed lists, the
// page to build and how many pages the feed has (1 when it is not paged;
// a page past the last lists nothing).
func listPage(ctx context.Context, src Source, show *episodes.Show, now time.Time, n int) ([]*episodes.Episode, page, int, error) {
	var eps []*episodes.Episode
	var pg page
	pages := 1
	if show.FeedLimit > 0 {
		// A paged feed (RFC 5005): read only this page's episodes, so the
		// cost of a page follows the limit, not the size of the show. The
		// store counts and pages only the episodes Listed keeps (the
		// show's visibility or more open), so that every page but the
		// last is full and the count of pages is right.
		var total int
		var err error
		eps, total, err = src.VisibleFeedPage(ctx, show.ID, now, episodes.EffectiveVisibility(show, nil), (n-1)*show.FeedLimit, show.FeedLimit)
		if err != nil {
			return nil, page{}, 0, fmt.Errorf("feed: unable to load page %d of the episodes of %q: %w", n, show.Slug, err)
		}
		pages = max(1, (total+show.FeedLimit-1)/show.FeedLimit)
		pg = page{n: n, last: pages}
	} else if n == 1 {
		var err error
		eps, err = src.PublicEpisodes(ctx, show.ID, now)
		if err != nil {
			return nil, page{}, 0, fmt.Errorf("feed: unable to load the episodes of %q: %w", show.Slug, err)
		}
	}
	return Listed(show, eps), pg, pages, nil
}

func wrapUnlessNotFound(err error, format string, args ...any) error {
	if err == nil || isNotFound(err) {
		return err
	}
	return fmt.Errorf("feed: "+format+": %w", append(args, err)...)
}

// build renders the show's feed and makes its answers. Last-Modified comes
// from the data (the show's ChangedAt, which every write moves on by at
// least a second, or the newest change build finds when that is later), so
// every replica sends the same one for the same bytes.
func (c *Cache) build(show *episodes.Show, eps []*episodes.Episode, now time.Time, pg page) (*built, error) {
	body, modified, err := build(show, eps, c.lb, now, c.items, pg)
	if err != nil {
		return nil, err
	}
	c.builds.Add(1)
	if ch := show.ChangedAt.UTC().Truncate(time.Second); ch.After(modified) {
		modified = ch
	}
	gz, err := gzipBytes(body)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:16])
	cacheCtrl := "public, max-age=" + strconv.Itoa(int(c.opts.MaxAge/time.Second))
	b := &built{modified: modified, size: int64(len(body) + len(gz) + builtOverhead)}
	b.plain = newVariant(body, `"`+tag+`"`, "", cacheCtrl, modified)
	b.gzipped = newVariant(gz, `"`+tag+`-gzip"`, "gzip", cacheCtrl, modified)
	b.used.Store(c.tick.Add(1))
	return b, nil
}

// builtOverhead is what a built feed holds besides its two bodies: the
// entry, two header maps and their values.
const builtOverhead = 2 << 10

// keep stores fresh in place of old, the same feed checked again, unless
// the slug's entry changed meanwhile.
func (c *Cache) keep(slug string, old, fresh *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.held(slug); cur != nil && cur.b == old.b {
		c.put(slug, fresh)
	}
}

// store sets the slug's entry (nil deletes it) and drops the least recently
// used feeds until the cache is under its bound again, never e itself.
func (c *Cache) store(slug string, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.held(slug); old != nil {
		c.bytes -= old.b.size
		c.drop(slug)
	}
	if e == nil {
		return
	}
	c.put(slug, e)
	c.bytes += e.b.size
	for c.bytes > c.max && c.n > 1 {
		victim, oldest, size := "", int64(0), int64(0)
		for s, x := range c.all() {
			if u := x.b.used.Load(); s != slug && (victim == "" || u < oldest) {
				victim, oldest, size = s, u, x.b.size
			}
		}
		c.bytes -= size
		c.drop(victim)
		c.evictions.Add(1)
	}
}

// isNotFound reports whether err says the show does not exist.
func isNotFound(err error) bool {
	return err != nil && errors.Is(err, episodes.ErrNotFound)
}
