package server

import (
	"context"

	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
)

// TestAPIShowValidation sends one bad field at a time and expects a 400
// naming it, with nothing stored.
func TestAPIShowValidation(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("taken")
	cases := []struct {
		name  string
		body  string
		field string
	}{
		{"no slug", `{"title": "T", "language": "en"}`, "slug"},
		{"bad slug", `{"slug": "Bad Slug", "title": "T", "language": "en"}`, "slug"},
		{"reserved slug", `{"slug": "api", "title": "T", "language": "en"}`, "slug"},
		{"reserved media", `{"slug": "media", "title": "T", "language": "en"}`, "slug"},
		{"no title", `{"slug": "s", "language": "en"}`, "title"},
		{"title of spaces", `{"slug": "s", "title": "   ", "language": "en"}`, "title"},
		{"title not a string", `{"slug": "s", "title": 5, "language": "en"}`, "title"},
		{"no language", `{"slug": "s", "title": "T"}`, "language"},
		{"bad language", `{"slug": "s", "title": "T", "language": "klingon"}`, "language"},
		{"bad email", `{"slug": "s", "title": "T", "language": "en", "owner": {"email": "nope"}}`, "owner.email"},
		{"locked without email", `{"slug": "s", "title": "T", "language": "en", "locked": true}`, "owner.email"},
		{"bad category", `{"slug": "s", "title": "T", "language": "en", "categories": [{"category": "Cooking"}]}`, "categories[0].category"},
		{"bad subcategory", `{"slug": "s", "title": "T", "language": "en", "categories": [{"category": "Education", "subcategory": "Golf"}]}`, "categories[0].subcategory"},
		{"bad type", `{"slug": "s", "title": "T", "language": "en", "type": "daily"}`, "type"},
		{"bad link", `{"slug": "s", "title": "T", "language": "en", "link": "ftp://x"}`, "link"},
		{"funding without url", `{"slug": "s", "title": "T", "language": "en", "funding": [{"label": "Give"}]}`, "funding[0].url"},
		{"bad medium", `{"slug": "s", "title": "T", "language": "en", "medium": "radio"}`, "medium"},
		{"host without name", `{"slug": "s", "title": "T", "language": "en", "hosts": [{"role": "host"}]}`, "hosts[0].name"},
		{"bad new feed url", `{"slug": "s", "title": "T", "language": "en", "new_feed_url": "elsewhere"}`, "new_feed_url"},
		{"unknown time zone", `{"slug": "s", "title": "T", "language": "en", "time_zone": "Mars/Olympus_Mons"}`, "time_zone"},
		{"local time zone", `{"slug": "s", "title": "T", "language": "en", "time_zone": "Local"}`, "time_zone"},
		{"description too long", `{"slug": "s", "title": "T", "language": "en", "description": "` + strings.Repeat("x", 4001) + `"}`, "description"},
		{"unknown field", `{"slug": "s", "title": "T", "language": "en", "colour": "red"}`, "colour"},
		{"unknown nested field", `{"slug": "s", "title": "T", "language": "en", "owner": {"phone": "1"}}`, "owner.phone"},
		{"read-only image_url", `{"slug": "s", "title": "T", "language": "en", "image_url": "http://x/y.jpg"}`, "image_url"},
		{"read-only feed_url", `{"slug": "s", "title": "T", "language": "en", "feed_url": "http://x/feed.xml"}`, "feed_url"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := wantError(t, a.json(http.MethodPost, "/api/v1/shows", tc.body), http.StatusBadRequest, codeInvalid, tc.field)
			if !strings.Contains(msg, tc.field) {
				t.Errorf("message %q does not name %s", msg, tc.field)
			}
		})
	}
	if shows, _ := a.store.ListShows(context.Background()); len(shows) != 1 {
		t.Errorf("%d shows stored after refused creates, want 1", len(shows))
	}
	t.Run("patch", func(t *testing.T) {
		for _, tc := range []struct{ body, field string }{
			{`{"slug": "renamed"}`, "slug"},
			{`{"guid": "another"}`, "guid"},
			{`{"title": ""}`, "title"},
			{`{"language": null}`, "language"},
			{`{"page_url": "x"}`, "page_url"},
		} {
			wantError(t, a.json(http.MethodPatch, "/api/v1/shows/taken", tc.body), http.StatusBadRequest, codeInvalid, tc.field)
		}
		var s showJSON
		want(t, a.do(http.MethodGet, "/api/v1/shows/taken", "", nil), http.StatusOK, &s)
		if s.Title != "Show taken" || s.Language != "en" {
			t.Errorf("show changed by refused patches: %+v", s)
		}
	})
	t.Run("time zone", func(t *testing.T) {
		var s showJSON
		want(t, a.json(http.MethodPost, "/api/v1/shows", `{"slug": "zoned", "title": "Z", "language": "sv"}`), http.StatusCreated, &s)
		if s.TimeZone != "UTC" {
			t.Errorf("default time zone %q, want UTC", s.TimeZone)
		}
		want(t, a.json(http.MethodPatch, "/api/v1/shows/zoned", `{"time_zone": "Europe/Stockholm"}`), http.StatusOK, &s)
		if s.TimeZone != "Europe/Stockholm" {
			t.Errorf("time zone %q after PATCH, want Europe/Stockholm", s.TimeZone)
		}
	})
	t.Run("import keeps its guid", func(t *testing.T) {
		var s showJSON
		want(t, a.json(http.MethodPost, "/api/v1/shows", `{"slug": "imported", "title": "I", "language": "sv", "guid": "917393e3-1b1e-5cef-ace4-edaa54e1f810"}`), http.StatusCreated, &s)
		if s.GUID != "917393e3-1b1e-5cef-ace4-edaa54e1f810" {
			t.Errorf("imported guid %q", s.GUID)
		}
	})
	t.Run("conflict", func(t *testing.T) {
		wantError(t, a.json(http.MethodPost, "/api/v1/shows", `{"slug": "taken", "title": "T", "language": "en"}`), http.StatusConflict, codeConflict, "slug")
		wantError(t, a.json(http.MethodPost, "/api/v1/shows", `{"slug": "other", "title": "T", "language": "en", "guid": "917393e3-1b1e-5cef-ace4-edaa54e1f810"}`),
			http.StatusConflict, codeConflict, "guid")
	})
}

