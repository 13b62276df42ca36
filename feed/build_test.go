package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	xhtml "golang.org/x/net/html"

	"github.com/lyssna/lyssna/episodes"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

type fixture struct {
	name  string
	build func() (*episodes.Show, []*episodes.Episode)
}

var fixtures = []fixture{{"episodic", episodicShow}, {"serial", serialShow}}

func mustBuild(t testing.TB, show *episodes.Show, eps []*episodes.Episode) []byte {
	t.Helper()
	b, err := Build(show, eps, testLinks, testNow)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return b
}

// expectedItems is the feed order the spec asks for, computed independently
// of Build: public episodes only; episodic newest first, serial oldest first.
func expectedItems(show *episodes.Show, eps []*episodes.Episode) []*episodes.Episode {
	var out []*episodes.Episode
	for _, ep := range eps {
		if ep.IsPublic(testNow) {
			out = append(out, ep)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0; j-- {
			older := out[j].PublishAt.Before(*out[j-1].PublishAt)
			if older != (show.Type == episodes.TypeSerial) {
				break
			}
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestBuildParsesWithGofeed(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			show, eps := fx.build()
			f, err := gofeed.NewParser().Parse(bytes.NewReader(mustBuild(t, show, eps)))
			if err != nil {
				t.Fatalf("gofeed: %v", err)
			}
			if f.Title != show.Title || f.Language != show.Language || f.Link != testLinks.ShowPage(show.Slug) || f.Copyright != show.Copyright {
				t.Errorf("channel = %q %q %q %q", f.Title, f.Language, f.Link, f.Copyright)
			}
			if f.FeedLink != testLinks.Feed(show.Slug) {
				t.Errorf("atom self link = %q, want %q", f.FeedLink, testLinks.Feed(show.Slug))
			}
			it := f.ITunesExt
			if it == nil {
				t.Fatal("no itunes channel tags")
			}
			if it.Explicit != strconv.FormatBool(show.Explicit) || it.Type != show.Type || it.Author != show.Author || it.Image != testLinks.ShowImage(show) {
				t.Errorf("itunes explicit=%q type=%q author=%q image=%q", it.Explicit, it.Type, it.Author, it.Image)
			}
			if it.Owner == nil || it.Owner.Email != show.Owner.Email || it.Owner.Name != show.Owner.Name {
				t.Errorf("itunes owner = %+v", it.Owner)
			}
			if wantComplete := map[bool]string{true: "Yes"}[show.Complete]; it.Complete != wantComplete {
				t.Errorf("itunes complete = %q, want %q", it.Complete, wantComplete)
			}
			if len(it.Categories) != len(show.Categories) {
				t.Fatalf("%d categories, want %d", len(it.Categories), len(show.Categories))
			}
			for i, c := range show.Categories {
				got := it.Categories[i]
				if got.Text != c.Category || got.Subcategory == nil || got.Subcategory.Text != c.Subcategory {
					t.Errorf("category %d = %+v, want %+v", i, got, c)
				}
			}

			want := expectedItems(show, eps)
			if len(f.Items) != len(want) {
				t.Fatalf("%d items, want %d", len(f.Items), len(want))
			}
			for i, ep := range want {
				got := f.Items[i]
				if got.GUID != ep.GUID || got.Title != ep.Title || got.Link != testLinks.EpisodePage(show.Slug, ep.Slug) {
					t.Errorf("item %d = %q %q %q, want episode %q", i, got.GUID, got.Title, got.Link, ep.GUID)
				}
				if got.PublishedParsed == nil || !got.PublishedParsed.Equal(*ep.PublishAt) {
					t.Errorf("item %d pubDate = %v, want %v", i, got.PublishedParsed, ep.PublishAt)
				}
				if len(got.Enclosures) != 1 {
					t.Fatalf("item %d: %d enclosures", i, len(got.Enclosures))
				}
				enc := got.Enclosures[0]
				if enc.URL != testLinks.Media(ep.Audio.Key) || enc.Length != strconv.FormatInt(ep.Audio.Size, 10) || enc.Type != ep.Audio.ContentType {
					t.Errorf("item %d enclosure = %+v", i, enc)
				}
				ix := got.ITunesExt
				if ix == nil {
					t.Fatalf("item %d: no itunes tags", i)
				}
				wantDur := strconv.FormatInt(int64((time.Duration(ep.Audio.DurationMS) * time.Millisecond).Round(time.Second).Seconds()), 10)
				if ix.Duration != wantDur {
					t.Errorf("item %d duration = %q, want %q", i, ix.Duration, wantDur)
				}
				if ix.Episode != strconv.Itoa(ep.Number) || ix.Season != strconv.Itoa(ep.Season) || ix.EpisodeType != ep.Type || ix.Explicit != strconv.FormatBool(ep.Explicit) {
					t.Errorf("item %d itunes episode=%q season=%q type=%q explicit=%q", i, ix.Episode, ix.Season, ix.EpisodeType, ix.Explicit)
				}
				if ix.Image != testLinks.EpisodeImage(show, ep) {
					t.Errorf("item %d image = %q, want %q", i, ix.Image, testLinks.EpisodeImage(show, ep))
				}
				if got.Content == "" || !strings.Contains(got.Content, testLinks.EpisodePage(show.Slug, ep.Slug)) {
					t.Errorf("item %d content:encoded lacks the episode page link: %q", i, got.Content)
				}
				for _, tk := range ep.Takeaways {
					if !strings.Contains(got.Content, xhtml.EscapeString(tk)) {
						t.Errorf("item %d content:encoded lacks takeaway %q", i, tk)
					}
				}
			}
		})
	}
}

// podcastDoc reads the podcast: elements with encoding/xml, by namespace URL.
type podcastDoc struct {
	Channel struct {
		GUID   string `xml:"https://podcastindex.org/namespace/1.0 guid"`
		Locked struct {
			Owner string `xml:"owner,attr"`
			Text  string `xml:",chardata"`
		} `xml:"https://podcastindex.org/namespace/1.0 locked"`
		Funding []struct {
			URL  string `xml:"url,attr"`
			Text string `xml:",chardata"`
		} `xml:"https://podcastindex.org/namespace/1.0 funding"`
		Persons    []xmlPerson `xml:"https://podcastindex.org/namespace/1.0 person"`
		Medium     string      `xml:"https://podcastindex.org/namespace/1.0 medium"`
		NewFeedURL string      `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd new-feed-url"`
		Items      []struct {
			GUID struct {
				IsPermaLink string `xml:"isPermaLink,attr"`
				Text        string `xml:",chardata"`
			} `xml:"guid"`
			ITitle      string `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd title"`
			Description string `xml:"description"`
			Season      string `xml:"https://podcastindex.org/namespace/1.0 season"`
			Episode     string `xml:"https://podcastindex.org/namespace/1.0 episode"`
			Transcripts []struct {
				URL      string `xml:"url,attr"`
				Type     string `xml:"type,attr"`
				Language string `xml:"language,attr"`
			} `xml:"https://podcastindex.org/namespace/1.0 transcript"`
			Chapters *struct {
				URL  string `xml:"url,attr"`
				Type string `xml:"type,attr"`
			} `xml:"https://podcastindex.org/namespace/1.0 chapters"`
			Persons []xmlPerson `xml:"https://podcastindex.org/namespace/1.0 person"`
		} `xml:"item"`
	} `xml:"channel"`
}

type xmlPerson struct {
	Role string `xml:"role,attr"`
	Href string `xml:"href,attr"`
	Img  string `xml:"img,attr"`
	Name string `xml:",chardata"`
}

func TestBuildPodcastNamespace(t *testing.T) {
	wantType := map[string]string{episodes.FormatVTT: "text/vtt", episodes.FormatSRT: "application/x-subrip", episodes.FormatText: "text/plain"}
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			show, eps := fx.build()
			var doc podcastDoc
			if err := xml.Unmarshal(mustBuild(t, show, eps), &doc); err != nil {
				t.Fatal(err)
			}
			ch := doc.Channel
			wantMedium := show.Medium
			if wantMedium == "" {
				wantMedium = "podcast"
			}
			if ch.GUID != show.GUID || ch.Medium != wantMedium {
				t.Errorf("podcast:guid %q medium %q", ch.GUID, ch.Medium)
			}
			if ch.Locked.Owner != show.Owner.Email || ch.Locked.Text != map[bool]string{true: "yes", false: "no"}[show.Locked] {
				t.Errorf("podcast:locked = %+v", ch.Locked)
			}
			if len(ch.Funding) != len(show.Funding) {
				t.Errorf("%d podcast:funding, want %d", len(ch.Funding), len(show.Funding))
			}
			for i, f := range show.Funding {
				if ch.Funding[i].URL != f.URL || ch.Funding[i].Text != f.Label {
					t.Errorf("funding %d = %+v", i, ch.Funding[i])
				}
			}
			if len(ch.Persons) != len(show.Hosts) {
				t.Errorf("%d hosts, want %d", len(ch.Persons), len(show.Hosts))
			}
			for i, h := range show.Hosts {
				if p := ch.Persons[i]; p.Name != h.Name || p.Role != "host" || p.Href != h.Href {
					t.Errorf("host %d = %+v", i, p)
				}
			}
			want := expectedItems(show, eps)
			if len(ch.Items) != len(want) {
				t.Fatalf("%d items, want %d", len(ch.Items), len(want))
			}
			for i, ep := range want {
				it := ch.Items[i]
				if it.GUID.Text != ep.GUID || it.GUID.IsPermaLink != "false" || it.ITitle != ep.Title {
					t.Errorf("item %d guid %+v itunes:title %q", i, it.GUID, it.ITitle)
				}
				if it.Season != strconv.Itoa(ep.Season) || it.Episode != strconv.Itoa(ep.Number) {
					t.Errorf("item %d podcast:season %q episode %q", i, it.Season, it.Episode)
				}
				if len(it.Transcripts) != len(ep.Transcripts) {
					t.Fatalf("item %d: %d transcripts, want %d", i, len(it.Transcripts), len(ep.Transcripts))
				}
				for j, tr := range ep.Transcripts {
					got := it.Transcripts[j]
					if got.URL != testLinks.Media(tr.Key) || got.Type != wantType[tr.Format] || got.Language != tr.Language {
						t.Errorf("item %d transcript %d = %+v", i, j, got)
					}
				}
				switch {
				case len(ep.Chapters) == 0 && it.Chapters != nil:
					t.Errorf("item %d has podcast:chapters without chapters", i)
				case len(ep.Chapters) > 0 && (it.Chapters == nil || it.Chapters.URL != testLinks.Chapters(show.Slug, ep.Slug) || it.Chapters.Type != "application/json+chapters"):
					t.Errorf("item %d podcast:chapters = %+v", i, it.Chapters)
				}
				if len(it.Persons) != len(ep.Guests) {
					t.Fatalf("item %d: %d guests, want %d", i, len(it.Persons), len(ep.Guests))
				}
				for j, g := range ep.Guests {
					if p := it.Persons[j]; p.Name != g.Name || p.Role != "guest" || p.Href != g.Href || p.Img != g.Img {
						t.Errorf("item %d guest %d = %+v", i, j, p)
					}
				}
			}
		})
	}
}

