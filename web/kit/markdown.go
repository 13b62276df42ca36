package kit

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	gmtext "github.com/yuin/goldmark/text"
	gmutil "github.com/yuin/goldmark/util"
)

// Markdown turns producers' show notes into safe HTML: goldmark with raw
// HTML off, then bluemonday's UGC policy as a second line of defence. The
// listener pages and the admin UI's notes preview both use it, so the preview
// shows what listeners will see. It is safe for concurrent use.
type Markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
	strict *bluemonday.Policy
}

// NewMarkdown builds the renderer; build it once and share it.
func NewMarkdown() *Markdown {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true) // adds rel="noopener" too
	p.AllowURLSchemes("http", "https", "mailto")
	return &Markdown{
		md: goldmark.New(
			goldmark.WithExtensions(extension.Linkify, extension.Strikethrough, extension.Table),
			goldmark.WithParserOptions(parser.WithASTTransformers(gmutil.Prioritized(headingShift{}, 100))),
		),
		policy: p,
		strict: bluemonday.StrictPolicy(),
	}
}

// headingShift moves the notes' headings under the page's own: the notes
// sit under the episode's h1 and the section's h2, so their highest heading
// (whatever level the producer wrote, "#" or "##") becomes h3, and no
// heading goes more than one level below the one before it (axe's
// heading-order rule: "# A" then "### B" becomes h3, h4).
type headingShift struct{}

// notesTopLevel is the level of the notes' highest heading on the page.
const notesTopLevel = 3

func (headingShift) Transform(doc *ast.Document, _ gmtext.Reader, _ parser.Context) {
	var hs []*ast.Heading
	top := 6
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			hs = append(hs, h)
			top = min(top, h.Level)
		}
		return ast.WalkContinue, nil
	})
	prev := notesTopLevel - 1
	for _, h := range hs {
		h.Level = min(h.Level-top+notesTopLevel, prev+1, 6)
		prev = h.Level
	}
}

// HTML renders Markdown to sanitised HTML.
func (m *Markdown) HTML(src string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("web: render notes: %w", err)
	}
	return template.HTML(m.policy.SanitizeBytes(buf.Bytes())), nil
}

// Plain is the rendered HTML as one line of text of at most max runes, for
// meta descriptions and summaries.
func (m *Markdown) Plain(rendered template.HTML, max int) string {
	return Clip(html.UnescapeString(m.strict.Sanitize(string(rendered))), max)
}

// Clip collapses white space and cuts s at a word boundary to at most max runes.
func Clip(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)[:max]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}
