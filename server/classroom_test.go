package server

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/lyssna/lyssna/internal/testenv"
)

// classroomShow creates a show with the given visibility and one published
// episode (chapters, a VTT transcript) and returns the episode.
func (e *e2e) classroomShow(slug, visibility, title string) e2eEpisode {
	return e.classroomShowWith(slug, visibility, title, "cbr.mp3")
}

func (e *e2e) classroomShowWith(slug, visibility, title, fixture string) e2eEpisode {
	e.t.Helper()
	sh := e2eShow(slug, "episodic")
	sh["visibility"] = visibility
	sh["title"] = title
	e.apiJSON(http.MethodPost, "/shows", sh, http.StatusCreated, nil)
	ep := e.upload(slug, fixture, e2eEpisodeMeta(title+" episode", 1))
	e.transcript(slug, ep.Slug, "en", "text/vtt", e2eVTT, "")
	e.publish(slug, ep.Slug)
	return ep
}

type listenerAnswer struct {
	ID           int64   `json:"id"`
	FeedURL      string  `json:"feed_url"`
	FeedURLQuery string  `json:"feed_url_query"`
	Active       bool    `json:"active"`
	LastUsedAt   *string `json:"last_used_at"`
}

// TestListenerKeyFeed: a private show's personal feed is read by the real
// feed parsers, blocks directories, and signs every URL; its media answer
// HEAD and Range; the shared feed, the pages and the plain media URL give
// nothing; after revocation (and after expiry) the same URLs answer 401.
func TestListenerKeyFeed(t *testing.T) {
	e := newE2E(t, newFilesystemBucket(t), nil)
	ep := e.classroomShow("course", "private", "Hidden Course")
	var full struct {
		Audio struct {
			URL string `json:"url"`
		} `json:"audio"`
	}
	e.api(http.MethodGet, "/shows/course/episodes/"+ep.Slug, "", nil, http.StatusOK, &full)

	// Without a key: nothing.
	for _, u := range []string{"/course/feed.xml", "/course/", "/course/" + ep.Slug + "/", "/course/" + ep.Slug + "/chapters.json",
		"/course/embed", "/course/" + ep.Slug + "/embed", strings.TrimPrefix(full.Audio.URL, e.base)} {
		res, body := e.do(http.MethodGet, e.base+u, nil, nil)
		if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusUnauthorized || strings.Contains(string(body), "Hidden Course") {
			t.Errorf("GET %s without a key: %d %.200s", u, res.StatusCode, body)
		}
	}

	var k listenerAnswer
	e.apiJSON(http.MethodPost, "/shows/course/listeners", map[string]any{"name": "Cohort 2026", "email": "cohort@example.edu"}, http.StatusCreated, &k)
	if !strings.HasPrefix(k.FeedURL, e.base+"/p/k") || !strings.HasSuffix(k.FeedURL, "/course/feed.xml") || !k.Active {
		t.Fatalf("listener answer %+v", k)
	}
	res, body := e.do(http.MethodGet, k.FeedURL, nil, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "private") {
		t.Fatalf("personal feed: %d %s %s", res.StatusCode, res.Header.Get("Cache-Control"), body)
	}
	for _, tag := range []string{"<itunes:block>Yes</itunes:block>", "<podcast:block>yes</podcast:block>", "Hidden Course episode"} {
		if !strings.Contains(string(body), tag) {
			t.Errorf("personal feed lacks %s", tag)
		}
	}
	f, err := gofeed.NewParser().ParseString(string(body))
	if err != nil || len(f.Items) != 1 || len(f.Items[0].Enclosures) != 1 {
		t.Fatalf("personal feed does not parse to one item with an enclosure: %v", err)
	}
	enc := f.Items[0].Enclosures[0].URL
	if !strings.HasPrefix(enc, e.base+"/p/k") {
		t.Errorf("enclosure %q is not signed", enc)
	}
	var signed []string
	for _, m := range regexp.MustCompile(`(?:url|href)="([^"]+)"`).FindAllStringSubmatch(string(body), -1) {
		if strings.Contains(m[1], "/media/") || strings.HasSuffix(m[1], "chapters.json") {
			signed = append(signed, m[1])
			if !strings.HasPrefix(m[1], e.base+"/p/") {
				t.Errorf("feed URL %s of private content is not signed", m[1])
			}
		}
	}
	if len(signed) < 3 { // enclosure, transcript, chapters, artwork
		t.Errorf("feed has only %d media URLs: %v", len(signed), signed)
	}
	t.Run("consumers", func(t *testing.T) { checkConsumers(t, k.FeedURL) })
	checkMedia := func(u string, want int) {
		t.Helper()
		res, _ := e.do(http.MethodHead, u, nil, nil)
		if res.StatusCode != want {
			t.Errorf("HEAD %s: %d, want %d", u, res.StatusCode, want)
		}
		res, body := e.do(http.MethodGet, u, nil, map[string]string{"Range": "bytes=0-1"})
		wantRange := want
		if want == http.StatusOK {
			wantRange = http.StatusPartialContent
		}
		if res.StatusCode != wantRange || (want == http.StatusOK && len(body) != 2) {
			t.Errorf("GET %s Range 0-1: %d (%d bytes), want %d", u, res.StatusCode, len(body), wantRange)
		}
		if want == http.StatusOK && !strings.Contains(res.Header.Get("Cache-Control"), "private") {
			t.Errorf("private media Cache-Control %q", res.Header.Get("Cache-Control"))
		}
	}
	checkMedia(enc, http.StatusOK)
	for _, u := range signed {
		if res, _ := e.do(http.MethodGet, u, nil, nil); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", u, res.StatusCode)
		}
	}
	// The query form, and the pages with the key.
	for _, u := range []string{k.FeedURLQuery, e.base + "/course/?key=" + keyOf(t, k.FeedURLQuery)} {
		if res, body := e.do(http.MethodGet, u, nil, nil); res.StatusCode != http.StatusOK || !strings.Contains(string(body), "Hidden Course") {
			t.Errorf("GET %s: %d", u, res.StatusCode)
		}
	}
	// A tampered signature is nothing.
	if res, _ := e.do(http.MethodGet, strings.Replace(enc, "/p/k", "/p/k9", 1), nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("tampered URL: %d, want 404", res.StatusCode)
	}
	var list struct {
		Listeners []listenerAnswer `json:"listeners"`
	}
	e.api(http.MethodGet, "/shows/course/listeners", "", nil, http.StatusOK, &list)
	if len(list.Listeners) != 1 || list.Listeners[0].LastUsedAt == nil {
		t.Errorf("listeners list %+v: want one, last used", list.Listeners)
	}

	// Revoked: the same URLs answer 401 at once, with no content.
	e.api(http.MethodDelete, fmt.Sprintf("/shows/course/listeners/%d", k.ID), "", nil, http.StatusNoContent, nil)
	for _, u := range append([]string{k.FeedURL, k.FeedURLQuery}, signed...) {
		res, body := e.do(http.MethodGet, u, nil, nil)
		if res.StatusCode != http.StatusUnauthorized || strings.Contains(string(body), "Hidden") || len(body) > 200 {
			t.Errorf("after revocation GET %s: %d %q", u, res.StatusCode, body)
		}
	}
	checkMedia(enc, http.StatusUnauthorized)

	// Expired: a key until an hour from now stops when the clock passes it.
	var k2 listenerAnswer
	until := e.clock.Now().Add(time.Hour).Format(time.RFC3339)
	e.api(http.MethodPost, "/shows/course/listeners", "text/csv", strings.NewReader("name,email,expires_at\nAna,ana@example.edu,"+until+"\n"), http.StatusCreated, &struct {
		Listeners []*listenerAnswer `json:"listeners"`
	}{Listeners: []*listenerAnswer{&k2}})
	if res, _ := e.do(http.MethodGet, k2.FeedURL, nil, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("CSV key's feed: %d", res.StatusCode)
	}
	e.clock.Advance(2 * time.Hour)
	if res, _ := e.do(http.MethodGet, k2.FeedURL, nil, nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired key's feed: %d, want 401", res.StatusCode)
	}
	if res, _ := e.do(http.MethodGet, strings.Replace(k2.FeedURL, "/course/feed.xml", strings.TrimPrefix(full.Audio.URL, e.base), 1), nil, nil); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired key's media: %d", res.StatusCode)
	}
}