func TestBuildGolden(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			show, eps := fx.build()
			got := mustBuild(t, show, eps)
			if again := mustBuild(t, show, eps); !bytes.Equal(got, again) {
				t.Fatal("two builds of the same input differ")
			}
			path := filepath.Join("testdata", fx.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./feed -run Golden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("feed differs from %s (run with -update if the change is intended)\n%s", path, got)
			}
		})
	}
}

func TestBuildMovedShow(t *testing.T) {
	show, eps := episodicShow()
	show.NewFeedURL = "https://elsewhere.example.com/feed"
	show.Block = true
	var doc podcastDoc
	b := mustBuild(t, show, eps)
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Channel.NewFeedURL != show.NewFeedURL {
		t.Errorf("itunes:new-feed-url = %q", doc.Channel.NewFeedURL)
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if f.ITunesExt.Block != "Yes" || f.ITunesExt.NewFeedURL != show.NewFeedURL {
		t.Errorf("itunes block %q new-feed-url %q", f.ITunesExt.Block, f.ITunesExt.NewFeedURL)
	}
}

// hostile is text meant to break XML or smuggle markup.
const hostile = "<script>alert('x')</script> ]]> & \" ' <b>bold</b> \x00\x01\x08\x0b\x1b\ufffe <![CDATA[ x ]]> " +
	`<a href="javascript:alert(1)">js</a> <img src=x onerror=alert(1)> [md](javascript:alert(2)) <iframe></iframe>` + "\xff"

func hostileShow() (*episodes.Show, []*episodes.Episode) {
	show, eps := serialShow()
	show.Title, show.Description, show.Author, show.Copyright = hostile, hostile, hostile, hostile
	show.Owner = episodes.Owner{Name: hostile, Email: hostile}
	show.Categories = []episodes.Category{{Category: hostile, Subcategory: hostile}}
	show.Funding = []episodes.Funding{{URL: hostile, Label: hostile}}
	show.Hosts = []episodes.Person{{Name: hostile, Href: hostile, Img: hostile, Role: hostile, Group: hostile}}
	show.Language, show.GUID, show.Medium, show.NewFeedURL, show.Slug = hostile, hostile, hostile, hostile, hostile
	for _, ep := range eps {
		ep.Title, ep.Notes, ep.GUID, ep.Slug, ep.ImageKey = hostile, hostile+"\n\n"+hostile, hostile, hostile, hostile
		ep.Audio.Key, ep.Audio.ContentType = hostile, hostile
		ep.Takeaways = []string{hostile}
		ep.StudyQuestions = []string{hostile}
		ep.References = []episodes.Reference{{Authors: []string{hostile}, Title: hostile, Container: hostile, Publisher: hostile, URL: hostile, Note: hostile}}
		ep.Guests = []episodes.Person{{Name: hostile, Href: hostile, Img: hostile}}
		ep.Chapters = []episodes.Chapter{{Title: hostile, URL: hostile, Img: hostile}}
		ep.Transcripts = []episodes.Transcript{{Language: hostile, Format: hostile, Key: hostile}}
	}
	return show, eps
}

func TestBuildHostileText(t *testing.T) {
	show, eps := hostileShow()
	b := mustBuild(t, show, eps)

	// Well-formed: a strict decoder reads every token.
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
	}
	var doc struct {
		Channel struct {
			Description string `xml:"description"`
			Items       []struct {
				Description string `xml:"description"`
				Content     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Channel.Items) != len(eps) {
		t.Fatalf("%d items, want %d", len(doc.Channel.Items), len(eps))
	}
	checkAppleHTML(t, "channel description", doc.Channel.Description)
	for i, it := range doc.Channel.Items {
		checkAppleHTML(t, fmt.Sprintf("item %d description", i), it.Description)
		checkAppleHTML(t, fmt.Sprintf("item %d content:encoded", i), it.Content)
	}
	if _, err := gofeed.NewParser().Parse(bytes.NewReader(b)); err != nil {
		t.Errorf("gofeed: %v", err)
	}
}

// checkAppleHTML fails unless h holds only p, ol, ul, li and a elements, and
// every a has only an absolute http(s) href.
func checkAppleHTML(t *testing.T, what, h string) {
	t.Helper()
	allowed := map[string]bool{"p": true, "ol": true, "ul": true, "li": true, "a": true}
	z := xhtml.NewTokenizer(strings.NewReader(h))
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			tok := z.Token()
			if !allowed[tok.Data] {
				t.Errorf("%s: live <%s> element in %q", what, tok.Data, h)
			}
			for _, a := range tok.Attr {
				if tok.Data != "a" || a.Key != "href" || !(strings.HasPrefix(a.Val, "https://") || strings.HasPrefix(a.Val, "http://")) {
					t.Errorf("%s: attribute %s=%q on <%s>", what, a.Key, a.Val, tok.Data)
				}
			}
		case xhtml.CommentToken, xhtml.DoctypeToken:
			t.Errorf("%s: comment or doctype in %q", what, h)
		}
	}
}

