package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/stats"
)

// The counting fixture: 500,000 bytes of which 480,000 are two minutes of
// 32 kbps audio, so 20,000 bytes of tags come first and a download needs
// 20,000 + 60 s × 4,000 B/s = 260,000 bytes.
const (
	statsAudioSize = 500_000
	statsThreshold = 260_000
	appleUA        = "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; en_us)"
	botUA          = "Mozilla/5.0 (compatible; AhrefsBot/7.0; http://ahrefs.com/robot/)"
)

// statsReplica is one Lyssna process: its own store handle and counter on
// the shared database, serving the shared bucket.
type statsReplica struct {
	h       http.Handler
	counter *stats.Counter
}

// statsEnv is a published episode with audio, served by two replicas.
type statsEnv struct {
	*apiEnv
	replicas [2]statsReplica
	episode  *episodes.Episode
	draftKey string
	start    time.Time
}

func newStatsEnv(t *testing.T, databaseURL string) *statsEnv {
	t.Helper()
	dir := t.TempDir()
	if databaseURL == "" {
		databaseURL = "sqlite:" + filepath.Join(dir, "stats.db")
	}
	a := newAPIEnv(t, databaseURL)
	ctx := context.Background()
	a.createShow("counted")
	ep := a.createEpisode("counted", map[string]any{"title": "Counted"})
	draft := a.createEpisode("counted", map[string]any{"title": "Draft"})
	e := &statsEnv{apiEnv: a, start: a.clock.Now()}
	for i, id := range []int64{ep.ID, draft.ID} {
		key := fmt.Sprintf("audio/%d/episode.mp3", id)
		if _, err := a.bucket.Put(ctx, key, "audio/mpeg", bytes.NewReader(make([]byte, statsAudioSize))); err != nil {
			t.Fatal(err)
		}
		s, _ := a.store.GetShow(ctx, "counted")
		got, err := a.store.GetEpisode(ctx, s.ID, fmt.Sprint(id))
		if err != nil {
			t.Fatal(err)
		}
		got.Audio = &episodes.Audio{Key: key, Size: statsAudioSize, ContentType: "audio/mpeg", DurationMS: 120_000, Bitrate: 32_000}
		if err := a.store.UpdateEpisode(ctx, got); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want(t, a.json(http.MethodPost, fmt.Sprintf("/api/v1/shows/counted/episodes/%d/publish", id), nil), http.StatusOK, nil)
			e.episode, _ = a.store.GetEpisode(ctx, s.ID, fmt.Sprint(id))
		} else {
			e.draftKey = key
		}
	}
	for i := range e.replicas {
		store := a.store
		if i > 0 {
			var err error
			if store, err = episodes.Open(ctx, databaseURL, a.clock.Now); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
		}
		c, err := stats.New(stats.Deps{Store: store, Now: a.clock.Now, PageBase: testBase})
		if err != nil {
			t.Fatal(err)
		}
		deps := a.deps
		deps.Store, deps.Stats = store, c
		e.replicas[i] = statsReplica{h: serve(t, deps), counter: c}
	}
	return e
}

// statsRequest is one request of a replayed sequence.
type statsRequest struct {
	replica  int           // which replica answers
	method   string        // GET when empty
	rng      string        // Range header
	addr     string        // client address; 198.51.100.7 when empty
	ua       string        // User-Agent; appleUA when empty
	after    time.Duration // clock advance before the request
	draft    bool          // ask for the unpublished episode's audio
	referrer string        // Referer header
}

// replay sends the requests, aggregates on both replicas and returns the
// downloads they added to the episode. tag is appended to every user agent,
// so the listeners of one sequence are not those of another on the same env.
func (e *statsEnv) replay(t *testing.T, reqs []statsRequest, tag string) int64 {
	t.Helper()
	before := e.total(t)
	for _, q := range reqs {
		e.clock.Add(q.after)
		key := e.episode.Audio.Key
		if q.draft {
			key = e.draftKey
		}
		req := httptest.NewRequest(cmpOr(q.method, http.MethodGet), "/media/"+key, nil)
		req.RemoteAddr = cmpOr(q.addr, "198.51.100.7") + ":40000"
		if q.addr != "" && q.addr[0] == '[' {
			req.RemoteAddr = q.addr + ":40000"
		}
		ua := cmpOr(q.ua, appleUA)
		if strings.TrimSpace(ua) != "" {
			ua += tag
		}
		req.Header.Set("User-Agent", ua)
		if q.rng != "" {
			req.Header.Set("Range", q.rng)
		}
		if q.referrer != "" {
			req.Header.Set("Referer", q.referrer)
		}
		rec := httptest.NewRecorder()
		e.replicas[q.replica].h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusPartialContent {
			t.Fatalf("%s %s Range %q: status %d", req.Method, req.URL, q.rng, rec.Code)
		}
		e.flush(t)
	}
	return e.total(t) - before
}

