package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
)

// fetch GETs url with the given request headers, without the transport's
// own gzip handling, and returns the answer with its body as sent.
func fetch(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// cachedSite is the sample site over a real SQLite store whose changes the
// pages listen to.
func cachedSite(t *testing.T) (*episodes.Store, *fakeClock, []*episodes.Episode, *Handler, func(show, ep string) string) {
	st, clk, eps := sampleSite(t)
	b := newBucket(t)
	putObjects(t, b, sampleObjects)
	_, lb, h := serveHandler(t, st, b, clk.Now)
	return st.(*episodes.Store), clk, eps, h, func(show, ep string) string {
		if ep == "" {
			return lb.ShowPage(show)
		}
		if e, ok := strings.CutSuffix(ep, "/study-guide"); ok {
			return lb.StudyGuide(show, e)
		}
		return lb.EpisodePage(show, ep)
	}
}

// TestPageCacheServesBytesGzipAnd304: the second view of a page comes from
// the cache, as the same bytes, gzip when asked (decoding to the same page,
// under a strong ETag of its own), and 304 for a client that has it.
func TestPageCacheServesBytesGzipAnd304(t *testing.T) {
	_, _, _, h, url := cachedSite(t)
	u := url("learning-lab", "spaced-repetition")
	first, body := fetch(t, u, nil)
	if first.StatusCode != http.StatusOK || h.CacheStats().Renders != 1 || h.CacheStats().Pages != 1 {
		t.Fatalf("first view: %d, stats %+v", first.StatusCode, h.CacheStats())
	}
	again, body2 := fetch(t, u, nil)
	if !bytes.Equal(body, body2) || h.CacheStats().Served != 1 || h.CacheStats().Renders != 1 {
		t.Fatalf("second view not the cached page: stats %+v", h.CacheStats())
	}
	etag := again.Header.Get("ETag")
	if etag == "" || strings.HasPrefix(etag, "W/") || first.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Errorf("ETag %q (want strong), Content-Length %q for %d bytes", etag, first.Header.Get("Content-Length"), len(body))
	}
	for _, k := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control"} {
		if again.Header.Get(k) == "" {
			t.Errorf("cached page has no %s", k)
		}
	}
	gz, zbody := fetch(t, u, map[string]string{"Accept-Encoding": "gzip"})
	if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("ETag") == etag || strings.HasPrefix(gz.Header.Get("ETag"), "W/") {
		t.Fatalf("gzip answer: encoding %q, ETag %q (identity %q)", gz.Header.Get("Content-Encoding"), gz.Header.Get("ETag"), etag)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zbody))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, body) {
		t.Error("the gzip answer does not decode to the page")
	}
	if nm, b := fetch(t, u, map[string]string{"If-None-Match": gz.Header.Get("ETag"), "Accept-Encoding": "gzip"}); nm.StatusCode != http.StatusNotModified || len(b) != 0 {
		t.Errorf("If-None-Match of the gzip answer: %d with %d bytes, want 304", nm.StatusCode, len(b))
	}
	nm, _ := fetch(t, u, map[string]string{"If-None-Match": etag})
	if nm.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %d, want 304", etag, nm.StatusCode)
	}
	// A conditional request on a page not cached yet gets the page, then 304.
	sg := strings.TrimSuffix(u, "/") + "/study-guide"
	if r, _ := fetch(t, sg, map[string]string{"If-None-Match": `"nope"`}); r.StatusCode != http.StatusOK {
		t.Errorf("study guide: %d", r.StatusCode)
	} else if r2, _ := fetch(t, sg, map[string]string{"If-None-Match": r.Header.Get("ETag")}); r2.StatusCode != http.StatusNotModified {
		t.Errorf("study guide again with its ETag: %d, want 304", r2.StatusCode)
	}
}