// TestAPIEpisodeValidation sends one bad field at a time to create and to
// PATCH and expects a 400 naming it, with nothing changed.
func TestAPIEpisodeValidation(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	a.createEpisode("s", map[string]any{"title": "Kept"})
	cases := []struct {
		name  string
		body  string
		field string
	}{
		{"title with a control character", `{"title": "a\u0007b"}`, "title"},
		{"title too long", `{"title": "` + strings.Repeat("t", 256) + `"}`, "title"},
		{"title not a string", `{"title": ["x"]}`, "title"},
		{"slug of digits", `{"slug": "123"}`, "slug"},
		{"bad slug", `{"slug": "-x-"}`, "slug"},
		{"negative season", `{"season": -1}`, "season"},
		{"season not a number", `{"season": "one"}`, "season"},
		{"huge number", `{"number": 2000000}`, "number"},
		{"bad episode type", `{"episode_type": "teaser"}`, "episode_type"},
		{"chapters out of order", `{"chapters": [{"start_ms": 5000, "title": "B"}, {"start_ms": 1000, "title": "A"}]}`, "chapters[1].start_ms"},
		{"chapter without title", `{"chapters": [{"start_ms": 0}]}`, "chapters[0].title"},
		{"chapter bad url", `{"chapters": [{"start_ms": 0, "title": "A", "url": "javascript:alert(1)"}]}`, "chapters[0].url"},
		{"empty takeaway", `{"takeaways": ["fine", ""]}`, "takeaways[1]"},
		{"study question too long", `{"study_questions": ["` + strings.Repeat("q", 2001) + `"]}`, "study_questions[0]"},
		{"bad doi", `{"references": [{"title": "T", "doi": "https://doi.org/10.1/x"}]}`, "references[0].doi"},
		{"bad year", `{"references": [{"title": "T", "year": 3000}]}`, "references[0].year"},
		{"guest without name", `{"guests": [{"bio": "x"}]}`, "guests[0].name"},
		{"bad discussion url", `{"discussion_url": "forum"}`, "discussion_url"},
		{"unknown field", `{"title": "T", "summary": "x"}`, "summary"},
		{"unknown field in a list item", `{"title": "T", "chapters": [{"start_ms": 0, "title": "A"}, {"start_ms": 5, "title": "B", "colour": "red"}]}`, "chapters[1].colour"},
		{"read-only status", `{"status": "published"}`, "status"},
		{"read-only audio", `{"audio": {"url": "x"}}`, "audio"},
		{"read-only publish_at", `{"publish_at": "2026-01-01T00:00:00Z"}`, "publish_at"},
		{"read-only transcripts", `{"transcripts": []}`, "transcripts"},
		{"read-only id", `{"id": 7}`, "id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes", tc.body), http.StatusBadRequest, codeInvalid, tc.field)
			wantError(t, a.json(http.MethodPatch, "/api/v1/shows/s/episodes/kept", tc.body), http.StatusBadRequest, codeInvalid, tc.field)
		})
	}
	var list struct{ Episodes []episodeJSON }
	want(t, a.do(http.MethodGet, "/api/v1/shows/s/episodes", "", nil), http.StatusOK, &list)
	if len(list.Episodes) != 1 || list.Episodes[0].Title != "Kept" {
		t.Errorf("episodes after refused writes: %+v", list.Episodes)
	}
	t.Run("conflict", func(t *testing.T) {
		wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes", `{"slug": "kept"}`), http.StatusConflict, codeConflict, "slug")
		guid := list.Episodes[0].GUID
		wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes", `{"guid": "`+guid+`"}`), http.StatusConflict, codeConflict, "guid")
		a.createEpisode("s", map[string]any{"slug": "other"})
		wantError(t, a.json(http.MethodPatch, "/api/v1/shows/s/episodes/other", `{"slug": "kept"}`), http.StatusConflict, codeConflict, "slug")
	})
	t.Run("same title gets a new slug", func(t *testing.T) {
		e := a.createEpisode("s", map[string]any{"title": "Kept"})
		if e.Slug != "kept-2" {
			t.Errorf("slug %q, want kept-2", e.Slug)
		}
	})
}

