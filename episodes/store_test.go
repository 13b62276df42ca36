package episodes

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lyssna/lyssna/internal/testenv"
)

// fakeClock is a settable clock for scheduled publishing.
type fakeClock = testenv.Clock

// backend opens fresh Stores on one database.
type backend struct {
	name string
	url  string
}

// eachBackend runs fn against SQLite and PostgreSQL, each with an empty
// database, and against a SQLite backup taken under write load (emptied).
func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, backend{"sqlite", "sqlite:" + filepath.Join(t.TempDir(), "lyssna.db")})
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, backend{"postgres", testenv.Postgres(t)})
	})
	t.Run("sqlite-backup", func(t *testing.T) {
		snap, err := backupUnderLoad()
		if err != nil {
			t.Fatalf("backup under load: %v", err)
		}
		path := filepath.Join(t.TempDir(), "lyssna.db")
		if err := copyFile(snap, path); err != nil {
			t.Fatal(err)
		}
		fn(t, backend{"sqlite-backup", "sqlite:" + path})
	})
}

// open opens a Store on b with the given clock, closed when the test ends.
func (b backend) open(t *testing.T, clock *fakeClock) *Store {
	t.Helper()
	s, err := Open(context.Background(), b.url, clock.Now)
	if err != nil {
		t.Fatalf("Open(%s): %v", b.name, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newClock() *fakeClock {
	return testenv.NewClock(time.Date(2025, 3, 4, 10, 0, 0, 123456789, time.UTC))
}

func mustCreateShow(t *testing.T, s *Store, slug string) *Show {
	t.Helper()
	sh := validShow()
	sh.Slug = slug
	sh.GUID = PodcastGUID("https://example.com/" + slug + "/feed.xml")
	if err := s.CreateShow(context.Background(), sh); err != nil {
		t.Fatalf("CreateShow(%s): %v", slug, err)
	}
	return sh
}

func TestStoreShows(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, newClock())
		sh := validShow()
		sh.Locked, sh.Explicit, sh.Complete, sh.Block = true, true, true, true
		sh.Copyright, sh.ImageKey, sh.NewFeedURL = "© 2025 Ada", "shows/abc.jpg", "https://new.example.com/feed.xml"
		if err := s.CreateShow(ctx, sh); err != nil {
			t.Fatal(err)
		}
		if sh.ID == 0 || sh.Version != 1 || sh.CreatedAt.IsZero() {
			t.Fatalf("CreateShow did not set ID/Version/CreatedAt: %+v", sh)
		}
		got, err := s.GetShow(ctx, sh.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, sh) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, sh)
		}
		byID, err := s.GetShowByID(ctx, sh.ID)
		if err != nil || !reflect.DeepEqual(byID, sh) {
			t.Fatalf("GetShowByID = %+v, %v", byID, err)
		}

		// Defaults for an otherwise minimal show.
		min := &Show{Slug: "min", Title: "Min", Language: "sv", GUID: "g-min", Hosts: []Person{{Name: "H"}}}
		if err := s.CreateShow(ctx, min); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetShow(ctx, "min")
		if got.Type != TypeEpisodic || got.Medium != MediumPodcast || got.Hosts[0].Role != RoleHost || got.Hosts[0].Group != GroupCast {
			t.Errorf("defaults not applied: %+v", got)
		}
		if len(got.Categories) != 0 {
			t.Errorf("categories = %v, want none", got.Categories)
		}

		shows, err := s.ListShows(ctx)
		if err != nil || len(shows) != 2 || shows[0].Slug != sh.Slug || shows[1].Slug != "min" {
			t.Fatalf("ListShows = %v, %v", shows, err)
		}

		// Update: a new GUID or slug is refused, naming the field.
		for field, change := range map[string]func(*Show){
			"guid": func(c *Show) { c.GUID = "something-else" },
			"slug": func(c *Show) { c.Slug = "moved" },
		} {
			c := *sh
			change(&c)
			if de, ok := AsError(s.UpdateShow(ctx, &c)); !ok || de.Kind != Invalid || de.Field != field {
				t.Fatalf("UpdateShow with a new %s: %v, want Invalid %s", field, de, field)
			}
		}
		// Update: an empty GUID keeps the stored one, version grows.
		sh.Title, sh.GUID, sh.Categories = "Renamed", "", []Category{{Category: "TV & Film", Subcategory: "After Shows"}}
		if err := s.UpdateShow(ctx, sh); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetShowByID(ctx, sh.ID)
		if got.Title != "Renamed" || got.GUID != PodcastGUID("https://example.com/feed.xml") || got.Version != 2 || !reflect.DeepEqual(got, sh) {
			t.Fatalf("after update: %+v (want %+v)", got, sh)
		}

		// Conflicts are ErrConflict naming what clashed.
		dup := validShow()
		dup.GUID = "other"
		if err := s.CreateShow(ctx, dup); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "slug") {
			t.Errorf("duplicate slug: %v", err)
		}
		dup = validShow()
		dup.Slug = "other"
		if err := s.CreateShow(ctx, dup); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "guid") {
			t.Errorf("duplicate guid: %v", err)
		}
		min.Slug = sh.Slug
		if de, ok := AsError(s.UpdateShow(ctx, min)); !ok || de.Kind != Invalid || de.Field != "slug" {
			t.Errorf("update to another slug: %v, want Invalid slug", de)
		}
		min.Slug = "min"

		// Validation comes before the database.
		bad := validShow()
		bad.Slug, bad.Language = "bad", "klingon"
		var ve *Error
		if err := s.CreateShow(ctx, bad); !errors.As(err, &ve) || ve.Field != "language" {
			t.Errorf("invalid show: %v", err)
		}

		// Not found.
		if _, err := s.GetShow(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetShow(nope): %v", err)
		}
		if _, err := s.GetShowByID(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetShowByID(9999): %v", err)
		}
		if err := s.UpdateShow(ctx, &Show{ID: 9999}); !errors.Is(err, ErrNotFound) {
			t.Errorf("UpdateShow(9999): %v", err)
		}
		if err := s.DeleteShow(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeleteShow(9999): %v", err)
		}
		if _, err := s.ShowVersion(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("ShowVersion(9999): %v", err)
		}
		if err := s.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})
}

func TestStoreEpisodeRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clock := newClock()
		s := b.open(t, clock)
		sh := mustCreateShow(t, s, "show")
		e := validEpisode()
		e.ShowID = sh.ID
		e.Explicit = true
		e.ImageKey = "episodes/img.png"
		e.Guests = append(e.Guests, Person{Name: "Alan", Role: "co-host", Group: "writing", Href: "https://a.example/", Img: "https://a.example/i.png"})
		e.References = append(e.References, Reference{Title: "Only a title"}, Reference{DOI: "10.5555/12345678", Authors: []string{"B", "A"}})
		e.Takeaways = []string{"third", "first", "second"}
		if err := s.CreateEpisode(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.ID == 0 || e.Slug != "one" || e.Status != StatusDraft || len(e.GUID) != 36 {
			t.Fatalf("CreateEpisode set %+v", e)
		}
		for _, key := range []string{idStr(e), e.Slug} {
			got, err := s.GetEpisode(ctx, sh.ID, key)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, e) {
				t.Fatalf("round trip by %s:\n got %+v\nwant %+v", key, got, e)
			}
		}

		// Update replaces every material, in order; GUID and ShowID stay
		// (a different GUID is refused, an empty one keeps the stored one).
		guid := e.GUID
		changed := *e
		changed.GUID = "changed"
		if de, ok := AsError(s.UpdateEpisode(ctx, &changed)); !ok || de.Kind != Invalid || de.Field != "guid" {
			t.Fatalf("UpdateEpisode with a new guid: %v, want Invalid guid", de)
		}
		e.GUID = ""
		e.Takeaways = []string{"only"}
		e.StudyQuestions = nil
		e.References = []Reference{{Title: "New", Year: 2001}}
		e.Guests = nil
		e.Chapters = []Chapter{{StartMS: 10, Title: "Late start"}}
		e.Transcripts = []Transcript{{Language: "de", Format: FormatText, Key: "t/de.txt"}}
		e.Audio = nil
		e.Notes = ""
		if err := s.UpdateEpisode(ctx, e); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetEpisode(ctx, sh.ID, e.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if got.GUID != guid || !reflect.DeepEqual(got, e) {
			t.Fatalf("after update:\n got %+v\nwant %+v", got, e)
		}

		// A given slug and guid are kept; taken ones conflict.
		e2 := &Episode{ShowID: sh.ID, Title: "Two", Slug: "custom-two", GUID: "imported-guid-2"}
		if err := s.CreateEpisode(ctx, e2); err != nil || e2.Slug != "custom-two" || e2.GUID != "imported-guid-2" {
			t.Fatalf("create with slug and guid: %v %+v", err, e2)
		}
		if err := s.CreateEpisode(ctx, &Episode{ShowID: sh.ID, Slug: "custom-two"}); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "slug") {
			t.Errorf("taken slug: %v", err)
		}
		if err := s.CreateEpisode(ctx, &Episode{ShowID: sh.ID, GUID: "imported-guid-2"}); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "guid") {
			t.Errorf("taken guid: %v", err)
		}
		e2.Slug = e.Slug
		if err := s.UpdateEpisode(ctx, e2); !errors.Is(err, ErrConflict) {
			t.Errorf("update to a taken slug: %v", err)
		}
		// The same slug in another show is fine.
		other := mustCreateShow(t, s, "other")
		e3 := &Episode{ShowID: other.ID, Title: "One"}
		if err := s.CreateEpisode(ctx, e3); err != nil || e3.Slug != "one" {
			t.Fatalf("same slug in another show: %v %q", err, e3.Slug)
		}
		if _, err := s.GetEpisode(ctx, sh.ID, idStr(e3)); !errors.Is(err, ErrNotFound) {
			t.Errorf("episode of another show by id: %v", err)
		}
	})
}

