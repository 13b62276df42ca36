package imports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// node is one element of a parsed feed, with its namespace reduced to the
// prefix Lyssna knows it by ("itunes", "podcast", "content", "atom"; ""
// for plain RSS; "?" for any other).
type node struct {
	name  string // "title", "itunes:title", "podcast:transcript"
	attrs map[string]string
	text  string
	kids  []*node
}

// Bounds of the tree, on top of the feed's byte limit: deep nesting and
// countless tiny elements cost more than their bytes.
const (
	maxDepth = 32
	maxNodes = 2_000_000
)

// ErrNotAFeed means the document is not an RSS feed.
var ErrNotAFeed = errors.New("imports: the document is not an RSS feed")

var namespaces = map[string]string{
	"http://www.itunes.com/dtds/podcast-1.0.dtd":                                  "itunes",
	"https://podcastindex.org/namespace/1.0":                                      "podcast",
	"http://podcastindex.org/namespace/1.0":                                       "podcast",
	"https://github.com/podcastindex-org/podcast-namespace/blob/main/docs/1.0.md": "podcast",
	"http://purl.org/rss/1.0/modules/content/":                                    "content",
	"http://www.w3.org/2005/atom":                                                 "atom",
	"http://podlove.org/simple-chapters":                                          "psc",
}

func prefixOf(space string) string {
	if space == "" {
		return ""
	}
	if p, ok := namespaces[strings.ToLower(strings.TrimSpace(space))]; ok {
		return p
	}
	return "?"
}

// parseTree reads an XML document into a tree. encoding/xml never loads
// external entities and, with no Entity map, refuses every entity but the
// five predefined ones, so neither XXE nor entity expansion ("billion
// laughs") can happen: such a document is an error. A DOCTYPE is skipped.
func parseTree(data []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = charset.NewReaderLabel
	var stack []*node
	var root *node
	count := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("imports: the feed is not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			if count > maxNodes {
				return nil, fmt.Errorf("imports: the feed has more than %d elements", maxNodes)
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("imports: the feed nests elements more than %d deep", maxDepth)
			}
			n := &node{name: t.Name.Local}
			if p := prefixOf(t.Name.Space); p != "" {
				n.name = p + ":" + t.Name.Local
			}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				if n.attrs == nil {
					n.attrs = map[string]string{}
				}
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.kids = append(parent.kids, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil || root.name != "rss" || root.kid("channel") == nil {
		return nil, ErrNotAFeed
	}
	return root, nil
}

// kid is n's first child named name, or nil.
func (n *node) kid(name string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// all is n's children named name.
func (n *node) all(name string) []*node {
	var out []*node
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

// str is the trimmed text of n's first child named name, or "".
func (n *node) str(name string) string {
	if k := n.kid(name); k != nil {
		return strings.TrimSpace(k.text)
	}
	return ""
}

// attr is n's attribute, or "" (also for a nil n).
func (n *node) attr(name string) string {
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.attrs[name])
}
