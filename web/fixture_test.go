package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/filesystem"
)

// t0 is the fake fakeClock's "now" in the tests.
var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := t0.Add(d); return &t }

const vttEN = `WEBVTT

00:00:00.000 --> 00:00:01.500
<v Ana Lind>Welcome to the show.

00:00:01.500 --> 00:00:03.000
<v Ana Lind>Today we talk about memory.

00:00:03.000 --> 00:00:05.000
<v Bo Berg>Thanks for having me.
`

const vttSV = `WEBVTT

00:00:00.000 --> 00:00:01.500
<v Ana Lind>Välkommen till programmet.

00:00:03.000 --> 00:00:05.000
<v Bo Berg>Tack för att jag fick komma.
`

// sampleShow is a show with every field set.
func sampleShow() *episodes.Show {
	return &episodes.Show{
		Slug:        "learning-lab",
		Title:       "Learning Lab",
		Description: "A show about how people learn.\n\nNew episodes every other week.",
		Author:      "Ana Lind",
		Owner:       episodes.Owner{Name: "Ana Lind", Email: "ana@example.org"},
		Language:    "en",
		Categories:  []episodes.Category{{Category: "Education"}},
		Type:        episodes.TypeEpisodic,
		ImageKey:    "shows/learning-lab/art.jpg",
		ImageWidth:  1600, ImageHeight: 1600,
		ImageRenditions: []episodes.Rendition{{Key: "shows/learning-lab/art.w640.jpg", Width: 640, Height: 640},
			{Key: "shows/learning-lab/art.w300.jpg", Width: 300, Height: 300}},
		Medium:      "podcast",
		Hosts:       []episodes.Person{{Name: "Ana Lind", Role: "host", Href: "https://example.org/ana"}},
		Directories: map[string]string{"apple": "https://podcasts.apple.com/x/id1", "spotify": "https://open.spotify.com/show/x"},
	}
}

// sampleEpisode is an episode with every learning material set; audioKey
// and the transcript keys must exist in the bucket.
func sampleEpisode(title string, publishAt *time.Time) *episodes.Episode {
	return &episodes.Episode{
		Title:  title,
		Notes:  "We talk about **spaced repetition**.\n\n## Links\n\n- [Paper](https://example.org/paper)\n",
		Season: 1, Number: 3,
		Type:      episodes.EpisodeFull,
		Audio:     &episodes.Audio{Key: "episodes/a.mp3", Size: 48000, ContentType: "audio/mpeg", DurationMS: 5000, SHA256: strings.Repeat("a", 64), Bitrate: 64000},
		Chapters:  []episodes.Chapter{{StartMS: 0, Title: "Intro"}, {StartMS: 3000, Title: "Interview", URL: "https://example.org/bo"}},
		Status:    episodes.StatusPublished,
		PublishAt: publishAt, PublishedAt: publishAt,
		Takeaways:      []string{"Spacing beats cramming.", "Testing yourself helps."},
		StudyQuestions: []string{"What is the spacing effect?", "Why does retrieval help?", "Plan a week of study."},
		References: []episodes.Reference{{Authors: []string{"H. Ebbinghaus"}, Year: 1885, Title: "Über das Gedächtnis", Publisher: "Duncker & Humblot"},
			{Authors: []string{"N. Cepeda", "H. Pashler", "E. Vul"}, Year: 2006, Title: "Distributed practice", Container: "Psychological Bulletin", DOI: "10.1037/0033-2909.132.3.354", URL: "https://example.org/cepeda"}},
		Guests:        []episodes.Person{{Name: "Bo Berg", Role: "guest", Href: "https://example.org/bo", Bio: "Bo studies memory."}},
		DiscussionURL: "https://www.linkedin.com/feed/update/x",
		Transcripts: []episodes.Transcript{
			{Language: "en", Format: "vtt", Key: "episodes/t-en.vtt"},
			{Language: "sv", Format: "vtt", Key: "episodes/t-sv.vtt", TranslatedFrom: "en"},
		},
	}
}

