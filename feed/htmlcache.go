package feed

import (
	"container/list"
	"hash/maphash"
	"strconv"
	"sync"

	"github.com/lyssna/lyssna/episodes"
)

// itemHTML is an episode's rendered show notes as an item carries them.
type itemHTML struct {
	content     string // content:encoded
	description string // the same, cut to Apple's limit
}

// htmlCache keeps episodes' rendered show notes between builds of a feed, so
// that a rebuild after one change renders only the changed episodes
// (Markdown and sanitising are most of a build's time). An entry is keyed by
// the episode's ID and a fingerprint of everything episodeHTML reads, so a
// change of any of it, or of the episode page's URL (the show's or the
// episode's slug, the base URL), renders again; a clock that did not move
// between two edits cannot leave old notes in the feed. Entries of episodes
// that left their show's feed are dropped after its next build, and the
// least recently used go first when the entries' bytes pass max. It is safe
// for concurrent use.
type htmlCache struct {
	seed maphash.Seed
	max  int64 // bytes

	mu        sync.Mutex
	entries   map[int64]*list.Element // by episode ID; values are *htmlEntry
	lru       list.List               // most recently used first
	bytes     int64
	evictions int64
	builds    uint64 // numbers the builds, to find unused entries
}

type htmlEntry struct {
	id     int64
	showID int64
	sum    uint64
	html   itemHTML
	build  uint64 // the last build that used it
}

// size is about what the entry holds in memory: both strings, the entry and
// its list element and map slot.
func (e *htmlEntry) size() int64 {
	return int64(len(e.html.content)+len(e.html.description)) + 160
}

func newHTMLCache(max int64) *htmlCache {
	return &htmlCache{seed: maphash.MakeSeed(), max: max, entries: map[int64]*list.Element{}}
}

// htmlBuild is one build's view of an htmlCache (nil: no cache).
type htmlBuild struct {
	c      *htmlCache
	showID int64
	n      uint64
}

// start begins a build of the show's feed.
func (c *htmlCache) start(showID int64) *htmlBuild {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.builds++
	return &htmlBuild{c: c, showID: showID, n: c.builds}
}

// render returns the episode's show notes from the cache or from r.
func (b *htmlBuild) render(r *renderer, ep *episodes.Episode, pageURL string) (itemHTML, error) {
	if b == nil {
		return renderItemHTML(r, ep, pageURL)
	}
	c := b.c
	sum := c.fingerprint(ep, pageURL)
	c.mu.Lock()
	if el, ok := c.entries[ep.ID]; ok {
		e := el.Value.(*htmlEntry)
		if e.sum == sum {
			e.build, e.showID = b.n, b.showID
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			return e.html, nil
		}
	}
	c.mu.Unlock()
	h, err := renderItemHTML(r, ep, pageURL)
	if err != nil {
		return itemHTML{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[ep.ID]; ok {
		c.remove(el)
	}
	e := &htmlEntry{id: ep.ID, showID: b.showID, sum: sum, html: h, build: b.n}
	c.entries[ep.ID] = c.lru.PushFront(e)
	c.bytes += e.size()
	for c.bytes > c.max && c.lru.Len() > 1 {
		c.remove(c.lru.Back())
		c.evictions++
	}
	return h, nil
}

// remove drops an entry; c.mu is held.
func (c *htmlCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*htmlEntry)
	delete(c.entries, e.id)
	c.bytes -= e.size()
}

// finish drops the entries of the show's episodes this build did not use.
func (b *htmlBuild) finish() {
	if b == nil {
		return
	}
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, el := range c.entries {
		if e := el.Value.(*htmlEntry); e.showID == b.showID && e.build != b.n {
			c.remove(el)
		}
	}
}

// forgetShow drops the entries of a deleted show's episodes.
func (c *htmlCache) forgetShow(showID int64) {
	c.start(showID).finish() // a build that used nothing
}

// stats returns the number of entries, their bytes and the evictions so far.
func (c *htmlCache) stats() (int, int64, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes, c.evictions
}

// len is the number of cached episodes, for tests.
func (c *htmlCache) len() int {
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

// fingerprint hashes every input of episodeHTML, each with its length so
// that no two different inputs run together alike. Keep it in step with
// episodeHTML and referenceHTML (TestHTMLFingerprintCoversReference checks
// that Reference gained no field).
func (c *htmlCache) fingerprint(ep *episodes.Episode, pageURL string) uint64 {
	var h maphash.Hash
	h.SetSeed(c.seed)
	str := func(s string) {
		var n [20]byte
		h.Write(strconv.AppendInt(n[:0], int64(len(s)), 10))
		h.WriteByte(':')
		h.WriteString(s)
	}
	list := func(ss []string) {
		str(strconv.Itoa(len(ss)))
		for _, s := range ss {
			str(s)
		}
	}
	str(pageURL)
	str(ep.DiscussionURL)
	str(ep.Notes)
	list(ep.Takeaways)
	list(ep.StudyQuestions)
	str(strconv.Itoa(len(ep.References)))
	for _, ref := range ep.References {
		list(ref.Authors)
		str(strconv.Itoa(ref.Year))
		for _, s := range [...]string{ref.Title, ref.Container, ref.Publisher, ref.URL, ref.DOI, ref.Note} {
			str(s)
		}
	}
	return h.Sum64()
}
