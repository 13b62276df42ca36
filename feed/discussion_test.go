package feed

import (
	"encoding/xml"
	"strings"
	"testing"
)

// TestBuildDiscussionLink: the discussion link reaches the item's
// description and content:encoded, after the references, and a description
// cut to Apple's limit keeps it.
func TestBuildDiscussionLink(t *testing.T) {
	const discussion = "https://www.linkedin.com/feed/update/urn:li:activity:1"
	for _, long := range []bool{false, true} {
		show, eps := episodicShow()
		for _, ep := range eps {
			ep.DiscussionURL = discussion
			if long {
				ep.Notes = strings.Repeat("A long paragraph of notes that goes on and on.\n\n", 200)
			}
		}
		var doc struct {
			Items []struct {
				Description string `xml:"description"`
				Content     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			} `xml:"channel>item"`
		}
		if err := xml.Unmarshal(mustBuild(t, show, eps), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Items) == 0 {
			t.Fatal("no items")
		}
		for i, it := range doc.Items {
			for what, h := range map[string]string{"description": it.Description, "content:encoded": it.Content} {
				at := strings.Index(h, `href="`+discussion+`"`)
				if at < 0 {
					t.Errorf("long=%v item %d %s lacks the discussion link:\n%s", long, i, what, h)
					continue
				}
				if refs := strings.Index(h, "<p>References</p>"); refs > at {
					t.Errorf("item %d %s: the discussion link comes before the references", i, what)
				}
				checkAppleHTML(t, what, h)
			}
			if len(it.Description) > maxDescription {
				t.Errorf("item %d description is %d bytes", i, len(it.Description))
			}
		}
	}
}
