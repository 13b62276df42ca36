package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/internal/testimage"
	"github.com/lyssna/lyssna/uploads"
)

// consumerExpect is what feed/consumers/check.sh compares each parser's
// reading of the feed with.
type consumerExpect struct {
	Title       string         `json:"title"`
	PodcastGUID string         `json:"podcast_guid"`
	Locked      bool           `json:"locked"`
	Owner       string         `json:"owner_email"`
	Hosts       []string       `json:"hosts"`
	Items       []consumerItem `json:"items"`
	NS          *consumerNS    `json:"ns,omitempty"`
}

// consumerNS is the rest of the Podcast Index namespace (issue 17) as the
// parsers must read it.
type consumerNS struct {
	Medium        string              `json:"medium"`
	License       map[string]string   `json:"license"`
	Txt           []map[string]string `json:"txt"`
	Podroll       []string            `json:"podroll"`
	Blocked       []string            `json:"blocked"`
	Location      string              `json:"location"`
	ChatProtocol  string              `json:"chat_protocol"`
	PublisherGUID string              `json:"publisher_guid"`
	RRule         string              `json:"rrule"`
	// Images are the channel's podcast:image elements: href, width,
	// height, type and purpose (feedparser keeps the last).
	Images [][]string `json:"images"`
	Item   struct {
		GUID        string   `json:"guid"`
		License     string   `json:"license"`
		LicenseURL  string   `json:"license_url"`
		Soundbites  [][]any  `json:"soundbites"`
		Location    string   `json:"location"`
		Alternates  [][]any  `json:"alternates"`
		Captions    []string `json:"captions"`
		ContentLink string   `json:"content_link"`
	} `json:"item"`
}

type consumerItem struct {
	GUID        string   `json:"guid"`
	Title       string   `json:"title"`
	Link        string   `json:"link"`
	URL         string   `json:"enclosure_url"`
	Length      int64    `json:"enclosure_length"`
	Type        string   `json:"enclosure_type"`
	Duration    int      `json:"duration"`
	Transcripts []string `json:"transcripts"`
	Chapters    string   `json:"chapters_url"`
	Guests      []string `json:"guests"`
}