// TestPageCacheInvalidatedByEveryChange: every kind of change the store
// announces (edit, publish, the schedule passing, a transcript upload, a
// show edit, a delete) reaches the cached pages it affects, and nothing but
// the announcement and the schedule is needed for it.
func TestPageCacheInvalidatedByEveryChange(t *testing.T) {
	st, clk, eps, h, url := cachedSite(t)
	ctx := context.Background()
	older, ep, newer, draft, scheduled := eps[0], eps[1], eps[2], eps[3], eps[4]
	show, err := st.GetShow(ctx, "learning-lab")
	if err != nil {
		t.Fatal(err)
	}
	view := func(ep string) page {
		t.Helper()
		return get(t, url("learning-lab", ep))
	}
	// warm views every page twice, so each is in the cache and served from it.
	warm := func(slugs ...string) {
		t.Helper()
		for _, s := range slugs {
			view(s)
			before := h.CacheStats().Served
			if p := view(s); p.status == http.StatusOK && h.CacheStats().Served != before+1 {
				t.Fatalf("page %q not served from the cache (stats %+v)", s, h.CacheStats())
			}
		}
	}
	has := func(p page, s string) bool { return strings.Contains(p.body, s) }

	// Edit.
	warm("", ep.Slug)
	e, _ := st.GetEpisode(ctx, show.ID, ep.Slug)
	e.Title = "Spaced repetition, revised"
	if err := st.UpdateEpisode(ctx, e); err != nil {
		t.Fatal(err)
	}
	if !has(view(ep.Slug), "Spaced repetition, revised") || !has(view(""), "Spaced repetition, revised") {
		t.Error("an edited episode's title is not on its page and the show page")
	}

	// Publish.
	warm("", newer.Slug, draft.Slug)
	if view(draft.Slug).status != http.StatusNotFound {
		t.Fatal("a draft has a page")
	}
	if _, err := st.Publish(ctx, draft.ID, t0.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	// The cached pages first: a render at the new version (the draft's
	// page) would drop the show's older pages by itself.
	if !has(view(""), "Draft episode") || !has(view(newer.Slug), "Draft episode") || view(draft.Slug).status != http.StatusOK {
		t.Error("a published episode is missing from its page, the show page or its neighbour's next link")
	}

	// The schedule passing: no write, the clock alone.
	warm("", draft.Slug)
	if view(scheduled.Slug).status != http.StatusNotFound || has(view(""), "Scheduled episode") {
		t.Fatal("a scheduled episode shows before its time")
	}
	clk.Set(scheduled.PublishAt.Add(time.Second))
	if view(scheduled.Slug).status != http.StatusOK || !has(view(""), "Scheduled episode") || !has(view(draft.Slug), "Scheduled episode") {
		t.Error("a scheduled episode is missing, once due, from its page, the show page or its neighbour's next link")
	}

	// A transcript upload.
	warm(older.Slug, older.Slug+"/study-guide")
	e, _ = st.GetEpisode(ctx, show.ID, older.Slug)
	e.Transcripts = append(e.Transcripts, episodes.Transcript{Language: "de", Format: "vtt", Key: "episodes/t-en.vtt"})
	if err := st.UpdateEpisode(ctx, e); err != nil {
		t.Fatal(err)
	}
	if p := view(older.Slug); !has(p, `hreflang="de"`) {
		t.Error("an uploaded transcript's language is not offered on the page")
	}

	// A show edit.
	warm("", older.Slug, older.Slug+"/study-guide")
	show.Title = "Learning Lab Renamed"
	if err := st.UpdateShow(ctx, show); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"", older.Slug, older.Slug + "/study-guide"} {
		if !has(view(s), "Learning Lab Renamed") {
			t.Errorf("page %q has the show's old title", s)
		}
	}

	// A delete.
	warm("", older.Slug, ep.Slug)
	if err := st.DeleteEpisode(ctx, older.ID); err != nil {
		t.Fatal(err)
	}
	if has(view(""), "Older episode") || has(view(ep.Slug), "Older episode") || view(older.Slug).status != http.StatusNotFound {
		t.Error("a deleted episode still shows on its page, the show page or its neighbour's previous link")
	}
}

