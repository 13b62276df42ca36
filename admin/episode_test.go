package admin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "audio", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// uploadEpisode uploads a fixture into the show and returns the draft.
func (c *client) uploadEpisode(t *testing.T, sh *episodes.Show, name string) *episodes.Episode {
	t.Helper()
	p := c.upload("/admin/shows/"+sh.Slug+"/episodes", nil, name, fixture(t, name))
	if p.status != http.StatusSeeOther {
		t.Fatalf("upload %s: %d\n%s", name, p.status, text(p.doc))
	}
	eps, _, err := c.e.store.ListEpisodes(context.Background(), sh.ID, episodes.ListOptions{})
	if err != nil || len(eps) == 0 {
		t.Fatalf("no episode after upload: %v", err)
	}
	if want := episodeAdminURL(sh, eps[0]) + "?done=uploaded"; p.header.Get("Location") != want {
		t.Errorf("upload went to %q, want %q", p.header.Get("Location"), want)
	}
	return eps[0]
}

func TestEpisodeUpload(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	sh := c.mustCreateShow("pod", "Pod")
	ep := c.uploadEpisode(t, sh, "chapters.mp3")
	p := c.get(episodeAdminURL(sh, ep) + "?done=uploaded")
	body := text(p.doc)
	for _, want := range []string{"Kapitel och tider", "0:03", "Draft", "audio was uploaded"} {
		if !strings.Contains(body, want) {
			t.Errorf("episode page misses %q", want)
		}
	}
	// The chapters read from the file are in the chapter editor.
	for i, want := range []string{"Intro", "Mitt – del två", "Outro"} {
		name := fmt.Sprintf("chapters[%d].title", i)
		if in := p.find(func(n *htmlNode) bool { return attr(n, "name") == name }); attr(in, "value") != want {
			t.Errorf("chapter editor: %s = %q, want %q", name, attr(in, "value"), want)
		}
	}
	// The artwork read from a file is shown.
	ep2 := c.uploadEpisode(t, sh, "art.mp3")
	p = c.get(episodeAdminURL(sh, ep2))
	img := p.find(func(n *htmlNode) bool { return n.Data == "img" && strings.Contains(attr(n, "src"), "/media/art/") })
	if img == nil {
		t.Error("the artwork embedded in art.mp3 is not shown")
	}
	// The list shows both, as drafts.
	p = c.get("/admin/shows/pod/")
	if got := len(all(p.doc, func(n *htmlNode) bool { return n.Data == "span" && strings.Contains(attr(n, "class"), "status-draft") })); got != 2 {
		t.Errorf("%d drafts listed, want 2", got)
	}
	tests := []struct {
		name, file string
		data       []byte
		status     int
		want       string
	}{
		{"same file again", "chapters.mp3", fixture(t, "chapters.mp3"), http.StatusConflict, "already the audio of episode"},
		{"not audio", "notes.mp3", []byte("this is plain text and no audio at all, sorry; " + strings.Repeat("x", 5000)), http.StatusUnsupportedMediaType, "Upload an MP3 or M4A file"},
		{"no file", "", nil, http.StatusBadRequest, "Choose an MP3 or M4A file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := c.upload("/admin/shows/pod/episodes", nil, tc.file, tc.data)
			if p.status != tc.status {
				t.Fatalf("status %d, want %d: %s", p.status, tc.status, text(p.byID("upload-error")))
			}
			if msg := text(p.byID("upload-error")); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, want %q", msg, tc.want)
			}
		})
	}
	if p := c.upload("/admin/shows/pod/episodes", [][2]string{{"csrf", "wrong"}}, "cbr.mp3", fixture(t, "cbr.mp3")); p.status != http.StatusForbidden {
		t.Errorf("upload with a wrong CSRF token: %d", p.status)
	}
	if eps, _, _ := e.store.ListEpisodes(context.Background(), sh.ID, episodes.ListOptions{}); len(eps) != 2 {
		t.Errorf("%d episodes after the failed uploads, want 2", len(eps))
	}
	// Replacing the audio keeps the guid and changes the key.
	p = c.upload(episodeAdminURL(sh, ep)+"audio", nil, "cbr.mp3", fixture(t, "cbr.mp3"))
	if p.status != http.StatusSeeOther {
		t.Fatalf("replace audio: %d %s", p.status, text(p.doc))
	}
	got, _ := e.store.GetEpisode(context.Background(), sh.ID, itoa(ep.ID))
	if got.GUID != ep.GUID || got.Audio.Key == ep.Audio.Key {
		t.Errorf("replace: guid %q->%q key %q->%q", ep.GUID, got.GUID, ep.Audio.Key, got.Audio.Key)
	}
}

