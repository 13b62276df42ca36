package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/htmltest"
	"github.com/lyssna/lyssna/links"
)

// hostile is written into every text field.
const hostile = `<script>alert(1)</script>"'><img src=x onerror=alert(1)><a href="javascript:alert(2)" onclick="alert(3)">x</a></script><!--`

// hostileURL is written into every URL field.
const hostileURL = `javascript:alert(document.cookie)`

const hostileMarkdown = hostile + "\n\n<script>alert(4)</script>\n\n[click](javascript:alert(5)) [up]( JaVaScRiPt:alert(6) ) " +
	"![img](javascript:alert(7)) <img src=x onerror=alert(8)> <a href=\"javascript:alert(9)\">raw</a> " +
	"<svg onload=alert(10)></svg> <iframe src=\"https://evil.example\"></iframe> [data](data:text/html,<script>alert(11)</script>)\n\n" +
	"# </script><script>alert(12)</script>\n"

const hostileVTT = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v " + `"><script>alert(13)</script>` + ">&lt;script&gt;alert(14)&lt;/script&gt; <b onmouseover=alert(15)>bold</b>\n\n" +
	"00:00:01.000 --> 00:00:02.000\n" + hostile + "\n"

const hostileSRT = "1\n00:00:00,000 --> 00:00:01,000\n<font color=\"red\" onload=\"alert(16)\">" + hostile + "</font>\n"

func hostilePerson() episodes.Person {
	return episodes.Person{Name: hostile, Role: hostile, Group: hostile, Href: hostileURL, Img: hostileURL, Bio: hostile}
}

func hostileSite() (*memStore, map[string]string) {
	show := &episodes.Show{
		Slug: "evil", Title: hostile, Description: hostile + "\n\n" + hostile, Author: hostile,
		Owner: episodes.Owner{Name: hostile, Email: hostile}, Language: `en"><script>alert(1)</script>`,
		Categories: []episodes.Category{{Category: hostile, Subcategory: hostile}}, Type: hostile,
		Link: hostileURL, Copyright: hostile, ImageKey: `art/"><script>alert(1)</script>.jpg`, GUID: hostile,
		Funding: []episodes.Funding{{URL: hostileURL, Label: hostile}}, Medium: hostile,
		Hosts: []episodes.Person{hostilePerson()}, NewFeedURL: hostileURL,
		Directories: map[string]string{hostile: hostileURL, "apple": `https://x.example/"><script>alert(1)</script>`, "spotify": hostileURL},
	}
	mk := func(slug string, pub time.Duration) *episodes.Episode {
		return &episodes.Episode{
			Slug: slug, GUID: hostile, Title: hostile, Notes: hostileMarkdown, Season: 1, Number: 1, Type: hostile,
			Audio:    &episodes.Audio{Key: `a/"><script>alert(1)</script>.mp3`, ContentType: hostile, Size: 10, DurationMS: 1000},
			ImageKey: `javascript:alert(1)`,
			Chapters: []episodes.Chapter{{StartMS: 0, Title: hostile, URL: hostileURL, Img: hostileURL}, {StartMS: 500, Title: hostile, URL: "data:text/html,<script>alert(1)</script>"}},
			Status:   episodes.StatusPublished, PublishAt: at(pub), PublishedAt: at(pub),
			Takeaways: []string{hostile}, StudyQuestions: []string{hostile},
			References: []episodes.Reference{{Authors: []string{hostile, hostile}, Year: 2020, Title: hostile, Container: hostile,
				Publisher: hostile, URL: hostileURL, DOI: hostile, Note: hostile}},
			Guests:        []episodes.Person{hostilePerson()},
			DiscussionURL: hostileURL,
			Transcripts: []episodes.Transcript{
				{Language: `en"><script>alert(1)</script>`, Format: "vtt", Key: "t/hostile.vtt", TranslatedFrom: hostile},
				{Language: "sv", Format: "srt", Key: "t/hostile.srt", TranslatedFrom: "en"},
				{Language: "de", Format: "txt", Key: "t/hostile.txt"},
			},
		}
	}
	objects := map[string]string{"t/hostile.vtt": hostileVTT, "t/hostile.srt": hostileSRT, "t/hostile.txt": hostile + "\n\n" + hostile}
	return newMemStore(show, mk("one", -3*time.Hour), mk("two", -2*time.Hour), mk("three", -time.Hour)), objects
}

// assertNothingLive fails when the page holds markup that a browser would
// run; the only scripts allowed are Lyssna's own file and valid JSON-LD.
func assertNothingLive(t *testing.T, lb links.Builder, name string, p page) {
	t.Helper()
	own := func(n *html.Node) bool {
		src, typ := attr(n, "src"), attr(n, "type")
		return (strings.HasPrefix(src, lb.Base()+"/static/lyssna.js?v=") && n.FirstChild == nil) ||
			(src == "" && typ == "application/ld+json" && n.FirstChild != nil && json.Valid([]byte(n.FirstChild.Data)))
	}
	for _, problem := range htmltest.Live(p.doc, htmltest.LiveOptions{OwnScript: own}) {
		t.Errorf("%s: %s", name, problem)
	}
}

