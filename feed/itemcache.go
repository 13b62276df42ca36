package feed

import (
	"bytes"
	"container/list"
	"encoding/binary"
	"hash/maphash"
	"sync"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
)

// itemHTML is an episode's rendered show notes as an item carries them.
type itemHTML struct {
	content     string // content:encoded
	description string // the same, cut to Apple's limit
}

// ItemCache keeps each episode's item as it was encoded, between builds of
// a feed: a Cache's builds (Options.Items) and PublicContent's digests, which
// build the same first page and share one (lyssna serve makes it once and
// hands it to both), so that a rebuild after one change copies the other items' bytes
// and renders and encodes only the changed ones (Markdown and sanitising,
// then encoding/xml, are most of a build's time, and a rebuild of 10,000
// items otherwise makes hundreds of megabytes of garbage). An entry is
// keyed by the episode's ID and a fingerprint of everything its item reads
// (itemFingerprint: the episode's fields, the show's part in itemShow, how
// the URLs are made), so a change of any of it encodes the item again; a
// clock that did not move between two edits cannot leave an old item in the
// feed. The rendered notes are not kept beside the item: a change that
// reaches every item (the show's language or artwork) renders them all
// again, once, and the cache holds more episodes in its bound. Entries of
// episodes that left their show's feed are dropped after its next build,
// and the least recently used go first when the entries' bytes pass max.
// It is safe for concurrent use, by concurrent builds too.
type ItemCache struct {
	seed maphash.Seed
	max  int64 // bytes

	mu        sync.Mutex
	entries   map[int64]*list.Element // by episode ID; values are *itemEntry
	lru       list.List               // most recently used first
	bytes     int64
	evictions int64
	encoded   int64  // items encoded (not found in the cache), for tests
	builds    uint64 // numbers the builds, to find unused entries
}

// itemEntry is one episode's. Only build and showID change once it is
// stored (under the cache's lock); sum and item may be read without it.
type itemEntry struct {
	id     int64
	showID int64
	sum    uint64 // itemFingerprint of the item's inputs
	item   []byte // the encoded item, as itemEncoder writes it
	build  uint64 // the last build that used it
}

// size is about what the entry holds in memory: the item's allocation
// (bytes.Clone rounds its capacity up to it), the entry and its list
// element and map slot.
func (e *itemEntry) size() int64 { return int64(cap(e.item)) + 160 }

// NewItemCache returns an ItemCache that keeps at most max bytes of items.
func NewItemCache(max int64) *ItemCache {
	return &ItemCache{seed: maphash.MakeSeed(), max: max, entries: map[int64]*list.Element{}}
}

// itemBuild is one build's view of an ItemCache.
type itemBuild struct {
	c      *ItemCache
	showID int64
	n      uint64
	ctx    uint64 // itemContext of the build
}

// start begins a build of the show's feed; show is itemShow's part of it.
func (c *ItemCache) start(showID int64, show *episodes.Show, lb links.Builder) *itemBuild {
	ctx := c.itemContext(show, lb)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.builds++
	return &itemBuild{c: c, showID: showID, n: c.builds, ctx: ctx}
}

// item returns the episode's encoded item: the cached one when its inputs
// are unchanged, else one that e renders and encodes now and the cache
// keeps.
func (b *itemBuild) item(e *itemEncoder, ep *episodes.Episode) ([]byte, error) {
	c := b.c
	sum := c.itemFingerprint(b.ctx, ep)
	c.mu.Lock()
	if el, ok := c.entries[ep.ID]; ok {
		if old := el.Value.(*itemEntry); old.sum == sum {
			old.build, old.showID = max(old.build, b.n), b.showID
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			return old.item, nil
		}
	}
	c.mu.Unlock()

	page := e.page(ep)
	notes, err := renderItemHTML(e.r, ep, page)
	if err != nil {
		return nil, err
	}
	e.buf.Reset()
	x, err := e.encode(ep, page, notes)
	if err != nil {
		return nil, err
	}
	x = bytes.Clone(x)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.encoded++
	if el, ok := c.entries[ep.ID]; ok {
		c.remove(el)
	}
	ne := &itemEntry{id: ep.ID, showID: b.showID, sum: sum, item: x, build: b.n}
	c.entries[ep.ID] = c.lru.PushFront(ne)
	c.bytes += ne.size()
	for c.bytes > c.max && c.lru.Len() > 1 {
		c.remove(c.lru.Back())
		c.evictions++
	}
	return x, nil
}

// remove drops an entry; c.mu is held.
func (c *ItemCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*itemEntry)
	delete(c.entries, e.id)
	c.bytes -= e.size()
}

// finish drops the entries of the show's episodes that neither this build
// nor one started after it used: a build that ran beside this one (the
// Cache's and PublicContent's) keeps the items it used, and the later one
// decides what stays.
func (b *itemBuild) finish() {
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, el := range c.entries {
		if e := el.Value.(*itemEntry); e.showID == b.showID && e.build < b.n {
			c.remove(el)
		}
	}
}

// forgetShow drops the entries of a deleted show's episodes.
func (c *ItemCache) forgetShow(showID int64) {
	c.start(showID, &episodes.Show{}, links.Builder{}).finish() // a build that used nothing
}

// stats returns the number of entries, their bytes and the evictions so far.
func (c *ItemCache) stats() (int, int64, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes, c.evictions
}

// len is the number of cached episodes, for tests.
func (c *ItemCache) len() int {
	n, _, _ := c.stats()
	return n
}

func renderItemHTML(r *renderer, ep *episodes.Episode, pageURL string) (itemHTML, error) {
	body, tail, err := r.episodeHTML(ep, pageURL)
	if err != nil {
		return itemHTML{}, err
	}
	// A description cut to Apple's limit still ends with the discussion and
	// the episode page's links.
	return itemHTML{content: body + tail, description: truncateHTML(body, maxDescription-len(tail)) + tail}, nil
}