func TestEpisodeEdit(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	sh := c.mustCreateShow("pod", "Pod")
	ep := c.uploadEpisode(t, sh, "cbr.mp3")
	u := episodeAdminURL(sh, ep)
	p := c.get(u)
	f := formOf(t, p, u)
	f.Set("title", "Spaced repetition")
	f.Set("season", "2")
	f.Set("number", "5")
	f.Set("type", "bonus")
	f.Set("explicit", "on")
	f.Set("discussion_url", "https://www.linkedin.com/posts/x")
	f.Set("notes", "Some **bold** notes.\n\n<script>alert(1)</script>")
	// Without the script: add two takeaways through the buttons.
	for _, v := range []string{"First takeaway", "Second takeaway"} {
		f.Set("action", "add:takeaways")
		p = c.post(u, f)
		if p.status != http.StatusOK {
			t.Fatalf("add: %d", p.status)
		}
		f = formOf(t, p, u)
		n := 0
		for f.Has("takeaways[" + itoa(int64(n)) + "]") {
			n++
		}
		f.Set("takeaways["+itoa(int64(n-1))+"]", v)
	}
	// Move the second up, then preview the notes.
	f.Set("action", "up:takeaways:1")
	p = c.post(u, f)
	f = formOf(t, p, u)
	if f.Get("takeaways[0]") != "Second takeaway" || f.Get("takeaways[1]") != "First takeaway" {
		t.Fatalf("after move up: %q, %q", f.Get("takeaways[0]"), f.Get("takeaways[1]"))
	}
	f.Set("action", "preview")
	p = c.post(u, f)
	prev := p.find(func(n *htmlNode) bool { return attr(n, "class") == "notes" })
	if prev == nil || !strings.Contains(text(prev), "Some bold notes.") || p.find(func(n *htmlNode) bool { return n.Data == "strong" }) == nil {
		t.Fatalf("preview missing or wrong")
	}
	if p.find(func(n *htmlNode) bool { return n.Data == "script" && !hasAttr(n, "src") }) != nil {
		t.Error("the preview let a script through")
	}
	if got, _ := e.store.GetEpisode(context.Background(), sh.ID, itoa(ep.ID)); got.Title == "Spaced repetition" {
		t.Error("preview saved the episode")
	}
	// Indexed inputs as the script leaves them: gaps and any order.
	f = formOf(t, p, u)
	f.Set("study_questions[7]", "Why space reviews?")
	f.Set("references[3].title", "Memory")
	f.Set("references[3].authors", "Ebbinghaus, H.; Roediger, H. L.")
	f.Set("references[3].year", "1885")
	f.Set("references[3].doi", "10.1037/e123")
	f.Set("guests[0].name", "Grace")
	f.Set("guests[0].bio", "Researcher")
	f.Set("takeaways[5]", "")
	f.Set("action", "save")
	p = c.post(u, f)
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", p.status, text(p.byID("error-summary")))
	}
	got, _ := e.store.GetEpisode(context.Background(), sh.ID, itoa(ep.ID))
	if got.Title != "Spaced repetition" || got.Season != 2 || got.Number != 5 || got.Type != "bonus" || !got.Explicit ||
		got.DiscussionURL != "https://www.linkedin.com/posts/x" || !strings.HasPrefix(got.Notes, "Some **bold**") {
		t.Errorf("saved %+v", got)
	}
	if !slices.Equal(got.Takeaways, []string{"Second takeaway", "First takeaway"}) || !slices.Equal(got.StudyQuestions, []string{"Why space reviews?"}) {
		t.Errorf("takeaways %q questions %q", got.Takeaways, got.StudyQuestions)
	}
	if len(got.References) != 1 || !slices.Equal(got.References[0].Authors, []string{"Ebbinghaus, H.", "Roediger, H. L."}) || got.References[0].Year != 1885 {
		t.Errorf("references %+v", got.References)
	}
	if len(got.Guests) != 1 || got.Guests[0].Name != "Grace" || got.Guests[0].Role != "guest" {
		t.Errorf("guests %+v", got.Guests)
	}
	if !slices.Contains(e.invalidations(), sh.ID) {
		t.Error("the store announced no change after saving")
	}
	// Remove the first takeaway.
	p = c.get(u)
	f = formOf(t, p, u)
	f.Set("action", "remove:takeaways:0")
	p = c.post(u, f)
	f = formOf(t, p, u)
	f.Set("action", "save")
	c.post(u, f)
	got, _ = e.store.GetEpisode(context.Background(), sh.ID, itoa(ep.ID))
	if !slices.Equal(got.Takeaways, []string{"First takeaway"}) {
		t.Errorf("after remove: %q", got.Takeaways)
	}

	t.Run("validation", func(t *testing.T) {
		tests := []struct{ field, value, input, want string }{
			{"season", "two", "season", "not a whole number"},
			{"number", "-3", "number", "out of range"},
			{"discussion_url", "javascript:alert(1)", "discussion_url", "not an absolute http(s) URL"},
			{"references[0].year", "nineteen", "references[0].year", "not a year"},
			{"references[0].doi", "doi:10.1/x", "references[0].doi", "is not a DOI"},
			{"guests[0].href", "x", "guests[0].href", "not an absolute"},
			{"slug", "Not A Slug", "slug", "not a valid slug"},
		}
		for _, tc := range tests {
			t.Run(tc.field, func(t *testing.T) {
				f := formOf(t, c.get(u), u)
				f.Set(tc.field, tc.value)
				if strings.HasPrefix(tc.field, "references[") {
					f.Set("references[0].title", "T")
				}
				f.Set("action", "save")
				p := c.post(u, f)
				if p.status != http.StatusBadRequest {
					t.Fatalf("status %d", p.status)
				}
				if msg := p.fieldError(t, tc.input); !strings.Contains(msg, tc.want) {
					t.Errorf("error beside %s = %q, want %q", tc.input, msg, tc.want)
				}
				if link := p.find(func(n *htmlNode) bool { return n.Data == "a" && attr(n, "href") == "#"+inputID(tc.input) }); link == nil {
					t.Error("the error summary does not link to the field")
				}
			})
		}
	})
}

