package episodes

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// publicFixture is a show whose episodes cover every case the public
// queries must order or skip, and a second show whose episode sits between
// them in time.
type publicFixture struct {
	s     *Store
	clock *fakeClock
	show  *Show
	start time.Time
	eps   map[string]*Episode // by title
}

func newPublicFixture(t *testing.T, b backend) *publicFixture {
	t.Helper()
	ctx := context.Background()
	clock := newClock()
	f := &publicFixture{s: b.open(t, clock), clock: clock, start: clock.Now(), eps: map[string]*Episode{}}
	f.show = mustCreateShow(t, f.s, "show")
	other := mustCreateShow(t, f.s, "other")
	add := func(show *Show, title string, publish *time.Duration, unpublish bool) {
		t.Helper()
		e := validEpisode()
		e.ShowID, e.Title, e.GUID = show.ID, title, ""
		e.Audio.SHA256 = fmt.Sprintf("%x", sha256.Sum256([]byte(title))) // one file per episode
		if err := f.s.CreateEpisode(ctx, e); err != nil {
			t.Fatalf("CreateEpisode(%s): %v", title, err)
		}
		if publish != nil {
			if _, err := f.s.Publish(ctx, e.ID, f.start.Add(*publish)); err != nil {
				t.Fatalf("Publish(%s): %v", title, err)
			}
		}
		if unpublish {
			if _, err := f.s.Unpublish(ctx, e.ID); err != nil {
				t.Fatalf("Unpublish(%s): %v", title, err)
			}
		}
		got, err := f.s.GetEpisode(ctx, show.ID, idStr(e))
		if err != nil {
			t.Fatal(err)
		}
		f.eps[title] = got
	}
	d := func(d time.Duration) *time.Duration { return &d }
	// Created (so numbered) out of publish order on purpose; "tie b" and
	// "tie a" share a publish time, so the id decides: the later one is newer.
	add(f.show, "newest", d(-time.Hour), false)
	add(f.show, "tie b", d(-3*time.Hour), false)
	add(f.show, "oldest", d(-5*time.Hour), false)
	add(f.show, "tie a", d(-3*time.Hour), false)
	add(f.show, "a microsecond later", d(-3*time.Hour+time.Microsecond), false)
	add(f.show, "draft", nil, false)
	add(f.show, "unpublished", d(-2*time.Hour), true)
	add(f.show, "scheduled", d(time.Hour), false)
	add(other, "other show", d(-4*time.Hour), false)
	return f
}

// publicOrder is the fixture's public episodes before "scheduled" is due,
// newest first: "tie a" was created after "tie b", so it has the higher id.
var publicOrder = []string{"newest", "a microsecond later", "tie a", "tie b", "oldest"}

func refTitle(r *EpisodeRef) string {
	if r == nil {
		return ""
	}
	return r.Title
}

func titles(eps []*Episode) []string {
	var out []string
	for _, e := range eps {
		out = append(out, e.Title)
	}
	return out
}

func TestStorePublicNeighbours(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newPublicFixture(t, b)
		if f.eps["tie a"].ID < f.eps["tie b"].ID {
			t.Fatal("fixture: tie a must have the higher id")
		}
		all, err := f.s.PublicEpisodes(ctx, f.show.ID, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got := titles(all); !slices.Equal(got, publicOrder) {
			t.Fatalf("PublicEpisodes = %q, want %q", got, publicOrder)
		}
		check := func(title string, now time.Time, wantPrev, wantNext string) {
			t.Helper()
			e := f.eps[title]
			prev, next, err := f.s.PublicNeighbours(ctx, f.show.ID, e, now)
			if err != nil {
				t.Fatalf("PublicNeighbours(%s): %v", title, err)
			}
			if refTitle(prev) != wantPrev || refTitle(next) != wantNext {
				t.Errorf("PublicNeighbours(%s) = %q, %q; want %q, %q", title, refTitle(prev), refTitle(next), wantPrev, wantNext)
			}
			for _, r := range []*EpisodeRef{prev, next} {
				if r == nil {
					continue
				}
				want := f.eps[r.Title]
				if r.ID != want.ID || r.Slug != want.Slug || !r.PublishAt.Equal(*want.PublishAt) {
					t.Errorf("PublicNeighbours(%s): ref %+v, want id %d slug %q at %v", title, r, want.ID, want.Slug, want.PublishAt)
				}
			}
		}
		// Every public episode: its neighbours in the feed's order.
		for i, title := range publicOrder {
			prev, next := "", ""
			if i+1 < len(publicOrder) {
				prev = publicOrder[i+1]
			}
			if i > 0 {
				next = publicOrder[i-1]
			}
			check(title, f.clock.Now(), prev, next)
		}
		// Episodes listeners cannot see are placed by their publish time but
		// never returned as neighbours; a draft has no place.
		check("unpublished", f.clock.Now(), "a microsecond later", "newest")
		check("scheduled", f.clock.Now(), "newest", "")
		check("draft", f.clock.Now(), "", "")

		// Once the scheduled episode is due, it is the newest.
		later := f.start.Add(2 * time.Hour)
		check("newest", later, "a microsecond later", "scheduled")
		check("scheduled", later, "newest", "")
	})
}

