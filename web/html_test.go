package web

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/lyssna/lyssna/internal/htmltest"
)

// page is a fetched and parsed page.
type page struct {
	status int
	header http.Header
	body   string
	doc    *html.Node
}

func get(t testing.TB, url string) page {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b), doc: doc}
}

// sel matches "tag", "tag#id", "tag.class" or "#id".
func sel(s string) func(*html.Node) bool {
	tag, id, class := s, "", ""
	if i := strings.IndexByte(s, '#'); i >= 0 {
		tag, id = s[:i], s[i+1:]
	} else if i := strings.IndexByte(s, '.'); i >= 0 {
		tag, class = s[:i], s[i+1:]
	}
	return func(n *html.Node) bool {
		if tag != "" && n.Data != tag {
			return false
		}
		if id != "" && attr(n, "id") != id {
			return false
		}
		if class != "" && !strings.Contains(" "+attr(n, "class")+" ", " "+class+" ") {
			return false
		}
		return true
	}
}

func (p page) all(s string) []*html.Node { return all(p.doc, sel(s)) }

func (p page) one(t testing.TB, s string) *html.Node {
	t.Helper()
	ns := p.all(s)
	if len(ns) != 1 {
		t.Fatalf("found %d %q elements, want 1", len(ns), s)
	}
	return ns[0]
}

func texts(ns []*html.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = text(n)
	}
	return out
}

func meta(p page, key string) string {
	for _, m := range p.all("meta") {
		if attr(m, "property") == key || attr(m, "name") == key {
			return attr(m, "content")
		}
	}
	return ""
}

// The HTML helpers shared with the producer UI's tests.
var (
	attr    = htmltest.Attr
	hasAttr = htmltest.HasAttr
	all     = htmltest.All
	text    = htmltest.Text
)