func TestEpisodePublishing(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	ctx := context.Background()
	sh := c.mustCreateShow("pod", "Pod")
	ep := c.uploadEpisode(t, sh, "cbr.mp3")
	u := episodeAdminURL(sh, ep)
	c.get(u)
	status := func() string {
		got, _ := e.store.GetEpisode(ctx, sh.ID, itoa(ep.ID))
		return got.EffectiveStatus(e.clock.Now())
	}
	// Schedule: a datetime-local read as UTC.
	p := c.post(u+"publish", url.Values{"when": {"schedule"}, "publish_at": {"2025-06-02T09:30"}})
	if p.status != http.StatusSeeOther || status() != "scheduled" {
		t.Fatalf("schedule: %d, status %s", p.status, status())
	}
	got, _ := e.store.GetEpisode(ctx, sh.ID, itoa(ep.ID))
	if want := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC); !got.PublishAt.Equal(want) {
		t.Errorf("PublishAt %v, want %v", got.PublishAt, want)
	}
	if p := c.get(u); !strings.Contains(text(p.doc), "Scheduled for 2 Jun 2025, 09:30 UTC") {
		t.Errorf("page does not say when: %s", text(p.byID("publish-heading").Parent))
	}
	for _, bad := range []string{"", "tomorrow", "2025-13-01T10:00"} {
		p := c.post(u+"publish", url.Values{"when": {"schedule"}, "publish_at": {bad}})
		if p.status != http.StatusBadRequest || p.fieldError(t, "publish_at") == "" {
			t.Errorf("schedule at %q: %d %q", bad, p.status, p.fieldError(t, "publish_at"))
		}
	}
	e.clock.Add(22 * time.Hour)
	if status() != "published" {
		t.Errorf("after the time: %s", status())
	}
	c.signIn() // the session has expired meanwhile
	if p := c.post(u+"unpublish", nil); p.status != http.StatusSeeOther || status() != "unpublished" {
		t.Fatalf("unpublish: %d %s", p.status, status())
	}
	if p := c.post(u+"publish", url.Values{"when": {"now"}}); p.status != http.StatusSeeOther || status() != "published" {
		t.Fatalf("publish now: %d %s", p.status, status())
	}
	p = c.get(u)
	link := p.find(func(n *htmlNode) bool { return n.Data == "a" && attr(n, "href") == e.srv.URL+"/pod/"+ep.Slug+"/" })
	feed := p.find(func(n *htmlNode) bool { return n.Data == "a" && attr(n, "href") == e.srv.URL+"/pod/feed.xml" })
	if link == nil || feed == nil {
		t.Error("a published episode's page lacks links to its public page and the feed")
	}
	// Publishing needs a title.
	f := formOf(t, c.get(u), u)
	f.Set("title", "")
	f.Set("action", "save")
	c.post(u, f)
	c.post(u+"unpublish", nil)
	p = c.post(u+"publish", url.Values{"when": {"now"}})
	if p.status != http.StatusBadRequest || !strings.Contains(text(p.byID("publish-error")), "title") {
		t.Errorf("publish without a title: %d %q", p.status, text(p.byID("publish-error")))
	}
	if p := c.post(u+"publish", url.Values{"when": {"now"}, "csrf": {"x"}}); p.status != http.StatusForbidden {
		t.Errorf("publish with a bad CSRF token: %d", p.status)
	}
}

