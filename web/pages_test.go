package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/lyssna/lyssna/episodes"
)

var sampleObjects = map[string]string{
	"episodes/a.mp3":             "ID3 not really audio",
	"episodes/t-en.vtt":          vttEN,
	"episodes/t-sv.vtt":          vttSV,
	"shows/learning-lab/art.jpg": "jpeg",
}

// sampleSite is a show with an older and a newer published episode, the
// sample episode between them, and episodes listeners must not see.
func sampleSite(t testing.TB) (Store, *fakeClock, []*episodes.Episode) {
	older := sampleEpisode("Older episode", at(-72*time.Hour))
	ep := sampleEpisode("Spaced repetition", at(-48*time.Hour))
	newer := sampleEpisode("Newer episode", at(-24*time.Hour))
	draft := sampleEpisode("Draft episode", nil)
	draft.Status = episodes.StatusDraft
	scheduled := sampleEpisode("Scheduled episode", at(time.Hour))
	scheduled.Status = episodes.StatusScheduled
	unpublished := sampleEpisode("Unpublished episode", at(-96*time.Hour))
	unpublished.Status = episodes.StatusUnpublished
	clk := newClock(t0)
	st, eps := sqliteSite(t, clk, sampleShow(), older, ep, newer, draft, scheduled, unpublished)
	return st, clk, eps
}

