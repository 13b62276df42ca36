package feed

import (
	"context"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
)

// pagedStore opens a SQLite store holding one show, "big", with n public
// episodes (one an hour up to testNow), written straight into the tables
// in one transaction: made through the API, 10,000 episodes take minutes.
func pagedStore(tb testing.TB, n, limit int) (*episodes.Store, *episodes.Show) {
	tb.Helper()
	ctx := context.Background()
	st, err := episodes.Open(ctx, episodestest.SQLite(tb), func() time.Time { return testNow })
	if err != nil {
		tb.Fatalf("episodes.Open: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	show, _ := benchShow(0)
	show.ID, show.Version, show.Slug, show.FeedLimit = 0, 0, "big", limit
	show.GUID = episodes.PodcastGUID("pod.example.org/big/feed.xml")
	if err := st.CreateShow(ctx, show); err != nil {
		tb.Fatalf("CreateShow: %v", err)
	}
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO episodes (show_id, slug, guid, title, notes, type, audio_key, audio_size,
		audio_type, audio_duration_ms, status, publish_at, published_at, sort_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'full', $6, $7, 'audio/mpeg', 1800000, 'published', $8, $8, $8, $8, $8)`)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		at := testNow.Add(-time.Duration(n-i) * time.Hour).UTC().Format("2006-01-02T15:04:05.000000000Z")
		if _, err := ins.ExecContext(ctx, show.ID, fmt.Sprintf("episode-%d", i), fmt.Sprintf("guid-%05d", i),
			fmt.Sprintf("Episode %d", i), "Notes of *episode* "+strconv.Itoa(i), fmt.Sprintf("audio/%d/e%d.mp3", show.ID, i),
			1000+i, at); err != nil {
			tb.Fatalf("insert episode %d: %v", i, err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return st, show
}

// pagedDoc is what the paging test reads of a feed page.
type pagedDoc struct {
	Links []struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
	} `xml:"channel>link"`
	Items []struct {
		GUID string `xml:"guid"`
	} `xml:"channel>item"`
}

func (d pagedDoc) link(rel string) string {
	for _, l := range d.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// TestPagedFeedChain is issue 17's paged archive: a 10,000-episode show
// with feed_limit 100 answers a small feed.xml, and following rel="next"
// from it yields every episode exactly once, newest first, each page
// answered from the cache with its own ETag and a 304 to a revalidation.
func TestPagedFeedChain(t *testing.T) {
	const n, limit = 10000, 100
	st, show := pagedStore(t, n, limit)
	// StaleAfter long: a loaded machine must not get the last page built
	// while the rebuild after a change goes on.
	c := NewCache(st, testLinks, func() time.Time { return testNow }, Options{Logger: slog.New(slog.DiscardHandler), StaleAfter: 10 * time.Minute})

	get := func(u string, h http.Header) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, u, nil)
		for k, v := range h {
			r.Header[k] = v
		}
		w := httptest.NewRecorder()
		if err := c.Serve(w, r, show.Slug); err != nil {
			t.Fatalf("Serve %s: %v", u, err)
		}
		return w
	}
	seen := map[string]int{}
	var order []string
	etags := map[string]string{}
	u := testLinks.Feed(show.Slug)
	pages := 0
	for u != "" {
		pages++
		if pages > n/limit+1 {
			t.Fatalf("the next chain goes on past %d pages", pages)
		}
		w := get(u, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s = %d %s", u, w.Code, w.Body.String())
		}
		if pages == 1 && w.Body.Len() > 200<<10 {
			t.Errorf("the first page is %d bytes; a page of %d should be far smaller than the whole show", w.Body.Len(), limit)
		}
		var d pagedDoc
		if err := xml.Unmarshal(w.Body.Bytes(), &d); err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		if len(d.Items) != limit {
			t.Errorf("page %d has %d items, want %d", pages, len(d.Items), limit)
		}
		if self := d.link("self"); self != u {
			t.Errorf("page %d: self = %q, want %q", pages, self, u)
		}
		if first := d.link("first"); first != testLinks.Feed(show.Slug) {
			t.Errorf("page %d: first = %q", pages, first)
		}
		if last := d.link("last"); last != testLinks.FeedPage(show.Slug, n/limit) {
			t.Errorf("page %d: last = %q", pages, last)
		}
		for _, it := range d.Items {
			seen[it.GUID]++
			order = append(order, it.GUID)
		}
		etag := w.Header().Get("ETag")
		if prev, dup := etags[etag]; dup {
			t.Errorf("%s and %s share the ETag %s", prev, u, etag)
		}
		etags[etag] = u
		if w := get(u, http.Header{"If-None-Match": {etag}}); w.Code != http.StatusNotModified {
			t.Errorf("revalidating %s = %d, want 304", u, w.Code)
		}
		u = d.link("next")
		if u != "" {
			if pu, err := url.Parse(u); err != nil || pu.Query().Get("page") != strconv.Itoa(pages+1) {
				t.Fatalf("page %d: next = %q, want ?page=%d", pages, u, pages+1)
			}
		}
	}
	if pages != n/limit {
		t.Errorf("followed %d pages, want %d", pages, n/limit)
	}
	if len(seen) != n {
		t.Errorf("the chain yields %d distinct episodes, want %d", len(seen), n)
	}
	for g, k := range seen {
		if k != 1 {
			t.Errorf("episode %s comes %d times", g, k)
		}
	}
	for i, g := range order {
		if want := fmt.Sprintf("guid-%05d", n-i); g != want {
			t.Fatalf("item %d of the chain is %s, want %s (newest first)", i, g, want)
		}
	}
	// Past the last page, and a page that is no number.
	if w := get(testLinks.FeedPage(show.Slug, n/limit+1), nil); w.Code != http.StatusNotFound {
		t.Errorf("the page after the last = %d, want 404", w.Code)
	}
	if w := get(testLinks.Feed(show.Slug)+"?page=x", nil); w.Code != http.StatusBadRequest {
		t.Errorf("?page=x = %d, want 400", w.Code)
	}
	// A new episode moves every page: the store's announcement invalidates
	// them all, the old page 2's first item is now page 2's second.
	before := get(testLinks.FeedPage(show.Slug, 2), nil).Header().Get("ETag")
	ep := &episodes.Episode{ShowID: show.ID, Title: "Newest", Audio: &episodes.Audio{Key: "audio/new.mp3", Size: 9, ContentType: "audio/mpeg"}}
	st.Listen(c.Changed)
	if err := st.CreateEpisode(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(context.Background(), ep.ID, testNow.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	w := get(testLinks.FeedPage(show.Slug, 2), nil)
	var d pagedDoc
	if err := xml.Unmarshal(w.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if w.Header().Get("ETag") == before || len(d.Items) < 2 || d.Items[1].GUID != fmt.Sprintf("guid-%05d", n-limit) {
		t.Errorf("after a new episode page 2 was not rebuilt (ETag %s, was %s)", w.Header().Get("ETag"), before)
	}
	if last := d.link("last"); last != testLinks.FeedPage(show.Slug, n/limit+1) {
		t.Errorf("after a new episode the last page is %q, want page %d", last, n/limit+1)
	}
}

// TestPagedFeedLeavesOutHiddenEpisodes: a paged show with private and
// unlisted episodes among its public ones, some in runs longer than a page.
// Its shared feed lists exactly the episodes the unpaged feed would (Listed:
// a public show's public ones, an unlisted show's public and unlisted ones),
// and pages them so that every page but the last is full, rel="last" is the
// real last page and next walks every listed episode once. The pages used
// to count and skip the hidden episodes and drop them after: short pages,
// empty ones, and a rel="last" past the end.
func TestPagedFeedLeavesOutHiddenEpisodes(t *testing.T) {
	const n, limit = 300, 20
	st, show := pagedStore(t, n, limit)
	ctx := context.Background()
	// Episode i (guid-%05d, one an hour, the highest newest) is private
	// when i is a multiple of 3, unlisted when of 5 and not 3; 101-150 are
	// all private, more than two pages' worth.
	visibility := func(i int) string {
		switch {
		case i%3 == 0 || i > 100 && i <= 150:
			return episodes.VisibilityPrivate
		case i%5 == 0:
			return episodes.VisibilityUnlisted
		}
		return episodes.VisibilityPublic
	}
	for i := 1; i <= n; i++ {
		if v := visibility(i); v != episodes.VisibilityPublic {
			if _, err := st.DB().ExecContext(ctx, `UPDATE episodes SET visibility = $1 WHERE show_id = $2 AND guid = $3`,
				v, show.ID, fmt.Sprintf("guid-%05d", i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, showVis := range []string{episodes.VisibilityPublic, episodes.VisibilityUnlisted} {
		t.Run(showVis+" show", func(t *testing.T) {
			if _, err := st.DB().ExecContext(ctx, `UPDATE shows SET visibility = $1 WHERE id = $2`, showVis, show.ID); err != nil {
				t.Fatal(err)
			}
			var want []string // newest first
			for i := n; i >= 1; i-- {
				if v := visibility(i); v == episodes.VisibilityPublic || v == episodes.VisibilityUnlisted && showVis == episodes.VisibilityUnlisted {
					want = append(want, fmt.Sprintf("guid-%05d", i))
				}
			}
			pages := (len(want) + limit - 1) / limit
			c := NewCache(st, testLinks, func() time.Time { return testNow }, Options{Logger: slog.New(slog.DiscardHandler)})
			var got []string
			u := testLinks.Feed(show.Slug)
			for pg := 1; u != ""; pg++ {
				if pg > pages {
					t.Fatalf("next leads on to page %d (%s); the feed shows %d episodes, %d pages of %d", pg, u, len(want), pages, limit)
				}
				w := httptest.NewRecorder()
				if err := c.Serve(w, httptest.NewRequest(http.MethodGet, u, nil), show.Slug); err != nil || w.Code != http.StatusOK {
					t.Fatalf("GET %s = %d, %v", u, w.Code, err)
				}
				var d pagedDoc
				if err := xml.Unmarshal(w.Body.Bytes(), &d); err != nil {
					t.Fatalf("page %d: %v", pg, err)
				}
				if wantLen := min(limit, len(want)-(pg-1)*limit); len(d.Items) != wantLen {
					t.Errorf("page %d has %d items, want %d", pg, len(d.Items), wantLen)
				}
				if last := d.link("last"); last != testLinks.FeedPage(show.Slug, pages) {
					t.Errorf("page %d: last = %q, want page %d", pg, last, pages)
				}
				for _, it := range d.Items {
					got = append(got, it.GUID)
				}
				u = d.link("next")
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("the chain lists %d episodes, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
			}
			w := httptest.NewRecorder()
			if err := c.Serve(w, httptest.NewRequest(http.MethodGet, testLinks.FeedPage(show.Slug, pages+1), nil), show.Slug); err != nil || w.Code != http.StatusNotFound {
				t.Errorf("the page after the last = %d, %v; want 404", w.Code, err)
			}
		})
	}
}

// BenchmarkPagedFeed measures building a page of 100 episodes of a paged
// feed from the store, as a request after a change does it (the database
// reads, the build and gzip), for a show of 1,000 and one of 10,000
// episodes: the first page, and the last (the deepest OFFSET). The cost
// follows the page, not the show.
func BenchmarkPagedFeed(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		st, show := pagedStore(b, n, 100)
		for _, pg := range []struct {
			name string
			n    int
		}{{"first", 1}, {"last", n / 100}} {
			b.Run(fmt.Sprintf("episodes=%d/page=%s", n, pg.name), func(b *testing.B) {
				c := NewCache(st, testLinks, func() time.Time { return testNow }, Options{Logger: slog.New(slog.DiscardHandler)})
				r := httptest.NewRequest(http.MethodGet, testLinks.FeedPage(show.Slug, pg.n), nil)
				var size int
				b.ReportAllocs()
				for b.Loop() {
					c.Invalidate(show.ID)
					w := httptest.NewRecorder()
					if err := c.Serve(w, r, show.Slug); err != nil || w.Code != http.StatusOK {
						b.Fatalf("Serve = %d, %v", w.Code, err)
					}
					size = w.Body.Len()
				}
				b.ReportMetric(float64(size), "bytes/feed")
			})
		}
	}
}