// hashWriter writes values into a maphash.Hash, each string and list with
// its length, so that no two different inputs run together alike. It
// gathers the small ones in buf: a Write per value would be most of a
// fingerprint's time.
type hashWriter struct {
	h   maphash.Hash
	buf [256]byte
	n   int
}

func (h *hashWriter) flush() {
	h.h.Write(h.buf[:h.n])
	h.n = 0
}

// sum returns the hash of all that was written.
func (h *hashWriter) sum() uint64 {
	h.flush()
	return h.h.Sum64()
}

func (h *hashWriter) int(v int64) {
	if h.n+8 > len(h.buf) {
		h.flush()
	}
	binary.LittleEndian.PutUint64(h.buf[h.n:], uint64(v))
	h.n += 8
}

func (h *hashWriter) bool(v bool) {
	if v {
		h.int(1)
	} else {
		h.int(0)
	}
}

func (h *hashWriter) str(s string) {
	h.int(int64(len(s)))
	if len(s) > len(h.buf)-h.n {
		h.flush()
		if len(s) > len(h.buf) {
			h.h.WriteString(s)
			return
		}
	}
	h.n += copy(h.buf[h.n:], s)
}

func (h *hashWriter) strs(ss []string) {
	h.int(int64(len(ss)))
	for _, s := range ss {
		h.str(s)
	}
}

func (h *hashWriter) time(t *time.Time) {
	h.bool(t != nil)
	if t != nil {
		h.int(t.Unix())
		h.int(int64(t.Nanosecond()))
	}
}

func (h *hashWriter) audio(a episodes.Audio) {
	h.str(a.Key)
	h.int(a.Size)
	h.str(a.ContentType)
	h.int(a.DurationMS)
	h.str(a.SHA256)
	h.int(int64(a.Bitrate))
}

func (h *hashWriter) references(refs []episodes.Reference) {
	h.int(int64(len(refs)))
	for _, ref := range refs {
		h.strs(ref.Authors)
		h.int(int64(ref.Year))
		for _, s := range [...]string{ref.Title, ref.Container, ref.Publisher, ref.URL, ref.DOI, ref.Note} {
			h.str(s)
		}
	}
}

// itemContext hashes what every item of a build reads besides its episode:
// the show's part that itemShow keeps, and how lb makes the URLs an item
// holds (its base URL, OP3). Keep it in step with itemShow.
func (c *ItemCache) itemContext(show *episodes.Show, lb links.Builder) uint64 {
	var h hashWriter
	h.h.SetSeed(c.seed)
	h.str(show.Slug)
	h.str(show.Language)
	h.str(show.ImageKey)
	h.str(lb.EpisodePage("s", "e"))
	h.str(lb.Enclosure("k"))
	h.str(lb.Media("k"))
	return h.sum()
}

// itemFingerprint hashes every input of an episode's item: the build's
// itemContext and each field of the episode that buildItem, addItemTags,
// episodeHTML and referenceHTML read. TestItemCacheSeesEveryField changes every field of
// the episode and of the show, one at a time, and fails when a build through
// the cache then differs from a fresh one: keep this in step with them.
func (c *ItemCache) itemFingerprint(ctx uint64, ep *episodes.Episode) uint64 {
	var h hashWriter
	h.h.SetSeed(c.seed)
	h.int(int64(ctx))
	h.str(ep.Slug)
	h.str(ep.GUID)
	h.str(ep.Title)
	h.str(ep.Notes)
	h.int(int64(ep.Season))
	h.int(int64(ep.Number))
	h.str(ep.Type)
	h.bool(ep.Explicit)
	h.bool(ep.Audio != nil)
	if ep.Audio != nil {
		h.audio(*ep.Audio)
	}
	h.str(ep.ImageKey)
	h.int(int64(ep.ImageWidth))
	h.int(int64(ep.ImageHeight))
	h.int(int64(len(ep.ImageRenditions)))
	for _, r := range ep.ImageRenditions {
		h.str(r.Key)
		h.int(int64(r.Width))
		h.int(int64(r.Height))
	}
	h.bool(len(ep.Chapters) > 0) // the item links the chapters file, served apart
	h.time(ep.PublishAt)
	h.strs(ep.Takeaways)
	h.strs(ep.StudyQuestions)
	h.references(ep.References)
	h.int(int64(len(ep.Guests)))
	for _, p := range ep.Guests {
		for _, s := range [...]string{p.Name, p.Role, p.Group, p.Href, p.Img} {
			h.str(s)
		}
	}
	h.str(ep.DiscussionURL)
	h.int(int64(len(ep.Transcripts)))
	for _, t := range ep.Transcripts {
		h.str(t.Language)
		h.str(t.Format)
		h.str(t.Key)
	}
	x := ep.Extras
	h.str(x.License.Identifier)
	h.str(x.License.URL)
	h.int(int64(len(x.Soundbites)))
	for _, sb := range x.Soundbites {
		h.int(sb.StartMS)
		h.int(sb.DurationMS)
		h.str(sb.Title)
	}
	h.bool(x.Location != nil)
	if l := x.Location; l != nil {
		for _, s := range [...]string{l.Name, l.Rel, l.Geo, l.OSM, l.Country} {
			h.str(s)
		}
	}
	h.int(int64(len(x.ContentLinks)))
	for _, cl := range x.ContentLinks {
		h.str(cl.Href)
		h.str(cl.Text)
	}
	h.int(int64(len(ep.Alternates)))
	for _, a := range ep.Alternates {
		h.audio(a.Audio)
		h.str(a.Language)
		h.str(a.Title)
	}
	return h.sum()
}
