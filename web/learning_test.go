package web

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// TestDOIReadsAsWritten: a DOI with brackets, pasted as a doi.org URL,
// shows as written on the page while its link stays a valid URL.
func TestDOIReadsAsWritten(t *testing.T) {
	const doi = "10.1002/(SICI)1097-4636(199606)31:2<181::AID-JBM5>3.0.CO;2-M"
	ep := sampleEpisode("Brackets", at(-time.Hour))
	ep.References[1].URL = ""
	ep.References[1].DOI = "https://doi.org/" + url.PathEscape(doi)
	clk := newClock(t0)
	st, _ := sqliteSite(t, clk, sampleShow(), ep)
	b := newBucket(t)
	putObjects(t, b, sampleObjects)
	_, lb := serve(t, st, b, clk.Now)
	for _, page := range []string{lb.EpisodePage("learning-lab", "brackets"), lb.StudyGuide("learning-lab", "brackets")} {
		p := get(t, page)
		refs := texts(all(p.one(t, "ol.references"), sel("li")))
		if len(refs) != 2 || !strings.HasSuffix(refs[1], "https://doi.org/"+doi) {
			t.Errorf("%s: references = %q, want the DOI as written", page, refs)
		}
		if !slices.ContainsFunc(all(p.one(t, "ol.references"), sel("a")), func(n *html.Node) bool {
			u, err := url.Parse(attr(n, "href"))
			return err == nil && u.Host == "doi.org" && u.Path == "/"+doi
		}) {
			t.Errorf("%s: no valid link to the DOI", page)
		}
	}
}

// TestStudyGuideHasDiscussion: the study guide carries the discussion link.
func TestStudyGuideHasDiscussion(t *testing.T) {
	st, clk, eps := sampleSite(t)
	b := newBucket(t)
	putObjects(t, b, sampleObjects)
	_, lb := serve(t, st, b, clk.Now)
	p := get(t, lb.StudyGuide("learning-lab", "spaced-repetition"))
	if !slices.ContainsFunc(p.all("a"), func(n *html.Node) bool { return attr(n, "href") == eps[1].DiscussionURL }) {
		t.Error("the study guide has no link to the discussion")
	}
	if !slices.ContainsFunc(p.all("h2"), func(n *html.Node) bool { return text(n) == "Discussion" }) {
		t.Error("the study guide has no Discussion section")
	}
}
