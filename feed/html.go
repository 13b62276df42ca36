package feed

import (
	"bytes"
	"fmt"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	xhtml "golang.org/x/net/html"

	"github.com/lyssna/lyssna/episodes"
)

// maxDescription is Apple's limit for a channel or item description, in bytes.
const maxDescription = 4000

// renderer turns show notes into the HTML that Apple allows in a feed.
// One is made per build; both parts are safe for concurrent use anyway.
type renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
	buf    bytes.Buffer
}

func newRenderer() *renderer {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "ol", "ul", "li")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https")
	p.AllowRelativeURLs(false)
	p.RequireParseableURLs(true)
	return &renderer{md: goldmark.New(), policy: p}
}

// headings become paragraphs: Apple drops h1-h6, and their text would
// otherwise run into the next paragraph.
var headingToParagraph = strings.NewReplacer(
	"<h1>", "<p>", "</h1>", "</p>", "<h2>", "<p>", "</h2>", "</p>",
	"<h3>", "<p>", "</h3>", "</p>", "<h4>", "<p>", "</h4>", "</p>",
	"<h5>", "<p>", "</h5>", "</p>", "<h6>", "<p>", "</h6>", "</p>",
	"<pre>", "<p>", "</pre>", "</p>", "<hr>", "", "<br>", " ",
)

// markdown renders Markdown to unsanitised HTML (goldmark drops raw HTML).
func (r *renderer) markdown(src string) (string, error) {
	r.buf.Reset()
	if err := r.md.Convert([]byte(cleanText(src)), &r.buf); err != nil {
		return "", fmt.Errorf("feed: unable to render markdown: %w", err)
	}
	return headingToParagraph.Replace(r.buf.String()), nil
}

// sanitize keeps only the tags Apple allows: p, ol, ul, li and a with an
// absolute http(s) href.
func (r *renderer) sanitize(h string) string {
	return strings.TrimSpace(r.policy.Sanitize(h))
}

// episodeHTML is an episode's full show notes: the notes, the takeaways, the
// study questions and the references as lists, then the tail (the
// discussion link and a link to the episode page). It returns the body and
// the tail apart, sanitised, so that a cut description can keep the tail.
func (r *renderer) episodeHTML(ep *episodes.Episode, pageURL string) (body, tail string, err error) {
	notes, err := r.markdown(ep.Notes)
	if err != nil {
		return "", "", err
	}
	var b strings.Builder
	b.WriteString(notes)
	list := func(heading, tag string, items []string) {
		if len(items) == 0 {
			return
		}
		b.WriteString("<p>" + heading + "</p><" + tag + ">")
		for _, it := range items {
			b.WriteString("<li>" + esc(it) + "</li>")
		}
		b.WriteString("</" + tag + ">")
	}
	list("Takeaways", "ul", ep.Takeaways)
	list("Study questions", "ol", ep.StudyQuestions)
	if len(ep.References) > 0 {
		b.WriteString("<p>References</p><ul>")
		for _, ref := range ep.References {
			b.WriteString("<li>" + referenceHTML(ref) + "</li>")
		}
		b.WriteString("</ul>")
	}
	var t strings.Builder
	if ep.DiscussionURL != "" {
		t.WriteString(`<p>Discussion: <a href="` + esc(ep.DiscussionURL) + `">` + esc(ep.DiscussionURL) + "</a></p>")
	}
	t.WriteString(`<p><a href="` + esc(pageURL) + `">` + "Episode page, transcript and study guide" + "</a></p>")
	return r.sanitize(b.String()), r.sanitize(t.String()), nil
}

// referenceHTML formats a citation: Authors (Year). Title. Container. Publisher. Note. Link.
func referenceHTML(ref episodes.Reference) string {
	var parts []string
	head := strings.Join(ref.Authors, ", ")
	if ref.Year > 0 {
		head = strings.TrimSpace(head + fmt.Sprintf(" (%d)", ref.Year))
	}
	for _, s := range []string{head, ref.Title, ref.Container, ref.Publisher, ref.Note} {
		if s = strings.TrimSpace(cleanText(s)); s != "" {
			parts = append(parts, esc(strings.TrimRight(s, ".")))
		}
	}
	out := strings.Join(parts, ". ")
	if out != "" {
		out += "."
	}
	switch {
	case ref.URL != "":
		out += ` <a href="` + esc(ref.URL) + `">` + esc(ref.URL) + "</a>"
	case ref.DOI != "":
		// The DOI reads as written; only the link is percent-encoded.
		out += ` <a href="` + esc(episodes.DOIURL(ref.DOI)) + `">https://doi.org/` + esc(ref.DOI) + "</a>"
	}
	return out
}

func esc(s string) string { return html.EscapeString(cleanText(s)) }

// cleanText drops the characters XML 1.0 forbids (most C0 controls, lone
// surrogates, U+FFFE/U+FFFF); invalid UTF-8 becomes U+FFFD. CDATA sections
// are written verbatim, so this is what keeps them well-formed.
func cleanText(s string) string {
	ok := true
	for _, r := range s {
		if !xmlChar(r) || r == utf8.RuneError {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if !xmlChar(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// truncateHTML cuts well-formed HTML (as the sanitiser writes it) to at most
// limit bytes. It cuts at a tag boundary, or inside a text at a word boundary
// with an ellipsis, and closes every element it leaves open.
func truncateHTML(h string, limit int) string {
	if len(h) <= limit {
		return h
	}
	const ellipsis = "…"
	z := xhtml.NewTokenizer(strings.NewReader(h))
	var out strings.Builder
	var open []string // names of open elements
	closing := 0      // bytes needed to close them
	finish := func() string {
		for i := len(open) - 1; i >= 0; i-- {
			out.WriteString("</" + open[i] + ">")
		}
		return out.String()
	}
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return finish()
		}
		raw := string(z.Raw())
		switch tt {
		case xhtml.StartTagToken:
			name, _ := z.TagName()
			n := string(name)
			need := len(raw) + len(n) + 3
			if out.Len()+closing+need > limit {
				return finish()
			}
			out.WriteString(raw)
			open = append(open, n)
			closing += len(n) + 3
		case xhtml.EndTagToken:
			// Closing was already budgeted.
			if len(open) > 0 {
				n := open[len(open)-1]
				open = open[:len(open)-1]
				closing -= len(n) + 3
				out.WriteString("</" + n + ">")
			}
		case xhtml.TextToken:
			if out.Len()+closing+len(raw) <= limit {
				out.WriteString(raw)
				continue
			}
			budget := limit - out.Len() - closing - len(ellipsis)
			out.WriteString(cutText(html.UnescapeString(raw), budget))
			if budget > 0 {
				out.WriteString(ellipsis)
			}
			return finish()
		default:
			// Comments, doctypes and self-closing tags: the sanitiser emits none.
		}
	}
}

// cutText returns the escaped prefix of text that fits in budget bytes,
// preferring to end at a space.
func cutText(text string, budget int) string {
	if budget <= 0 {
		return ""
	}
	size, lastSpace, end := 0, -1, 0
	for i, r := range text {
		n := len(html.EscapeString(string(r)))
		if size+n > budget {
			break
		}
		size += n
		end = i + utf8.RuneLen(r)
		if unicode.IsSpace(r) {
			lastSpace = i
		}
	}
	if lastSpace > 0 && end < len(text) {
		end = lastSpace
	}
	return html.EscapeString(strings.TrimRightFunc(text[:end], unicode.IsSpace))
}
