package kit

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestParsePagesPartials: a page parses the shared files and its own
// partials only, and a call of a template that none of a page's files
// defines, however deep in its actions, fails at parse time.
func TestParsePagesPartials(t *testing.T) {
	fsys := fstest.MapFS{
		"t/base.html":   {Data: []byte(`{{define "base"}}<main>{{block "content" .}}{{end}}</main>{{end}}`)},
		"t/fields.html": {Data: []byte(`{{define "field"}}<input name="{{.}}">{{end}}`)},
		"t/plain.html":  {Data: []byte(`{{define "content"}}plain{{end}}`)},
		"t/form.html":   {Data: []byte(`{{define "content"}}{{if .}}{{range .}}{{with .}}{{template "field" .}}{{end}}{{end}}{{end}}{{end}}`)},
		"t/else.html":   {Data: []byte(`{{define "content"}}{{if .}}x{{else}}{{template "field" .}}{{end}}{{end}}`)},
	}
	parse := func(names []string, partials map[string][]string) (*Pages, error) {
		return ParsePages(fsys, "t", []string{"base.html"}, names, partials, nil, Options{})
	}
	p, err := parse([]string{"plain.html", "form.html"}, map[string][]string{"form.html": {"fields.html"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.pages["plain.html"].Lookup("field") != nil {
		t.Error("plain.html holds the partial it does not use")
	}
	var b strings.Builder
	if err := p.pages["form.html"].ExecuteTemplate(&b, "base", []string{"a"}); err != nil || b.String() != `<main><input name="a"></main>` {
		t.Errorf("form.html: %q, %v", b.String(), err)
	}
	for _, tc := range []struct {
		name     string
		names    []string
		partials map[string][]string
		want     string
	}{
		{"call in range in with", []string{"form.html"}, nil, `"content" calls template "field"`},
		{"call in else", []string{"else.html"}, nil, `"content" calls template "field"`},
		{"partials of no page", []string{"plain.html"}, map[string][]string{"form.html": {"fields.html"}}, "not a page"},
	} {
		if _, err := parse(tc.names, tc.partials); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %s", tc.name, err, tc.want)
		}
	}
}
