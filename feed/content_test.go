package feed

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

func TestPublicContent(t *testing.T) {
	ctx := context.Background()
	src := newFakeSource(episodicShow)
	const slug = "weekly-science"
	content := func() Content {
		t.Helper()
		c, err := PublicContent(ctx, src, testLinks, nil, slug, testNow)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	feedBytes := func() []byte {
		t.Helper()
		show, err := src.GetShow(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Build(show, src.eps[show.ID], testLinks, testNow)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	c0, b0 := content(), feedBytes()
	if c0.Hash == "" || c0.Visibility != episodes.VisibilityPublic || c0.Version != 7 {
		t.Fatalf("PublicContent = %+v", c0)
	}

	// Writes that change nothing a listener sees: the time zone, a public
	// episode's updated time (as a producer-only edit moves it), a draft.
	src.edit(slug, func(s *episodes.Show, eps []*episodes.Episode) {
		s.TimeZone = "Europe/Stockholm"
		s.UpdatedAt = testNow.Add(-time.Hour)
		eps[2].UpdatedAt = testNow.Add(-time.Minute)
		eps[3].Title = "Draft, retitled"
	})
	c1, b1 := content(), feedBytes()
	if bytes.Equal(b0, b1) {
		t.Fatal("the test is void: the feed's bytes did not change (its lastBuildDate should)")
	}
	if c1.Hash != c0.Hash || c1.Version != 8 {
		t.Errorf("after edits that leave the feed's content alone: %+v, want hash %s at version 8", c1, c0.Hash)
	}

	steps := []struct {
		name string
		edit func(*episodes.Show, []*episodes.Episode)
		vis  string
		none bool // no shared feed
	}{
		{"a published episode's title", func(_ *episodes.Show, eps []*episodes.Episode) { eps[0].Title = "Why the sky is blue, redux" }, episodes.VisibilityPublic, false},
		{"a draft published", func(_ *episodes.Show, eps []*episodes.Episode) {
			eps[3].Status, eps[3].PublishAt = episodes.StatusPublished, at(-1)
		}, episodes.VisibilityPublic, false},
		{"the show blocked", func(s *episodes.Show, _ []*episodes.Episode) { s.Block = true }, episodes.VisibilityPublic, false},
		{"the show unlisted", func(s *episodes.Show, _ []*episodes.Episode) {
			s.Visibility, s.Block = episodes.VisibilityUnlisted, false
		}, episodes.VisibilityUnlisted, false},
		{"the show private", func(s *episodes.Show, _ []*episodes.Episode) { s.Visibility = episodes.VisibilityPrivate }, episodes.VisibilityPrivate, true},
		{"the show public again, moved away", func(s *episodes.Show, _ []*episodes.Episode) {
			s.Visibility, s.NewFeedURL = episodes.VisibilityPublic, "https://elsewhere.example.org/feed.xml"
		}, episodes.VisibilityPublic, false},
	}
	prev := c1
	for _, st := range steps {
		src.edit(slug, st.edit)
		c := content()
		show, _ := src.GetShow(ctx, slug)
		if c.Visibility != st.vis || c.Blocked != show.Block || (c.Hash == "") != st.none || c.Hash == prev.Hash || c.Version != prev.Version+1 {
			t.Errorf("after %s: %+v (before: %+v); want visibility %s, a new hash, no hash %v", st.name, c, prev, st.vis, st.none)
		}
		prev = c
	}

	if _, err := PublicContent(ctx, src, testLinks, nil, "nobody", testNow); !isNotFound(err) {
		t.Errorf("PublicContent of a missing show: %v, want not found", err)
	}
}

// A scheduled episode whose time has come is promoted, as the feed the
// cache serves would be, and then digested with it.
func TestPublicContentPromotesDueEpisodes(t *testing.T) {
	ctx := context.Background()
	src := newFakeSource(episodicShow)
	before, err := PublicContent(ctx, src, testLinks, nil, "weekly-science", testNow)
	if err != nil {
		t.Fatal(err)
	}
	after, err := PublicContent(ctx, src, testLinks, nil, "weekly-science", testNow.AddDate(0, 0, 4))
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != before.Version+1 || after.Hash == before.Hash {
		t.Errorf("after the scheduled episode's time: %+v (before: %+v); want it promoted and digested", after, before)
	}
}

func TestContentHashIgnoresOnlyTheChannelDates(t *testing.T) {
	feed := "<rss><channel><title>T</title><lastBuildDate>Mon, 02 Jun 2025</lastBuildDate><pubDate>Sun, 01 Jun 2025</pubDate>" +
		"<item><title>A</title><pubDate>Sun, 01 Jun 2025</pubDate></item></channel></rss>"
	base := contentHash([]byte(feed))
	same := bytes.Replace([]byte(feed), []byte("Mon, 02 Jun"), []byte("Tue, 03 Jun"), 1)
	same = bytes.Replace(same, []byte("<pubDate>Sun, 01 Jun 2025</pubDate><item>"), []byte("<pubDate>Wed, 04 Jun 2025</pubDate><item>"), 1)
	if contentHash(same) != base {
		t.Error("a new lastBuildDate or channel pubDate changed the hash")
	}
	for _, changed := range []string{
		"<rss><channel><title>U</title><lastBuildDate>Mon, 02 Jun 2025</lastBuildDate><pubDate>Sun, 01 Jun 2025</pubDate><item><title>A</title><pubDate>Sun, 01 Jun 2025</pubDate></item></channel></rss>",
		"<rss><channel><title>T</title><lastBuildDate>Mon, 02 Jun 2025</lastBuildDate><pubDate>Sun, 01 Jun 2025</pubDate><item><title>A</title><pubDate>Mon, 02 Jun 2025</pubDate></item></channel></rss>",
		"<rss><channel><title>T</title><lastBuildDate>Mon, 02 Jun 2025</lastBuildDate><pubDate>Sun, 01 Jun 2025</pubDate></channel></rss>",
	} {
		if contentHash([]byte(changed)) == base {
			t.Errorf("hash unchanged for %s", changed)
		}
	}
}

// A paged feed is digested by its first page, the one apps poll: an edit
// of an episode on a later page changes no digest.
func TestPublicContentOfAPagedFeed(t *testing.T) {
	ctx := context.Background()
	src := newFakeSource(episodicShow)
	const slug = "weekly-science"
	src.edit(slug, func(s *episodes.Show, _ []*episodes.Episode) { s.FeedLimit = 2 })
	digest := func() string {
		t.Helper()
		c, err := PublicContent(ctx, src, testLinks, nil, slug, testNow)
		if err != nil {
			t.Fatal(err)
		}
		return c.Hash
	}
	before := digest()
	// Newest first: episode-1, the oldest, is alone on page 2.
	src.edit(slug, func(_ *episodes.Show, eps []*episodes.Episode) { eps[0].Title = "Why the sky is blue, revisited" })
	if digest() != before {
		t.Error("an edit on page 2 changed the first page's digest")
	}
	src.edit(slug, func(_ *episodes.Show, eps []*episodes.Episode) { eps[2].Title = "Why the sky is blue, finale" })
	if digest() == before {
		t.Error("an edit on the first page left its digest as it was")
	}
}

// TestPublicContentSharesTheFeedsItems: the digest builds through the item
// cache the feed Cache builds through (lyssna serve hands both the same
// one), so after the feed was built it encodes no item, after an edit only
// the edited one, and the Cache's rebuild then encodes none; the digests
// and the feed are those of builds without the cache.
func TestPublicContentSharesTheFeedsItems(t *testing.T) {
	ctx := context.Background()
	const n = 40
	src := newFakeSource(func() (*episodes.Show, []*episodes.Episode) { return benchShow(n) })
	show, _ := benchShow(0)
	items := NewItemCache(1 << 30)
	c := NewCache(src, testLinks, func() time.Time { return testNow }, Options{Items: items, Logger: slog.New(slog.DiscardHandler)})
	encoded := func() int64 {
		items.mu.Lock()
		defer items.mu.Unlock()
		return items.encoded
	}
	digest := func(items *ItemCache) string {
		t.Helper()
		got, err := PublicContent(ctx, src, testLinks, items, show.Slug, testNow)
		if err != nil {
			t.Fatal(err)
		}
		return got.Hash
	}
	serveFeed := func() []byte {
		t.Helper()
		w := serve(t, c, http.MethodGet, show.Slug, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("feed = %d", w.Code)
		}
		return w.Body.Bytes()
	}

	serveFeed()
	if got := encoded(); got != n {
		t.Fatalf("the first build encoded %d items, want %d", got, n)
	}
	if got, want := digest(items), digest(nil); got != want {
		t.Errorf("the digest through the cache is %s, without it %s", got, want)
	}
	if got := encoded(); got != n {
		t.Errorf("the digest after the feed's build encoded %d items, want none", got-n)
	}

	src.edit(show.Slug, func(_ *episodes.Show, eps []*episodes.Episode) { eps[n/2].Notes = "Revised *notes*." })
	if got, want := digest(items), digest(nil); got != want {
		t.Errorf("after an edit the digest through the cache is %s, without it %s", got, want)
	}
	if got := encoded(); got != n+1 {
		t.Errorf("the digest after an edit encoded %d items, want 1", got-n)
	}
	c.Invalidate(show.ID)
	body := serveFeed()
	if got := encoded(); got != n+1 {
		t.Errorf("the feed's rebuild after the digest encoded %d items, want none", got-n-1)
	}
	cur, err := src.GetShow(ctx, show.Slug)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Build(cur, src.eps[cur.ID], testLinks, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, want) {
		t.Error("the rebuilt feed differs from a fresh build")
	}
}

// TestContentHashOfParts: the digest of a feed in the parts buildParts
// makes, through the item cache or not, is the digest of the whole feed
// (what notify recorded for a show before the digest took parts).
func TestContentHashOfParts(t *testing.T) {
	show, eps := benchShow(30)
	items := NewItemCache(1 << 30)
	for _, hc := range []*ItemCache{nil, items, items} { // the second through the cache finds every item there
		parts, _, err := buildParts(show, eps, testLinks, testNow, hc, page{})
		if err != nil {
			t.Fatal(err)
		}
		whole, err := Build(show, eps, testLinks, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bytes.Join(parts, nil), whole) {
			t.Fatal("the parts are not the feed")
		}
		if got, want := contentHash(parts...), contentHash(whole); got != want {
			t.Errorf("the digest of %d parts is %s, of the whole feed %s", len(parts), got, want)
		}
	}
	if contentHash([]byte("<rss><channel><pubDate>x</pubDate><title>a</title>"), []byte("<item>1</item></channel></rss>")) ==
		contentHash([]byte("<rss><channel><pubDate>y</pubDate><title>b</title>"), []byte("<item>1</item></channel></rss>")) {
		t.Error("a change of the channel's title changes no digest")
	}
}
