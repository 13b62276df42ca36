package admin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// TestChapterEditor adds, edits, reorders and removes chapters with times
// typed as mm:ss and h:mm:ss, and refuses a time it cannot read beside the
// chapter's input.
func TestChapterEditor(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	sh := c.mustCreateShow("pod", "Pod")
	ep := c.uploadEpisode(t, sh, "cbr.mp3")
	u := episodeAdminURL(sh, ep)
	stored := func() []episodes.Chapter {
		got, err := e.store.GetEpisode(context.Background(), sh.ID, itoa(ep.ID))
		if err != nil {
			t.Fatal(err)
		}
		return got.Chapters
	}
	f := formOf(t, c.get(u), u)
	f.Set("chapters[0].start_ms", "0:00")
	f.Set("chapters[0].title", "Welcome")
	f.Set("chapters[1].start_ms", "0:01.5")
	f.Set("chapters[1].title", "The idea")
	f.Set("chapters[1].url", "https://example.org/idea")
	f.Set("chapters[1].img", "https://example.org/idea.png")
	f.Set("action", "save")
	if p := c.post(u, f); p.status != http.StatusSeeOther {
		t.Fatalf("save chapters: %d %s", p.status, text(p.doc))
	}
	if got := stored(); len(got) != 2 || got[1].StartMS != 1500 || got[1].URL != "https://example.org/idea" || got[1].Img != "https://example.org/idea.png" {
		t.Fatalf("chapters %+v", got)
	}

	// Edit the first, then move the second up (without the script), save.
	f = formOf(t, c.get(u), u)
	if f.Get("chapters[1].start_ms") != "0:01.5" {
		t.Errorf("the form shows the start as %q, want 0:01.5", f.Get("chapters[1].start_ms"))
	}
	f.Set("chapters[0].title", "Hello")
	f.Set("action", "down:chapters:0")
	p := c.post(u, f)
	f = formOf(t, p, u)
	if f.Get("chapters[0].title") != "The idea" || f.Get("chapters[1].title") != "Hello" {
		t.Fatalf("after moving: %q, %q", f.Get("chapters[0].title"), f.Get("chapters[1].title"))
	}
	// In that order the starts no longer ascend: refused beside the start.
	f.Set("action", "save")
	if p := c.post(u, f); p.status != http.StatusBadRequest || p.fieldError(t, "chapters[1].start_ms") == "" {
		t.Fatalf("descending starts: %d", p.status)
	}
	f.Set("chapters[0].start_ms", "0:01")
	f.Set("chapters[1].start_ms", "0:02")
	if p := c.post(u, f); p.status != http.StatusSeeOther {
		t.Fatalf("save reordered: %d %s", p.status, text(p.doc))
	}
	if got := stored(); len(got) != 2 || got[0].Title != "The idea" || got[1].Title != "Hello" || got[1].StartMS != 2000 {
		t.Fatalf("reordered chapters %+v", got)
	}

	// A time that is no time is refused beside its input, naming the forms.
	f = formOf(t, c.get(u), u)
	f.Set("chapters[1].start_ms", "two")
	f.Set("action", "save")
	p = c.post(u, f)
	if msg := p.fieldError(t, "chapters[1].start_ms"); p.status != http.StatusBadRequest || !strings.Contains(msg, "mm:ss or h:mm:ss") {
		t.Errorf("unreadable time: %d %q", p.status, msg)
	}

	// Remove one.
	f = formOf(t, c.get(u), u)
	f.Set("action", "remove:chapters:0")
	f = formOf(t, c.post(u, f), u)
	f.Set("action", "save")
	c.post(u, f)
	if got := stored(); len(got) != 1 || got[0].Title != "Hello" {
		t.Errorf("after removing: %+v", got)
	}
}

// TestEpisodeDelete asks first, saying what goes away, then deletes the
// episode and its files.
func TestEpisodeDelete(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	sh := c.mustCreateShow("pod", "Pod")
	ep := c.uploadEpisode(t, sh, "cbr.mp3")
	u := episodeAdminURL(sh, ep)
	if p := c.post(u+"publish", map[string][]string{"when": {"now"}}); p.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", p.status)
	}
	p := c.get(u + "delete")
	body := text(p.doc)
	for _, want := range []string{"cannot be undone", "audio file", "feed", "public page"} {
		if !strings.Contains(body, want) {
			t.Errorf("the confirmation does not mention %q:\n%s", want, body)
		}
	}
	if _, err := e.store.GetEpisode(context.Background(), sh.ID, itoa(ep.ID)); err != nil {
		t.Fatalf("asking deleted the episode: %v", err)
	}
	// Without the CSRF token nothing happens.
	if p := c.post(u+"delete", map[string][]string{"csrf": {"wrong"}}); p.status != http.StatusForbidden {
		t.Errorf("delete with a wrong CSRF token: %d", p.status)
	}
	p = c.post(u+"delete", nil)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != showAdminURL(sh)+"?done=deleted" {
		t.Fatalf("delete: %d to %q", p.status, p.header.Get("Location"))
	}
	if _, err := e.store.GetEpisode(context.Background(), sh.ID, itoa(ep.ID)); !errors.Is(err, episodes.ErrNotFound) {
		t.Errorf("the episode is still there: %v", err)
	}
	if used, err := e.store.ObjectReferenced(context.Background(), ep.Audio.Key); err != nil || used {
		t.Errorf("its audio is still referenced (%v): the sweep would keep it", err)
	}
	if !strings.Contains(text(c.get(showAdminURL(sh)+"?done=deleted").doc), "was deleted") {
		t.Error("the show page does not say the episode was deleted")
	}
}