// total is the episode's downloads since the env was made.
func (e *statsEnv) total(t *testing.T) int64 {
	t.Helper()
	rep, err := stats.NewReader(e.store).EpisodeReport(context.Background(), e.episode.ID,
		stats.Period{From: e.start.Format(time.DateOnly), To: e.clock.Now().Format(time.DateOnly)})
	if err != nil {
		t.Fatal(err)
	}
	return rep.Total
}

func (e *statsEnv) flush(t *testing.T) {
	t.Helper()
	for _, r := range e.replicas {
		if err := r.counter.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// TestStatsCounting replays request sequences through the real media
// handler on two replicas sharing one database and checks the counts
// against the IAB rules (docs/analytics.md).
func TestStatsCounting(t *testing.T) {
	below := fmt.Sprintf("bytes=0-%d", statsThreshold-2)   // one byte short
	reach := fmt.Sprintf("bytes=0-%d", statsThreshold-1)   // exactly the threshold
	half1 := fmt.Sprintf("bytes=0-%d", statsThreshold/2-1) // first half of it
	half2 := fmt.Sprintf("bytes=%d-%d", statsThreshold/2, statsThreshold-1)
	cases := []struct {
		name string
		reqs []statsRequest
		want int64
	}{
		{"HEAD is not a download", []statsRequest{{method: http.MethodHead}}, 0},
		{"bytes=0-1 probe", []statsRequest{{rng: "bytes=0-1"}}, 0},
		{"bytes=0-0 probe", []statsRequest{{rng: "bytes=0-0"}}, 0},
		{"probes then nothing", []statsRequest{{rng: "bytes=0-1"}, {rng: "bytes=0-0"}, {method: http.MethodHead}}, 0},
		{"bot", []statsRequest{{ua: botUA}}, 0},
		{"no user agent", []statsRequest{{ua: " "}}, 0},
		{"unpublished media", []statsRequest{{draft: true}}, 0},
		{"full GET", []statsRequest{{}}, 1},
		{"probe then full GET", []statsRequest{{rng: "bytes=0-1"}, {}}, 1},
		{"same listener again within 24 h", []statsRequest{{}, {after: 3 * time.Hour}, {after: 10 * time.Hour}}, 1},
		{"same listener again the next day", []statsRequest{{}, {after: 25 * time.Hour}}, 2},
		{"range below the threshold", []statsRequest{{rng: below}}, 0},
		{"range reaching the threshold", []statsRequest{{rng: reach}}, 1},
		{"ranges adding up to the threshold", []statsRequest{{rng: half1}, {rng: half2}}, 1},
		{"overlapping ranges counted once", []statsRequest{{rng: half1}, {rng: half1}, {rng: fmt.Sprintf("bytes=%d-%d", statsThreshold/4, statsThreshold/2+10)}}, 0},
		{"open-ended range", []statsRequest{{rng: "bytes=100000-"}}, 1},
		{"two addresses in one IPv6 /64", []statsRequest{{addr: "[2001:db8:1:2::1]", rng: half1}, {addr: "[2001:db8:1:2:aaaa::ffff]", rng: half2}, {addr: "[2001:db8:1:2::9]"}}, 1},
		{"two IPv6 /64s are two listeners", []statsRequest{{addr: "[2001:db8:1:2::1]"}, {addr: "[2001:db8:1:3::1]"}}, 2},
		{"two user agents are two listeners", []statsRequest{{}, {ua: "AntennaPod/3.4.0"}}, 2},
		{"two replicas serving one listener", []statsRequest{{replica: 0, rng: half1}, {replica: 1, rng: half2}, {replica: 0}, {replica: 1}}, 1},
	}
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := ""
			if db == "postgres" {
				url = testenv.Postgres(t)
			}
			// One env for the table: each case's listeners are its own
			// (tagged user agents), and the downloads it adds are compared.
			e := newStatsEnv(t, url)
			for i, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					if got := e.replay(t, tc.reqs, fmt.Sprintf(" case/%d", i)); got != tc.want {
						t.Errorf("downloads = %d, want %d", got, tc.want)
					}
				})
			}
		})
	}
}

