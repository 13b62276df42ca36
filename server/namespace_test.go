package server

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNamespaceAPI: the show and episode namespace fields go in and out of
// the API and into the feed; validation names the field; a network has a
// publisher feed naming its shows, each show's feed names it back; an
// alternate enclosure uploaded through the ingest is listed with its
// integrity, and deleting it takes it out of the feed.
func TestNamespaceAPI(t *testing.T) {
	e := newE2E(t, newFilesystemBucket(t), nil)
	e.apiJSON(http.MethodPost, "/shows", e2eShow("lab", "episodic"), http.StatusCreated, nil)
	ns := map[string]any{
		"txt":              []map[string]any{{"purpose": "applepodcastsverify", "text": "token-123"}},
		"license":          map[string]any{"identifier": "cc-by-4.0"},
		"update_frequency": map[string]any{"text": "Weekly", "rrule": "FREQ=WEEKLY;BYDAY=TU"},
		"podroll":          []map[string]any{{"feed_guid": "917393e3-1b1e-5cef-ace4-edaa54e1f810", "feed_url": "https://mp3s.nashownotes.com/pc20rss.xml"}},
		"block_platforms":  []string{"google"},
		"medium":           "course",
		"feed_limit":       1,
	}
	var show map[string]any
	e.apiJSON(http.MethodPatch, "/shows/lab", ns, http.StatusOK, &show)
	if lic, _ := show["license"].(map[string]any); lic["identifier"] != "CC-BY-4.0" || show["feed_limit"] != float64(1) || show["medium"] != "course" {
		t.Errorf("PATCH answered %v", show)
	}
	for _, c := range []struct{ body, field string }{
		{`{"license": {"identifier": "CC-BY-9.9"}}`, "license.identifier"},
		{`{"update_frequency": {"text": "x", "rrule": "FREQ=NEVER"}}`, "update_frequency.rrule"},
		{`{"podroll": [{"feed_guid": "nope"}]}`, "podroll[0].feed_guid"},
		{`{"medium": "radio"}`, "medium"},
		{`{"social_interact": [{"protocol": "linkedin", "uri": "https://linkedin.com/x"}]}`, "social_interact[0].protocol"},
		{`{"network": {"slug": "x"}}`, "network"},
	} {
		res, b := e.do(http.MethodPatch, e.base+"/api/v1/shows/lab", strings.NewReader(c.body),
			map[string]string{"Authorization": "Bearer " + e.token, "Content-Type": "application/json"})
		if res.StatusCode != http.StatusBadRequest || !bytes.Contains(b, []byte(`"field":"`+c.field+`"`)) {
			t.Errorf("PATCH %s = %d %s, want 400 naming %s", c.body, res.StatusCode, b, c.field)
		}
	}

	meta := e2eEpisodeMeta("Spaced repetition", 1)
	meta["license"] = map[string]any{"identifier": "CC0-1.0"}
	meta["soundbites"] = []map[string]any{{"start_ms": 500, "duration_ms": 1000, "title": "The idea"}}
	meta["location"] = map[string]any{"name": "Uppsala", "geo": "geo:59.8586,17.6389"}
	meta["content_links"] = []map[string]any{{"href": "https://video.example.org/1", "text": "Watch"}}
	ep := e.upload("lab", "cbr.mp3", meta)
	second := e.upload("lab", "vbr-xing.mp3", e2eEpisodeMeta("Retrieval practice", 2))

	// An alternate: the Swedish narration, through the ingest.
	audio, err := os.ReadFile(filepath.Join("..", "testdata", "audio", "v22.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Alternates []struct {
			Name     string `json:"name"`
			URL      string `json:"url"`
			SHA256   string `json:"sha256"`
			Language string `json:"language"`
			Type     string `json:"type"`
		} `json:"alternate_enclosures"`
	}
	e.api(http.MethodPut, "/shows/lab/episodes/"+ep.Slug+"/alternates/sv?language=sv&title=Svenska", "audio/mpeg", bytes.NewReader(audio), http.StatusOK, &got)
	if len(got.Alternates) != 1 || got.Alternates[0].Language != "sv" || got.Alternates[0].Type != "audio/mpeg" || len(got.Alternates[0].SHA256) != 64 {
		t.Fatalf("after the alternate upload: %+v", got.Alternates)
	}
	res, b := e.do(http.MethodPut, e.base+"/api/v1/shows/lab/episodes/"+ep.Slug+"/alternates/en?language=xx-nolanguage", strings.NewReader(string(audio)),
		map[string]string{"Authorization": "Bearer " + e.token, "Content-Type": "audio/mpeg"})
	if res.StatusCode != http.StatusBadRequest || !bytes.Contains(b, []byte("alternate_enclosures[1].language")) {
		t.Errorf("an alternate in no language = %d %s", res.StatusCode, b)
	}
	e.publish("lab", ep.Slug)
	e.clock.Advance(time.Hour)
	e.publish("lab", second.Slug)

	// A network with the show, and its publisher feed.
	e.apiJSON(http.MethodPost, "/networks", map[string]any{"slug": "uni", "title": "The University"}, http.StatusCreated, nil)
	e.apiJSON(http.MethodPost, "/networks", map[string]any{"slug": "lab", "title": "Clash"}, http.StatusConflict, nil)
	var net struct {
		Shows []string `json:"shows"`
		GUID  string   `json:"guid"`
		Feed  string   `json:"publisher_feed_url"`
	}
	e.api(http.MethodPut, "/networks/uni/shows/lab", "", nil, http.StatusOK, &net)
	if len(net.Shows) != 1 || net.Shows[0] != "lab" || net.Feed != e.base+"/uni/publisher.xml" {
		t.Errorf("network after PUT: %+v", net)
	}
	res, pub := e.do(http.MethodGet, net.Feed, nil, nil)
	var pdoc struct {
		Medium string `xml:"channel>medium"`
		GUID   string `xml:"channel>guid"`
		Items  []struct {
			GUID string `xml:"feedGuid,attr"`
			URL  string `xml:"feedUrl,attr"`
		} `xml:"channel>remoteItem"`
	}
	if err := xml.Unmarshal(pub, &pdoc); res.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("publisher feed: %d %v %s", res.StatusCode, err, pub)
	}
	showGUID := show["guid"].(string)
	if pdoc.Medium != "publisher" || pdoc.GUID != net.GUID || len(pdoc.Items) != 1 || pdoc.Items[0].GUID != showGUID || pdoc.Items[0].URL != e.base+"/lab/feed.xml" {
		t.Errorf("publisher feed reads %+v", pdoc)
	}
	if res, _ := e.do(http.MethodGet, net.Feed, nil, map[string]string{"If-None-Match": res.Header.Get("ETag")}); res.StatusCode != http.StatusNotModified {
		t.Errorf("publisher feed revalidation = %d, want 304", res.StatusCode)
	}
	if res, _ := e.do(http.MethodGet, e.base+"/nope/publisher.xml", nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown network's publisher feed = %d", res.StatusCode)
	}

	// The show's feed, paged by one: page 1 is the newest, page 2 the first
	// episode with every item tag.
	_, body := e.feed("lab")
	for _, want := range []string{`<podcast:txt purpose="applepodcastsverify">token-123</podcast:txt>`,
		`<podcast:license url="https://spdx.org/licenses/CC-BY-4.0.html">CC-BY-4.0</podcast:license>`,
		`<podcast:block id="google">yes</podcast:block>`, `rrule="FREQ=WEEKLY;BYDAY=TU"`,
		`<podcast:remoteItem feedGuid="917393e3-1b1e-5cef-ace4-edaa54e1f810"`,
		`<podcast:remoteItem feedGuid="` + net.GUID + `" feedUrl="` + net.Feed + `" medium="publisher">`,
		`<atom:link href="` + e.base + `/lab/feed.xml?page=2" rel="next"`, `<podcast:medium>course</podcast:medium>`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("the feed lacks %s", want)
		}
	}
	res, page2 := e.do(http.MethodGet, e.base+"/lab/feed.xml?page=2", nil, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("page 2 = %d", res.StatusCode)
	}
	for _, want := range []string{`<podcast:license url="https://spdx.org/licenses/CC0-1.0.html">CC0-1.0</podcast:license>`,
		`<podcast:soundbite startTime="0.5" duration="1">The idea</podcast:soundbite>`,
		`<podcast:location geo="geo:59.8586,17.6389">Uppsala</podcast:location>`,
		`<podcast:contentLink href="https://video.example.org/1">Watch</podcast:contentLink>`,
		`lang="sv" title="Svenska"`, `<podcast:integrity type="sri" value="sha256-`, got.Alternates[0].URL} {
		if !bytes.Contains(page2, []byte(want)) {
			t.Errorf("page 2 lacks %s", want)
		}
	}
	e.api(http.MethodDelete, "/shows/lab/episodes/"+ep.Slug+"/alternates/sv", "", nil, http.StatusNoContent, nil)
	e.api(http.MethodDelete, "/shows/lab/episodes/"+ep.Slug+"/alternates/sv", "", nil, http.StatusNotFound, nil)
	if _, page2 = e.do(http.MethodGet, e.base+"/lab/feed.xml?page=2", nil, nil); bytes.Contains(page2, []byte("alternateEnclosure")) {
		t.Error("the deleted alternate is still in the feed")
	}
	if res, _ := e.do(http.MethodGet, got.Alternates[0].URL, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("the deleted alternate's media = %d, want 404 (withdrawn)", res.StatusCode)
	}
	e.api(http.MethodDelete, "/networks/uni/shows/lab", "", nil, http.StatusOK, nil)
	if _, body = e.feed("lab"); bytes.Contains(body, []byte("podcast:publisher")) {
		t.Error("the show left the network but its feed still names a publisher")
	}
	e.api(http.MethodDelete, "/networks/uni/shows/lab", "", nil, http.StatusNotFound, nil) // not in it any more
	e.api(http.MethodDelete, "/networks/uni", "", nil, http.StatusNoContent, nil)
}