func TestEpisodePageRendersEverySection(t *testing.T) {
	st, clk, eps := sampleSite(t)
	b := newBucket(t)
	putObjects(t, b, sampleObjects)
	srv, lb := serve(t, st, b, clk.Now)
	pageURL := lb.EpisodePage("learning-lab", "spaced-repetition")
	p := get(t, pageURL)
	if p.status != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", pageURL, p.status, p.body)
	}
	audioURL := lb.Media("episodes/a.mp3")

	if got := attr(p.one(t, "html"), "lang"); got != "en" {
		t.Errorf("html lang = %q, want en", got)
	}
	if got := text(p.one(t, "h1")); got != "Spaced repetition" {
		t.Errorf("h1 = %q", got)
	}
	audio := p.one(t, "audio")
	if attr(audio, "src") != audioURL || attr(audio, "preload") != "metadata" || !hasAttr(audio, "controls") {
		t.Errorf("audio = %v, want src %s, preload=metadata, controls", audio.Attr, audioURL)
	}
	if !slices.ContainsFunc(p.all("a"), func(n *html.Node) bool { return attr(n, "href") == audioURL && hasAttr(n, "download") }) {
		t.Error("no download link to the audio")
	}
	if got := text(p.one(t, "div.notes")); !strings.Contains(got, "spaced repetition") || len(all(p.one(t, "div.notes"), sel("strong"))) != 1 {
		t.Errorf("notes = %q, want the Markdown rendered", got)
	}
	if h := all(p.one(t, "div.notes"), sel("h3")); len(h) != 1 || text(h[0]) != "Links" {
		t.Errorf("a '## Links' heading in the notes should become an h3 under the section's h2 (no skipped level), got %v", texts(h))
	}
	for _, a := range all(p.one(t, "div.notes"), sel("a")) {
		if rel := attr(a, "rel"); !strings.Contains(rel, "nofollow") || !strings.Contains(rel, "noopener") {
			t.Errorf("notes link rel = %q, want nofollow noopener", rel)
		}
	}
	if got := texts(all(p.one(t, "ul.takeaways"), sel("li"))); !slices.Equal(got, eps[1].Takeaways) {
		t.Errorf("takeaways = %q", got)
	}
	if got := texts(all(p.one(t, "ol.questions"), sel("li"))); !slices.Equal(got, eps[1].StudyQuestions) {
		t.Errorf("study questions = %q", got)
	}
	refs := texts(all(p.one(t, "ol.references"), sel("li")))
	wantRefs := []string{
		"H. Ebbinghaus (1885). Über das Gedächtnis. Duncker & Humblot.",
		"N. Cepeda, H. Pashler, & E. Vul (2006). Distributed practice. Psychological Bulletin. https://doi.org/10.1037/0033-2909.132.3.354 https://example.org/cepeda",
	}
	if !slices.Equal(refs, wantRefs) {
		t.Errorf("references =\n%q\nwant\n%q", refs, wantRefs)
	}
	if !slices.ContainsFunc(p.all("a"), func(n *html.Node) bool { return attr(n, "href") == "https://doi.org/10.1037/0033-2909.132.3.354" }) {
		t.Error("no DOI link")
	}
	if got := text(p.one(t, "ul.guests")); got != "Bo Berg Bo studies memory." {
		t.Errorf("guests = %q", got)
	}
	var chapterHrefs []string
	for _, a := range all(p.one(t, "ol.chapters"), sel("a")) {
		if hasAttr(a, "data-seek") {
			chapterHrefs = append(chapterHrefs, attr(a, "href"))
		}
	}
	if want := []string{audioURL + "#t=0", audioURL + "#t=3"}; !slices.Equal(chapterHrefs, want) {
		t.Errorf("chapter links = %q, want %q", chapterHrefs, want)
	}
	tr := p.one(t, "section#transcript")
	if attr(tr, "lang") != "en" {
		t.Errorf("transcript lang = %q, want en", attr(tr, "lang"))
	}
	paras := texts(all(tr, func(n *html.Node) bool { return n.Data == "p" && all(n, sel("strong.speaker")) != nil }))
	wantParas := []string{"0:00 Ana Lind: Welcome to the show. Today we talk about memory.", "0:03 Bo Berg: Thanks for having me."}
	if !slices.Equal(paras, wantParas) {
		t.Errorf("transcript paragraphs = %q, want %q", paras, wantParas)
	}
	var langs []string
	for _, a := range all(tr, sel("nav")) {
		for _, l := range all(a, sel("a")) {
			langs = append(langs, attr(l, "hreflang")+"="+attr(l, "href"))
		}
	}
	if want := []string{"en=" + pageURL + "?transcript=en#transcript", "sv=" + pageURL + "?transcript=sv#transcript"}; !slices.Equal(langs, want) {
		t.Errorf("transcript languages = %q, want %q", langs, want)
	}
	if !slices.ContainsFunc(p.all("a"), func(n *html.Node) bool { return attr(n, "href") == eps[1].DiscussionURL }) {
		t.Error("no discussion link")
	}
	nav := p.one(t, "nav.prev-next")
	var rels []string
	for _, a := range all(nav, sel("a")) {
		rels = append(rels, attr(a, "rel")+"="+attr(a, "href"))
	}
	if want := []string{"prev=" + lb.EpisodePage("learning-lab", "older-episode"), "next=" + lb.EpisodePage("learning-lab", "newer-episode")}; !slices.Equal(rels, want) {
		t.Errorf("previous/next = %q, want %q", rels, want)
	}
	if got := text(p.one(t, "p.meta")); got != "8 March 2026 · 5 s · Season 1 · Episode 3" {
		t.Errorf("meta line = %q", got)
	}

	// Head: canonical, feed, Open Graph, JSON-LD.
	for _, l := range p.all("link") {
		switch attr(l, "rel") {
		case "canonical":
			if attr(l, "href") != pageURL {
				t.Errorf("canonical = %q", attr(l, "href"))
			}
		case "alternate":
			if attr(l, "type") == "application/json+oembed" {
				if attr(l, "href") != lb.OEmbed(pageURL) {
					t.Errorf("oEmbed discovery = %v", l.Attr)
				}
				continue
			}
			if attr(l, "href") != lb.Feed("learning-lab") || attr(l, "type") != "application/rss+xml" {
				t.Errorf("alternate = %v", l.Attr)
			}
		}
	}
	if meta(p, "og:title") != "Spaced repetition · Learning Lab" || meta(p, "og:audio") != audioURL ||
		meta(p, "og:image") != lb.Media("shows/learning-lab/art.jpg") || meta(p, "twitter:card") != "summary" {
		t.Errorf("Open Graph/Twitter meta wrong:\n%s", p.body[:strings.Index(p.body, "</head>")])
	}
	var ld map[string]any
	for _, s := range p.all("script") {
		if attr(s, "type") == "application/ld+json" {
			if err := json.Unmarshal([]byte(s.FirstChild.Data), &ld); err != nil {
				t.Fatalf("JSON-LD: %v", err)
			}
		}
	}
	if ld["@type"] != "PodcastEpisode" || ld["name"] != "Spaced repetition" || ld["url"] != pageURL ||
		ld["partOfSeries"].(map[string]any)["webFeed"] != lb.Feed("learning-lab") ||
		ld["associatedMedia"].(map[string]any)["contentUrl"] != audioURL {
		t.Errorf("JSON-LD = %v", ld)
	}
	if cc := p.header.Get("Cache-Control"); cc != pageCacheControl || p.header.Get("ETag") == "" {
		t.Errorf("Cache-Control %q ETag %q", cc, p.header.Get("ETag"))
	}
	_ = srv
}