func TestStorePublicEpisodePage(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newPublicFixture(t, b)
		now := f.clock.Now()
		for _, tt := range []struct {
			offset, limit int
			want          []string
		}{
			{0, 2, publicOrder[0:2]},
			{2, 2, publicOrder[2:4]},
			{4, 2, publicOrder[4:]},
			{5, 2, nil},
			{0, 100, publicOrder},
			{3, 0, nil},
		} {
			eps, total, err := f.s.PublicEpisodePage(ctx, f.show.ID, now, tt.offset, tt.limit)
			if err != nil {
				t.Fatalf("PublicEpisodePage(%d, %d): %v", tt.offset, tt.limit, err)
			}
			if got := titles(eps); !slices.Equal(got, tt.want) || total != len(publicOrder) {
				t.Errorf("PublicEpisodePage(%d, %d) = %q, %d; want %q, %d", tt.offset, tt.limit, got, total, tt.want, len(publicOrder))
			}
		}

		// The episode's own fields come back; its materials do not.
		eps, _, err := f.s.PublicEpisodePage(ctx, f.show.ID, now, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		got, want := eps[0], f.eps["newest"]
		if got.ID != want.ID || got.Slug != want.Slug || got.Notes != want.Notes || got.Season != want.Season ||
			got.Audio == nil || *got.Audio != *want.Audio || !got.PublishAt.Equal(*want.PublishAt) ||
			got.PublishedAt == nil || !got.PublishedAt.Equal(*want.PublishedAt) {
			t.Errorf("page episode = %+v\nwant %+v", got, want)
		}
		if got.Chapters != nil || got.Takeaways != nil || got.StudyQuestions != nil || got.References != nil ||
			got.Guests != nil || got.Transcripts != nil {
			t.Errorf("page episode has materials: %+v", got)
		}

		// A scheduled episode counts once it is due.
		eps, total, err := f.s.PublicEpisodePage(ctx, f.show.ID, f.start.Add(2*time.Hour), 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := titles(eps); !slices.Equal(got, []string{"scheduled", "newest"}) || total != len(publicOrder)+1 {
			t.Errorf("after the schedule: %q, %d", got, total)
		}

		for _, bad := range [][2]int{{-1, 10}, {0, -1}} {
			if _, _, err := f.s.PublicEpisodePage(ctx, f.show.ID, now, bad[0], bad[1]); err == nil {
				t.Errorf("PublicEpisodePage(%d, %d): no error", bad[0], bad[1])
			}
		}
	})
}

// TestStorePublicEpisodeView: the episode page's two queries read what
// GetShow, GetEpisode, PublicNeighbours and NextScheduled read one by one.
func TestStorePublicEpisodeView(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newPublicFixture(t, b)
		for _, now := range []time.Time{f.clock.Now(), f.start.Add(2 * time.Hour)} {
			for title, want := range f.eps {
				if title == "other show" {
					continue
				}
				v, err := f.s.PublicEpisodeView(ctx, f.show.Slug, want.Slug, now)
				if err != nil {
					t.Fatalf("PublicEpisodeView(%s): %v", title, err)
				}
				if v.Show == nil || v.Show.ID != f.show.ID || v.Show.Title != f.show.Title {
					t.Fatalf("PublicEpisodeView(%s): show %+v", title, v.Show)
				}
				got, err := f.s.GetEpisode(ctx, f.show.ID, want.Slug)
				if err != nil {
					t.Fatal(err)
				}
				if v.Episode == nil || episodeString(v.Episode) != episodeString(got) {
					t.Errorf("PublicEpisodeView(%s).Episode =\n%+v\nwant\n%+v", title, v.Episode, got)
				}
				prev, next, err := f.s.PublicNeighbours(ctx, f.show.ID, got, now)
				if err != nil {
					t.Fatal(err)
				}
				if refTitle(v.Prev) != refTitle(prev) || refTitle(v.Next) != refTitle(next) {
					t.Errorf("PublicEpisodeView(%s) at %v: neighbours %q, %q; want %q, %q", title, now,
						refTitle(v.Prev), refTitle(v.Next), refTitle(prev), refTitle(next))
				}
				for _, r := range []*EpisodeRef{v.Prev, v.Next} {
					if r != nil && (r.ID != f.eps[r.Title].ID || r.Slug != f.eps[r.Title].Slug) {
						t.Errorf("PublicEpisodeView(%s): ref %+v", title, r)
					}
				}
				wantNext, ok, err := f.s.NextScheduled(ctx, f.show.ID, now)
				if err != nil {
					t.Fatal(err)
				}
				if !v.NextScheduled.Equal(wantNext) || ok == v.NextScheduled.IsZero() {
					t.Errorf("PublicEpisodeView(%s).NextScheduled = %v, want %v", title, v.NextScheduled, wantNext)
				}
			}
		}
		v, err := f.s.PublicEpisodeView(ctx, f.show.Slug, "no-such-episode", f.clock.Now())
		if err != nil || v.Show == nil || v.Show.ID != f.show.ID || v.Episode != nil {
			t.Errorf("PublicEpisodeView of a missing episode = %+v, %v; want the show and no episode", v, err)
		}
		if v, err := f.s.PublicEpisodeView(ctx, f.show.Slug, f.eps["other show"].Slug, f.clock.Now()); err != nil || v.Episode != nil {
			t.Errorf("PublicEpisodeView of another show's episode = %+v, %v; want no episode", v, err)
		}
		if _, err := f.s.PublicEpisodeView(ctx, "no-such-show", "x", f.clock.Now()); !errors.Is(err, ErrNotFound) {
			t.Errorf("PublicEpisodeView of a missing show: %v, want ErrNotFound", err)
		}
	})
}

// episodeString is e with its audio, for comparing episodes read two ways.
func episodeString(e *Episode) string {
	c := *e
	c.Audio = nil
	return fmt.Sprintf("%+v %+v", c, e.Audio)
}
