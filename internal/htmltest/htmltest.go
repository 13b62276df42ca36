// Package htmltest reads HTML pages in tests: finding elements and their
// text, and the one check that no hostile input comes out as live markup,
// shared by the listener pages and the producer UI.
package htmltest

import (
	"strings"

	"golang.org/x/net/html"
)

// Attr is the value of n's attribute key, or "".
func Attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// HasAttr reports whether n carries the attribute key (with any value).
func HasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// All returns the elements below and including n for which match is true,
// in document order.
func All(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// Text is n's text content with runs of white space folded to one space.
func Text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// Render is n as HTML source, for messages.
func Render(n *html.Node) string {
	var b strings.Builder
	html.Render(&b, n)
	return b.String()
}

// LiveOptions says what a page may legitimately contain.
type LiveOptions struct {
	// OwnScript reports whether a <script> element is the application's own.
	OwnScript func(*html.Node) bool
	// Allow names elements the page itself uses that the check would otherwise
	// report (the producer UI has forms and row templates).
	Allow []string
}

// Live lists the markup in doc that a browser would run or that would let
// input take over the page: a script that is not the application's, an event
// handler attribute, a javascript:, vbscript: or data: URL, an element that
// embeds, restyles or redirects, or a meta refresh. An empty list means inert.
func Live(doc *html.Node, opts LiveOptions) []string {
	allowed := map[string]bool{}
	for _, a := range opts.Allow {
		allowed[a] = true
	}
	var found []string
	for _, n := range All(doc, func(*html.Node) bool { return true }) {
		switch n.Data {
		case "script":
			if opts.OwnScript == nil || !opts.OwnScript(n) {
				found = append(found, "a script that is not the application's: "+Render(n))
			}
		case "iframe", "object", "embed", "frame", "base", "form", "svg", "math", "style", "template":
			if !allowed[n.Data] {
				found = append(found, "a <"+n.Data+"> element: "+Render(n))
			}
		case "meta":
			if strings.EqualFold(Attr(n, "http-equiv"), "refresh") {
				found = append(found, "a meta refresh: "+Render(n))
			}
		}
		for _, a := range n.Attr {
			k := strings.ToLower(a.Key)
			if strings.HasPrefix(k, "on") {
				found = append(found, "an event handler attribute on <"+n.Data+">: "+a.Key+"="+a.Val)
			}
			switch k {
			case "href", "src", "action", "formaction", "poster", "data", "srcset", "xlink:href", "content", "cite", "background":
				v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:") {
					found = append(found, "a script or data URL: <"+n.Data+" "+a.Key+"="+a.Val+">")
				}
			}
		}
	}
	return found
}