func keyOf(t *testing.T, u string) string {
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Query().Get("key")
}

// checkConsumers has the real feed parsers (feed/consumers/check.sh) read
// the feed at u.
func checkConsumers(t *testing.T, u string) {
	t.Helper()
	if err := exec.Command("/usr/bin/python3", "-c", "import podcastparser, feedparser").Run(); err != nil {
		testenv.Missing(t, "python3 cannot import podcastparser and feedparser: apt-get install python3-podcastparser python3-feedparser")
		return
	}
	if _, err := os.Stat(filepath.Join("..", "feed", "consumers", "node_modules", "podcast-partytime")); err != nil {
		testenv.Missing(t, "podcast-partytime is not installed: run feed/consumers/setup.sh")
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sh", filepath.Join("..", "feed", "consumers", "check.sh"), u).CombinedOutput()
	if err != nil {
		t.Errorf("feed/consumers/check.sh %s: %v\n%s", u, err, out)
	}
}

// TestPagedFeedListsOnlyItsEpisodes: a paged feed (feed_limit) lists the
// episodes the unpaged one would, page by page: a public show's pages leave
// its private and unlisted episodes out, an unlisted show's its private
// ones, and neither takes a page's place nor counts for rel="last".
func TestPagedFeedListsOnlyItsEpisodes(t *testing.T) {
	e := newE2E(t, newFilesystemBucket(t), nil)
	e.classroomShow("open", "public", "Open Lectures")
	e.apiJSON(http.MethodPatch, "/shows/open", map[string]any{"feed_limit": 1}, http.StatusOK, nil)
	for _, ep := range []struct{ fixture, title, visibility string }{
		{"vbr-xing.mp3", "Secret Seminar", "private"},
		{"v1.mp3", "Quiet Corner", "unlisted"},
		{"chapters.mp3", "Newest Lecture", "public"},
		{"v22.mp3", "Second Secret", "private"},
	} {
		e.clock.Advance(time.Hour)
		got := e.upload("open", ep.fixture, map[string]any{"title": ep.title, "visibility": ep.visibility})
		e.publish("open", got.Slug)
	}
	type page struct {
		Links []struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
		} `xml:"channel>link"`
		Items []struct {
			Title string `xml:"title"` // and itunes:title, the same
		} `xml:"channel>item"`
	}
	walk := func(want ...string) {
		t.Helper()
		var got []string
		u := e.base + "/open/feed.xml"
		for n := 1; u != ""; n++ {
			if n > len(want) {
				t.Fatalf("next leads on to page %d, %s; the feed lists %d episodes, one a page", n, u, len(want))
			}
			res, body := e.do(http.MethodGet, u, nil, nil)
			var p page
			if err := xml.Unmarshal(body, &p); res.StatusCode != http.StatusOK || err != nil {
				t.Fatalf("GET %s = %d, %v", u, res.StatusCode, err)
			}
			if len(p.Items) != 1 {
				t.Errorf("page %d lists %d episodes, want one", n, len(p.Items))
			}
			for _, it := range p.Items {
				got = append(got, it.Title)
			}
			u = ""
			for _, l := range p.Links {
				switch {
				case l.Rel == "next":
					u = l.Href
				case l.Rel == "last" && l.Href != e.base+"/open/feed.xml?page="+strconv.Itoa(len(want)):
					t.Errorf("page %d: last = %s, want page %d", n, l.Href, len(want))
				}
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("the pages list %q, want %q", got, want)
		}
		if res, _ := e.do(http.MethodGet, e.base+"/open/feed.xml?page="+strconv.Itoa(len(want)+1), nil, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("the page after the last = %d, want 404", res.StatusCode)
		}
	}
	walk("Newest Lecture", "Open Lectures episode")
	e.apiJSON(http.MethodPatch, "/shows/open", map[string]any{"visibility": "unlisted"}, http.StatusOK, nil)
	walk("Newest Lecture", "Quiet Corner", "Open Lectures episode")
}

// TestNoPrivateInPublicCrawl crawls every URL reachable from the home page,
// the feeds, the oEmbed answers and the JSON-LD, and finds no title of
// private content (a private show; a private episode of a public show)
// and no unlisted title in any listing. Unlisted feeds carry both block tags.
func TestNoPrivateInPublicCrawl(t *testing.T) {
	e := newE2E(t, newFilesystemBucket(t), nil)
	e.classroomShow("open", "public", "Open Lectures")
	secret := e.upload("open", "vbr-xing.mp3", map[string]any{"title": "Secret Seminar", "visibility": "private"})
	e.publish("open", secret.Slug)
	hidden := e.upload("open", "v1.mp3", map[string]any{"title": "Quiet Corner", "visibility": "unlisted"})
	e.publish("open", hidden.Slug)
	e.classroomShow("course", "private", "Hidden Course")
	e.classroomShow("aside", "unlisted", "Side Room")

	seen := map[string]bool{}
	queue := []string{e.base + "/", e.base + "/open/feed.xml", e.base + "/course/feed.xml", e.base + "/aside/feed.xml"}
	linkRE := regexp.MustCompile(`(?:href|src|url)="([^"]+)"|"(https?://[^"]+)"`)
	for len(queue) > 0 && len(seen) < 400 {
		u := queue[0]
		queue = queue[1:]
		if seen[u] || !strings.HasPrefix(u, e.base+"/") || strings.Contains(u, "/admin") || strings.Contains(u, "/media/") {
			continue
		}
		seen[u] = true
		res, body := e.do(http.MethodGet, u, nil, nil)
		plainURL, _ := url.QueryUnescape(u)
		text := strings.ReplaceAll(string(body), `\u0026`, "&")
		for _, title := range []string{"Secret Seminar", "Hidden Course"} {
			if strings.Contains(text, title) {
				t.Errorf("%s (%d) shows the private title %q", u, res.StatusCode, title)
			}
		}
		if !strings.Contains(plainURL, "/aside/") && strings.Contains(text, "Quiet Corner") {
			t.Errorf("%s lists the unlisted episode", u)
		}
		if strings.Contains(text, "Side Room") && !strings.Contains(plainURL, "/aside/") {
			t.Errorf("%s lists the unlisted show", u)
		}
		for _, m := range linkRE.FindAllStringSubmatch(text, -1) {
			link := m[1] + m[2]
			link = strings.ReplaceAll(link, "&amp;", "&")
			if strings.HasPrefix(link, "/") {
				link = e.base + link
			}
			if i := strings.Index(link, "#"); i >= 0 {
				link = link[:i]
			}
			queue = append(queue, link)
		}
	}
	for _, must := range []string{e.base + "/open/", e.base + "/open/feed.xml"} {
		if !seen[must] {
			t.Errorf("the crawl never reached %s (saw %d URLs)", must, len(seen))
		}
	}
	oembeds := 0
	for u := range seen {
		if strings.Contains(u, "/oembed?") {
			oembeds++
		}
	}
	if oembeds == 0 {
		t.Error("the crawl found no oEmbed discovery link")
	}
	// The unlisted episode and show are there by link, marked noindex.
	for _, u := range []string{"/open/" + hidden.Slug + "/", "/aside/"} {
		res, body := e.do(http.MethodGet, e.base+u, nil, nil)
		if res.StatusCode != http.StatusOK || res.Header.Get("X-Robots-Tag") != "noindex" || !strings.Contains(string(body), `<meta name="robots" content="noindex">`) {
			t.Errorf("unlisted %s: %d, X-Robots-Tag %q", u, res.StatusCode, res.Header.Get("X-Robots-Tag"))
		}
	}
	_, body := e.do(http.MethodGet, e.base+"/aside/feed.xml", nil, nil)
	for _, tag := range []string{"<itunes:block>Yes</itunes:block>", "<podcast:block>yes</podcast:block>"} {
		if !strings.Contains(string(body), tag) {
			t.Errorf("unlisted feed lacks %s", tag)
		}
	}
	if _, body := e.do(http.MethodGet, e.base+"/open/feed.xml", nil, nil); strings.Contains(string(body), "block>") {
		t.Error("the public feed is blocked")
	}
}

// TestOEmbedAndFraming: discovery on a public episode page leads to an
// oEmbed "rich" answer whose iframe is the embed player; the embed may be
// framed by anyone, every other page by no one; private content has no
// oEmbed.
func TestOEmbedAndFraming(t *testing.T) {
	e := newE2E(t, newFilesystemBucket(t), func(d *Deps) { d.EmbedOrigins = []string{"https://lms.example.edu"} })
	ep := e.classroomShow("open", "public", "Open Lectures")
	e.classroomShow("course", "private", "Hidden Course")
	page := e.base + "/open/" + ep.Slug + "/"
	res, body := e.do(http.MethodGet, page, nil, nil)
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("episode page CSP %q", res.Header.Get("Content-Security-Policy"))
	}
	m := regexp.MustCompile(`<link rel="alternate" type="application/json\+oembed" href="([^"]+)"`).FindStringSubmatch(string(body))
	if m == nil {
		t.Fatal("no oEmbed discovery link on the episode page")
	}
	if !strings.Contains(string(body), "&lt;iframe") {
		t.Error("the episode page has no embed code")
	}
	res, body = e.do(http.MethodGet, strings.ReplaceAll(m[1], "&amp;", "&"), nil, nil)
	var a struct {
		Version, Type, Title, HTML, ThumbnailURL string
		Width, Height                            int
	}
	if err := json.Unmarshal(body, &a); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("oEmbed: %d %v %s", res.StatusCode, err, body)
	}
	src := e.base + "/open/" + ep.Slug + "/embed"
	if a.Version != "1.0" || a.Type != "rich" || a.Width <= 0 || a.Height <= 0 || a.Title != "Open Lectures episode" ||
		!strings.Contains(a.HTML, `<iframe src="`+src+`"`) {
		t.Errorf("oEmbed answer %+v", a)
	}
	res, body = e.do(http.MethodGet, src, nil, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'self' https://lms.example.edu") ||
		!strings.Contains(string(body), `<track kind="captions"`) {
		t.Errorf("embed: %d CSP %q", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
	for _, u := range []string{e.base + "/course/", e.base + "/course/" + ep.Slug + "/", "https://elsewhere.example/x/"} {
		if res, _ := e.do(http.MethodGet, e.base+"/oembed?format=json&url="+url.QueryEscape(u), nil, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("oEmbed for %s: %d, want 404", u, res.StatusCode)
		}
	}
	if res, _ := e.do(http.MethodGet, e.base+"/oembed?format=xml&url="+url.QueryEscape(page), nil, nil); res.StatusCode != http.StatusNotImplemented {
		t.Errorf("oEmbed format=xml: %d, want 501", res.StatusCode)
	}
}