// TestStatsReplicasAtOnce has two replicas aggregate the same listener's
// ranges at the same moment: the database decides, and it counts once.
func TestStatsReplicasAtOnce(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := ""
			if db == "postgres" {
				url = testenv.Postgres(t)
			}
			e := newStatsEnv(t, url)
			for round, rngs := range [][2]string{
				{fmt.Sprintf("bytes=0-%d", statsThreshold/2-1), fmt.Sprintf("bytes=%d-%d", statsThreshold/2, statsThreshold-1)},
				{"", ""},
			} {
				for i, rng := range rngs {
					req := httptest.NewRequest(http.MethodGet, "/media/"+e.episode.Audio.Key, nil)
					req.Header.Set("User-Agent", appleUA)
					if rng != "" {
						req.Header.Set("Range", rng)
					}
					e.replicas[i].h.ServeHTTP(httptest.NewRecorder(), req)
				}
				var wg sync.WaitGroup
				errs := make([]error, len(e.replicas))
				for i, r := range e.replicas {
					wg.Go(func() { errs[i] = r.counter.Flush(context.Background()) })
				}
				wg.Wait()
				for _, err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
				rep, err := stats.NewReader(e.store).EpisodeReport(context.Background(), e.episode.ID,
					stats.Period{From: e.clock.Now().Format(time.DateOnly), To: e.clock.Now().Format(time.DateOnly)})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Total != 1 {
					t.Fatalf("round %d: downloads = %d, want 1", round, rep.Total)
				}
			}
			// The show's dashboard reads on this database too.
			rd := stats.NewReader(e.store)
			day := e.clock.Now().Format(time.DateOnly)
			show, err := rd.ShowReport(context.Background(), e.episode.ShowID, stats.Period{From: day, To: day})
			if err != nil {
				t.Fatal(err)
			}
			l, err := rd.EpisodeLaunches(context.Background(), e.episode.ShowID)
			if err != nil {
				t.Fatal(err)
			}
			if show.Total != 1 || len(show.Apps) != 1 || show.Apps[0] != (stats.Count{Name: "AppleCoreMedia", Downloads: 1}) ||
				len(l.Episodes) != 1 || l.Episodes[0].First7 != 1 || l.Median7 != 1 {
				t.Fatalf("show report %+v, launches %+v", show, l)
			}
		})
	}
}

// TestStatsAPI checks the API's report shape after a download.
func TestStatsAPI(t *testing.T) {
	e := newStatsEnv(t, "")
	chrome := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/77.0.3865.120 Safari/537.36"
	if got := e.replay(t, []statsRequest{{}, {addr: "203.0.113.9", ua: "AntennaPod/3.4.0"},
		{addr: "203.0.113.10", ua: chrome, referrer: testBase + "/counted/counted/"}}, ""); got != 3 {
		t.Fatalf("downloads = %d, want 3", got)
	}
	day := e.clock.Now().Format(time.DateOnly)
	var show statsJSON
	want(t, e.json(http.MethodGet, "/api/v1/shows/counted/stats?from="+day+"&to="+day, nil), http.StatusOK, &show)
	apps := map[string]int64{}
	for _, a := range show.Apps {
		apps[a.Name] = a.Downloads
	}
	if show.Total != 3 || len(show.Days) != 1 || show.Days[0] != (statsDayJSON{day, 3}) ||
		len(show.Episodes) != 1 || show.Episodes[0] != (statsEpisodeJSON{e.episode.ID, "Counted", 3}) ||
		apps["AppleCoreMedia"] != 1 || apps["AntennaPod"] != 1 || apps[stats.WebPlayer] != 1 {
		b, _ := json.Marshal(show)
		t.Fatalf("show report %s", b)
	}
	var ep statsJSON
	want(t, e.json(http.MethodGet, fmt.Sprintf("/api/v1/shows/counted/episodes/%d/stats", e.episode.ID), nil), http.StatusOK, &ep)
	if ep.Total != 3 || len(ep.Days) != stats.DefaultPeriodDays || ep.Episodes == nil || len(ep.Episodes) != 0 {
		b, _ := json.Marshal(ep)
		t.Fatalf("episode report %s", b)
	}
	wantError(t, e.json(http.MethodGet, "/api/v1/shows/counted/stats?from=yesterday", nil), http.StatusBadRequest, codeInvalid, "from")
	wantError(t, e.json(http.MethodGet, "/api/v1/shows/counted/stats?from=2026-05-01&to=2026-04-01", nil), http.StatusBadRequest, codeInvalid, "to")
}

// TestStatsReachAPIQuickly runs the counter as serve does (its own loop,
// the default flush interval), with no explicit flush, and checks that a
// download reaches the API. The 10 s the issue allows is the flush interval
// (a round every DefaultFlushInterval) plus one round's work; the wait below
// is only a generous bound against a hung loop, not a speed test.
func TestStatsReachAPIQuickly(t *testing.T) {
	if stats.DefaultFlushInterval > 5*time.Second {
		t.Fatalf("DefaultFlushInterval %v leaves no room in the 10 s a download may take to reach the API", stats.DefaultFlushInterval)
	}
	e := newStatsEnv(t, "")
	r := e.replicas[0]
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.counter.Run(ctx); close(done) }()
	defer func() { stop(); <-done }()
	req := httptest.NewRequest(http.MethodGet, "/media/"+e.episode.Audio.Key, nil)
	req.Header.Set("User-Agent", appleUA)
	r.h.ServeHTTP(httptest.NewRecorder(), req)
	deadline := time.Now().Add(time.Minute)
	for {
		var rep statsJSON
		want(t, e.json(http.MethodGet, fmt.Sprintf("/api/v1/shows/counted/episodes/%d/stats", e.episode.ID), nil), http.StatusOK, &rep)
		if rep.Total == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the download never reached the API (total %d)", rep.Total)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