func TestBuildLongNotes(t *testing.T) {
	show, eps := episodicShow()
	var notes strings.Builder
	for i := 0; notes.Len() < 50000; i++ {
		fmt.Fprintf(&notes, "Paragraph %d with a [link](https://example.org/%d) & some <escaped> text, ä ö ü.\n\n- item %d\n- item\n\n", i, i, i)
	}
	show.Description = notes.String()
	for _, ep := range eps {
		ep.Notes = notes.String()
	}
	var doc struct {
		Channel struct {
			Description string `xml:"description"`
			Items       []struct {
				Description string `xml:"description"`
				Content     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(mustBuild(t, show, eps), &doc); err != nil {
		t.Fatal(err)
	}
	descs := []string{doc.Channel.Description}
	for _, it := range doc.Channel.Items {
		descs = append(descs, it.Description)
		if len(it.Content) <= 4000 {
			t.Errorf("content:encoded was cut to %d bytes; only description is limited", len(it.Content))
		}
	}
	for i, d := range descs {
		if len(d) > 4000 || len(d) < 3000 {
			t.Errorf("description %d is %d bytes, want 3000..4000", i, len(d))
		}
		checkAppleHTML(t, "long description", d)
		checkBalanced(t, d)
	}
}

// checkBalanced fails unless every element in h is closed in order.
func checkBalanced(t *testing.T, h string) {
	t.Helper()
	var open []string
	z := xhtml.NewTokenizer(strings.NewReader(h))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			if len(open) > 0 {
				t.Errorf("unclosed %v at the end of %q", open, h[max(0, len(h)-200):])
			}
			return
		case xhtml.StartTagToken:
			name, _ := z.TagName()
			open = append(open, string(name))
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) {
				t.Errorf("</%s> does not close %v", name, open)
				return
			}
			open = open[:len(open)-1]
		}
	}
}