// TestFeedConsumers seeds a sample show (episodic, two published episodes
// with transcripts in two languages, guests and chapters) through the API of
// an in-process server and has real podcast apps' parsers read its feed:
// gPodder's podcastparser, feedparser and the Podcast Index's
// podcast-partytime (feed/consumers/check.sh).
func TestFeedConsumers(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import podcastparser, feedparser").Run(); err != nil {
		testenv.Missing(t, "%s cannot import podcastparser and feedparser (%v): apt-get install python3-podcastparser python3-feedparser", python, err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		testenv.Missing(t, "node is missing: apt-get install nodejs npm, then run feed/consumers/setup.sh")
	}
	if _, err := os.Stat(filepath.Join("..", "feed", "consumers", "node_modules", "podcast-partytime")); err != nil {
		testenv.Missing(t, "podcast-partytime is not installed: run feed/consumers/setup.sh (npm ci in feed/consumers)")
	}

	e := newE2E(t, newFilesystemBucket(t), nil)
	e.apiJSON(http.MethodPost, "/shows", e2eShow("lab", episodes.TypeEpisodic), http.StatusCreated, nil)
	ns := &consumerNS{Medium: "course", License: map[string]string{"identifier": "CC-BY-4.0", "url": "https://spdx.org/licenses/CC-BY-4.0.html"},
		Txt:     []map[string]string{{"purpose": "applepodcastsverify", "text": "token-123"}},
		Podroll: []string{"917393e3-1b1e-5cef-ace4-edaa54e1f810"}, Blocked: []string{"amazon", "google"},
		Location: "Uppsala University", ChatProtocol: "matrix", RRule: "FREQ=WEEKLY;BYDAY=TU"}
	e.apiJSON(http.MethodPatch, "/shows/lab", map[string]any{
		"medium": ns.Medium, "license": map[string]any{"identifier": "cc-by-4.0"}, "txt": ns.Txt,
		"podroll":         []map[string]any{{"feed_guid": ns.Podroll[0], "feed_url": "https://mp3s.nashownotes.com/pc20rss.xml"}},
		"block_platforms": ns.Blocked, "location": map[string]any{"name": ns.Location, "geo": "geo:59.8586,17.6389"},
		"chat":             map[string]any{"server": "matrix.example.org", "protocol": "matrix", "space": "#lab:example.org"},
		"update_frequency": map[string]any{"text": "Tuesdays", "rrule": ns.RRule},
	}, http.StatusOK, nil)
	var network struct {
		GUID string `json:"guid"`
	}
	var art struct {
		ImageURL string `json:"image_url"`
	}
	e.api(http.MethodPut, "/shows/lab/artwork", "image/jpeg", bytes.NewReader(testimage.Encode(t, "jpeg", 1600, 1600)), http.StatusOK, &art)
	ns.Images = [][]string{{art.ImageURL, "1600", "1600", "image/jpeg", "artwork"}}
	for _, w := range uploads.RenditionWidths {
		ns.Images = append(ns.Images, []string{episodes.RenditionKey(art.ImageURL, w), strconv.Itoa(w), strconv.Itoa(w), "image/jpeg", "artwork"})
	}
	e.apiJSON(http.MethodPost, "/networks", map[string]any{"slug": "uni", "title": "The University"}, http.StatusCreated, &network)
	e.api(http.MethodPut, "/networks/uni/shows/lab", "", nil, http.StatusOK, nil)
	ns.PublisherGUID = network.GUID
	var want consumerExpect
	want.NS = ns
	for i, c := range []struct{ fixture, title string }{{"cbr.mp3", "Spaced repetition"}, {"vbr-xing.mp3", "Retrieval practice"}} {
		meta := e2eEpisodeMeta(c.title, i+1)
		if i == 0 {
			meta["license"] = map[string]any{"identifier": "CC0-1.0"}
			meta["soundbites"] = []map[string]any{{"start_ms": 500, "duration_ms": 1000, "title": "The idea"}}
			meta["location"] = map[string]any{"name": "Lecture hall B"}
			meta["content_links"] = []map[string]any{{"href": "https://video.example.org/1", "text": "Watch"}}
		}
		ep := e.upload("lab", c.fixture, meta)
		if i == 0 {
			alt, err := os.ReadFile(filepath.Join("..", "testdata", "audio", "v22.mp3"))
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Audio struct {
					URL    string `json:"url"`
					SHA256 string `json:"sha256"`
				} `json:"audio"`
				Alternates []struct {
					URL    string `json:"url"`
					SHA256 string `json:"sha256"`
				} `json:"alternate_enclosures"`
			}
			e.api(http.MethodPut, "/shows/lab/episodes/"+ep.Slug+"/alternates/sv?language=sv&title=Svenska", "audio/mpeg", bytes.NewReader(alt), http.StatusOK, &got)
			ns.Item.GUID, ns.Item.License, ns.Item.LicenseURL = ep.GUID, "CC0-1.0", "https://spdx.org/licenses/CC0-1.0.html"
			ns.Item.Soundbites = [][]any{{0.5, 1, "The idea"}}
			ns.Item.Location, ns.Item.Captions, ns.Item.ContentLink = "Lecture hall B", []string{"en"}, "https://video.example.org/1"
			ns.Item.Alternates = [][]any{
				{"en", "audio/mpeg", got.Audio.URL, sri(t, got.Audio.SHA256), true},
				{"sv", "audio/mpeg", got.Alternates[0].URL, sri(t, got.Alternates[0].SHA256), false},
			}
		}
		e.transcript("lab", ep.Slug, "en", "text/vtt", e2eVTT, "")
		e.transcript("lab", ep.Slug, "sv", "application/x-subrip", e2eSRT, "en")
		e.publish("lab", ep.Slug)
		e.clock.Advance(time.Hour) // distinct publish times: newest first is well defined
		var got struct {
			e2eEpisode
			Audio struct {
				URL        string `json:"url"`
				Size       int64  `json:"size"`
				Type       string `json:"type"`
				DurationMS int64  `json:"duration_ms"`
			} `json:"audio"`
			PageURL string `json:"page_url"`
		}
		e.api(http.MethodGet, "/shows/lab/episodes/"+ep.Slug, "", nil, http.StatusOK, &got)
		item := consumerItem{GUID: got.GUID, Title: got.Title, Link: got.PageURL, URL: got.Audio.URL, Length: got.Audio.Size,
			Type: got.Audio.Type, Duration: int((got.Audio.DurationMS + 500) / 1000), Transcripts: []string{"en", "sv"},
			Chapters: e.base + "/lab/" + ep.Slug + "/chapters.json", Guests: []string{"Bo Berg"}}
		want.Items = append([]consumerItem{item}, want.Items...) // episodic: newest first
	}
	var show struct {
		Title string `json:"title"`
		GUID  string `json:"guid"`
	}
	e.api(http.MethodGet, "/shows/lab", "", nil, http.StatusOK, &show)
	want.Title, want.PodcastGUID, want.Locked, want.Owner, want.Hosts = show.Title, show.GUID, true, "ana@example.org", []string{"Ana Lind"}

	expect := filepath.Join(t.TempDir(), "expect.json")
	b, _ := json.MarshalIndent(want, "", "  ")
	if err := os.WriteFile(expect, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", filepath.Join("..", "feed", "consumers", "check.sh"), e.base+"/lab/feed.xml", expect)
	out, err := cmd.CombinedOutput()
	t.Logf("check.sh:\n%s", out)
	if err != nil {
		t.Fatalf("feed/consumers/check.sh failed: %v", err)
	}
}

// sri is a hex SHA-256 as podcast:integrity gives it (Subresource Integrity).
func sri(t *testing.T, hexSum string) string {
	b, err := hex.DecodeString(hexSum)
	if err != nil || len(b) != 32 {
		t.Fatalf("not a SHA-256: %q", hexSum)
	}
	return "sha256-" + base64.StdEncoding.EncodeToString(b)
}
