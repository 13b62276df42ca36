package admin

import (
	"bytes"
	"fmt"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown renders the notes preview the way the listener pages render
// notes: goldmark with raw HTML off, then bluemonday's UGC policy. (The web
// package keeps its renderer unexported; this mirrors its settings.)
type markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newMarkdown() *markdown {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowURLSchemes("http", "https", "mailto")
	return &markdown{
		md:     goldmark.New(goldmark.WithExtensions(extension.Linkify, extension.Strikethrough, extension.Table)),
		policy: p,
	}
}

// HTML renders Markdown to sanitised HTML.
func (m *markdown) HTML(src string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("admin: render notes: %w", err)
	}
	return template.HTML(m.policy.SanitizeBytes(buf.Bytes())), nil
}
