package imports

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/jobs"
)

// TestImportFixtures imports every fixture feed from the local origin and
// compares the show and every episode with what the feed says: guids byte
// for byte, dates, fields, audio through the upload pipeline (the hash of
// the bytes served), transcripts per language and chapters.
func TestImportFixtures(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	for _, name := range fixtureFeeds {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, "sqlite")
			ctx := context.Background()
			got := r.importFeed(t, o.feedURL(name), name)
			src, err := ParseFeed(renderFixture(t, name, o.URL), o.feedURL(name), 0)
			if err != nil {
				t.Fatal(err)
			}
			wantFailed := 0
			if name == "podcastindex" {
				wantFailed = 1 // episode 1's audio answers 404
			}
			if got.State != StateDone || got.ItemsTotal != len(src.Items) || got.ItemsDone != len(src.Items)-wantFailed || got.ItemsFailed != wantFailed {
				t.Fatalf("import = %+v, want done with %d items, %d failed", got, len(src.Items), wantFailed)
			}
			if wantFailed > 0 && (len(got.Errors) != 1 || got.Errors[0].GUID != "http://example.com/podcast/episode1" || !strings.Contains(got.Errors[0].Message, "404")) {
				t.Errorf("errors = %+v", got.Errors)
			}
			show, err := r.store.GetShow(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			checkShow(t, show, &src.Show)
			for _, it := range src.Items {
				ep, err := r.store.EpisodeByGUID(ctx, show.ID, it.GUID)
				if wantFailed > 0 && it.GUID == got.Errors[0].GUID {
					if !errors.Is(err, episodes.ErrNotFound) {
						t.Errorf("the failed item made an episode: %v", err)
					}
					continue
				}
				if err != nil {
					t.Errorf("item %q: %v", it.GUID, err)
					continue
				}
				checkEpisode(t, ep, &it, show)
			}
		})
	}
}

func checkShow(t *testing.T, got, want *episodes.Show) {
	t.Helper()
	eq := func(field string, g, w any) {
		if g != w {
			t.Errorf("show %s = %v, want %v", field, g, w)
		}
	}
	eq("title", got.Title, want.Title)
	eq("description", got.Description, want.Description)
	eq("author", got.Author, want.Author)
	eq("owner", got.Owner, want.Owner)
	eq("language", got.Language, want.Language)
	eq("categories", len(got.Categories), len(want.Categories))
	for i := range min(len(got.Categories), len(want.Categories)) {
		eq("category", got.Categories[i], want.Categories[i])
	}
	eq("explicit", got.Explicit, want.Explicit)
	eq("type", got.Type, want.Type)
	eq("copyright", got.Copyright, want.Copyright)
	eq("link", got.Link, want.Link)
	eq("guid", got.GUID, want.GUID)
	eq("funding", len(got.Funding), len(want.Funding))
	eq("hosts", len(got.Hosts), len(want.Hosts))
	eq("medium", got.Medium, want.Medium)
	eq("complete", got.Complete, want.Complete)
	eq("block (unlisted until confirmed)", got.Block, true)
	if !reflect.DeepEqual(got.Extras, want.Extras) {
		t.Errorf("show namespace tags = %+v, want %+v", got.Extras, want.Extras)
	}
	if got.ImageKey == "" {
		t.Error("show artwork not imported")
	}
}

