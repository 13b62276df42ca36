package notify_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/feed"
	"github.com/lyssna/lyssna/jobs"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/notify"
)

// targets are a local WebSub hub, pubnotify and Podping, recording what
// they are sent.
type targets struct {
	srv *httptest.Server

	mu    sync.Mutex
	hits  map[string][]*http.Request // by path, every request
	fails map[string]int             // by path: answer 500 this many more times
}

func newTargets(t *testing.T) *targets {
	tg := &targets{hits: map[string][]*http.Request{}, fails: map[string]int{}}
	tg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		tg.mu.Lock()
		tg.hits[r.URL.Path] = append(tg.hits[r.URL.Path], r)
		fail := tg.fails[r.URL.Path] > 0
		if fail {
			tg.fails[r.URL.Path]--
		}
		tg.mu.Unlock()
		if fail {
			http.Error(w, "try again later", http.StatusInternalServerError)
			return
		}
		if r.URL.Path == "/hub" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Write([]byte(`{"success":true}`))
	}))
	t.Cleanup(tg.srv.Close)
	return tg
}

func (tg *targets) settings() notify.Settings {
	return notify.Settings{WebSubHubs: []string{tg.srv.URL + "/hub"}, PubNotifyURL: tg.srv.URL + "/pubnotify",
		PodpingURL: tg.srv.URL + "/podping", PodpingToken: "secret-podping-token"}
}

var paths = []string{"/hub", "/pubnotify", "/podping"}

func (tg *targets) count(path string) int {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return len(tg.hits[path])
}

func (tg *targets) last(path string) *http.Request {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	h := tg.hits[path]
	return h[len(h)-1]
}