// idStr is the episode's id as the API path gives it.
func idStr(e *Episode) string { return fmt.Sprint(e.ID) }

func TestStoreSlugs(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, newClock())
		sh := mustCreateShow(t, s, "show")
		want := []string{"hello-world", "hello-world-2", "hello-world-3", "episode-42", "episode", "episode-2"}
		for i, title := range []string{"Hello, World", "Hello World!", "héllo wörld", "42", "", "!!!"} {
			e := &Episode{ShowID: sh.ID, Title: title}
			if err := s.CreateEpisode(ctx, e); err != nil {
				t.Fatal(err)
			}
			if e.Slug != want[i] {
				t.Errorf("title %q: slug %q, want %q", title, e.Slug, want[i])
			}
		}
		var ve *Error
		if err := s.CreateEpisode(ctx, &Episode{ShowID: sh.ID, Slug: "77"}); !errors.As(err, &ve) || ve.Field != "slug" {
			t.Errorf("all-digit slug: %v", err)
		}
		if err := s.CreateEpisode(ctx, &Episode{ShowID: 9999, Title: "x"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing show: %v", err)
		}
	})
}

func TestStoreConcurrentSlugs(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, newClock())
		sh := mustCreateShow(t, s, "show")
		const n = 12
		var wg sync.WaitGroup
		var wins, conflicts atomic.Int32
		errs := make(chan error, 2*n)
		slugs := make(chan string, n)
		for i := 0; i < n; i++ {
			wg.Add(2)
			go func() { // the same explicit slug: exactly one wins
				defer wg.Done()
				err := s.CreateEpisode(ctx, &Episode{ShowID: sh.ID, Slug: "same"})
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, ErrConflict):
					conflicts.Add(1)
				default:
					errs <- err
				}
			}()
			go func() { // the same title: all succeed with distinct slugs
				defer wg.Done()
				e := &Episode{ShowID: sh.ID, Title: "Same Title"}
				if err := s.CreateEpisode(ctx, e); err != nil {
					errs <- err
					return
				}
				slugs <- e.Slug
			}()
		}
		wg.Wait()
		close(errs)
		close(slugs)
		for err := range errs {
			t.Errorf("unexpected error: %v", err)
		}
		if wins.Load() != 1 || conflicts.Load() != n-1 {
			t.Errorf("same slug: %d wins, %d conflicts; want 1 and %d", wins.Load(), conflicts.Load(), n-1)
		}
		seen := map[string]bool{}
		for slug := range slugs {
			if seen[slug] {
				t.Errorf("slug %q given twice", slug)
			}
			seen[slug] = true
		}
		if len(seen) != n || !seen["same-title"] || !seen[fmt.Sprintf("same-title-%d", n)] {
			t.Errorf("slugs = %v", seen)
		}
		if v, _ := s.ShowVersion(ctx, sh.ID); v != int64(1+n+1) {
			t.Errorf("version after %d creations = %d, want %d", n+1, v, n+2)
		}
	})
}

