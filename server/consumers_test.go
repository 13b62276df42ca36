package server

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
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
	var want consumerExpect
	for i, c := range []struct{ fixture, title string }{{"cbr.mp3", "Spaced repetition"}, {"vbr-xing.mp3", "Retrieval practice"}} {
		ep := e.upload("lab", c.fixture, e2eEpisodeMeta(c.title, i+1))
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