// putObjects stores the sample objects in b.
func putObjects(t testing.TB, b storage.Bucket, objects map[string]string) {
	t.Helper()
	for k, v := range objects {
		if _, err := b.Put(context.Background(), k, "", strings.NewReader(v)); err != nil {
			t.Fatalf("Put %s: %v", k, err)
		}
	}
}

func newBucket(t testing.TB) storage.Bucket {
	t.Helper()
	b, err := filesystem.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// fakeClock is a fake fakeClock the tests move.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time   { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Set(t time.Time)  { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func newClock(t time.Time) *fakeClock { return &fakeClock{now: t} }
func discard() *slog.Logger           { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// serve starts an httptest server with the listener pages and a /media/
// route, as the real server mounts them.
func serve(t testing.TB, st Store, b storage.Bucket, now func() time.Time) (*httptest.Server, links.Builder) {
	t.Helper()
	srv, lb, _ := serveHandler(t, st, b, now)
	return srv, lb
}

// serveHandler is serve, also returning the Handler; over an
// *episodes.Store it listens to the store's changes, as the site does.
func serveHandler(t testing.TB, st Store, b storage.Bucket, now func() time.Time) (*httptest.Server, links.Builder, *Handler) {
	t.Helper()
	r := mux.NewRouter()
	srv := httptest.NewUnstartedServer(r)
	t.Cleanup(srv.Close)
	lb := links.New("http://" + srv.Listener.Addr().String())
	h, err := New(Deps{Store: st, Bucket: b, Links: lb, Now: now, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	r.PathPrefix("/media/").HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := storage.Serve(w, r, b, strings.TrimPrefix(r.URL.Path, "/media/")); err != nil {
			t.Errorf("serve media: %v", err)
		}
	})
	// The pages' part of server's route table.
	r.HandleFunc("/", h.Home).Methods("GET", "HEAD")
	r.HandleFunc("/static/{file}", h.Static).Methods("GET", "HEAD")
	r.HandleFunc("/oembed", h.OEmbed).Methods("GET", "HEAD")
	r.HandleFunc("/{show}/embed", h.ShowEmbed).Methods("GET", "HEAD")
	r.HandleFunc("/{show}/{episode}/embed", h.EpisodeEmbed).Methods("GET", "HEAD")
	r.HandleFunc("/{show}/", h.ShowPage).Methods("GET", "HEAD")
	r.HandleFunc("/{show}/{episode}/", h.EpisodePage).Methods("GET", "HEAD")
	r.HandleFunc("/{show}/{episode}/study-guide", h.StudyGuide).Methods("GET", "HEAD")
	if es, ok := st.(*episodes.Store); ok {
		es.Listen(h.Changed)
	}
	srv.Start() // after the routes: the race detector cannot see requests from other processes wait for them
	return srv, lb, h
}

// memStore is an in-memory Store for edge cases the real store would refuse
// to hold (hostile URLs and language tags).
type memStore struct {
	shows map[string]*episodes.Show
	eps   map[int64][]*episodes.Episode
}

func newMemStore(show *episodes.Show, eps ...*episodes.Episode) *memStore {
	show.ID = 1
	m := &memStore{shows: map[string]*episodes.Show{show.Slug: show}, eps: map[int64][]*episodes.Episode{}}
	for i, e := range eps {
		e.ID, e.ShowID = int64(i+1), show.ID
		if e.Slug == "" {
			e.Slug = "episode-" + strconv.Itoa(i+1)
		}
		m.eps[show.ID] = append(m.eps[show.ID], e)
	}
	return m
}

func (m *memStore) GetShow(_ context.Context, slug string) (*episodes.Show, error) {
	if s, ok := m.shows[slug]; ok {
		return s, nil
	}
	return nil, episodes.ErrNotFound
}

func (m *memStore) ListShows(context.Context) ([]*episodes.Show, error) {
	var out []*episodes.Show
	for _, s := range m.shows {
		out = append(out, s)
	}
	return out, nil
}

func (m *memStore) GetEpisode(_ context.Context, showID int64, idOrSlug string) (*episodes.Episode, error) {
	for _, e := range m.eps[showID] {
		if e.Slug == idOrSlug || strconv.FormatInt(e.ID, 10) == idOrSlug {
			return e, nil
		}
	}
	return nil, episodes.ErrNotFound
}

// public is the show's public episodes in the store's order: newest
// publish time first, then highest id.
func (m *memStore) public(showID int64, now time.Time) []*episodes.Episode {
	var out []*episodes.Episode
	for _, e := range m.eps[showID] {
		if e.IsPublic(now) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return newer(out[i], out[j]) })
	return out
}

// newer reports whether a comes before b, newest first.
func newer(a, b *episodes.Episode) bool {
	if !a.PublishAt.Equal(*b.PublishAt) {
		return a.PublishAt.After(*b.PublishAt)
	}
	return a.ID > b.ID
}

// visibleTo keeps the episodes listed up to the visibility upTo.
func visibleTo(eps []*episodes.Episode, upTo string) []*episodes.Episode {
	var out []*episodes.Episode
	for _, e := range eps {
		if episodes.Strictest(e.Visibility, upTo) == upTo || upTo == episodes.VisibilityPrivate {
			out = append(out, e)
		}
	}
	return out
}

func (m *memStore) VisibleNeighbours(_ context.Context, showID int64, ep *episodes.Episode, now time.Time, upTo string) (prev, next *episodes.EpisodeRef, err error) {
	if ep.PublishAt == nil {
		return nil, nil, nil
	}
	ref := func(e *episodes.Episode) *episodes.EpisodeRef {
		return &episodes.EpisodeRef{ID: e.ID, Slug: e.Slug, Title: e.Title, PublishAt: *e.PublishAt}
	}
	for _, e := range visibleTo(m.public(showID, now), upTo) {
		if newer(e, ep) {
			next = ref(e) // the last newer one is the nearest
		} else if e.ID != ep.ID && prev == nil {
			prev = ref(e)
		}
	}
	return prev, next, nil
}

func (m *memStore) VisibleEpisodePage(_ context.Context, showID int64, now time.Time, upTo string, offset, limit int) ([]*episodes.Episode, int, error) {
	all := visibleTo(m.public(showID, now), upTo)
	if offset < 0 || limit < 0 {
		return nil, 0, errors.New("negative offset or limit")
	}
	if offset >= len(all) {
		return nil, len(all), nil
	}
	return all[offset:min(len(all), offset+limit)], len(all), nil
}

func (m *memStore) PublicEpisodeView(ctx context.Context, showSlug, episodeSlug string, now time.Time) (*episodes.EpisodeView, error) {
	return m.episodeView(ctx, showSlug, episodeSlug, now, episodes.VisibilityPublic)
}

func (m *memStore) GrantedEpisodeView(ctx context.Context, showSlug, episodeSlug string, now time.Time) (*episodes.EpisodeView, error) {
	return m.episodeView(ctx, showSlug, episodeSlug, now, episodes.VisibilityPrivate)
}

func (m *memStore) episodeView(ctx context.Context, showSlug, episodeSlug string, now time.Time, upTo string) (*episodes.EpisodeView, error) {
	show, err := m.GetShow(ctx, showSlug)
	if err != nil {
		return nil, err
	}
	v := &episodes.EpisodeView{Show: show}
	for _, e := range m.eps[show.ID] {
		if e.Slug == episodeSlug {
			v.Episode = e
		}
	}
	if v.Episode != nil {
		v.Prev, v.Next, _ = m.VisibleNeighbours(ctx, show.ID, v.Episode, now, upTo)
	}
	v.NextScheduled, _, _ = m.NextScheduled(ctx, show.ID, now)
	return v, nil
}

func (m *memStore) NextScheduled(_ context.Context, showID int64, after time.Time) (time.Time, bool, error) {
	var next time.Time
	for _, e := range m.eps[showID] {
		if e.Status == episodes.StatusScheduled && e.PublishAt.After(after) && (next.IsZero() || e.PublishAt.Before(next)) {
			next = *e.PublishAt
		}
	}
	return next, !next.IsZero(), nil
}

func (m *memStore) ShowVersion(context.Context, int64) (int64, error) { return 1, nil }