func TestTranscriptLanguageSwitch(t *testing.T) {
	st, clk, _ := sampleSite(t)
	b := newBucket(t)
	putObjects(t, b, sampleObjects)
	_, lb := serve(t, st, b, clk.Now)
	for _, tt := range []struct{ query, lang, first string }{
		{"", "en", "Welcome to the show."},
		{"?transcript=sv", "sv", "Välkommen till programmet."},
		{"?transcript=xx", "en", "Welcome to the show."},
	} {
		p := get(t, lb.EpisodePage("learning-lab", "spaced-repetition")+tt.query)
		tr := p.one(t, "section#transcript")
		if attr(tr, "lang") != tt.lang {
			t.Errorf("%s: transcript lang = %q, want %q", tt.query, attr(tr, "lang"), tt.lang)
		}
		if got := text(tr); !strings.Contains(got, tt.first) {
			t.Errorf("%s: transcript %q does not contain %q", tt.query, got, tt.first)
		}
		cur := all(tr, func(n *html.Node) bool { return attr(n, "aria-current") == "true" })
		if len(cur) != 1 || attr(cur[0], "hreflang") != tt.lang {
			t.Errorf("%s: current language link wrong", tt.query)
		}
	}
	if got := text(get(t, lb.EpisodePage("learning-lab", "spaced-repetition")+"?transcript=sv").one(t, "section#transcript")); !strings.Contains(got, "Translated from English") {
		t.Errorf("Swedish transcript does not say it is a translation: %q", got)
	}
}

func TestBrokenTranscriptLeavesPageWorking(t *testing.T) {
	st, clk, _ := sampleSite(t)
	b := newBucket(t)
	objs := map[string]string{}
	for k, v := range sampleObjects {
		objs[k] = v
	}
	objs["episodes/t-en.vtt"] = "WEBVTT\n\n00:01 --> x\nbroken\n"
	delete(objs, "episodes/t-sv.vtt")
	putObjects(t, b, objs)
	_, lb := serve(t, st, b, clk.Now)
	for _, q := range []string{"", "?transcript=sv"} {
		p := get(t, lb.EpisodePage("learning-lab", "spaced-repetition")+q)
		if p.status != http.StatusOK {
			t.Fatalf("%q: status %d", q, p.status)
		}
		if got := text(p.one(t, "section#transcript")); !strings.Contains(got, "cannot be shown") {
			t.Errorf("%q: transcript section = %q, want a note that it cannot be shown", q, got)
		}
	}
}

func TestShowPage(t *testing.T) {
	st, clk, _ := sampleSite(t)
	b := newBucket(t)
	putObjects(t, b, sampleObjects)
	_, lb := serve(t, st, b, clk.Now)
	p := get(t, lb.ShowPage("learning-lab"))
	if p.status != http.StatusOK {
		t.Fatalf("status %d\n%s", p.status, p.body)
	}
	if got := texts(all(p.one(t, "ol.episode-list"), sel("h3"))); !slices.Equal(got, []string{"Newer episode", "Spaced repetition", "Older episode"}) {
		t.Errorf("episodes = %q, want the three public ones, newest first", got)
	}
	if got := text(p.one(t, "h1")); got != "Learning Lab" {
		t.Errorf("h1 = %q", got)
	}
	if img := p.one(t, "img.artwork"); attr(img, "src") != lb.Media("shows/learning-lab/art.jpg") {
		t.Errorf("artwork src = %q", attr(img, "src"))
	} else if want := lb.Media("shows/learning-lab/art.w300.jpg") + " 300w, " + lb.Media("shows/learning-lab/art.w640.jpg") + " 640w, " +
		lb.Media("shows/learning-lab/art.jpg") + " 1600w"; attr(img, "srcset") != want || attr(img, "sizes") != "240px" {
		t.Errorf("artwork srcset = %q sizes %q, want %q (its renditions)", attr(img, "srcset"), attr(img, "sizes"), want)
	}
	copyBtn := p.one(t, "button")
	if attr(copyBtn, "data-copy") != lb.Feed("learning-lab") || !hasAttr(copyBtn, "hidden") {
		t.Errorf("copy button = %v, want data-copy=feed and hidden until the script shows it", copyBtn.Attr)
	}
	if got := texts(all(p.one(t, "ul.directories"), sel("a"))); !slices.Equal(got, []string{"Apple Podcasts", "Spotify"}) {
		t.Errorf("directories = %q", got)
	}
	if got := text(p.one(t, "ul.people")); got != "Ana Lind" {
		t.Errorf("hosts = %q", got)
	}
	if len(p.all("nav.pager")) != 0 {
		t.Error("pager shown for one page")
	}
}