// TestShowDelete asks first, then deletes the show with its episodes.
func TestShowDelete(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	sh := c.mustCreateShow("pod", "Pod")
	c.uploadEpisode(t, sh, "cbr.mp3")
	p := c.get(showAdminURL(sh) + "delete")
	if body := text(p.doc); !strings.Contains(body, "1 episode") || !strings.Contains(body, "feed") {
		t.Errorf("the confirmation does not say what goes:\n%s", body)
	}
	if p := c.post(showAdminURL(sh)+"delete", nil); p.status != http.StatusSeeOther {
		t.Fatalf("delete show: %d", p.status)
	}
	if _, err := e.store.GetShow(context.Background(), "pod"); !errors.Is(err, episodes.ErrNotFound) {
		t.Errorf("the show is still there: %v", err)
	}
}

// TestEpisodeArtwork uploads an episode's own artwork through the same
// checks as the API, refuses a bad picture beside the input, and removes it.
func TestEpisodeArtwork(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	sh := c.mustCreateShow("pod", "Pod")
	ep := c.uploadEpisode(t, sh, "cbr.mp3")
	u := episodeAdminURL(sh, ep)
	c.get(u)
	p := c.upload(u+"artwork", nil, "small.jpg", pictureBytes(t, "jpeg", 600, 600))
	if msg := text(p.byID("f-artwork-error")); p.status != http.StatusBadRequest || !strings.Contains(msg, "between 1400 × 1400 and 3000 × 3000") {
		t.Errorf("small picture: %d %q", p.status, msg)
	}
	if p := c.upload(u+"artwork", nil, "cover.png", pictureBytes(t, "png", 1400, 1400)); p.status != http.StatusSeeOther {
		t.Fatalf("artwork upload: %d %s", p.status, text(p.doc))
	}
	got, _ := e.store.GetEpisode(context.Background(), sh.ID, itoa(ep.ID))
	if got.ImageKey == "" {
		t.Fatal("the episode has no artwork after the upload")
	}
	c.get(u)
	if p := c.post(u+"artwork/delete", nil); p.status != http.StatusSeeOther {
		t.Fatalf("remove artwork: %d", p.status)
	}
	if again, _ := e.store.GetEpisode(context.Background(), sh.ID, itoa(ep.ID)); again.ImageKey != "" {
		t.Errorf("the artwork %q is still the episode's", again.ImageKey)
	}
}

// TestScheduleInShowTimeZone: the form names the show's zone, reads the
// time typed in it, and shows the scheduled time back in it.
func TestScheduleInShowTimeZone(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	sh := c.mustCreateShow("pod", "Pod")
	edit := showAdminURL(sh) + "edit"
	f := formOf(t, c.get(edit), edit)
	if f.Get("time_zone") != "UTC" {
		t.Errorf("a new show's zone is %q, want UTC", f.Get("time_zone"))
	}
	f.Set("time_zone", "Mars/Olympus_Mons")
	if p := c.post(edit, f); p.status != http.StatusBadRequest || !strings.Contains(p.fieldError(t, "time_zone"), "IANA") {
		t.Errorf("unknown zone: %d", p.status)
	}
	f.Set("time_zone", "America/New_York")
	if p := c.post(edit, f); p.status != http.StatusSeeOther {
		t.Fatalf("save zone: %d %s", p.status, text(p.doc))
	}
	ep := c.uploadEpisode(t, sh, "cbr.mp3")
	u := episodeAdminURL(sh, ep)
	page := c.get(u)
	if body := text(page.doc); !strings.Contains(body, "America/New_York") {
		t.Error("the episode page does not name the show's time zone")
	}
	p := c.post(u+"publish", map[string][]string{"when": {"schedule"}, "publish_at": {"2030-01-15T09:30"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("schedule: %d %s", p.status, text(p.doc))
	}
	got, _ := e.store.GetEpisode(context.Background(), sh.ID, itoa(ep.ID))
	if want := time.Date(2030, 1, 15, 14, 30, 0, 0, time.UTC); got.PublishAt == nil || !got.PublishAt.Equal(want) {
		t.Fatalf("scheduled for %v, want %v (09:30 in New York)", got.PublishAt, want)
	}
	body := text(c.get(u).doc)
	if !strings.Contains(body, "15 Jan 2030, 09:30 EST (America/New_York)") {
		t.Errorf("the page does not show the time in the show's zone:\n%s", body)
	}
	if f := formOf(t, c.get(u), u+"publish"); f.Get("publish_at") != "" && f.Get("publish_at") != "2030-01-15T09:30" {
		t.Errorf("the schedule form shows %q", f.Get("publish_at"))
	}
}