func TestTruncateHTML(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
	}{
		{"fits", "<p>short</p>", 100},
		{"cut between blocks", "<p>one</p><p>two two two</p><ul><li>x</li></ul>", 24},
		{"cut inside text at a space", "<p>alpha beta gamma delta</p>", 20},
		{"cut inside a link", `<p>see <a href="https://example.org/x">a long link text here</a> after</p>`, 52},
		{"entities are not split", "<p>a &amp; b &lt; c &gt; d &amp; e</p>", 18},
		{"multibyte runes are not split", "<p>åäöåäöåäöåäöåäöåäö</p>", 16},
		{"no room at all", "<ul><li>x</li></ul>", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := truncateHTML(tt.in, tt.limit)
			if len(got) > tt.limit {
				t.Errorf("%q is %d bytes, over %d", got, len(got), tt.limit)
			}
			if len(tt.in) <= tt.limit && got != tt.in {
				t.Errorf("%q changed to %q although it fits", tt.in, got)
			}
			if !strings.HasPrefix(textOf(tt.in), strings.TrimSuffix(textOf(got), "…")) {
				t.Errorf("%q is not a prefix cut of %q", got, tt.in)
			}
			if !utf8Valid(got) {
				t.Errorf("%q is not valid UTF-8", got)
			}
			if strings.Contains(got, "&") && strings.Count(got, "&") != strings.Count(got, ";") {
				t.Errorf("%q splits an entity", got)
			}
			checkBalanced(t, got)
		})
	}
}

