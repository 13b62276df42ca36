package admin

import (
	"context"
	"net/http"
	"net/url"
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
	f.Set("chat.server", "irc.zeronode.net")
	f.Set("chat.protocol", "irc")
	f.Set("chat.space", "#lyssna")
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
	if x.Chat == nil || *x.Chat != (episodes.Chat{Server: "irc.zeronode.net", Protocol: "irc", Space: "#lyssna"}) {
		t.Errorf("chat %+v", x.Chat)
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
		`id="spotify"`, `server="irc.zeronode.net"`} {
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
	f.Set("chat.server", "")
	f.Set("chat.space", "")
	f.Set("action", "save")
	if p := c.post("/admin/shows/ns/edit", f); p.status != http.StatusSeeOther {
		t.Fatalf("clear: %d\n%s", p.status, text(p.doc))
	}
	if x := e.mustShow(t, "ns").Extras; len(x.BlockPlatforms) != 0 || x.License.Identifier != "" || x.UpdateFrequency != nil || x.Chat != nil {
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
	tests := []struct{ name, input, value, want, at string }{
		{"bad rrule", "update_frequency.rrule", "FREQ=SOMETIMES", "is not an RFC 5545 recurrence rule", ""},
		{"unknown spdx", "license.identifier", "MY-OWN-LICENSE", "is not an SPDX license identifier", ""},
		{"bad feed guid", "podroll[0].feed_guid", "not-a-uuid", "is not a UUID", ""},
		{"bad feed limit", "feed_limit", "-3", "give 0 to list every episode", ""},
		{"chat without server", "chat.space", "#lyssna", "is required", "chat.server"},
		{"txt too long", "txt[0].text", strings.Repeat("x", episodes.MaxTxtLen+1), "txt", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := formOf(t, c.get("/admin/shows/ns/edit"), "/admin/shows/ns/edit")
			f.Set("update_frequency.text", "Weekly")
			f.Set("chat.protocol", "irc") // what a browser sends for the select's first option
			f.Set(tc.input, tc.value)
			f.Set("action", "save")
			p := c.post("/admin/shows/ns/edit", f)
			if p.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.status)
			}
			at := tc.input
			if tc.at != "" {
				at = tc.at
			}
			msg := p.fieldError(t, at)
			if tc.name == "txt too long" {
				if msg == "" {
					t.Errorf("no error beside %s", tc.input)
				}
			} else if !strings.Contains(msg, tc.want) {
				t.Errorf("error beside %s = %q, want it to contain %q", at, msg, tc.want)
			}
		})
	}
	if after := e.mustShow(t, "ns"); after.Version != before.Version || after.Extras.UpdateFrequency != nil {
		t.Errorf("an invalid form changed the show: version %d -> %d, %+v", before.Version, after.Version, after.Extras)
	}
}