func TestStorePagination(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clock := newClock()
		s := b.open(t, clock)
		sh := mustCreateShow(t, s, "show")
		audio := &Audio{Key: "a.mp3", Size: 1, ContentType: "audio/mpeg"}
		const n = 53
		var ids []int64
		for i := 0; i < n; i++ {
			e := &Episode{ShowID: sh.ID, Title: fmt.Sprintf("Episode %d", i), Audio: audio, Takeaways: []string{fmt.Sprint(i)}}
			if err := s.CreateEpisode(ctx, e); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID)
			if i%3 != 0 { // some share a creation time, so ids break ties
				clock.Add(time.Second)
			}
		}
		// Publish every other episode in the past, reversing their order.
		for i := 0; i < n; i += 2 {
			if _, err := s.Publish(ctx, ids[i], clock.Now().Add(-time.Duration(i+1)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		var got []int64
		cursor := ""
		pages := 0
		for {
			page, next, err := s.ListEpisodes(ctx, sh.ID, ListOptions{Limit: 10, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, e := range page {
				got = append(got, e.ID)
				if len(e.Takeaways) != 1 || e.Takeaways[0] != strings.TrimPrefix(e.Title, "Episode ") {
					t.Fatalf("episode %d has materials %v", e.ID, e.Takeaways)
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if pages != 6 || len(got) != n {
			t.Fatalf("%d pages, %d episodes; want 6 and %d", pages, len(got), n)
		}
		// Expected order: drafts by creation time desc (they are newer than
		// the backdated publications), then published by publish time desc.
		var want []int64
		for i := n - 1; i >= 0; i-- {
			if i%2 == 1 {
				want = append(want, ids[i])
			}
		}
		for i := 0; i < n; i += 2 {
			want = append(want, ids[i])
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("order\n got %v\nwant %v", got, want)
		}
		// Public only.
		pub, next, err := s.ListEpisodes(ctx, sh.ID, ListOptions{Limit: 100, PublicAt: clock.Now()})
		if err != nil || next != "" || len(pub) != (n+1)/2 {
			t.Fatalf("public list: %d episodes, next %q, %v", len(pub), next, err)
		}
		var ve *Error
		if _, _, err := s.ListEpisodes(ctx, sh.ID, ListOptions{Cursor: "garbage!"}); !errors.As(err, &ve) || ve.Field != "cursor" {
			t.Errorf("bad cursor: %v", err)
		}
	})
}

func TestStorePublishing(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clock := newClock()
		s := b.open(t, clock)
		sh := mustCreateShow(t, s, "show")
		start := clock.Now()

		noAudio := &Episode{ShowID: sh.ID, Title: "No audio"}
		noTitle := &Episode{ShowID: sh.ID, Audio: &Audio{Key: "k.mp3", Size: 5, ContentType: "audio/mpeg"}}
		for _, e := range []*Episode{noAudio, noTitle} {
			if err := s.CreateEpisode(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		var ve *Error
		if _, err := s.Publish(ctx, noAudio.ID, time.Time{}); !errors.As(err, &ve) || ve.Field != "audio" {
			t.Errorf("publish without audio: %v", err)
		}
		if _, err := s.Publish(ctx, noTitle.ID, time.Time{}); !errors.As(err, &ve) || ve.Field != "title" {
			t.Errorf("publish without title: %v", err)
		}
		if _, err := s.Publish(ctx, 9999, time.Time{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("publish missing: %v", err)
		}

		now := &Episode{ShowID: sh.ID, Title: "Now", Audio: &Audio{Key: "now.mp3", Size: 5, ContentType: "audio/mpeg", SHA256: strings.Repeat("0", 64)}}
		later := &Episode{ShowID: sh.ID, Title: "Later", Audio: &Audio{Key: "later.mp3", Size: 5, ContentType: "audio/mpeg"}}
		for _, e := range []*Episode{now, later} {
			if err := s.CreateEpisode(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		v0, _ := s.ShowVersion(ctx, sh.ID)
		p, err := s.Publish(ctx, now.ID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != StatusPublished || p.PublishAt == nil || !p.PublishAt.Equal(normTime(start)) || p.PublishedAt == nil || !p.PublishedAt.Equal(normTime(start)) {
			t.Fatalf("published now: %+v", p)
		}
		due := start.Add(2 * time.Hour)
		p, err = s.Publish(ctx, later.ID, due)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != StatusScheduled || p.PublishedAt != nil || p.IsPublic(clock.Now()) {
			t.Fatalf("scheduled: %+v", p)
		}
		if v, _ := s.ShowVersion(ctx, sh.ID); v != v0+2 {
			t.Errorf("version after two publishes = %d, want %d", v, v0+2)
		}
		next, ok, err := s.NextScheduled(ctx, sh.ID, clock.Now())
		if err != nil || !ok || !next.Equal(normTime(due)) {
			t.Errorf("NextScheduled = %v %v %v, want %v", next, ok, err, due)
		}
		pub, err := s.PublicEpisodes(ctx, sh.ID, clock.Now())
		if err != nil || len(pub) != 1 || pub[0].ID != now.ID {
			t.Fatalf("public before due: %v %v", ids(pub), err)
		}

		// Time passes: the scheduled episode becomes public without a write.
		clock.Set(due.Add(time.Minute))
		pub, err = s.PublicEpisodes(ctx, sh.ID, clock.Now())
		if err != nil || len(pub) != 2 || pub[0].ID != later.ID || pub[1].ID != now.ID {
			t.Fatalf("public after due: %v %v", ids(pub), err)
		}
		if pub[0].PublishedAt == nil || !pub[0].PublishedAt.Equal(normTime(due)) || pub[0].EffectiveStatus(clock.Now()) != StatusPublished {
			t.Errorf("scheduled episode after its time: %+v", pub[0])
		}
		if _, ok, _ := s.NextScheduled(ctx, sh.ID, clock.Now()); ok {
			t.Error("NextScheduled after the last one is due")
		}

		// Slug is fixed once published.
		upd, _ := s.GetEpisode(ctx, sh.ID, now.Slug)
		upd.Slug = "renamed"
		if err := s.UpdateEpisode(ctx, upd); !errors.As(err, &ve) || ve.Field != "slug" {
			t.Errorf("renaming a published slug: %v", err)
		}
		// An update keeps the status and publish times.
		upd.Slug, upd.Status, upd.PublishAt = "", StatusDraft, nil
		if err := s.UpdateEpisode(ctx, upd); err != nil || upd.Status != StatusPublished || upd.PublishAt == nil || upd.Slug != "now" {
			t.Errorf("update of a published episode: %v %+v", err, upd)
		}

		found, err := s.FindEpisodeByAudioSHA256(ctx, sh.ID, strings.Repeat("0", 64))
		if err != nil || found.ID != now.ID {
			t.Errorf("FindEpisodeByAudioSHA256 = %v, %v", found, err)
		}
		if _, err := s.FindEpisodeByAudioSHA256(ctx, sh.ID, strings.Repeat("1", 64)); !errors.Is(err, ErrNotFound) {
			t.Errorf("FindEpisodeByAudioSHA256(unknown): %v", err)
		}

		// Unpublish hides it; publishing again keeps the first PublishedAt.
		u, err := s.Unpublish(ctx, now.ID)
		if err != nil || u.Status != StatusUnpublished || u.IsPublic(clock.Now()) {
			t.Fatalf("Unpublish: %+v %v", u, err)
		}
		pub, _ = s.PublicEpisodes(ctx, sh.ID, clock.Now())
		if len(pub) != 1 || pub[0].ID != later.ID {
			t.Errorf("public after unpublish: %v", ids(pub))
		}
		clock.Add(time.Hour)
		r, err := s.Publish(ctx, now.ID, time.Time{})
		if err != nil || r.Status != StatusPublished || !r.PublishedAt.Equal(normTime(start)) || !r.PublishAt.Equal(normTime(start)) {
			t.Errorf("republish: %+v %v", r, err)
		}
		if _, err := s.Unpublish(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("Unpublish(9999): %v", err)
		}
	})
}

func ids(eps []*Episode) []int64 {
	var out []int64
	for _, e := range eps {
		out = append(out, e.ID)
	}
	return out
}

func TestStoreVersionAndDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, newClock())
		sh := mustCreateShow(t, s, "show")
		other := mustCreateShow(t, s, "other")
		version := func(id int64) int64 {
			v, err := s.ShowVersion(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		e := validEpisode()
		e.ShowID = sh.ID
		type step struct {
			name string
			do   func() error
		}
		steps := []step{
			{"create episode", func() error { return s.CreateEpisode(ctx, e) }},
			{"update episode", func() error { e.Title = "Changed"; return s.UpdateEpisode(ctx, e) }},
			{"publish", func() error { _, err := s.Publish(ctx, e.ID, time.Time{}); return err }},
			{"unpublish", func() error { _, err := s.Unpublish(ctx, e.ID); return err }},
			{"update show", func() error { sh.Title = "New"; return s.UpdateShow(ctx, sh) }},
		}
		for _, st := range steps {
			before, otherBefore := version(sh.ID), version(other.ID)
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got := version(sh.ID); got != before+1 {
				t.Errorf("%s: version %d -> %d, want +1", st.name, before, got)
			}
			if version(other.ID) != otherBefore {
				t.Errorf("%s changed another show's version", st.name)
			}
		}
		// A failed update changes nothing.
		before := version(sh.ID)
		bad := *e
		bad.Takeaways = []string{"ok", "bad\x00"}
		if err := s.UpdateEpisode(ctx, &bad); err == nil {
			t.Fatal("invalid update accepted")
		}
		if version(sh.ID) != before {
			t.Error("a rejected update bumped the version")
		}
		got, _ := s.GetEpisode(ctx, sh.ID, e.Slug)
		if !reflect.DeepEqual(got.Takeaways, e.Takeaways) {
			t.Errorf("takeaways after rejected update = %v", got.Takeaways)
		}

		// ObjectReferenced sees every kind of key.
		sh.ImageKey = "shows/art.jpg"
		if err := s.UpdateShow(ctx, sh); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"shows/art.jpg", e.Audio.Key, e.Transcripts[1].Key, "img/e.png"} {
			if key == "img/e.png" {
				e.ImageKey = key
				if err := s.UpdateEpisode(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			if ok, err := s.ObjectReferenced(ctx, key); err != nil || !ok {
				t.Errorf("ObjectReferenced(%q) = %v, %v", key, ok, err)
			}
		}
		for _, key := range []string{"unused.mp3", ""} {
			if ok, err := s.ObjectReferenced(ctx, key); err != nil || ok {
				t.Errorf("ObjectReferenced(%q) = %v, %v", key, ok, err)
			}
		}

		// Delete an episode, then cascade from the show.
		e2 := &Episode{ShowID: sh.ID, Title: "Second", Takeaways: []string{"x"}, Transcripts: []Transcript{{Language: "en", Format: FormatVTT, Key: "t2.vtt"}}}
		if err := s.CreateEpisode(ctx, e2); err != nil {
			t.Fatal(err)
		}
		before = version(sh.ID)
		if err := s.DeleteEpisode(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if version(sh.ID) != before+1 {
			t.Error("DeleteEpisode did not bump the version")
		}
		if _, err := s.GetEpisode(ctx, sh.ID, e.Slug); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleted episode: %v", err)
		}
		if err := s.DeleteEpisode(ctx, e.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("delete twice: %v", err)
		}
		if err := s.DeleteShow(ctx, sh.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetEpisode(ctx, sh.ID, idStr(e2)); !errors.Is(err, ErrNotFound) {
			t.Errorf("episode of deleted show: %v", err)
		}
		if ok, _ := s.ObjectReferenced(ctx, "t2.vtt"); ok {
			t.Error("a deleted show's transcript is still referenced")
		}
		var rows int
		for _, table := range []string{"episodes", "episode_takeaways", "episode_transcripts", "episode_chapters", "episode_references", "episode_guests", "episode_study_questions"} {
			if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&rows); err != nil || rows != 0 {
				t.Errorf("%s has %d rows after deleting the only show with episodes (%v)", table, rows, err)
			}
		}
		if _, err := s.GetShowByID(ctx, other.ID); err != nil {
			t.Errorf("other show after delete: %v", err)
		}
	})
}

func TestStoreTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clock := newClock()
		s := b.open(t, clock)
		if n, err := s.CountTokens(ctx); err != nil || n != 0 {
			t.Fatalf("CountTokens on empty = %d, %v", n, err)
		}
		if err := s.CreateToken(ctx, "ci", "hash-1"); err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Second)
		if err := s.CreateToken(ctx, "laptop", "hash-2"); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateToken(ctx, "ci", "hash-3"); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "name") {
			t.Errorf("duplicate name: %v", err)
		}
		if err := s.CreateToken(ctx, "other", "hash-1"); !errors.Is(err, ErrConflict) {
			t.Errorf("duplicate hash: %v", err)
		}
		var ve *Error
		if err := s.CreateToken(ctx, "bad\nname", "hash-4"); !errors.As(err, &ve) || ve.Field != "name" {
			t.Errorf("bad name: %v", err)
		}
		tok, err := s.TokenByHash(ctx, "hash-2")
		if err != nil || tok.Name != "laptop" || !tok.CreatedAt.Equal(normTime(clock.Now())) {
			t.Errorf("TokenByHash = %+v, %v", tok, err)
		}
		if _, err := s.TokenByHash(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("TokenByHash(nope): %v", err)
		}
		list, err := s.ListTokens(ctx)
		if err != nil || len(list) != 2 || list[0].Name != "ci" || list[1].Name != "laptop" {
			t.Errorf("ListTokens = %v, %v", list, err)
		}
		if err := s.RevokeToken(ctx, "ci"); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(ctx, "ci"); !errors.Is(err, ErrNotFound) {
			t.Errorf("revoke twice: %v", err)
		}
		if _, err := s.TokenByHash(ctx, "hash-1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("revoked token still found: %v", err)
		}
		if n, _ := s.CountTokens(ctx); n != 1 {
			t.Errorf("CountTokens = %d, want 1", n)
		}
	})
}

func TestStoreHostileText(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, newClock())
		hostile := []string{
			`<script>alert("x")</script>`,
			`]]></description><item>&amp; &lt; ' " & < >`,
			"emoji 🎧🧠👩🏽‍🔬 and ZWJ",
			"עברית RTL \u202eevil\u202c mixed العربية",
			"'; DROP TABLE episodes; --",
			"tabs\tand\r\nnewlines\n",
		}
		sh := validShow()
		sh.Title = hostile[0]
		sh.Description = strings.Join(hostile, "\n")
		if err := s.CreateShow(ctx, sh); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetShow(ctx, sh.Slug)
		if got.Title != sh.Title || got.Description != sh.Description {
			t.Errorf("show text changed: %q / %q", got.Title, got.Description)
		}
		e := &Episode{ShowID: sh.ID, Title: hostile[2], Notes: strings.Join(hostile, "\n\n"), Takeaways: hostile,
			StudyQuestions: hostile, Guests: []Person{{Name: hostile[3], Bio: hostile[5]}},
			References: []Reference{{Title: hostile[1], Authors: []string{hostile[4]}, Note: hostile[5]}}}
		if err := s.CreateEpisode(ctx, e); err != nil {
			t.Fatal(err)
		}
		ge, err := s.GetEpisode(ctx, sh.ID, e.Slug)
		if err != nil || !reflect.DeepEqual(ge, e) {
			t.Fatalf("hostile episode round trip: %v\n got %+v\nwant %+v", err, ge, e)
		}
		if e.Slug != "emoji-and-zwj" {
			t.Errorf("slug from emoji title = %q", e.Slug)
		}
		rejects := []struct {
			field string
			edit  func(e *Episode)
		}{
			{"title", func(e *Episode) { e.Title = "bad \xc3\x28 utf8" }},
			{"notes", func(e *Episode) { e.Notes = "nul \x00 byte" }},
			{"notes", func(e *Episode) { e.Notes = strings.Repeat("x", 10<<20) }},
			{"takeaways[2]", func(e *Episode) { e.Takeaways = []string{"a", "b", "esc \x1b[2J"} }},
			{"references[0].title", func(e *Episode) { e.References = []Reference{{Title: "\x7f"}} }},
		}
		before, _ := s.ShowVersion(ctx, sh.ID)
		for _, r := range rejects {
			bad := &Episode{ShowID: sh.ID, Title: "ok"}
			r.edit(bad)
			var ve *Error
			if err := s.CreateEpisode(ctx, bad); !errors.As(err, &ve) || ve.Field != r.field {
				t.Errorf("%s: %v", r.field, err)
			}
			upd := *ge
			r.edit(&upd)
			if err := s.UpdateEpisode(ctx, &upd); !errors.As(err, &ve) || ve.Field != r.field {
				t.Errorf("update %s: %v", r.field, err)
			}
		}
		if v, _ := s.ShowVersion(ctx, sh.ID); v != before {
			t.Errorf("rejected writes changed the version %d -> %d", before, v)
		}
		page, _, err := s.ListEpisodes(ctx, sh.ID, ListOptions{})
		if err != nil || len(page) != 1 || !reflect.DeepEqual(page[0], e) {
			t.Errorf("after rejects: %v %d episodes", err, len(page))
		}
	})
}