func TestShowPagePagination(t *testing.T) {
	var eps []*episodes.Episode
	for i := range 45 {
		eps = append(eps, sampleEpisode(fmt.Sprintf("Episode %02d", i+1), at(time.Duration(i-50)*time.Hour)))
	}
	st := newMemStore(sampleShow(), eps...)
	_, lb := serve(t, st, newBucket(t), newClock(t0).Now)
	for _, tt := range []struct {
		query        string
		status       int
		first, last  string
		newer, older string
	}{
		{"", 200, "Episode 45", "Episode 26", "", "?page=2"},
		{"?page=2", 200, "Episode 25", "Episode 06", "/learning-lab/", "?page=3"},
		{"?page=3", 200, "Episode 05", "Episode 01", "?page=2", ""},
		{"?page=4", 404, "", "", "", ""},
		{"?page=9223372036854775807", 404, "", "", "", ""},
		{"?page=0", 400, "", "", "", ""},
		{"?page=x", 400, "", "", "", ""},
	} {
		p := get(t, lb.ShowPage("learning-lab")+tt.query)
		if p.status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.query, p.status, tt.status)
			continue
		}
		if tt.status != 200 {
			if len(p.all("h1")) != 1 || p.header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("%s: error page is not a friendly HTML page", tt.query)
			}
			continue
		}
		h := texts(all(p.one(t, "ol.episode-list"), sel("h3")))
		if h[0] != tt.first || h[len(h)-1] != tt.last {
			t.Errorf("%s: episodes %q..%q, want %q..%q", tt.query, h[0], h[len(h)-1], tt.first, tt.last)
		}
		rel := map[string]string{}
		for _, a := range all(p.one(t, "nav.pager"), sel("a")) {
			rel[attr(a, "rel")] = attr(a, "href")
		}
		if !strings.HasSuffix(rel["prev"], tt.newer) || (tt.newer == "") != (rel["prev"] == "") ||
			!strings.HasSuffix(rel["next"], tt.older) || (tt.older == "") != (rel["next"] == "") {
			t.Errorf("%s: pager links %v, want newer %q older %q", tt.query, rel, tt.newer, tt.older)
		}
	}
}

func TestListenersSeeOnlyPublicEpisodes(t *testing.T) {
	st, clk, eps := sampleSite(t)
	b := newBucket(t)
	putObjects(t, b, sampleObjects)
	_, lb := serve(t, st, b, clk.Now)
	for _, tt := range []struct {
		name, show, slug string
		status           int
	}{
		{"published", "learning-lab", eps[1].Slug, 200},
		{"draft", "learning-lab", eps[3].Slug, 404},
		{"scheduled, not due", "learning-lab", eps[4].Slug, 404},
		{"unpublished", "learning-lab", eps[5].Slug, 404},
		{"by id, not slug", "learning-lab", fmt.Sprint(eps[1].ID), 404},
		{"unknown episode", "learning-lab", "nope", 404},
		{"unknown show", "nope", eps[1].Slug, 404},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, u := range []string{lb.EpisodePage(tt.show, tt.slug), lb.StudyGuide(tt.show, tt.slug)} {
				p := get(t, u)
				if p.status != tt.status {
					t.Fatalf("GET %s = %d, want %d", u, p.status, tt.status)
				}
				if tt.status == 404 && (text(p.one(t, "h1")) != "Page not found" || p.header.Get("Cache-Control") != "no-store") {
					t.Errorf("GET %s: 404 is not the friendly, uncached page", u)
				}
			}
		})
	}
	if p := get(t, lb.ShowPage("nope")); p.status != 404 {
		t.Errorf("unknown show page = %d, want 404", p.status)
	}
	// Previous/next links skip what listeners cannot see: the unpublished
	// episode is older than the oldest public one, the scheduled one newer
	// than the newest until its time comes.
	prevNext := func(slug string) []string {
		t.Helper()
		var rels []string
		for _, nav := range get(t, lb.EpisodePage("learning-lab", slug)).all("nav.prev-next") {
			for _, a := range all(nav, sel("a")) {
				rels = append(rels, attr(a, "rel")+"="+attr(a, "href"))
			}
		}
		return rels
	}
	if got, want := prevNext(eps[0].Slug), []string{"next=" + lb.EpisodePage("learning-lab", eps[1].Slug)}; !slices.Equal(got, want) {
		t.Errorf("oldest episode's links = %q, want %q", got, want)
	}
	if got, want := prevNext(eps[2].Slug), []string{"prev=" + lb.EpisodePage("learning-lab", eps[1].Slug)}; !slices.Equal(got, want) {
		t.Errorf("newest episode's links = %q, want %q", got, want)
	}
	// Once the scheduled time comes, the episode appears.
	clk.Set(t0.Add(2 * time.Hour))
	if got, want := prevNext(eps[2].Slug), []string{"prev=" + lb.EpisodePage("learning-lab", eps[1].Slug),
		"next=" + lb.EpisodePage("learning-lab", eps[4].Slug)}; !slices.Equal(got, want) {
		t.Errorf("links after the scheduled time = %q, want %q", got, want)
	}
	if p := get(t, lb.EpisodePage("learning-lab", eps[4].Slug)); p.status != 200 {
		t.Errorf("scheduled episode after its time = %d, want 200", p.status)
	}
	if got := texts(all(get(t, lb.ShowPage("learning-lab")).one(t, "ol.episode-list"), sel("h3"))); got[0] != "Scheduled episode" {
		t.Errorf("show page after the scheduled time lists %q first", got[0])
	}
}

