package admin

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/internal/htmltest"
)

const hostile = `<script>alert(1)</script>"'><img src=x onerror=alert(1)><a href="javascript:alert(2)" onclick="alert(3)">x</a></script><!--`

// checkInert fails when the page has markup that would run: a script other
// than the admin's own files, an event handler, a script URL. The admin pages
// themselves use forms and row templates.
func checkInert(t *testing.T, label string, p resp) {
	t.Helper()
	own := func(n *htmlNode) bool {
		return n.FirstChild == nil && strings.HasPrefix(attr(n, "src"), "/admin/static/")
	}
	for _, problem := range htmltest.Live(p.doc, htmltest.LiveOptions{OwnScript: own, Allow: []string{"form", "template"}}) {
		t.Errorf("%s: %s", label, problem)
	}
}

func TestHostileText(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	// Every text field of a show takes the hostile string.
	p := c.post("/admin/shows/new", url.Values{"slug": {"evil"}, "title": {hostile}, "description": {hostile}, "author": {hostile},
		"owner.name": {hostile}, "language": {"en"}, "copyright": {hostile}, "hosts[0].name": {hostile}, "hosts[0].role": {hostile},
		"funding[0].url": {"https://x.example/"}, "funding[0].label": {hostile}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.status, text(p.byID("error-summary")))
	}
	sh := c.e.mustShow(t, "evil")
	ep := c.uploadEpisode(t, sh, "cbr.mp3")
	u := episodeAdminURL(sh, ep)
	f := formOf(t, c.get(u), u)
	for _, k := range []string{"title", "notes", "takeaways[0]", "study_questions[0]", "references[0].title", "references[0].authors",
		"references[0].container", "references[0].publisher", "references[0].note", "guests[0].name", "guests[0].role", "guests[0].bio"} {
		f.Set(k, hostile)
	}
	f.Set("notes", hostile+"\n\n[x](javascript:alert(1)) <img src=x onerror=alert(2)>")
	f.Set("action", "save")
	if p := c.post(u, f); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", p.status, text(p.byID("error-summary")))
	}
	c.upload(u+"transcripts", [][2]string{{"language", "en"}}, hostile+".vtt", []byte("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v "+hostile+">"+hostile+"\n"))
	c.post(u+"publish", url.Values{"when": {"now"}})

	pages := map[string]resp{
		"show list":    c.get("/admin/"),
		"show page":    c.get("/admin/shows/evil/"),
		"show form":    c.get("/admin/shows/evil/edit"),
		"episode page": c.get(u),
	}
	f = formOf(t, pages["episode page"], u)
	f.Set("action", "preview")
	pages["notes preview"] = c.post(u, f)
	// Invalid hostile values come back in the form, escaped.
	f.Set("action", "save")
	f.Set("discussion_url", `javascript:alert(1)"><script>alert(1)</script>`)
	f.Set("season", hostile)
	pages["episode form with errors"] = c.post(u, f)
	pages["show form with errors"] = c.post("/admin/shows/new", url.Values{"slug": {hostile}, "title": {hostile}, "link": {"javascript:alert(1)"}, "language": {hostile}})
	pages["sign-in next"] = e.client(t).get("/admin/signin?next=" + url.QueryEscape(`"><script>alert(1)</script>`))
	pages["bad transcript"] = c.upload(u+"transcripts", [][2]string{{"language", hostile}}, "x.vtt", []byte("WEBVTT\n"))
	for label, p := range pages {
		checkInert(t, label, p)
	}
	if !strings.Contains(text(pages["show page"].doc), "<script>alert(1)</script>") {
		t.Error("the show page does not show the hostile title as text")
	}
}