// TestAPIRequestErrors covers the body and path errors every endpoint shares.
func TestAPIRequestErrors(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	a.createEpisode("s", map[string]any{"title": "E"})

	msg := wantError(t, a.json(http.MethodPost, "/api/v1/shows", "{\n  \"slug\": \"x\",\n  \"title\" \"y\"\n}"), http.StatusBadRequest, codeMalformed, "")
	if !strings.Contains(msg, "line 3, column") {
		t.Errorf("syntax error message %q does not give the line", msg)
	}
	wantError(t, a.json(http.MethodPost, "/api/v1/shows", `{"slug": "x"`), http.StatusBadRequest, codeMalformed, "")
	wantError(t, a.json(http.MethodPost, "/api/v1/shows", ``), http.StatusBadRequest, codeMalformed, "")
	wantError(t, a.json(http.MethodPost, "/api/v1/shows", `[1, 2]`), http.StatusBadRequest, codeMalformed, "")
	wantError(t, a.json(http.MethodPost, "/api/v1/shows", `{"slug": "x", "title": "T", "language": "en"} {}`), http.StatusBadRequest, codeMalformed, "")
	wantError(t, a.do(http.MethodPost, "/api/v1/shows", "text/plain", []byte(`{"slug": "x"}`)), http.StatusUnsupportedMediaType, codeUnsupportedMedia, "")
	wantError(t, a.do(http.MethodPost, "/api/v1/shows", "", []byte(`{"slug": "x"}`)), http.StatusUnsupportedMediaType, codeUnsupportedMedia, "")
	wantError(t, a.do(http.MethodPatch, "/api/v1/shows/s/episodes/e", "application/xml", []byte(`<x/>`)), http.StatusUnsupportedMediaType, codeUnsupportedMedia, "")
	// A multipart create goes to the upload handler, which wants the audio part.
	wantError(t, a.do(http.MethodPost, "/api/v1/shows/s/episodes", "multipart/form-data; boundary=x", []byte("--x--\r\n")), http.StatusBadRequest, codeInvalid, "audio")
	big := `{"notes": "` + strings.Repeat("n", maxJSONBody) + `"}`
	msg = wantError(t, a.json(http.MethodPatch, "/api/v1/shows/s/episodes/e", big), http.StatusRequestEntityTooLarge, codeTooLarge, "")
	if !strings.Contains(msg, "1 MiB") {
		t.Errorf("413 message %q does not name the limit", msg)
	}

	for _, path := range []string{"/api/v1/shows/nope", "/api/v1/shows/nope/episodes", "/api/v1/shows/s/episodes/nope", "/api/v1/shows/s/episodes/999"} {
		wantError(t, a.do(http.MethodGet, path, "", nil), http.StatusNotFound, codeNotFound, "")
	}
	wantError(t, a.json(http.MethodPatch, "/api/v1/shows/nope", `{"title": "x"}`), http.StatusNotFound, codeNotFound, "")
	wantError(t, a.do(http.MethodDelete, "/api/v1/shows/s/episodes/nope", "", nil), http.StatusNotFound, codeNotFound, "")
	wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/nope/publish", nil), http.StatusNotFound, codeNotFound, "")
	wantError(t, a.do(http.MethodPut, "/api/v1/shows/s/episodes/nope/transcripts/en", "text/vtt", []byte(vtt)), http.StatusNotFound, codeNotFound, "")
}

