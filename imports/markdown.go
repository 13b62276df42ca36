package imports

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// htmlToMarkdown turns a feed's HTML show notes into the Markdown that
// producers write: paragraphs, line breaks, links (http, https and mailto
// only), lists, emphasis and headings survive; every other tag is dropped
// with its markup (script, style, iframe and the like with their content).
// Text is escaped so that it stays text. The result goes through the same
// renderer as a producer's own notes (goldmark with raw HTML off, then
// bluemonday), so nothing in a hostile feed reaches a page as markup.
// Plain text (no tags) keeps its line breaks.
func htmlToMarkdown(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return tidyMarkdown(escapeMarkdown(s))
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	var links []string // hrefs of the open <a> elements ("" for a dropped one)
	var lists []listState
	skip := 0 // depth inside script, style and the like
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		name := tok.Data
		switch tt {
		case html.TextToken:
			if skip > 0 {
				continue
			}
			b.WriteString(escapeMarkdown(collapseSpace(tok.Data)))
		case html.StartTagToken, html.SelfClosingTagToken:
			if skipped[name] {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch name {
			case "p", "div", "blockquote", "section", "article", "table", "tr":
				b.WriteString("\n\n")
			case "br":
				b.WriteString("  \n")
			case "h1", "h2", "h3", "h4", "h5", "h6":
				b.WriteString("\n\n" + strings.Repeat("#", int(name[1]-'0')) + " ")
			case "strong", "b":
				b.WriteString("**")
			case "em", "i":
				b.WriteString("*")
			case "ul", "ol":
				lists = append(lists, listState{ordered: name == "ol"})
				b.WriteString("\n")
			case "li":
				b.WriteString("\n")
				if n := len(lists); n > 0 {
					b.WriteString(strings.Repeat("  ", n-1))
					if lists[n-1].ordered {
						lists[n-1].n++
						b.WriteString(itoa(lists[n-1].n) + ". ")
					} else {
						b.WriteString("- ")
					}
				} else {
					b.WriteString("- ")
				}
			case "a":
				href := safeHref(attrOf(tok, "href"))
				links = append(links, href)
				if href != "" {
					b.WriteString("[")
				}
			}
		case html.EndTagToken:
			if skipped[name] {
				if skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch name {
			case "p", "div", "blockquote", "section", "article", "table", "h1", "h2", "h3", "h4", "h5", "h6":
				b.WriteString("\n\n")
			case "strong", "b":
				b.WriteString("**")
			case "em", "i":
				b.WriteString("*")
			case "ul", "ol":
				if len(lists) > 0 {
					lists = lists[:len(lists)-1]
				}
				b.WriteString("\n\n")
			case "a":
				if n := len(links); n > 0 {
					if href := links[n-1]; href != "" {
						b.WriteString("](" + strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(href) + ")")
					}
					links = links[:n-1]
				}
			}
		}
	}
	return tidyMarkdown(b.String())
}

type listState struct {
	ordered bool
	n       int
}

var skipped = map[string]bool{"script": true, "style": true, "iframe": true, "object": true, "embed": true,
	"noscript": true, "template": true, "svg": true, "math": true, "head": true, "title": true, "select": true, "textarea": true}

func attrOf(t html.Token, key string) string {
	for _, a := range t.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// safeHref keeps absolute http, https and mailto links, else "".
func safeHref(h string) string {
	u, err := url.Parse(strings.TrimSpace(h))
	if err != nil {
		return ""
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return ""
		}
	case "mailto":
	default:
		return ""
	}
	return u.String()
}

var (
	mdSpecial  = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "|", `\|`)
	spaceRun   = regexp.MustCompile(`[ \t\r\n\f]+`)
	blankLines = regexp.MustCompile(`\n{3,}`)
)

func escapeMarkdown(s string) string {
	return mdSpecial.Replace(s)
}

func collapseSpace(s string) string {
	return spaceRun.ReplaceAllString(s, " ")
}

// tidyMarkdown drops control characters, trailing spaces (but a hard line
// break's two) and runs of blank lines.
func tidyMarkdown(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, "  ") && strings.TrimSpace(l) != "" {
			lines[i] = strings.TrimRight(l, " ") + "  "
		} else {
			lines[i] = strings.TrimRight(l, " \t")
		}
	}
	s = strings.Join(lines, "\n")
	s = blankLines.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(s)
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
