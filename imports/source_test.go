package imports

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/lyssna/lyssna/episodes"
)

var update = flag.Bool("update", false, "rewrite the golden files of the feed fixtures")

// fixtureFeeds are the fixture feeds shaped like what each host publishes.
var fixtureFeeds = []string{"libsyn", "anchor", "buzzsprout", "podbean", "transistor", "castopod", "podlove", "powerpress", "podcastindex", "namespace"}

// renderFixture fills a fixture feed's template: Base is the test server's
// URL, Host its host:port, Len the size of a generated MP3 by name.
func renderFixture(t testing.TB, name, base string) []byte {
	fail := func(err error) { panic(err) } // t is nil on the origin server's goroutines
	if t != nil {
		t.Helper()
		fail = func(err error) { t.Fatal(err) }
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "feeds", name+".xml"))
	if err != nil {
		fail(err)
	}
	tmpl, err := template.New(name).Delims("{{", "}}").Parse(string(raw))
	if err != nil {
		fail(err)
	}
	var buf bytes.Buffer
	err = tmpl.Execute(&buf, fixtureData{Base: base, Host: strings.TrimPrefix(strings.TrimPrefix(base, "http://"), "https://")})
	if err != nil {
		fail(err)
	}
	return buf.Bytes()
}

type fixtureData struct{ Base, Host string }

// Len is the size of the generated MP3 of that name.
func (fixtureData) Len(name string) int { return len(fixtureMP3(name)) }

// TestParseFixtures maps every fixture feed and compares every field of
// the show and of every item with a golden file (go test -update rewrites
// them; read the diff).
func TestParseFixtures(t *testing.T) {
	t.Parallel()
	for _, name := range fixtureFeeds {
		t.Run(name, func(t *testing.T) {
			data := renderFixture(t, name, "http://feeds.test")
			src, err := ParseFeed(data, "https://old.example/"+name+"/feed.xml/", 100)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(src, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./imports -run TestParseFixtures -update)", err)
			}
			if string(bytes.TrimSpace(want)) != string(got) {
				t.Errorf("%s differs from its golden file; the mapping is now:\n%s", name, got)
			}
		})
	}
}

func TestParseSpecifics(t *testing.T) {
	t.Parallel()
	src, err := ParseFeed(renderFixture(t, "powerpress", "http://feeds.test"), "https://teachinghour.example.org/feed/podcast/", 0)
	if err != nil {
		t.Fatal(err)
	}
	if g := src.Items[1].GUID; g != " TeachingHour-Ep-ABC " {
		t.Errorf("guid = %q, want it exactly as published, spaces and case kept", g)
	}
	if d := src.Items[1].PubDate.Format("2006-01-02T15:04:05Z07:00"); d != "2023-11-04T14:00:00Z" {
		t.Errorf("EST pubDate = %s", d)
	}
	notes := src.Items[0].Notes
	for _, bad := range []string{"javascript", "onclick", "onerror", "<img", "steal"} {
		if strings.Contains(notes, bad) {
			t.Errorf("notes keep %q: %s", bad, notes)
		}
	}
	if !strings.Contains(notes, "[the book](https://example.org/book)") {
		t.Errorf("notes lost the safe link: %s", notes)
	}
	// No podcast:guid: computed from the old feed URL by the namespace's rule.
	if want := episodes.PodcastGUID("teachinghour.example.org/feed/podcast"); src.Show.GUID != want {
		t.Errorf("show guid = %s, want %s", src.Show.GUID, want)
	}
	podlove, _ := ParseFeed(renderFixture(t, "podlove", "http://feeds.test"), "https://sendung.example.de/feed/mp3/", 0)
	if cs := podlove.Items[0].Chapters; len(cs) != 2 || cs[1].StartMS != 1000 || cs[1].Title != "Feedback" {
		t.Errorf("psc:chapters = %+v", cs)
	}
	pc, _ := ParseFeed(renderFixture(t, "podcastindex", "http://feeds.test"), "https://mp3s.nashownotes.com/pc20rss.xml", 0)
	if pc.Show.GUID != "917393e3-1b1e-5cef-ace4-edaa54e1f810" {
		t.Errorf("computed podcast:guid = %s, want the spec's test vector", pc.Show.GUID)
	}
}

// TestHostileXML proves external entities and entity expansion are
// refused, not resolved, and that the refusal is quick and small: the
// parser never fetches or reads anything and never builds the billion
// "lol"s.
func TestHostileXML(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"xxe", "laughs"} {
		data := renderFixture(t, name, "http://127.0.0.1:1")
		_, err := ParseFeed(data, "https://x.example/feed", 0)
		if err == nil || !strings.Contains(err.Error(), "entity") {
			t.Errorf("%s: err = %v, want an entity error", name, err)
		}
	}
	var many bytes.Buffer
	many.WriteString(`<rss><channel><title>t</title>`)
	for i := range 101 {
		fmt.Fprintf(&many, "<item><guid>%d</guid></item>", i)
	}
	many.WriteString(`</channel></rss>`)
	if _, err := ParseFeed(many.Bytes(), "https://x.example/feed", 100); !errors.Is(err, ErrTooManyItems) {
		t.Errorf("101 items over a limit of 100: %v", err)
	}
	deep := "<rss><channel>" + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + "</channel></rss>"
	if _, err := ParseFeed([]byte(deep), "https://x.example/feed", 0); err == nil {
		t.Error("100-deep nesting accepted")
	}
	for _, notFeed := range []string{"<html><body>hi</body></html>", "", "not xml", "<rss></rss>"} {
		if _, err := ParseFeed([]byte(notFeed), "https://x.example/feed", 0); err == nil {
			t.Errorf("%q accepted as a feed", notFeed)
		}
	}
}

func TestHTMLToMarkdown(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"<p>One</p><p>Two &amp; <b>three</b></p>":                      "One\n\nTwo & **three**",
		`<a href="https://x.org/a">x</a> <a href="javascript:1">y</a>`: "[x](https://x.org/a) y",
		"<ul><li>a</li><li>b</li></ul>":                                "- a\n- b",
		"<ol><li>a</li><li>b</li></ol>":                                "1. a\n2. b",
		"plain *text*\nline two":                                       "plain \\*text\\*\nline two",
		"<script>alert(1)</script>ok<style>p{}</style>":                "ok",
		"a<br>b": "a  \nb",
	} {
		if got := htmlToMarkdown(in); got != want {
			t.Errorf("htmlToMarkdown(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