// TestStoreTwoOpens opens two Stores on one fresh database at once: the
// migrations must not collide, and both Stores work afterwards.
func TestStoreTwoOpens(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		const n = 4
		stores := make([]*Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stores[i], errs[i] = Open(ctx, b.url, nil)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Open #%d: %v", i, err)
			}
			t.Cleanup(func() { stores[i].Close() })
		}
		sh := mustCreateShow(t, stores[0], "shared")
		got, err := stores[n-1].GetShow(ctx, "shared")
		if err != nil || got.ID != sh.ID {
			t.Fatalf("second store sees %v, %v", got, err)
		}
		dup := validShow()
		dup.Slug, dup.GUID = "shared", "another-guid"
		if err := stores[1].CreateShow(ctx, dup); !errors.Is(err, ErrConflict) {
			t.Errorf("duplicate across stores: %v", err)
		}
	})
}

func TestSQLiteDSN(t *testing.T) {
	for in, wantPath := range map[string]string{
		"sqlite:/data/l.db":             "file:/data/l.db?",
		"file:/data/l.db?cache=private": "file:/data/l.db?",
		"/data/l.db":                    "file:/data/l.db?",
		"sqlite::memory:":               "file::memory:?",
	} {
		got, err := sqliteDSN(in)
		if err != nil || !strings.HasPrefix(got, wantPath) || !strings.Contains(got, "foreign_keys") || !strings.Contains(got, "_txlock=immediate") {
			t.Errorf("sqliteDSN(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := sqliteDSN("sqlite:"); err == nil {
		t.Error("empty path accepted")
	}
}

// TestStoreRepublishKeepsDate: publishing an episode again keeps its first
// publication date (feed order and the API's published_at agree) unless a
// new date is asked for; scheduling a public episode needs a confirmation.
func TestStoreRepublishKeepsDate(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clock := newClock()
		s := b.open(t, clock)
		sh := mustCreateShow(t, s, "show")
		e := &Episode{ShowID: sh.ID, Title: "Ep", Audio: &Audio{Key: "ep.mp3", Size: 5, ContentType: "audio/mpeg"}}
		if err := s.CreateEpisode(ctx, e); err != nil {
			t.Fatal(err)
		}
		first := normTime(clock.Now())
		if _, err := s.Publish(ctx, e.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		agree := func(what string, p *Episode, want time.Time) {
			t.Helper()
			if p.PublishAt == nil || p.PublishedAt == nil || !p.PublishAt.Equal(want) || !p.PublishedAt.Equal(want) {
				t.Errorf("%s: publish_at %v, published_at %v, want both %v", what, p.PublishAt, p.PublishedAt, want)
			}
			pub, err := s.PublicEpisodes(ctx, sh.ID, clock.Now())
			if err != nil || len(pub) != 1 || !pub[0].PublishAt.Equal(want) {
				t.Errorf("%s: public list %v %v", what, pub, err)
			}
		}

		clock.Add(24 * time.Hour)
		p, err := s.Publish(ctx, e.ID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		agree("publish again while public", p, first)

		if _, err := s.Unpublish(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		clock.Add(24 * time.Hour)
		p, err = s.Publish(ctx, e.ID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		agree("unpublish then publish", p, first)
		if got, _ := s.GetEpisode(ctx, sh.ID, e.Slug); !got.PublishedAt.Equal(first) || !got.PublishAt.Equal(first) {
			t.Errorf("stored after republish: %v %v", got.PublishAt, got.PublishedAt)
		}

		if _, err := s.Unpublish(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		p, err = s.PublishWith(ctx, e.ID, PublishOptions{NewDate: true})
		if err != nil {
			t.Fatal(err)
		}
		agree("republish with a new date", p, normTime(clock.Now()))
		dated := normTime(clock.Now())

		// Scheduling a public episode takes it out of the feed: refused
		// without the confirmation, and nothing changes.
		due := clock.Now().Add(48 * time.Hour)
		_, err = s.PublishWith(ctx, e.ID, PublishOptions{At: due})
		ce, _ := AsError(err)
		if ce == nil || ce.Kind != Conflict || !errors.Is(err, ErrConflict) || ce.Field != "reschedule" ||
			!strings.Contains(ce.Message, "takes it out of the feed") {
			t.Fatalf("scheduling a public episode: %v", err)
		}
		if got, _ := s.GetEpisode(ctx, sh.ID, e.Slug); !got.IsPublic(clock.Now()) || !got.PublishAt.Equal(dated) {
			t.Errorf("refused schedule changed the episode: %+v", got)
		}
		p, err = s.PublishWith(ctx, e.ID, PublishOptions{At: due, Reschedule: true})
		if err != nil || p.Status != StatusScheduled || p.IsPublic(clock.Now()) || p.PublishedAt == nil || !p.PublishedAt.Equal(normTime(due)) {
			t.Fatalf("confirmed reschedule: %+v %v", p, err)
		}
		// Publishing it now, before that time, publishes it now.
		clock.Add(time.Hour)
		if p, err := s.Publish(ctx, e.ID, time.Time{}); err != nil || !p.IsPublic(clock.Now()) || !p.PublishAt.Equal(normTime(clock.Now())) {
			t.Fatalf("publish now after a reschedule: %+v %v", p, err)
		}
		p, err = s.PublishWith(ctx, e.ID, PublishOptions{At: due, Reschedule: true})
		if err != nil {
			t.Fatal(err)
		}
		// It has been public: its slug (its page's address) stays fixed.
		var ee *Error
		p.Slug = "renamed"
		if err := s.UpdateEpisode(ctx, p); !errors.As(err, &ee) || ee.Field != "slug" {
			t.Errorf("renaming a rescheduled episode's slug: %v", err)
		}
		clock.Set(due.Add(time.Minute))
		got, _ := s.GetEpisode(ctx, sh.ID, e.Slug)
		agree("after the new time", got, normTime(due))
	})
}

// TestStoreAnnouncesChanges checks that every committed write to a show or
// its episodes is announced once, after the commit, and a refused one not.
func TestStoreAnnouncesChanges(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "lyssna.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var heard []int64
	s.Listen(func(c Change) {
		// After the commit: a read sees the change already.
		if _, err := s.ShowVersion(ctx, c.ShowID); err != nil && !errors.Is(err, ErrNotFound) {
			t.Errorf("read in the listener: %v", err)
		}
		heard = append(heard, c.ShowID)
	})
	expect := func(what string, want ...int64) {
		t.Helper()
		if !slices.Equal(heard, want) {
			t.Errorf("%s: announced %v, want %v", what, heard, want)
		}
		heard = nil
	}
	sh := validShow()
	if err := s.CreateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	expect("create show", sh.ID)
	sh.Title = "Renamed"
	if err := s.UpdateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	expect("update show", sh.ID)
	bad := *sh
	bad.Title = ""
	if err := s.UpdateShow(ctx, &bad); err == nil {
		t.Fatal("an empty title was accepted")
	}
	expect("refused update")
	e := &Episode{ShowID: sh.ID, Title: "One", Audio: &Audio{Key: "a/1.mp3", Size: 10, ContentType: "audio/mpeg", DurationMS: 1000, SHA256: strings.Repeat("a", 64)}}
	if err := s.CreateEpisode(ctx, e); err != nil {
		t.Fatal(err)
	}
	expect("create episode", sh.ID)
	e.Title = "One, edited"
	if err := s.UpdateEpisode(ctx, e); err != nil {
		t.Fatal(err)
	}
	expect("update episode", sh.ID)
	if _, err := s.Publish(ctx, e.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	expect("publish", sh.ID)
	if _, err := s.Unpublish(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	expect("unpublish", sh.ID)
	if err := s.DeleteEpisode(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	expect("delete episode", sh.ID)
	if err := s.DeleteShow(ctx, sh.ID); err != nil {
		t.Fatal(err)
	}
	expect("delete show", sh.ID)
}