// TestEpisodeNamespaceForm saves the episode's license, soundbites, location
// and content links through the edit form, and reads them back from the
// store, the form and the feed; a bad value shows its message beside its
// input and saves nothing.
func TestEpisodeNamespaceForm(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	ctx := context.Background()
	sh := c.mustCreateShow("pod", "Pod")
	ep := c.uploadEpisode(t, sh, "cbr.mp3")
	u := episodeAdminURL(sh, ep)
	f := formOf(t, c.get(u), u)
	f.Set("license.identifier", "CC-BY-SA-4.0")
	f.Set("soundbites[0].start_ms", "0:01")
	f.Set("soundbites[0].duration_ms", "0:01")
	f.Set("soundbites[0].title", "The hook")
	f.Set("location.name", "Stockholm")
	f.Set("location.geo", "geo:59.3293,18.0686")
	f.Set("location.osm", "R398021")
	f.Set("content_links[0].href", "https://video.example.org/lecture-1")
	f.Set("content_links[0].text", "Watch the lecture")
	f.Set("action", "save")
	if p := c.post(u, f); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.status, text(p.doc))
	}
	got, err := e.store.GetEpisode(ctx, sh.ID, itoa(ep.ID))
	if err != nil {
		t.Fatal(err)
	}
	x := got.Extras
	if x.License.Identifier != "CC-BY-SA-4.0" || len(x.Soundbites) != 1 ||
		x.Soundbites[0] != (episodes.Soundbite{StartMS: 1000, DurationMS: 1000, Title: "The hook"}) ||
		x.Location == nil || x.Location.Name != "Stockholm" || x.Location.OSM != "R398021" ||
		len(x.ContentLinks) != 1 || x.ContentLinks[0].Href != "https://video.example.org/lecture-1" {
		t.Errorf("stored extras %+v", x)
	}
	f = formOf(t, c.get(u), u)
	for name, want := range map[string]string{"license.identifier": "CC-BY-SA-4.0", "soundbites[0].start_ms": "0:01",
		"location.geo": "geo:59.3293,18.0686", "content_links[0].text": "Watch the lecture"} {
		if f.Get(name) != want {
			t.Errorf("edit form %s = %q, want %q", name, f.Get(name), want)
		}
	}

	if p := c.post(u+"publish", url.Values{"when": {"now"}}); p.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", p.status)
	}
	got, _ = e.store.GetEpisode(ctx, sh.ID, itoa(ep.ID))
	body, err := feed.Build(e.mustShow(t, "pod"), []*episodes.Episode{got}, links.New(e.srv.URL), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`>CC-BY-SA-4.0</podcast:license>`, `The hook</podcast:soundbite>`, `>Stockholm</podcast:location>`,
		`href="https://video.example.org/lecture-1"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("feed misses %s\n%s", want, body)
		}
	}

	before := got.UpdatedAt
	tests := []struct{ name, input, value, want string }{
		{"unknown spdx", "license.identifier", "NOT-A-LICENSE", "is not an SPDX license identifier"},
		{"soundbite past the end", "soundbites[0].duration_ms", "59:00", "after the audio's end"},
		{"bad soundbite time", "soundbites[0].start_ms", "soon", "is not a time in the audio"},
		{"bad geo", "location.geo", "59,18", "is not a geo URI"},
		{"bad content link", "content_links[0].href", "javascript:alert(1)", "not an absolute"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := formOf(t, c.get(u), u)
			f.Set(tc.input, tc.value)
			f.Set("action", "save")
			p := c.post(u, f)
			if p.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.status)
			}
			if msg := p.fieldError(t, tc.input); !strings.Contains(msg, tc.want) {
				t.Errorf("error beside %s = %q, want it to contain %q", tc.input, msg, tc.want)
			}
		})
	}
	if after, _ := e.store.GetEpisode(ctx, sh.ID, itoa(ep.ID)); !after.UpdatedAt.Equal(before) || after.Extras.License.Identifier != "CC-BY-SA-4.0" {
		t.Errorf("an invalid form changed the episode: %+v", after.Extras)
	}
}

// TestAlternateUploadForm adds an alternate enclosure through the episode
// page's upload form (uploads.PutAlternate, as the API), refuses a bad name
// beside its input, lists it, and removes it.
func TestAlternateUploadForm(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	ctx := context.Background()
	sh := c.mustCreateShow("pod", "Pod")
	ep := c.uploadEpisode(t, sh, "cbr.mp3")
	u := episodeAdminURL(sh, ep)
	c.get(u)
	p := c.upload(u+"alternates", [][2]string{{"alternate.name", "Not OK"}, {"alternate.language", "sv"}}, "sv.mp3", fixture(t, "chapters.mp3"))
	if p.status != http.StatusBadRequest {
		t.Fatalf("bad name: %d", p.status)
	}
	if msg := p.fieldError(t, "alternate.name"); !strings.Contains(msg, "is not a name for an alternate") {
		t.Errorf("error beside the name: %q", msg)
	}
	p = c.upload(u+"alternates", [][2]string{{"alternate.name", "sv"}, {"alternate.language", "sv"}, {"alternate.title", "Svenska"}}, "sv.mp3", fixture(t, "chapters.mp3"))
	if p.status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", p.status, text(p.doc))
	}
	got, _ := e.store.GetEpisode(ctx, sh.ID, itoa(ep.ID))
	if len(got.Alternates) != 1 || got.Alternates[0].Name != "sv" || got.Alternates[0].Language != "sv" || got.Alternates[0].Title != "Svenska" || got.Alternates[0].Size == 0 {
		t.Fatalf("alternates %+v", got.Alternates)
	}
	if _, _, err := e.bucket.Get(ctx, got.Alternates[0].Key); err != nil {
		t.Errorf("the alternate's object: %v", err)
	}
	page := c.get(u)
	del := page.find(func(n *htmlNode) bool { return n.Data == "form" && attr(n, "action") == u+"alternates/sv/delete" })
	if del == nil || !strings.Contains(text(page.doc), "Svenska") {
		t.Fatal("the episode page does not list the alternate with a remove button")
	}
	if p := c.post(u+"alternates/sv/delete", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", p.status)
	}
	if got, _ := e.store.GetEpisode(ctx, sh.ID, itoa(ep.ID)); len(got.Alternates) != 0 {
		t.Errorf("alternates after delete %+v", got.Alternates)
	}
	if p := c.post(u+"alternates/sv/delete", url.Values{}); p.status != http.StatusNotFound {
		t.Errorf("deleting a missing alternate: %d, want 404", p.status)
	}
}

// TestShowLocationAndSocialForm saves the show's podcast:location and
// podcast:socialInteract through the edit form, reads them back from the
// store, the form and the feed, and shows Show.Validate's message beside
// the input of a bad value, saving nothing.
func TestShowLocationAndSocialForm(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	c.mustCreateShow("ns", "Namespace")
	f := formOf(t, c.get("/admin/shows/ns/edit"), "/admin/shows/ns/edit")
	if f.Get("social_interact[0].protocol") != "" {
		t.Fatal("a new show's form has a social row")
	}
	f.Set("location.name", "Uppsala University")
	f.Set("location.rel", "creator")
	f.Set("location.geo", "geo:59.8586,17.6389")
	f.Set("location.osm", "R1234")
	f.Set("location.country", "se")
	f.Set("social_interact[0].protocol", "activitypub")
	f.Set("social_interact[0].uri", "https://mastodon.example/@uni/1")
	f.Set("social_interact[0].account_id", "@uni")
	f.Set("social_interact[0].priority", "1")
	f.Set("social_interact[1].protocol", "atproto") // an added row left blank
	f.Set("social_interact[1].uri", "")
	f.Set("action", "save")
	if p := c.post("/admin/shows/ns/edit", f); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.status, text(p.doc))
	}
	sh := e.mustShow(t, "ns")
	x := sh.Extras
	if x.Location == nil || *x.Location != (episodes.Location{Name: "Uppsala University", Rel: "creator", Geo: "geo:59.8586,17.6389", OSM: "R1234", Country: "se"}) {
		t.Errorf("location %+v", x.Location)
	}
	if len(x.SocialInteract) != 1 || x.SocialInteract[0] != (episodes.SocialInteract{Protocol: "activitypub", URI: "https://mastodon.example/@uni/1", AccountID: "@uni", Priority: 1}) {
		t.Errorf("social interact %+v", x.SocialInteract)
	}
	f = formOf(t, c.get("/admin/shows/ns/edit"), "/admin/shows/ns/edit")
	for name, want := range map[string]string{"location.name": "Uppsala University", "location.rel": "creator", "location.country": "se",
		"social_interact[0].protocol": "activitypub", "social_interact[0].uri": "https://mastodon.example/@uni/1", "social_interact[0].priority": "1"} {
		if got := f.Get(name); got != want {
			t.Errorf("edit form %s = %q, want %q", name, got, want)
		}
	}
	if f.Has("social_interact[1].protocol") {
		t.Error("the blank row was kept")
	}
	body, err := feed.Build(sh, nil, links.New(e.srv.URL), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`rel="creator"`, `geo="geo:59.8586,17.6389"`, `>Uppsala University</podcast:location>`,
		`<podcast:socialInteract protocol="activitypub" uri="https://mastodon.example/@uni/1" accountId="@uni" priority="1">`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("feed misses %s\n%s", want, body)
		}
	}

	before := e.mustShow(t, "ns")
	tests := []struct{ name, input, value, want string }{
		{"location without name", "location.name", "", "is required"},
		{"bad geo", "location.geo", "59,18", "is not a geo URI"},
		{"bad country", "location.country", "Sweden", "is not an ISO 3166-1 country code"},
		{"linkedin", "social_interact[0].protocol", "linkedin", "LinkedIn post has none"},
		{"no root post", "social_interact[0].uri", "", "is required"},
		{"bad priority", "social_interact[0].priority", "first", "is not a whole number"},
		{"bad account url", "social_interact[0].account_url", "mastodon.example/@uni", "absolute"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := formOf(t, c.get("/admin/shows/ns/edit"), "/admin/shows/ns/edit")
			f.Set(tc.input, tc.value)
			f.Set("action", "save")
			p := c.post("/admin/shows/ns/edit", f)
			if p.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.status)
			}
			if msg := p.fieldError(t, tc.input); !strings.Contains(msg, tc.want) {
				t.Errorf("error beside %s = %q, want it to contain %q", tc.input, msg, tc.want)
			}
		})
	}
	if after := e.mustShow(t, "ns"); after.Version != before.Version {
		t.Errorf("an invalid form changed the show: version %d -> %d", before.Version, after.Version)
	}
}
