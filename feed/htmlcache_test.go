package feed

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
)

// TestBuildWithHTMLCache checks that a build through the cache gives the
// same bytes as a fresh Build after every kind of change episodeHTML sees,
// even when UpdatedAt did not move.
func TestBuildWithHTMLCache(t *testing.T) {
	hc := newHTMLCache(1 << 30)
	show, eps := serialShow()
	check := func(step string, lb links.Builder) {
		t.Helper()
		got, _, err := build(show, eps, lb, testNow, hc, page{})
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		want, err := Build(show, eps, lb, testNow)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: the cached build differs from a fresh one", step)
		}
	}
	check("first build", testLinks)
	public := len(publicEpisodes(show, eps, testNow))
	if n := hc.len(); n != public {
		t.Fatalf("%d cached episodes, want %d (the public ones)", n, public)
	}
	check("unchanged", testLinks)

	ep := publicEpisodes(show, eps, testNow)[0]
	changes := []struct {
		name   string
		change func()
	}{
		{"notes", func() { ep.Notes = "New *notes*." }},
		{"takeaways", func() { ep.Takeaways = append(ep.Takeaways, "One more.") }},
		{"study questions", func() { ep.StudyQuestions = []string{"Why?"} }},
		{"reference", func() {
			ep.References = append(ep.References, episodes.Reference{Authors: []string{"A. Author"}, Year: 2020, Title: "T", DOI: "10.1/x"})
		}},
		{"reference title", func() { ep.References[len(ep.References)-1].Title = "Another title" }},
		{"reference year", func() { ep.References[len(ep.References)-1].Year = 2021 }},
		{"episode slug", func() { ep.Slug = "renamed" }},
		{"show slug", func() { show.Slug = "renamed-show" }},
	}
	for _, c := range changes {
		c.change()
		check(c.name, testLinks)
	}
	check("another base URL", links.New("https://other.example.org"))

	eps = eps[:0]
	check("no episodes", testLinks)
	if n := hc.len(); n != 0 {
		t.Errorf("%d cached episodes after they all left the feed, want 0", n)
	}
}

// TestHTMLFingerprintCoversReference fails when episodes.Reference gains a
// field: htmlCache.fingerprint must then hash it too.
func TestHTMLFingerprintCoversReference(t *testing.T) {
	if n := reflect.TypeFor[episodes.Reference]().NumField(); n != 8 {
		t.Errorf("episodes.Reference has %d fields, fingerprint hashes 8: update htmlCache.fingerprint and this test", n)
	}
}