func TestTranscripts(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	ctx := context.Background()
	sh := c.mustCreateShow("pod", "Pod")
	ep := c.uploadEpisode(t, sh, "cbr.mp3")
	u := episodeAdminURL(sh, ep)
	c.get(u)
	broken := "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello\n\n00:00:01.000 --> later\nBroken\n"
	p := c.upload(u+"transcripts", [][2]string{{"language", "en"}}, "en.vtt", []byte(broken))
	if p.status != http.StatusBadRequest || !strings.Contains(text(p.byID("f-transcript-error")), "line 6") {
		t.Fatalf("broken cue: %d %q", p.status, text(p.byID("f-transcript-error")))
	}
	p = c.upload(u+"transcripts", [][2]string{{"language", "not a lang"}}, "en.vtt", []byte("WEBVTT\n"))
	if p.status != http.StatusBadRequest || p.fieldError(t, "language") == "" {
		t.Errorf("bad language: %d", p.status)
	}
	p = c.upload(u+"transcripts", [][2]string{{"language", "en"}}, "en.vtt", []byte("WEBVTT\n"))
	if msg := text(p.byID("f-transcript-error")); p.status != http.StatusBadRequest || msg != "has no cues or text" {
		t.Errorf("no cues: %d %q", p.status, msg)
	}
	good := "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n<v Ada>Hello and welcome.\n"
	if p := c.upload(u+"transcripts", [][2]string{{"language", "en"}}, "en.vtt", []byte(good)); p.status != http.StatusSeeOther {
		t.Fatalf("good vtt: %d %s", p.status, text(p.doc))
	}
	srt := "1\n00:00:00,000 --> 00:00:01,000\nHej och välkommen.\n"
	if p := c.upload(u+"transcripts", [][2]string{{"language", "sv"}, {"translated_from", "en"}}, "sv.srt", []byte(srt)); p.status != http.StatusSeeOther {
		t.Fatalf("good srt: %d %s", p.status, text(p.doc))
	}
	got, _ := e.store.GetEpisode(ctx, sh.ID, itoa(ep.ID))
	if len(got.Transcripts) != 2 {
		t.Fatalf("transcripts %+v", got.Transcripts)
	}
	for _, tr := range got.Transcripts {
		rc, _, err := e.bucket.Get(ctx, tr.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		want := map[string]string{"en": good, "sv": srt}[tr.Language]
		if string(b) != want || tr.Format != map[string]string{"en": "vtt", "sv": "srt"}[tr.Language] {
			t.Errorf("%s: format %s, stored %q", tr.Language, tr.Format, b)
		}
		if tr.Language == "sv" && tr.TranslatedFrom != "en" {
			t.Errorf("sv translated from %q", tr.TranslatedFrom)
		}
	}
	// Replacing a language releases the old object, for the sweep to
	// delete after the retention.
	oldKey := got.Transcripts[0].Key
	c.upload(u+"transcripts", [][2]string{{"language", "en"}}, "en.vtt", []byte(good+"\n00:00:02.000 --> 00:00:03.000\nMore.\n"))
	if o, err := e.store.GetMedia(ctx, oldKey); err != nil || o.State != episodes.MediaReleased {
		t.Errorf("the replaced transcript's object: %+v, %v; want it released", o, err)
	}
	p = c.post(u+"transcripts/sv/delete", nil)
	got, _ = e.store.GetEpisode(ctx, sh.ID, itoa(ep.ID))
	if p.status != http.StatusSeeOther || len(got.Transcripts) != 1 || got.Transcripts[0].Language != "en" {
		t.Errorf("delete sv: %d %+v", p.status, got.Transcripts)
	}
}

// TestEpisodeRescheduleAndRepublish: the page warns before a public episode
// is scheduled and asks for a confirmation that the server checks too;
// publishing again keeps the original publication date unless asked.
func TestEpisodeRescheduleAndRepublish(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	ctx := context.Background()
	sh := c.mustCreateShow("pod", "Pod")
	ep := c.uploadEpisode(t, sh, "cbr.mp3")
	u := episodeAdminURL(sh, ep)
	stored := func() *episodes.Episode {
		got, err := e.store.GetEpisode(ctx, sh.ID, itoa(ep.ID))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if p := c.post(u+"publish", url.Values{"when": {"now"}}); p.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", p.status)
	}
	first := *stored().PublishAt

	p := c.get(u)
	box := p.find(func(n *htmlNode) bool { return n.Data == "input" && attr(n, "name") == "reschedule" })
	if box == nil || !hasAttr(box, "required") || !strings.Contains(text(p.byID(attr(box, "id")+"-hint")), "takes it out of the feed") {
		t.Fatal("the schedule form of a public episode does not warn and ask for confirmation")
	}
	p = c.post(u+"publish", url.Values{"when": {"schedule"}, "publish_at": {"2025-06-09T09:00"}})
	if p.status != http.StatusConflict || !strings.Contains(p.fieldError(t, "reschedule"), "takes it out of the feed") {
		t.Fatalf("unconfirmed schedule of a public episode: %d %q", p.status, p.fieldError(t, "reschedule"))
	}
	if got := stored(); !got.IsPublic(e.clock.Now()) {
		t.Fatalf("the refused schedule took the episode out: %+v", got)
	}
	p = c.post(u+"publish", url.Values{"when": {"schedule"}, "publish_at": {"2025-06-09T09:00"}, "reschedule": {"on"}})
	if got := stored(); p.status != http.StatusSeeOther || got.Status != episodes.StatusScheduled {
		t.Fatalf("confirmed reschedule: %d %s", p.status, got.Status)
	}

	// Back to public with its first date, then unpublish and publish again a day later.
	e.clock.Add(9 * 24 * time.Hour)
	c.signIn()
	c.post(u+"unpublish", nil)
	if p := c.post(u+"publish", url.Values{"when": {"schedule"}, "publish_at": {first.Format(datetimeLocal)}}); p.status != http.StatusSeeOther {
		t.Fatalf("backdate: %d", p.status)
	}
	c.post(u+"unpublish", nil)
	e.clock.Add(24 * time.Hour)
	c.signIn()
	p = c.get(u)
	if !strings.Contains(text(p.doc), "Publishing again keeps its publication date") {
		t.Error("the page does not say that publishing again keeps the date")
	}
	c.post(u+"publish", url.Values{"when": {"now"}})
	if got := stored(); !got.PublishAt.Equal(first) || !got.PublishedAt.Equal(first) {
		t.Errorf("republished: publish_at %v published_at %v, want %v", got.PublishAt, got.PublishedAt, first)
	}
	c.post(u+"unpublish", nil)
	c.post(u+"publish", url.Values{"when": {"now"}, "new_date": {"on"}})
	if got := stored(); !got.PublishAt.Equal(e.clock.Now()) {
		t.Errorf("republished with a new date: %v, want %v", got.PublishAt, e.clock.Now())
	}
}

// TestTranscriptAfterTheAudio: the producer UI shows the same refusal as the
// API for a transcript whose cue starts after the audio ends.
func TestTranscriptAfterTheAudio(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	sh := c.mustCreateShow("pod", "Pod")
	ep := c.uploadEpisode(t, sh, "cbr.mp3")
	u := episodeAdminURL(sh, ep)
	c.get(u)
	late := "WEBVTT\n\n00:00.000 --> 00:01.000\nHello.\n\n10:00:00.000 --> 10:00:01.000\nLong gone.\n"
	p := c.upload(u+"transcripts", [][2]string{{"language", "en"}}, "en.vtt", []byte(late))
	msg := text(p.byID("f-transcript-error"))
	if p.status != http.StatusBadRequest || !strings.Contains(msg, "cue 2") || !strings.Contains(msg, "after the end of the audio") {
		t.Errorf("late cue: %d %q", p.status, msg)
	}
}

// TestEmbeddedArtworkNote: the episode page says when the cover art kept
// from the audio file is smaller than Apple's 1400 px.
func TestEmbeddedArtworkNote(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	sh := c.mustCreateShow("pod", "Pod")
	small := c.uploadEpisode(t, sh, "art.mp3")
	note := text(c.get(episodeAdminURL(sh, small)).byID("artwork-note"))
	if !strings.Contains(note, "16 × 16 px") || !strings.Contains(note, "1400 × 1400 to 3000 × 3000 px") {
		t.Errorf("artwork note %q, want the picture's size and Apple's rule", note)
	}
	plain := c.uploadEpisode(t, sh, "cbr.mp3")
	if c.get(episodeAdminURL(sh, plain)).byID("artwork-note") != nil {
		t.Error("an artwork note on an episode without artwork of its own")
	}
}