func checkEpisode(t *testing.T, ep *episodes.Episode, it *Item, show *episodes.Show) {
	t.Helper()
	eq := func(field string, g, w any) {
		if g != w {
			t.Errorf("episode %q %s = %v, want %v", it.GUID, field, g, w)
		}
	}
	eq("guid", ep.GUID, it.GUID)
	eq("title", ep.Title, it.Title)
	eq("notes", ep.Notes, it.Notes)
	eq("season", ep.Season, it.Season)
	eq("number", ep.Number, it.Number)
	eq("type", ep.Type, it.Type)
	eq("explicit", ep.Explicit, it.Explicit)
	eq("guests", len(ep.Guests), len(it.Persons))
	if ep.Audio == nil {
		return // the failed item: a draft without audio is not made
	}
	// The feed's tags, but for soundbites past the end of the audio.
	want := it.Extras
	want.Soundbites = nil
	for _, s := range it.Extras.Soundbites {
		if s.StartMS+s.DurationMS <= ep.Audio.DurationMS {
			want.Soundbites = append(want.Soundbites, s)
		}
	}
	if !reflect.DeepEqual(ep.Extras, want) {
		t.Errorf("episode %q namespace tags = %+v, want %+v", it.GUID, ep.Extras, want)
	}
	eq("status", ep.Status, episodes.StatusPublished)
	if it.PubDate == nil || ep.PublishedAt == nil || !ep.PublishedAt.Equal(*it.PubDate) {
		t.Errorf("episode %q published at %v, want %v", it.GUID, ep.PublishedAt, it.PubDate)
	}
	path := it.Enclosure.URL[strings.Index(it.Enclosure.URL, "//")+2:]
	path = path[strings.Index(path, "/"):]
	_ = path // the file's own path differs per host's redirects; its size and duration are the fixture's
	eq("audio size", ep.Audio.Size, int64(len(fixtureMP3("x"))))
	if ep.Audio.DurationMS < 1900 || ep.Audio.DurationMS > 2100 {
		t.Errorf("episode %q duration %d ms", it.GUID, ep.Audio.DurationMS)
	}
	langs := map[string]bool{}
	for _, tr := range it.Transcripts {
		l := strings.ToLower(tr.Language)
		if l == "" {
			l = show.Language
		}
		if transcriptRank[strings.ToLower(tr.Type)] > 0 {
			langs[l] = true
		}
	}
	eq("transcripts", len(ep.Transcripts), len(langs))
	for _, tr := range ep.Transcripts {
		if !langs[strings.ToLower(tr.Language)] {
			t.Errorf("episode %q has a transcript in %s, not in the feed", it.GUID, tr.Language)
		}
	}
	switch {
	case it.ChaptersURL != "":
		eq("chapters", len(ep.Chapters), 2) // the third starts past the end
	case len(it.Chapters) > 0:
		eq("chapters", len(ep.Chapters), len(it.Chapters))
	}
}

// TestLockedRefused: podcast:locked yes ends the import at once with a
// message telling the owner what to do; no show is made.
func TestLockedRefused(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	r := newRig(t, "sqlite")
	ctx := context.Background()
	got := r.importFeed(t, o.feedURL("locked"), "locked")
	if got.State != StateFailed || !strings.Contains(got.Message, "podcast:locked") || !strings.Contains(got.Message, "Unlock it at the old host") {
		t.Fatalf("locked feed: %+v", got)
	}
	if _, err := r.store.GetShow(ctx, "locked"); !errors.Is(err, episodes.ErrNotFound) {
		t.Errorf("a show was made from a locked feed: %v", err)
	}
}