// textOf is the unescaped text of an HTML fragment.
func textOf(h string) string {
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(h))
	for tt := z.Next(); tt != xhtml.ErrorToken; tt = z.Next() {
		if tt == xhtml.TextToken {
			b.Write(z.Text())
		}
	}
	return b.String()
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }

func TestChaptersJSON(t *testing.T) {
	_, eps := serialShow()
	ep := eps[0]
	// Out of order on purpose: the file lists them by start time.
	ep.Chapters[0], ep.Chapters[1] = ep.Chapters[1], ep.Chapters[0]
	b, err := ChaptersJSON(ep)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version  string `json:"version"`
		Chapters []struct {
			StartTime float64 `json:"startTime"`
			Title     string  `json:"title"`
			URL       string  `json:"url"`
			Img       string  `json:"img"`
		} `json:"chapters"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if got.Version != "1.2.0" || len(got.Chapters) != len(ep.Chapters) {
		t.Fatalf("chapters file = %s", b)
	}
	for i := 1; i < len(got.Chapters); i++ {
		if got.Chapters[i].StartTime < got.Chapters[i-1].StartTime {
			t.Errorf("chapters out of order: %s", b)
		}
	}
	for _, c := range ep.Chapters {
		found := false
		for _, g := range got.Chapters {
			if g.Title == c.Title && g.URL == c.URL && g.Img == c.Img && g.StartTime == float64(c.StartMS)/1000 {
				found = true
			}
		}
		if !found {
			t.Errorf("chapter %+v missing from %s", c, b)
		}
	}
	if _, err := ChaptersJSON(nil); err == nil {
		t.Error("ChaptersJSON(nil) gave no error")
	}
}
