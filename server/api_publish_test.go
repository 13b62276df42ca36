package server

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// feedItems fetches the show's feed and returns its items' titles and pubDates, in feed order.
func (a *apiEnv) feedItems(show string) (titles []string, dates []time.Time) {
	a.t.Helper()
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+show+"/feed.xml", nil))
	if rec.Code != http.StatusOK {
		a.t.Fatalf("feed: %d %s", rec.Code, rec.Body.String())
	}
	var f struct {
		Items []struct {
			Title   string `xml:"title"`
			PubDate string `xml:"pubDate"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &f); err != nil {
		a.t.Fatal(err)
	}
	for _, it := range f.Items {
		d, err := time.Parse(time.RFC1123Z, it.PubDate)
		if err != nil {
			a.t.Fatalf("pubDate %q: %v", it.PubDate, err)
		}
		titles, dates = append(titles, it.Title), append(dates, d)
	}
	return titles, dates
}

// TestAPIRepublishKeepsDate: unpublishing and publishing again keeps the
// episode's place in the feed and its pubDate, and published_at agrees with
// the feed; new_date asks for a new one.
func TestAPIRepublishKeepsDate(t *testing.T) {
	eachDatabase(t, func(t *testing.T, a *apiEnv) {
		a.createShow("s")
		old := a.createEpisode("s", map[string]any{"title": "Older"})
		a.giveAudio("s", old.ID)
		var first episodeJSON
		want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/older/publish", nil), http.StatusOK, &first)
		a.clock.Add(24 * time.Hour)
		newer := a.createEpisode("s", map[string]any{"title": "Newer"})
		a.giveAudio("s", newer.ID)
		want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/newer/publish", nil), http.StatusOK, nil)

		want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/older/unpublish", nil), http.StatusOK, nil)
		a.clock.Add(24 * time.Hour)
		var again episodeJSON
		want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/older/publish", nil), http.StatusOK, &again)
		if !again.PublishedAt.Equal(*first.PublishedAt) || !again.PublishAt.Equal(*first.PublishedAt) {
			t.Errorf("republished: publish_at %v published_at %v, want both %v", again.PublishAt, again.PublishedAt, first.PublishedAt)
		}
		titles, dates := a.feedItems("s")
		if strings.Join(titles, ",") != "Newer,Older" {
			t.Errorf("feed order after republish = %v, want Newer,Older", titles)
		}
		if len(dates) == 2 && !dates[1].Equal(again.PublishedAt.Truncate(time.Second)) {
			t.Errorf("feed pubDate %v, API published_at %v", dates[1], again.PublishedAt)
		}

		want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/older/unpublish", nil), http.StatusOK, nil)
		want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/older/publish", `{"new_date": true}`), http.StatusOK, &again)
		if !again.PublishedAt.Equal(a.clock.Now()) || !again.PublishAt.Equal(a.clock.Now()) {
			t.Errorf("new_date: publish_at %v published_at %v, want now", again.PublishAt, again.PublishedAt)
		}
		titles, dates = a.feedItems("s")
		if strings.Join(titles, ",") != "Older,Newer" || !dates[0].Equal(again.PublishedAt.Truncate(time.Second)) {
			t.Errorf("feed after new_date = %v %v", titles, dates)
		}
	})
}

// TestAPIScheduleOfPublicEpisode: scheduling a public episode would take it
// out of the feed, so it needs "reschedule": true.
func TestAPIScheduleOfPublicEpisode(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	e := a.createEpisode("s", map[string]any{"title": "Live"})
	a.giveAudio("s", e.ID)
	want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/live/publish", nil), http.StatusOK, nil)
	at := a.clock.Now().Add(72 * time.Hour).Format(time.RFC3339)
	msg := wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/live/publish", `{"at": "`+at+`"}`),
		http.StatusConflict, codeConflict, "reschedule")
	if !strings.Contains(msg, "takes it out of the feed") || strings.Contains(msg, "episodes:") {
		t.Errorf("409 message %q does not explain what would happen", msg)
	}
	if titles, _ := a.feedItems("s"); len(titles) != 1 {
		t.Fatalf("refused schedule changed the feed: %v", titles)
	}
	var got episodeJSON
	want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/live/publish", `{"at": "`+at+`", "reschedule": true}`), http.StatusOK, &got)
	if got.Status != "scheduled" {
		t.Errorf("confirmed reschedule: status %q", got.Status)
	}
	if titles, _ := a.feedItems("s"); len(titles) != 0 {
		t.Errorf("rescheduled episode still in the feed: %v", titles)
	}
}