func TestStudyGuide(t *testing.T) {
	st, clk, eps := sampleSite(t)
	b := newBucket(t)
	putObjects(t, b, sampleObjects)
	_, lb := serve(t, st, b, clk.Now)
	p := get(t, lb.StudyGuide("learning-lab", "spaced-repetition"))
	if p.status != 200 {
		t.Fatalf("status %d", p.status)
	}
	if got := texts(all(p.one(t, "ol.questions"), sel("li"))); !slices.Equal(got, eps[1].StudyQuestions) {
		t.Errorf("questions = %q", got)
	}
	if got := texts(all(p.one(t, "ul.takeaways"), sel("li"))); !slices.Equal(got, eps[1].Takeaways) {
		t.Errorf("takeaways = %q", got)
	}
	if n := len(all(p.one(t, "ol.references"), sel("li"))); n != 2 {
		t.Errorf("%d references, want 2", n)
	}
	var print bool
	for _, l := range p.all("link") {
		if attr(l, "rel") == "stylesheet" && attr(l, "media") == "print" {
			print = get(t, attr(l, "href")).status == 200
		}
	}
	if !print {
		t.Error("no print stylesheet that loads")
	}
	if len(p.all("audio")) != 0 {
		t.Error("study guide has a player")
	}
}

func TestConditionalGet(t *testing.T) {
	st, clk, _ := sampleSite(t)
	b := newBucket(t)
	putObjects(t, b, sampleObjects)
	_, lb := serve(t, st, b, clk.Now)
	u := lb.EpisodePage("learning-lab", "spaced-repetition")
	etag := get(t, u).header.Get("ETag")
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("If-None-Match", etag)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s = %d, want 304", etag, resp.StatusCode)
	}
	if other := get(t, u+"?transcript=sv").header.Get("ETag"); other == etag {
		t.Error("the Swedish transcript page has the same ETag as the English one")
	}
}

func TestStaticFiles(t *testing.T) {
	st, clk, _ := sampleSite(t)
	_, lb := serve(t, st, newBucket(t), clk.Now)
	p := get(t, lb.ShowPage("learning-lab"))
	var urls []string
	for _, l := range p.all("link") {
		if attr(l, "rel") == "stylesheet" {
			urls = append(urls, attr(l, "href"))
		}
	}
	for _, s := range p.all("script") {
		if src := attr(s, "src"); src != "" {
			urls = append(urls, src)
		}
	}
	if len(urls) != 3 {
		t.Fatalf("static URLs %q, want style, print and script", urls)
	}
	for _, u := range urls {
		r := get(t, u)
		if r.status != 200 || !strings.Contains(r.header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s = %d %q", u, r.status, r.header.Get("Cache-Control"))
		}
	}
	if r := get(t, lb.Base()+"/static/nope.css"); r.status != 404 {
		t.Errorf("unknown static file = %d", r.status)
	}
}
