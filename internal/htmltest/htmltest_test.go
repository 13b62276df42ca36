package htmltest

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func parse(t *testing.T, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestLive(t *testing.T) {
	own := func(n *html.Node) bool { return Attr(n, "src") == "/static/app.js" && n.FirstChild == nil }
	tests := []struct {
		name, page string
		allow      []string
		live       bool
	}{
		{"inert text", `<p>&lt;script&gt;alert(1)&lt;/script&gt; <a href="https://x.example/">x</a></p>`, nil, false},
		{"own script", `<script src="/static/app.js"></script>`, nil, false},
		{"foreign script", `<script>alert(1)</script>`, nil, true},
		{"own src with inline body", `<script src="/static/app.js">alert(1)</script>`, nil, true},
		{"event handler", `<img src="x" onerror="alert(1)">`, nil, true},
		{"javascript URL with spaces", `<a href=" java script:alert(1)">x</a>`, nil, true},
		{"data URL", `<iframe src="data:text/html,x"></iframe>`, []string{"iframe"}, true},
		{"form not allowed", `<form action="/x"></form>`, nil, true},
		{"form allowed", `<form action="/x"></form>`, []string{"form"}, false},
		{"meta refresh", `<meta http-equiv="Refresh" content="0;url=https://x.example/">`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Live(parse(t, tt.page), LiveOptions{OwnScript: own, Allow: tt.allow})
			if (len(got) > 0) != tt.live {
				t.Errorf("Live(%s) = %q, want live=%v", tt.page, got, tt.live)
			}
		})
	}
}

func TestTextAndAll(t *testing.T) {
	doc := parse(t, "<ul><li id=a> one\n two </li><li>three</li></ul>")
	lis := All(doc, func(n *html.Node) bool { return n.Data == "li" })
	if len(lis) != 2 || Text(lis[0]) != "one two" || !HasAttr(lis[0], "id") || HasAttr(lis[1], "id") {
		t.Errorf("All/Text/HasAttr: %d items, %q", len(lis), Text(lis[0]))
	}
}
