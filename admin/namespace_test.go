package admin

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/feed"
	"github.com/lyssna/lyssna/links"
)

const podrollGUID = "917393e3-1b1e-5cef-ace4-edaa54e1f810"

// TestShowNamespaceForm saves every Podcasting 2.0 input of the show form and
// reads it back from the store, the edit form and the feed.
func TestShowNamespaceForm(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	c.mustCreateShow("ns", "Namespace")
	p := c.get("/admin/shows/ns/edit")
	for _, m := range episodes.Media {
		if p.find(func(n *htmlNode) bool { return n.Data == "option" && attr(n, "value") == m }) == nil {
			t.Errorf("the medium select misses %q", m)
		}
	}
	f := formOf(t, p, "/admin/shows/ns/edit")
	f.Set("medium", "audiobook")
	f.Set("license.identifier", "cc-by-4.0")
	f.Set("update_frequency.text", "Weekly during term")
	f.Set("update_frequency.rrule", "FREQ=WEEKLY;BYDAY=MO")
	f.Set("feed_limit", "20")
	f.Set("txt[0].purpose", "verify")
	f.Set("txt[0].text", "S6lpp-7ZCn8-dZfGc-OoyVG")
	f.Set("txt[1].text", "")
	f.Set("podroll[0].feed_guid", podrollGUID)
	f.Set("podroll[0].feed_url", "https://other.example.org/feed.xml")
	f.Set("block_platforms.spotify", "on")
	f.Set("block_platforms.podcasts.com", "on")
	f.Set("action", "save")
	if p := c.post("/admin/shows/ns/edit", f); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.status, text(p.doc))
	}
	sh := e.mustShow(t, "ns")
	x := sh.Extras
	if sh.Medium != "audiobook" || sh.FeedLimit != 20 || x.License.Identifier != "CC-BY-4.0" ||
		x.UpdateFrequency == nil || x.UpdateFrequency.RRule != "FREQ=WEEKLY;BYDAY=MO" || x.UpdateFrequency.Text != "Weekly during term" {
		t.Errorf("stored medium %q feed limit %d extras %+v", sh.Medium, sh.FeedLimit, x)
	}
	if len(x.Txt) != 1 || x.Txt[0] != (episodes.Txt{Purpose: "verify", Text: "S6lpp-7ZCn8-dZfGc-OoyVG"}) {
		t.Errorf("txt %+v", x.Txt)
	}
	if len(x.Podroll) != 1 || x.Podroll[0].FeedGUID != podrollGUID {
		t.Errorf("podroll %+v", x.Podroll)
	}
	if !slices.Equal(x.BlockPlatforms, []string{"podcasts.com", "spotify"}) {
		t.Errorf("block platforms %v", x.BlockPlatforms)
	}

	// The form shows them back.
	f = formOf(t, c.get("/admin/shows/ns/edit"), "/admin/shows/ns/edit")
	for name, want := range map[string]string{"medium": "audiobook", "license.identifier": "CC-BY-4.0", "feed_limit": "20",
		"update_frequency.rrule": "FREQ=WEEKLY;BYDAY=MO", "txt[0].text": "S6lpp-7ZCn8-dZfGc-OoyVG",
		"podroll[0].feed_guid": podrollGUID, "block_platforms.spotify": "on"} {
		if got := f.Get(name); got != want {
			t.Errorf("edit form %s = %q, want %q", name, got, want)
		}
	}
	if f.Has("block_platforms.apple") {
		t.Error("apple is ticked though it was not blocked")
	}

	body, err := feed.Build(sh, nil, links.New(e.srv.URL), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<podcast:medium>audiobook</podcast:medium>`, `>CC-BY-4.0</podcast:license>`,
		`rrule="FREQ=WEEKLY;BYDAY=MO"`, `S6lpp-7ZCn8-dZfGc-OoyVG</podcast:txt>`, `feedGuid="` + podrollGUID + `"`,
		`id="spotify"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("feed misses %s\n%s", want, body)
		}
	}

	// Unticking and clearing removes them.
	f.Del("block_platforms.spotify")
	f.Del("block_platforms.podcasts.com")
	f.Set("license.identifier", "")
	f.Set("update_frequency.text", "")
	f.Set("update_frequency.rrule", "")
	f.Set("action", "save")
	if p := c.post("/admin/shows/ns/edit", f); p.status != http.StatusSeeOther {
		t.Fatalf("clear: %d\n%s", p.status, text(p.doc))
	}
	if x := e.mustShow(t, "ns").Extras; len(x.BlockPlatforms) != 0 || x.License.Identifier != "" || x.UpdateFrequency != nil {
		t.Errorf("after clearing: %+v", x)
	}
}

// TestShowNamespaceValidation: a bad namespace value shows the episodes
// package's message beside its input and saves nothing.
func TestShowNamespaceValidation(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	c.mustCreateShow("ns", "Namespace")
	before := e.mustShow(t, "ns")
	tests := []struct{ name, input, value, want string }{
		{"bad rrule", "update_frequency.rrule", "FREQ=SOMETIMES", "is not an RFC 5545 recurrence rule"},
		{"unknown spdx", "license.identifier", "MY-OWN-LICENSE", "is not an SPDX license identifier"},
		{"bad feed guid", "podroll[0].feed_guid", "not-a-uuid", "is not a UUID"},
		{"bad feed limit", "feed_limit", "-3", "give 0 to list every episode"},
		{"txt too long", "txt[0].text", strings.Repeat("x", episodes.MaxTxtLen+1), "txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := formOf(t, c.get("/admin/shows/ns/edit"), "/admin/shows/ns/edit")
			f.Set("update_frequency.text", "Weekly")
			f.Set(tc.input, tc.value)
			f.Set("action", "save")
			p := c.post("/admin/shows/ns/edit", f)
			if p.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.status)
			}
			msg := p.fieldError(t, tc.input)
			if tc.name == "txt too long" {
				if msg == "" {
					t.Errorf("no error beside %s", tc.input)
				}
			} else if !strings.Contains(msg, tc.want) {
				t.Errorf("error beside %s = %q, want it to contain %q", tc.input, msg, tc.want)
			}
		})
	}
	if after := e.mustShow(t, "ns"); after.Version != before.Version || after.Extras.UpdateFrequency != nil {
		t.Errorf("an invalid form changed the show: version %d -> %d, %+v", before.Version, after.Version, after.Extras)
	}
}