// waitCounts waits until every target has been sent want requests, then
// lets the notifiers run a few more passes and checks that no more came.
func (tg *targets) waitCounts(t *testing.T, want map[string]int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok := true
		for p, n := range want {
			if tg.count(p) < n {
				ok = false
			}
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the targets were never sent %v; got %s", want, tg.summary())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(10 * interval) // more passes, retries and workers get their chance
	for p, n := range want {
		if got := tg.count(p); got != n {
			t.Errorf("%s was sent %d requests, want %d (%s)", p, got, n, tg.summary())
		}
	}
}

func (tg *targets) summary() string {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	s := ""
	for _, p := range paths {
		s += fmt.Sprintf("%s:%d ", p, len(tg.hits[p]))
	}
	return s
}

const interval = 50 * time.Millisecond

// replica is one process: its own Store, queue and notifier over url.
type replica struct {
	store *episodes.Store
	jobs  *jobs.Queue
	n     *notify.Notifier
}

func newReplica(t *testing.T, url, name string, s notify.Settings) *replica {
	t.Helper()
	st, err := episodes.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("episodes.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	d := jobs.SQLite
	if episodes.IsPostgres(url) {
		d = jobs.Postgres
	}
	logger := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	q := jobs.New(st.DB(), d, jobs.Options{Owner: name, Poll: 20 * time.Millisecond, Logger: logger})
	// The feeds name the hubs and Podping, as lyssna serve's do.
	lb := links.New("https://pod.example.org").WithHubs(s.WebSubHubs...).WithPodping(s.PodpingToken != "")
	n, err := notify.New(notify.Deps{Store: st, Jobs: q, Settings: s, Interval: interval,
		FeedURL: lb.Feed,
		Feed: func(ctx context.Context, slug string) (notify.FeedState, error) {
			c, err := feed.PublicContent(ctx, st, lb, nil, slug, time.Now())
			return notify.FeedState(c), err
		},
		Backoff: func(int) time.Duration { return 30 * time.Millisecond },
		Logger:  logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &replica{store: st, jobs: q, n: n}
}

// start runs the replica's notifier and queue until the test ends; the
// notifier hears of the store's changes from now on.
func (r *replica) start(t *testing.T) {
	r.startNotifier(t)
	r.startQueue(t)
}

// startNotifier runs the notifier alone: it enqueues, nobody sends.
func (r *replica) startNotifier(t *testing.T) {
	r.store.Listen(r.n.Changed)
	runUntilCleanup(t, r.n.Run)
}

// startQueue runs the queue, which sends what is enqueued.
func (r *replica) startQueue(t *testing.T) {
	runUntilCleanup(t, func(ctx context.Context) { r.jobs.Run(ctx) })
}

func runUntilCleanup(t *testing.T, run func(context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// newShow makes a show with one draft episode that has audio.
func newShow(t *testing.T, st *episodes.Store) (*episodes.Show, *episodes.Episode) {
	t.Helper()
	ctx := context.Background()
	show := &episodes.Show{Slug: "learn-swedish", Title: "Learn Swedish", Language: "sv",
		GUID:       episodes.PodcastGUID("https://pod.example.org/learn-swedish/feed.xml"),
		Owner:      episodes.Owner{Name: "School", Email: "school@example.org"},
		Categories: []episodes.Category{{Category: "Education"}}, Type: episodes.TypeEpisodic, Medium: "course"}
	if err := st.CreateShow(ctx, show); err != nil {
		t.Fatalf("CreateShow: %v", err)
	}
	ep := &episodes.Episode{ShowID: show.ID, Title: "Greetings",
		Audio: &episodes.Audio{Key: "shows/1/a.mp3", Size: 1000, ContentType: "audio/mpeg", DurationMS: 60000}}
	if err := st.CreateEpisode(ctx, ep); err != nil {
		t.Fatalf("CreateEpisode: %v", err)
	}
	return show, ep
}

// waitRecorded waits until a first pass has recorded the show's version
// (notify_shows), so that the changes the test makes next are notified.
func waitRecorded(t *testing.T, r *replica, showID int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := r.store.DB().QueryRow(`SELECT COUNT(*) FROM notify_shows WHERE show_id = $1`, showID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no pass recorded the show")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func updateShow(t *testing.T, r *replica, show *episodes.Show) {
	t.Helper()
	if err := r.store.UpdateShow(context.Background(), show); err != nil {
		t.Fatal(err)
	}
}

// waitCompared waits until a pass has compared the show's feed at its
// current version, so that whatever it enqueued is enqueued.
func waitCompared(t *testing.T, r *replica, showID int64) {
	t.Helper()
	want, err := r.store.ShowVersion(context.Background(), showID)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var v int64
		err := r.store.DB().QueryRow(`SELECT version FROM notify_shows WHERE show_id = $1`, showID).Scan(&v)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		if v >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pass compared version %d of the show (at %d)", want, v)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkStatus waits until the show's last notification to every target
// is recorded as sent for its current version, after the given attempts.
func checkStatus(t *testing.T, r *replica, showID int64, wantAttempts map[string]int) {
	t.Helper()
	v, err := r.store.ShowVersion(context.Background(), showID)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := r.n.Status(context.Background(), showID)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) != 3 {
			t.Fatalf("Status has %d targets, want 3: %+v", len(st), st)
		}
		var bad []string
		for _, s := range st {
			if s.State != "sent" || s.Version != v || s.SentAt.IsZero() || s.At.IsZero() || s.Error != "" || s.Attempts != wantAttempts[s.Kind] {
				bad = append(bad, fmt.Sprintf("status of %s %s: %+v; want sent, version %d, %d attempts", s.Kind, s.URL, s, v, wantAttempts[s.Kind]))
			}
		}
		if len(bad) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, b := range bad {
				t.Error(b)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPublishNotifiesEveryTargetOnce(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		tg := newTargets(t)
		r := newReplica(t, url, "a", tg.settings())
		show, ep := newShow(t, r.store)
		r.start(t)
		waitRecorded(t, r, show.ID) // the first pass records the show as it is: nothing to send
		if s := tg.summary(); tg.count("/hub")+tg.count("/pubnotify")+tg.count("/podping") != 0 {
			t.Fatalf("notified before any change: %s", s)
		}
		if _, err := r.store.Publish(context.Background(), ep.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		tg.waitCounts(t, map[string]int{"/hub": 1, "/pubnotify": 1, "/podping": 1})

		feed := "https://pod.example.org/learn-swedish/feed.xml"
		hub := tg.last("/hub")
		if hub.Method != http.MethodPost || hub.PostForm.Get("hub.mode") != "publish" || hub.PostForm.Get("hub.url") != feed {
			t.Errorf("hub got %s %v, want POST hub.mode=publish hub.url=%s", hub.Method, hub.PostForm, feed)
		}
		pn := tg.last("/pubnotify")
		if pn.Method != http.MethodGet || pn.URL.Query().Get("url") != feed {
			t.Errorf("pubnotify got %s %s", pn.Method, pn.URL)
		}
		pp := tg.last("/podping")
		q := pp.URL.Query()
		if pp.Method != http.MethodGet || q.Get("url") != feed || q.Get("reason") != "update" || q.Get("medium") != "course" ||
			pp.Header.Get("Authorization") != "secret-podping-token" || pp.Header.Get("User-Agent") == "" {
			t.Errorf("podping got %s %s Authorization %q", pp.Method, pp.URL, pp.Header.Get("Authorization"))
		}
		checkStatus(t, r, show.ID, map[string]int{notify.WebSub: 1, notify.PubNotify: 1, notify.Podping: 1})

		// A feed-changing edit is a change too: one more each.
		show.Title = "Learn Swedish, season 2"
		if err := r.store.UpdateShow(context.Background(), show); err != nil {
			t.Fatal(err)
		}
		tg.waitCounts(t, map[string]int{"/hub": 2, "/pubnotify": 2, "/podping": 2})
	})
}

func TestFailedNotificationIsRetried(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		tg := newTargets(t)
		tg.fails["/pubnotify"] = 1
		r := newReplica(t, url, "a", tg.settings())
		show, ep := newShow(t, r.store)
		r.start(t)
		waitRecorded(t, r, show.ID)
		if _, err := r.store.Publish(context.Background(), ep.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		tg.waitCounts(t, map[string]int{"/hub": 1, "/pubnotify": 2, "/podping": 1})
		checkStatus(t, r, show.ID, map[string]int{notify.WebSub: 1, notify.PubNotify: 2, notify.Podping: 1})
	})
}

func TestReplicasNotifyOnce(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		tg := newTargets(t)
		a := newReplica(t, url, "a", tg.settings())
		b := newReplica(t, url, "b", tg.settings())
		show, ep := newShow(t, a.store)
		a.start(t)
		b.start(t)
		waitRecorded(t, a, show.ID)
		if _, err := a.store.Publish(context.Background(), ep.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		// b hears of the same change too (as if it had made it), besides
		// finding it in its periodic pass.
		b.n.Changed(episodes.Change{ShowID: show.ID})
		tg.waitCounts(t, map[string]int{"/hub": 1, "/pubnotify": 1, "/podping": 1})
	})
}

func TestScheduledEpisodeGoingLiveNotifies(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		tg := newTargets(t)
		a := newReplica(t, url, "a", tg.settings())
		b := newReplica(t, url, "b", tg.settings())
		show, ep := newShow(t, a.store)
		now, err := a.jobs.Now(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.store.Publish(ctx, ep.ID, now.Add(1500*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		// The replicas start after the last write: nobody writes again.
		a.start(t)
		b.start(t)
		waitRecorded(t, a, show.ID)
		if n := tg.count("/hub") + tg.count("/pubnotify") + tg.count("/podping"); n != 0 {
			t.Fatalf("notified before the episode went live: %s", tg.summary())
		}
		tg.waitCounts(t, map[string]int{"/hub": 1, "/pubnotify": 1, "/podping": 1})
		got, err := a.store.GetEpisode(ctx, show.ID, ep.Slug)
		if err != nil || got.Status != episodes.StatusPublished {
			t.Errorf("episode after its time: %v, %v; want published", got, err)
		}
		checkStatus(t, b, show.ID, map[string]int{notify.WebSub: 1, notify.PubNotify: 1, notify.Podping: 1})
	})
}

func TestNoTargetsNoWork(t *testing.T) {
	r := newReplica(t, episodestest.SQLite(t), "a", notify.Settings{})
	if r.n.Enabled() {
		t.Fatal("a notifier without targets says it is enabled")
	}
	st, err := r.n.Status(context.Background(), 1)
	if err != nil || len(st) != 0 {
		t.Fatalf("Status = %v, %v; want empty", st, err)
	}
}

// testLog writes the replicas' warnings to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(string(p))
	return len(p), nil
}

// Only a change of what the shared feed says is announced: a draft's edit
// and an edit of a field no feed carries raise the show's version but send
// nothing; publishing and a published episode's new title send one each.
func TestOnlyFeedChangesNotify(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		tg := newTargets(t)
		r := newReplica(t, url, "a", tg.settings())
		show, ep := newShow(t, r.store)
		r.start(t)
		waitRecorded(t, r, show.ID)
		quiet := func(what string) {
			t.Helper()
			waitCompared(t, r, show.ID)
			tg.waitCounts(t, map[string]int{"/hub": 0, "/pubnotify": 0, "/podping": 0})
			if t.Failed() {
				t.Fatalf("%s was notified", what)
			}
		}

		ep.Title = "Greetings, first take"
		if err := r.store.UpdateEpisode(ctx, ep); err != nil {
			t.Fatal(err)
		}
		quiet("a draft's edit")
		show.TimeZone = "Europe/Stockholm"
		show.Directories = map[string]string{"apple": "https://podcasts.apple.com/podcast/id1"}
		updateShow(t, r, show)
		quiet("an edit of the show's time zone and directory links")

		if _, err := r.store.Publish(ctx, ep.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		tg.waitCounts(t, map[string]int{"/hub": 1, "/pubnotify": 1, "/podping": 1})

		// A published episode's producer-only change moves its updated
		// time, and with it the feed's lastBuildDate, but nothing else.
		ep, err := r.store.GetEpisode(ctx, show.ID, ep.Slug)
		if err != nil {
			t.Fatal(err)
		}
		ep.Guests = []episodes.Person{{Name: "Greta Guest", Bio: "Teaches Swedish."}}
		if err := r.store.UpdateEpisode(ctx, ep); err != nil {
			t.Fatal(err)
		}
		ep.Guests[0].Bio = "Teaches Swedish in Lund."
		if err := r.store.UpdateEpisode(ctx, ep); err != nil {
			t.Fatal(err)
		}
		waitCompared(t, r, show.ID)
		tg.waitCounts(t, map[string]int{"/hub": 2, "/pubnotify": 2, "/podping": 2}) // the guest, not the bio

		ep.Title = "Greetings and goodbyes"
		if err := r.store.UpdateEpisode(ctx, ep); err != nil {
			t.Fatal(err)
		}
		tg.waitCounts(t, map[string]int{"/hub": 3, "/pubnotify": 3, "/podping": 3})
		checkStatus(t, r, show.ID, map[string]int{notify.WebSub: 1, notify.PubNotify: 1, notify.Podping: 1})
	})
}

// A private show is announced nowhere, an unlisted or blocked one only to
// the WebSub hubs; a show made public is announced everywhere.
func TestVisibilityDecidesWhoIsTold(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		tg := newTargets(t)
		r := newReplica(t, url, "a", tg.settings())
		show, ep := newShow(t, r.store)
		show.Visibility = episodes.VisibilityPrivate
		updateShow(t, r, show)
		r.start(t)
		waitRecorded(t, r, show.ID)
		if _, err := r.store.Publish(ctx, ep.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		show.Title = "Learn Swedish (cohort 3)"
		updateShow(t, r, show)
		waitCompared(t, r, show.ID)
		tg.waitCounts(t, map[string]int{"/hub": 0, "/pubnotify": 0, "/podping": 0})

		show.Visibility = episodes.VisibilityUnlisted
		updateShow(t, r, show)
		tg.waitCounts(t, map[string]int{"/hub": 1, "/pubnotify": 0, "/podping": 0})
		ep, err := r.store.GetEpisode(ctx, show.ID, ep.Slug)
		if err != nil {
			t.Fatal(err)
		}
		ep.Title = "Greetings and goodbyes"
		if err := r.store.UpdateEpisode(ctx, ep); err != nil {
			t.Fatal(err)
		}
		tg.waitCounts(t, map[string]int{"/hub": 2, "/pubnotify": 0, "/podping": 0})

		show.Visibility = episodes.VisibilityPublic
		updateShow(t, r, show)
		tg.waitCounts(t, map[string]int{"/hub": 3, "/pubnotify": 1, "/podping": 1})

		// A public show blocked from directories (as an imported one is
		// until its move is confirmed) is announced to the hubs only.
		show.Block = true
		updateShow(t, r, show)
		tg.waitCounts(t, map[string]int{"/hub": 4, "/pubnotify": 1, "/podping": 1})
		show.Block = false
		updateShow(t, r, show)
		tg.waitCounts(t, map[string]int{"/hub": 5, "/pubnotify": 2, "/podping": 2})
	})
}

// publishQueued starts a replica whose notifier runs without its queue,
// and publishes its show's episode: the notifications are queued, none is
// sent until the test starts the queue.
func publishQueued(t *testing.T, url string) (*targets, *replica, *episodes.Show) {
	t.Helper()
	tg := newTargets(t)
	r := newReplica(t, url, "a", tg.settings())
	show, ep := newShow(t, r.store)
	r.startNotifier(t)
	waitRecorded(t, r, show.ID)
	if _, err := r.store.Publish(context.Background(), ep.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	waitCompared(t, r, show.ID)
	return tg, r, show
}

// A queued notification stands when later changes leave the feed as it
// is: only a later notification supersedes it.
func TestUnchangedFeedDoesNotSupersedeAQueuedNotification(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		tg, r, show := publishQueued(t, url)
		draft := &episodes.Episode{ShowID: show.ID, Title: "Numbers"}
		if err := r.store.CreateEpisode(ctx, draft); err != nil {
			t.Fatal(err)
		}
		waitCompared(t, r, show.ID)
		r.startQueue(t)
		tg.waitCounts(t, map[string]int{"/hub": 1, "/pubnotify": 1, "/podping": 1})
	})
}

// A notification queued while the show was public is not sent once the
// show is private.
func TestQueuedNotificationOfAShowMadePrivateIsNotSent(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		tg, r, show := publishQueued(t, url)
		var queued int
		if err := r.store.DB().QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = $1`, notify.JobKind).Scan(&queued); err != nil || queued != 3 {
			t.Fatalf("%d notifications queued (%v), want 3", queued, err)
		}
		show.Visibility = episodes.VisibilityPrivate
		updateShow(t, r, show)
		waitCompared(t, r, show.ID)
		r.startQueue(t)
		tg.waitCounts(t, map[string]int{"/hub": 0, "/pubnotify": 0, "/podping": 0})
		deadline := time.Now().Add(10 * time.Second)
		for {
			var left int
			if err := r.store.DB().QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state <> 'done'`, notify.JobKind).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d notifications are still not done", left)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