// TestResyncAddsOnlyNew: importing the same feed again adds nothing, and
// changes nothing the producer edited; an item new in the feed is added.
func TestResyncAddsOnlyNew(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	r := newRig(t, "sqlite")
	ctx := episodes.WithActor(context.Background(), episodes.Actor{UserID: 0, Name: "Anna", Via: "token t1"})
	if _, err := r.im.StartFeed(ctx, o.feedURL("libsyn"), "care"); err != nil {
		t.Fatal(err)
	}
	r.drain(t)
	show, _ := r.store.GetShow(ctx, "care")
	// The import's writes are audited as the person who started it.
	events, _, err := r.store.AuditPage(ctx, show.ID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range events {
		if e.ActorName != "Anna" || !strings.Contains(e.Via, "import") {
			t.Errorf("audit event %s by %q via %q, want Anna via an import", e.Action, e.ActorName, e.Via)
		}
		actions[e.Action]++
	}
	if actions[AuditImport] != 1 || actions[episodes.AuditEpisodeCreate] != 2 || actions[episodes.AuditShowCreate] != 1 {
		t.Errorf("audit actions = %v", actions)
	}
	ep, _ := r.store.EpisodeByGUID(ctx, show.ID, "5f1c2a4e-9b8d-4c3e-a1f2-0d9e8c7b6a52")
	ep.Title = "Edited by the producer"
	ep.Takeaways = []string{"A takeaway"}
	if err := r.store.UpdateEpisode(ctx, ep); err != nil {
		t.Fatal(err)
	}
	if _, err := r.im.StartFeed(ctx, o.feedURL("libsyn"), "other-slug-same-feed-ok"); err != nil {
		t.Fatal(err) // another slug is another show: allowed
	}
	again, err := r.im.StartFeed(ctx, o.feedURL("libsyn"), "care")
	if err != nil {
		t.Fatal(err)
	}
	r.drain(t)
	got, _ := r.im.Get(ctx, again.ID)
	if got.State != StateDone || got.ItemsTotal != 0 || got.ItemsDone != 0 {
		t.Errorf("re-sync = %+v, want done with nothing new", got)
	}
	eps, _, _ := r.store.ListEpisodes(ctx, show.ID, episodes.ListOptions{})
	if len(eps) != 2 {
		t.Errorf("%d episodes after a re-sync, want 2", len(eps))
	}
	kept, _ := r.store.EpisodeByGUID(ctx, show.ID, ep.GUID)
	if kept.Title != "Edited by the producer" || len(kept.Takeaways) != 1 {
		t.Errorf("re-sync overwrote the producer's edit: %+v", kept)
	}
	if _, err := r.im.StartFeed(ctx, o.feedURL("anchor"), "care"); err == nil {
		t.Error("another feed into an existing show accepted")
	}
}

// TestRestartMidImport stops a worker while it fetches the second
// enclosure (as a killed replica would) and lets a second worker take the
// import over once the first's lease has run out: it finishes with the
// same episodes as an uninterrupted import, none twice.
func TestRestartMidImport(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	o.block = "/buzzsprout/123456/13900001-vital-signs.mp3"
	o.reached = make(chan struct{})
	r := newRig(t, "sqlite")
	ctx := context.Background()
	job, err := r.im.StartFeed(ctx, o.feedURL("buzzsprout"), "nursing")
	if err != nil {
		t.Fatal(err)
	}
	runCtx, kill := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := r.im.RunNext(runCtx); done <- err }()
	<-o.reached
	mid, _ := r.im.Get(ctx, job.ID)
	if mid.State != StateRunning || mid.ItemsDone != 1 {
		t.Fatalf("mid-import: %+v", mid)
	}
	// A second replica finds the import held.
	other := r.importer(t)
	if ran, err := other.RunNext(ctx); ran || err != nil {
		t.Fatalf("a second worker ran a held import: %v %v", ran, err)
	}
	kill()
	<-done
	o.mu.Lock()
	o.block = ""
	o.mu.Unlock()
	// Crash without a release: put the lease back as a dead worker leaves it.
	if _, err := r.store.DB().ExecContext(ctx, `UPDATE imports SET lease_owner = 'dead', lease_until = $1 WHERE id = $2`,
		r.clock.Now().Add(time.Minute).UnixMilli(), job.ID); err != nil {
		t.Fatal(err)
	}
	if ran, _ := other.RunNext(ctx); ran {
		t.Fatal("taken over before the lease ran out")
	}
	r.clock.Add(2 * time.Minute)
	if ran, err := other.RunNext(ctx); !ran || err != nil {
		t.Fatalf("not taken over after the lease: %v %v", ran, err)
	}
	got, _ := r.im.Get(ctx, job.ID)
	if got.State != StateDone || got.ItemsDone != 2 || got.ItemsFailed != 0 {
		t.Fatalf("after the restart: %+v", got)
	}
	show, _ := r.store.GetShow(ctx, "nursing")
	eps, _, _ := r.store.ListEpisodes(ctx, show.ID, episodes.ListOptions{})
	if len(eps) != 2 {
		t.Errorf("%d episodes, want 2", len(eps))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if n := o.hits["/buzzsprout/123456/13912345-hand-hygiene.mp3"]; n != 1 {
		t.Errorf("the finished item's audio was fetched %d times, want once", n)
	}
}

// TestGuardRefusesPrivateEnclosure: with the guard on, a feed (or an
// enclosure) on a loopback address is refused at dial time.
func TestGuardRefusesPrivateEnclosure(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	r := newRig(t, "sqlite")
	r.im.Fetcher = NewFetcher(Limits{}, false, "")
	ctx := context.Background()
	job, err := r.im.StartFeed(ctx, o.feedURL("libsyn"), "guarded")
	if err != nil {
		t.Fatal(err)
	}
	r.drain(t)
	got, _ := r.im.Get(ctx, job.ID)
	if got.State != StateFailed || !strings.Contains(got.Message, "not a public internet address") {
		t.Fatalf("guarded import: %+v", got)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.hits) != 0 {
		t.Errorf("the origin was reached: %v", o.hits)
	}
}

// TestImportRunsAsJob: with the jobs queue (as lyssna serve wires it), an
// import queued through StartFeed is picked up and finished by the queue.
func TestImportRunsAsJob(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	r := newRig(t, "sqlite")
	q := jobs.New(r.store.DB(), jobs.SQLite, jobs.Options{Poll: 20 * time.Millisecond, Logger: r.im.Logger})
	if err := r.im.Register(q); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); q.Run(ctx) }()
	defer func() { cancel(); <-done }()
	job, err := r.im.StartFeed(ctx, o.feedURL("anchor"), "study")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := r.im.Get(context.Background(), job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State == StateDone {
			if got.ItemsDone != 2 || got.ItemsFailed != 0 {
				t.Fatalf("import by the queue = %+v", got)
			}
			break
		}
		if got.State == StateFailed || time.Now().After(deadline) {
			t.Fatalf("import by the queue did not finish: %+v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The import's row is done inside the job's handler; the queue marks
	// the job done once the handler has returned, a moment later.
	for {
		j, err := q.Get(context.Background(), JobKind, "import-"+strconv.FormatInt(job.ID, 10))
		if err != nil {
			t.Fatal(err)
		}
		if j.State == jobs.Done {
			break
		}
		if j.State == jobs.Failed || time.Now().After(deadline) {
			t.Fatalf("job state = %s after the import was done", j.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestImportPostgres runs an import, a re-sync and a second worker's
// claim on PostgreSQL: the same SQL serves both databases.
func TestImportPostgres(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	r := newRig(t, "postgres")
	ctx := context.Background()
	job, err := r.im.StartFeed(ctx, o.feedURL("buzzsprout"), "nursing")
	if err != nil {
		t.Fatal(err)
	}
	r.drain(t)
	got, _ := r.im.Get(ctx, job.ID)
	if got.State != StateDone || got.ItemsDone != 2 || got.ItemsFailed != 0 {
		t.Fatalf("import on PostgreSQL = %+v", got)
	}
	again, err := r.im.StartFeed(ctx, o.feedURL("buzzsprout"), "nursing")
	if err != nil {
		t.Fatal(err)
	}
	r.drain(t)
	if got, _ := r.im.Get(ctx, again.ID); got.State != StateDone || got.ItemsTotal != 0 {
		t.Fatalf("re-sync on PostgreSQL = %+v", got)
	}
}

// TestGuardRefusesLoopbackEnclosureInPublicFeed imports, with the guard
// on, a feed from a public-looking host (podcasts.example.com, which the
// test's dialer stands in for DNS for) whose second item's enclosure
// points at 127.0.0.1: that item fails with the guard's message and the
// loopback server is never asked for it; the public item comes across.
func TestGuardRefusesLoopbackEnclosureInPublicFeed(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	const public = "podcasts.example.com:80"
	feedXML := `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
<title>Open Ward</title><description>Ward notes.</description><language>en</language><link>http://podcasts.example.com/</link>
<item><title>Public</title><guid isPermaLink="false">open-1</guid><pubDate>Mon, 06 Nov 2023 08:00:00 GMT</pubDate>
<enclosure url="http://podcasts.example.com/media/open-1.mp3" length="1" type="audio/mpeg"/></item>
<item><title>Internal</title><guid isPermaLink="false">open-2</guid><pubDate>Mon, 13 Nov 2023 08:00:00 GMT</pubDate>
<enclosure url="LOOPBACK/media/open-2.mp3" length="1" type="audio/mpeg"/></item>
</channel></rss>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/open.xml" {
			io.WriteString(w, strings.ReplaceAll(feedXML, "LOOPBACK", "http://"+r.Context().Value(http.LocalAddrContextKey).(net.Addr).String()))
			return
		}
		o.serve(w, r)
	}))
	t.Cleanup(srv.Close)
	r := newRig(t, "sqlite")
	f := NewFetcher(Limits{}, false, "")
	tr := f.client.Transport.(*http.Transport)
	guarded := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == public { // a public address, as far as the guard knows
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		}
		return guarded(ctx, network, addr)
	}
	r.im.Fetcher = f
	ctx := context.Background()
	job, err := r.im.StartFeed(ctx, "http://podcasts.example.com/open.xml", "ward")
	if err != nil {
		t.Fatal(err)
	}
	r.drain(t)
	got, _ := r.im.Get(ctx, job.ID)
	if got.State != StateDone || got.ItemsTotal != 2 || got.ItemsDone != 1 || got.ItemsFailed != 1 || len(got.Errors) != 1 {
		t.Fatalf("import = %+v", got)
	}
	if e := got.Errors[0]; e.GUID != "open-2" || !strings.Contains(e.Message, "not a public internet address") {
		t.Errorf("the loopback item's error = %+v", e)
	}
	show, _ := r.store.GetShow(ctx, "ward")
	eps, _, _ := r.store.ListEpisodes(ctx, show.ID, episodes.ListOptions{})
	if len(eps) != 1 || eps[0].GUID != "open-1" || eps[0].Audio == nil {
		t.Errorf("episodes = %d, want only open-1 with its audio", len(eps))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.hits["/media/open-1.mp3"] != 1 {
		t.Errorf("the public host was not asked as expected: %v", o.hits)
	}
	if n := o.hits["/media/open-2.mp3"]; n != 0 {
		t.Errorf("the loopback enclosure was fetched %d times with the guard on", n)
	}
}