// TestAPIPagination pages through more than two pages, newest first.
func TestAPIPagination(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	const n = 45
	for i := range n {
		a.createEpisode("s", map[string]any{"title": fmt.Sprintf("Episode %d", i)})
		a.clock.Add(time.Minute)
	}
	var seen []string
	cursor, pages := "", 0
	for {
		var page struct {
			Episodes   []episodeJSON
			NextCursor string `json:"next_cursor"`
		}
		path := "/api/v1/shows/s/episodes"
		if cursor != "" {
			path += "?cursor=" + url.QueryEscape(cursor)
		}
		want(t, a.do(http.MethodGet, path, "", nil), http.StatusOK, &page)
		pages++
		if len(page.Episodes) > defaultEpisodeLimit {
			t.Fatalf("page of %d", len(page.Episodes))
		}
		for _, e := range page.Episodes {
			seen = append(seen, e.Title)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if pages != 3 || len(seen) != n {
		t.Fatalf("%d pages, %d episodes; want 3 and %d", pages, len(seen), n)
	}
	for i, title := range seen {
		if want := fmt.Sprintf("Episode %d", n-1-i); title != want {
			t.Fatalf("episode %d is %q, want %q (newest first)", i, title, want)
		}
	}
	var page struct{ Episodes []episodeJSON }
	want(t, a.do(http.MethodGet, "/api/v1/shows/s/episodes?limit=100", "", nil), http.StatusOK, &page)
	if len(page.Episodes) != n {
		t.Errorf("limit=100 gave %d", len(page.Episodes))
	}
	for _, bad := range []string{"0", "101", "-1", "ten"} {
		wantError(t, a.do(http.MethodGet, "/api/v1/shows/s/episodes?limit="+bad, "", nil), http.StatusBadRequest, codeInvalid, "limit")
	}
	wantError(t, a.do(http.MethodGet, "/api/v1/shows/s/episodes?cursor=garbage", "", nil), http.StatusBadRequest, codeInvalid, "cursor")
}

// TestAPIScheduledPublishing shows a scheduled episode becoming public at
// its time by the injected clock alone.
func TestAPIScheduledPublishing(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	e := a.createEpisode("s", map[string]any{"title": "Later"})
	a.giveAudio("s", e.ID)
	at := a.clock.Now().Add(2 * time.Hour)
	var got episodeJSON
	want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/later/publish", map[string]string{"at": at.Format(time.RFC3339)}), http.StatusOK, &got)
	if got.Status != "scheduled" || got.PublishAt == nil || !got.PublishAt.Equal(at) || got.PublishedAt != nil {
		t.Fatalf("scheduled episode %+v", got)
	}
	ctx := context.Background()
	show, _ := a.store.GetShow(ctx, "s")
	public := func() int {
		eps, err := a.store.PublicEpisodes(ctx, show.ID, a.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return len(eps)
	}
	if public() != 0 {
		t.Fatal("public before its time")
	}
	a.clock.Add(2*time.Hour - time.Second)
	want(t, a.do(http.MethodGet, "/api/v1/shows/s/episodes/later", "", nil), http.StatusOK, &got)
	if got.Status != "scheduled" || public() != 0 {
		t.Fatalf("a second early: status %s", got.Status)
	}
	a.clock.Add(time.Second)
	want(t, a.do(http.MethodGet, "/api/v1/shows/s/episodes/later", "", nil), http.StatusOK, &got)
	if got.Status != "published" || got.PublishedAt == nil || !got.PublishedAt.Equal(at) || public() != 1 {
		t.Fatalf("at its time: %+v", got)
	}

	// A past time publishes now; a bad time names the field.
	e2 := a.createEpisode("s", map[string]any{"title": "Past"})
	a.giveAudio("s", e2.ID)
	want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/past/publish", `{"at": "2001-01-01T00:00:00Z"}`), http.StatusOK, &got)
	if got.Status != "published" || !got.PublishAt.Equal(a.clock.Now()) {
		t.Errorf("published with a past time: %+v", got)
	}
	wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/past/publish", `{"at": "tomorrow"}`), http.StatusBadRequest, codeInvalid, "at")
	wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/past/publish", `{"when": "x"}`), http.StatusBadRequest, codeInvalid, "when")
	untitled := a.createEpisode("s", map[string]any{"slug": "untitled"})
	a.giveAudio("s", untitled.ID)
	wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/untitled/publish", nil), http.StatusBadRequest, codeInvalid, "title")
}

// TestAPIHostileText stores markup verbatim and rejects what cannot be
// stored, without breaking later reads.
func TestAPIHostileText(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	verbatim := map[string]any{
		"title":     `<script>alert("x")</script> & <![CDATA[ ]]> ]]>`,
		"notes":     "Tom & Jerry <b>bold</b> \"quoted\" 'single' \u2028 line sep \U0001F600\n\ttabbed",
		"takeaways": []string{"</takeaways><evil/>", "&amp;&lt;"},
	}
	e := a.createEpisode("s", verbatim)
	var got episodeJSON
	want(t, a.do(http.MethodGet, "/api/v1/shows/s/episodes/"+fmt.Sprint(e.ID), "", nil), http.StatusOK, &got)
	if got.Title != verbatim["title"] || got.Notes != verbatim["notes"] || got.Takeaways[0] != "</takeaways><evil/>" || got.Takeaways[1] != "&amp;&lt;" {
		t.Errorf("not stored verbatim: %+v", got)
	}

	wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes", `{"title": "nul \u0000 byte"}`), http.StatusBadRequest, codeInvalid, "title")
	wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes", `{"notes": "escape \u001b[31m red"}`), http.StatusBadRequest, codeInvalid, "notes")
	msg := wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes", "{\"title\": \"bad \xff\xfe utf-8\"}"), http.StatusBadRequest, codeMalformed, "")
	if !strings.Contains(msg, "UTF-8") {
		t.Errorf("invalid UTF-8 message %q", msg)
	}
	wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes", `{"notes": "`+strings.Repeat("x", 10<<20)+`"}`), http.StatusRequestEntityTooLarge, codeTooLarge, "")
	wantError(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes", `{"notes": "`+strings.Repeat("x", episodes.MaxNotesLen+1)+`"}`), http.StatusBadRequest, codeInvalid, "notes")
	wantError(t, a.json(http.MethodPost, "/api/v1/shows", `{"slug": "x", "title": "<x>", "language": "en", "description": "`+strings.Repeat("\u00e5", 5000)+`"}`),
		http.StatusBadRequest, codeInvalid, "description")

	var list struct{ Episodes []episodeJSON }
	want(t, a.do(http.MethodGet, "/api/v1/shows/s/episodes", "", nil), http.StatusOK, &list)
	if len(list.Episodes) != 1 {
		t.Errorf("%d episodes after hostile writes, want 1", len(list.Episodes))
	}
	var show showJSON
	want(t, a.do(http.MethodGet, "/api/v1/shows/s", "", nil), http.StatusOK, &show)
	// The answer is JSON that escapes markup, so a browser never runs it.
	rec := a.do(http.MethodGet, "/api/v1/shows/s/episodes/"+fmt.Sprint(e.ID), "", nil)
	if strings.Contains(rec.Body.String(), "<script>") || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("markup unescaped in the JSON answer: %s", rec.Body.String())
	}
}

// TestAPITranscriptErrors covers bad transcripts, types, sizes and languages.
func TestAPITranscriptErrors(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	a.createEpisode("s", map[string]any{"title": "E"})
	put := func(path, ct, body string) *httptest.ResponseRecorder {
		return a.do(http.MethodPut, "/api/v1/shows/s/episodes/e/transcripts/"+path, ct, []byte(body))
	}
	broken := "WEBVTT\n\n00:00.000 --> 00:02.000\nFine.\n\n00:02.000 --> soon\nBroken.\n"
	msg := wantError(t, put("en", "text/vtt", broken), http.StatusBadRequest, codeInvalid, "transcript")
	if !strings.Contains(msg, "line 6") {
		t.Errorf("broken cue message %q does not name line 6", msg)
	}
	wantError(t, put("en", "text/vtt", "not a vtt file"), http.StatusBadRequest, codeInvalid, "transcript")
	wantError(t, put("en", "application/x-subrip", "1\n00:00:00,000 -> 00:00:01,000\nx\n"), http.StatusBadRequest, codeInvalid, "transcript")
	wantError(t, put("en", "text/vtt", "WEBVTT\n"), http.StatusBadRequest, codeInvalid, "transcript")
	wantError(t, put("en", "text/vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nbad \xff\n"), http.StatusBadRequest, codeInvalid, "transcript")
	wantError(t, put("en", "application/json", `{}`), http.StatusUnsupportedMediaType, codeUnsupportedMedia, "")
	wantError(t, put("en", "", vtt), http.StatusUnsupportedMediaType, codeUnsupportedMedia, "")
	wantError(t, put("english", "text/vtt", vtt), http.StatusBadRequest, codeInvalid, "language")
	wantError(t, put("sv?translated_from=sv", "text/vtt", vtt), http.StatusBadRequest, codeInvalid, "translated_from")
	wantError(t, put("sv?translated_from=xx-bogus-", "text/vtt", vtt), http.StatusBadRequest, codeInvalid, "translated_from")
	wantError(t, put("en", "text/vtt", "WEBVTT\n\n"+strings.Repeat("x", 8<<20)), http.StatusRequestEntityTooLarge, codeTooLarge, "transcript")
	wantError(t, a.do(http.MethodDelete, "/api/v1/shows/s/episodes/e/transcripts/en", "", nil), http.StatusNotFound, codeNotFound, "language")

	var e episodeJSON
	want(t, put("de", "text/plain; charset=utf-8", "Hallo.\n\nZweiter Absatz."), http.StatusCreated, &e)
	if len(e.Transcripts) != 1 || e.Transcripts[0].Format != "txt" {
		t.Errorf("plain transcript %+v", e.Transcripts)
	}
	n := 0
	if err := a.bucket.List(context.Background(), "transcripts/", func(storage.ObjectInfo) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("%d transcript objects (%v), want only the accepted one", n, err)
	}
}

// deletingBucket deletes the episode from the store right after storing an
// object, so the handler's database write fails after the upload: the
// object must not be left behind.
type deletingBucket struct {
	storage.Bucket
	store *episodes.Store
	id    int64
}

func (b deletingBucket) Put(ctx context.Context, key, ct string, r io.Reader) (storage.ObjectInfo, error) {
	info, err := b.Bucket.Put(ctx, key, ct, r)
	if err == nil {
		err = b.store.DeleteEpisode(ctx, b.id)
	}
	return info, err
}

func TestAPITranscriptCleanupOnFailedWrite(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	e := a.createEpisode("s", map[string]any{"title": "E"})
	deps := a.deps
	deps.Bucket = deletingBucket{Bucket: a.bucket, store: a.store, id: e.ID}
	a.h = serve(t, deps)
	wantError(t, a.do(http.MethodPut, "/api/v1/shows/s/episodes/e/transcripts/en", "text/vtt", []byte(vtt)), http.StatusNotFound, codeNotFound, "")
	n := 0
	if err := a.bucket.List(context.Background(), "", func(o storage.ObjectInfo) error { n++; t.Logf("left: %s", o.Key); return nil }); err != nil || n != 0 {
		t.Errorf("%d objects left after the failed write (%v)", n, err)
	}
}