// TestPageCacheNeverShared: a request that carries anything personal (a
// cookie, credentials, a listener key or any other query parameter) is
// rendered for itself: it neither takes a cached page nor leaves one.
func TestPageCacheNeverShared(t *testing.T) {
	_, _, _, h, url := cachedSite(t)
	u := url("learning-lab", "spaced-repetition")
	personal := []struct {
		url string
		hdr map[string]string
	}{
		{u, map[string]string{"Cookie": "lyssna_session=alice"}},
		{u, map[string]string{"Authorization": "Bearer alice"}},
		{u + "?key=alice", nil},
		{u + "?transcript=en&key=alice", nil},
		{url("learning-lab", "") + "?key=alice", nil},
	}
	for _, p := range personal {
		if r, _ := fetch(t, p.url, p.hdr); r.StatusCode != http.StatusOK || r.Header.Get("Cache-Control") == "" {
			t.Fatalf("%s %v: %d", p.url, p.hdr, r.StatusCode)
		}
	}
	if st := h.CacheStats(); st.Pages != 0 || st.Served != 0 {
		t.Fatalf("personal requests left or took cached pages: %+v", st)
	}
	fetch(t, u, nil) // now cached for everyone
	for _, p := range personal {
		fetch(t, p.url, p.hdr)
	}
	if st := h.CacheStats(); st.Served != 0 {
		t.Errorf("personal requests were served the shared page: %+v", st)
	}
	// A language that is not offered renders the default transcript: not
	// kept under a key of its own.
	fetch(t, u+"?transcript=xx", nil)
	if st := h.CacheStats(); st.Pages != 1 {
		t.Errorf("an unknown ?transcript= was kept: %+v", st)
	}
	fetch(t, u+"?transcript=sv", nil)
	if st := h.CacheStats(); st.Pages != 2 {
		t.Errorf("the page per transcript language was not kept: %+v", st)
	}
	// A link shared on a social site carries tracking parameters no page
	// reads: it gets the shared page, under the same key.
	before := h.CacheStats().Served
	fetch(t, u+"?utm_source=linkedin&utm_medium=social&fbclid=x1", nil)
	fetch(t, u+"?transcript=sv&utm_campaign=week3", nil)
	if st := h.CacheStats(); st.Pages != 2 || st.Served != before+2 {
		t.Errorf("views with tracking parameters were not served the cached pages: %+v", st)
	}
	// ... but a listener key beside them is still personal.
	fetch(t, u+"?utm_source=linkedin&key=alice", nil)
	if st := h.CacheStats(); st.Served != before+2 {
		t.Errorf("a view with a key and tracking parameters was served a shared page: %+v", st)
	}
}

// TestPageCacheQueriesOnPostgres: on PostgreSQL an episode page not in the
// cache costs at most two statements, and a cached one none.
func TestPageCacheQueriesOnPostgres(t *testing.T) {
	if os.Getenv(testenv.PostgresURLEnv) == "" && !testenv.InCI() {
		t.Skipf("%s is not set", testenv.PostgresURLEnv)
	}
	dbURL, counter := testenv.CountQueries(t, testenv.Postgres(t))
	ctx := context.Background()
	clk := newClock(t0)
	st, err := episodes.Open(ctx, dbURL, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	show := sampleShow()
	show.GUID = "7a5f8a5e-2a9c-5b4a-9c6e-000000000001"
	if err := st.CreateShow(ctx, show); err != nil {
		t.Fatal(err)
	}
	for i, title := range []string{"One", "Two", "Three"} {
		publishAt := at(time.Duration(i-3) * time.Hour)
		e := sampleEpisode(title, publishAt)
		e.ShowID, e.Audio.SHA256 = show.ID, strings.Repeat(string(rune('a'+i)), 64)
		if err := st.CreateEpisode(ctx, e); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Publish(ctx, e.ID, *publishAt); err != nil {
			t.Fatal(err)
		}
	}
	b := newBucket(t)
	putObjects(t, b, sampleObjects)
	_, lb, h := serveHandler(t, st, b, clk.Now)
	u := lb.EpisodePage(show.Slug, "two")

	n := counter.Count()
	if r, _ := fetch(t, u, nil); r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, r.StatusCode)
	}
	q := counter.Count() - n
	t.Logf("an episode page not in the cache: %d queries", q)
	if q > 2 || h.CacheStats().Renders != 1 {
		t.Errorf("an episode page not in the cache made %d queries, want at most 2 (stats %+v)", q, h.CacheStats())
	}
	n = counter.Count()
	for range 5 {
		fetch(t, u, map[string]string{"Accept-Encoding": "gzip"})
	}
	if q := counter.Count() - n; q != 0 || h.CacheStats().Served != 5 {
		t.Errorf("5 cached views made %d queries, want 0 (stats %+v)", q, h.CacheStats())
	}
	// Past the check interval, one version check for the show, then none.
	clk.Set(t0.Add(2 * time.Second))
	n = counter.Count()
	for range 3 {
		fetch(t, u, nil)
	}
	if q := counter.Count() - n; q != 1 {
		t.Errorf("3 cached views after the check interval made %d queries, want 1", q)
	}
}