func TestHostileStringsNeverComeOutLive(t *testing.T) {
	st, objects := hostileSite()
	b := newBucket(t)
	putObjects(t, b, objects)
	_, lb := serve(t, st, b, newClock(t0).Now)
	pages := map[string]string{
		"show":                 lb.ShowPage("evil"),
		"episode":              lb.EpisodePage("evil", "two"),
		"episode, srt":         lb.EpisodePage("evil", "two") + "?transcript=sv",
		"episode, txt":         lb.EpisodePage("evil", "two") + "?transcript=de",
		"episode, hostile ask": lb.EpisodePage("evil", "two") + `?transcript="><script>alert(1)</script>`,
		"study guide":          lb.StudyGuide("evil", "two"),
		"not found":            lb.EpisodePage("evil", "nope"),
	}
	for name, u := range pages {
		p := get(t, u)
		if p.status != http.StatusOK && name != "not found" {
			t.Errorf("%s: status %d", name, p.status)
			continue
		}
		assertNothingLive(t, lb, name, p)
		// The hostile text is shown as text, not dropped: escaping, not deletion.
		if h1 := text(p.one(t, "h1")); name != "not found" && !strings.Contains(h1, "<script>alert(1)</script>") {
			t.Errorf("%s: h1 %q does not show the title as text", name, h1)
		}
		if attr(p.one(t, "html"), "lang") != "en" {
			t.Errorf("%s: html lang = %q, want the fallback en", name, attr(p.one(t, "html"), "lang"))
		}
	}
	// The JSON-LD carries the hostile title as data.
	p := get(t, pages["episode"])
	for _, s := range p.all("script") {
		if attr(s, "type") != "application/ld+json" {
			continue
		}
		var ld struct{ Name string }
		if err := json.Unmarshal([]byte(s.FirstChild.Data), &ld); err != nil || ld.Name != hostile {
			t.Errorf("JSON-LD name = %q (%v), want the hostile title intact", ld.Name, err)
		}
		if strings.Contains(s.FirstChild.Data, "<") {
			t.Errorf("JSON-LD contains a raw '<': %s", s.FirstChild.Data)
		}
	}
	tr := text(p.one(t, "section#transcript"))
	if !strings.Contains(tr, "<script>alert(14)</script>") {
		t.Errorf("transcript text %q does not show the decoded markup as text", tr)
	}
}

// TestHostileStringsFromSQLite runs the same checks with everything the real
// store accepts: hostile text in every text field, URLs that try to break
// out of their attribute.
func TestHostileStringsFromSQLite(t *testing.T) {
	const breakoutURL = `https://x.example/"><script>alert(1)</script>?q='onmouseover=alert(1)`
	mem, objects := hostileSite()
	show := mem.shows["evil"]
	show.ID, show.GUID, show.Language, show.Type, show.Medium = 0, "", "en", episodes.TypeEpisodic, "podcast"
	show.Link, show.NewFeedURL, show.ImageKey = breakoutURL, "", "art/evil.jpg"
	show.Categories = []episodes.Category{{Category: "Education"}}
	show.Owner.Email = "evil@example.org"
	show.Funding = []episodes.Funding{{URL: breakoutURL, Label: hostile}}
	show.Hosts[0].Href, show.Hosts[0].Img, show.Hosts[0].Role, show.Hosts[0].Group, show.Hosts[0].Bio = breakoutURL, breakoutURL, "host", "cast", ""
	show.Directories = map[string]string{"apple": breakoutURL}
	var eps []*episodes.Episode
	for _, e := range mem.eps[1] {
		e.ID, e.ShowID, e.GUID, e.Type = 0, 0, "", episodes.EpisodeFull
		e.Audio.Key, e.Audio.ContentType, e.Audio.SHA256 = "a/evil.mp3", "audio/mpeg", strings.Repeat("b", 64)
		e.ImageKey = ""
		for i := range e.Chapters {
			e.Chapters[i].URL, e.Chapters[i].Img = breakoutURL, ""
		}
		e.References[0].URL, e.References[0].DOI = breakoutURL, `10.1000/"><script>alert(1)</script>`
		e.Guests[0].Href, e.Guests[0].Img, e.Guests[0].Role, e.Guests[0].Group = breakoutURL, breakoutURL, "guest", "cast"
		e.DiscussionURL = breakoutURL
		e.Transcripts[0].Language, e.Transcripts[0].TranslatedFrom = "en", ""
		eps = append(eps, e)
	}
	clk := newClock(t0)
	st, stored := sqliteSite(t, clk, show, eps...)
	if stored[1].Title != hostile || stored[1].Notes != hostileMarkdown || stored[1].Guests[0].Bio != hostile {
		t.Fatalf("the store did not keep the hostile strings: %+v", stored[1])
	}
	b := newBucket(t)
	putObjects(t, b, objects)
	_, lb := serve(t, st, b, clk.Now)
	for name, u := range map[string]string{
		"show":         lb.ShowPage(show.Slug),
		"episode":      lb.EpisodePage(show.Slug, stored[1].Slug),
		"episode, srt": lb.EpisodePage(show.Slug, stored[1].Slug) + "?transcript=sv",
		"episode, txt": lb.EpisodePage(show.Slug, stored[1].Slug) + "?transcript=de",
		"study guide":  lb.StudyGuide(show.Slug, stored[1].Slug),
	} {
		p := get(t, u)
		if p.status != http.StatusOK {
			t.Errorf("%s: status %d", name, p.status)
			continue
		}
		assertNothingLive(t, lb, name, p)
		if h1 := text(p.one(t, "h1")); !strings.Contains(h1, "<script>alert(1)</script>") {
			t.Errorf("%s: h1 %q does not show the title as text", name, h1)
		}
	}
}
