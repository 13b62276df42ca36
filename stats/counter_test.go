package stats

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/internal/testenv"
)

// fixture is a store with one show and n published episodes with audio.
type fixture struct {
	store *episodes.Store
	clock *testenv.Clock
	show  *episodes.Show
	eps   []*episodes.Episode
}

func newFixture(t testing.TB, n int) *fixture {
	t.Helper()
	ctx := context.Background()
	c := testenv.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	store, err := episodes.Open(ctx, episodestest.SQLite(t), c.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	sh := &episodes.Show{Slug: "show", Title: "Show", Language: "en", GUID: episodes.PodcastGUID("https://example.com/show")}
	if err := store.CreateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: store, clock: c, show: sh}
	for i := range n {
		e := &episodes.Episode{ShowID: sh.ID, Title: fmt.Sprintf("Episode %d", i),
			Audio: &episodes.Audio{Key: fmt.Sprintf("audio/%d.mp3", i), Size: 1_000_000, ContentType: "audio/mpeg", DurationMS: 600_000, Bitrate: 8_000}}
		if err := store.CreateEpisode(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e, err = store.Publish(ctx, e.ID, c.Now()); err != nil {
			t.Fatal(err)
		}
		f.eps = append(f.eps, e)
	}
	return f
}

func (f *fixture) counter(t testing.TB, geo *GeoIP) *Counter {
	t.Helper()
	c, err := New(Deps{Store: f.store, Now: f.clock.Now, GeoIP: geo, QueueSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// download is a whole-file event of episode i by a listener.
func (f *fixture) download(i int, addr string) Event {
	return Event{Key: f.eps[i].Audio.Key, Addr: Truncate(netip.MustParseAddr(addr)),
		UserAgent: "AppleCoreMedia/1.0.0.15G77 (iPhone; U; CPU OS 11_4_1 like Mac OS X; en_us)", End: 1 << 62, At: f.clock.Now()}
}

// writeGeoDB writes a small MaxMind-format country database: 192.0.2.0/24
// in Sweden, 2001:db8::/32 in Norway.
func writeGeoDB(t *testing.T) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-Country", IncludeReservedNetworks: true, RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, code := range map[string]string{"192.0.2.0/24": "SE", "2001:db8::/32": "NO"} {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(n, mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(code)}}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "country.mmdb")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(out); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGeoIPCountries(t *testing.T) {
	geo, err := OpenGeoIP(writeGeoDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer geo.Close()
	for addr, want := range map[string]string{"192.0.2.55": "SE", "2001:db8:5:6::": "NO", "198.51.100.1": Unknown} {
		if got := geo.Country(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Country(%s) = %q, want %q", addr, got, want)
		}
	}
	var none *GeoIP
	if none.Country(netip.MustParseAddr("192.0.2.1")) != Unknown {
		t.Error("a nil GeoIP knows a country")
	}
	if _, err := OpenGeoIP(filepath.Join(t.TempDir(), "missing.mmdb")); err == nil {
		t.Error("OpenGeoIP of a missing file did not fail")
	}

	f := newFixture(t, 1)
	c := f.counter(t, geo)
	c.Record(f.download(0, "192.0.2.7"))
	c.Record(f.download(0, "2001:db8:1:2::1"))
	c.Record(f.download(0, "198.51.100.9"))
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	day := dayOf(f.clock.Now())
	rep, err := NewReader(f.store).ShowReport(context.Background(), f.show.ID, Period{day, day})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range rep.Countries {
		got[c.Name] = c.Downloads
	}
	if rep.Total != 3 || got["SE"] != 1 || got["NO"] != 1 || got[Unknown] != 1 {
		t.Fatalf("total %d, countries %v", rep.Total, got)
	}
	if len(rep.Apps) != 1 || rep.Apps[0] != (Count{"AppleCoreMedia", 3}) || rep.Devices[0] != (Count{"Apple iPhone", 3}) {
		t.Fatalf("apps %v devices %v", rep.Apps, rep.Devices)
	}
}

// TestDatabaseAway checks that events wait while the database cannot be
// reached, are counted once it is back, and that a full queue drops events
// with a counter instead of blocking.
func TestDatabaseAway(t *testing.T) {
	f := newFixture(t, 1)
	c, err := New(Deps{Store: f.store, Now: f.clock.Now, QueueSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c.Record(f.download(0, "192.0.2.1"))
	c.Record(f.download(0, "192.0.2.2"))
	c.Record(f.download(0, "192.0.2.3")) // the queue holds two
	if m := c.Metrics(); m.Recorded != 2 || m.Dropped != 1 || m.Queued != 2 {
		t.Fatalf("metrics %+v", m)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel() // a database that does not answer
	if err := c.Flush(canceled); err == nil {
		t.Fatal("Flush with the database away did not fail")
	}
	if m := c.Metrics(); m.Failures != 1 || m.Counted != 0 {
		t.Fatalf("metrics after failure %+v", m)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if m := c.Metrics(); m.Counted != 2 {
		t.Fatalf("metrics after recovery %+v", m)
	}
}

// TestLaunches checks the first-7/first-30 figures and the medians.
func TestLaunches(t *testing.T) {
	f := newFixture(t, 3)
	c := f.counter(t, nil)
	ctx := context.Background()
	// Episode 0: 2 downloads on day 0, 1 on day 10, 1 on day 40.
	// Episode 1: 1 download on day 3. Episode 2: none.
	for _, step := range []struct {
		day  int
		ep   int
		addr string
	}{{0, 0, "192.0.2.1"}, {0, 0, "192.0.2.2"}, {3, 1, "192.0.2.1"}, {10, 0, "192.0.2.1"}, {40, 0, "192.0.2.1"}} {
		f.clock.Set(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC).AddDate(0, 0, step.day))
		c.Record(f.download(step.ep, step.addr))
		if err := c.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	l, err := NewReader(f.store).EpisodeLaunches(ctx, f.show.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64][3]int64{}
	for _, e := range l.Episodes {
		got[e.ID] = [3]int64{e.First7, e.First30, e.Downloads}
	}
	if got[f.eps[0].ID] != [3]int64{2, 3, 4} || got[f.eps[1].ID] != [3]int64{1, 1, 1} || got[f.eps[2].ID] != [3]int64{0, 0, 0} {
		t.Fatalf("launches %v", got)
	}
	if l.Median7 != 1 || l.Median30 != 1 {
		t.Fatalf("medians %d, %d; want 1, 1", l.Median7, l.Median30)
	}
	tot, err := NewReader(f.store).ShowTotals(ctx, f.show.ID, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if tot != (Totals{Last7: 1, Last30: 1, Last90: 5, All: 5}) { // today is day 40; day 10 is 30 days back
		t.Fatalf("totals %+v", tot)
	}
}

// BenchmarkAggregate measures events aggregated into the database per
// second: each event a new listener's whole download (the costly case).
func BenchmarkAggregate(b *testing.B) {
	f := newFixture(b, 10)
	c := f.counter(b, nil)
	ctx := context.Background()
	const batch = 1000
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for i := range batch {
			n++
			ev := f.download(i%10, "192.0.2.1")
			ev.Addr = netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)})
			c.Record(ev)
		}
		if err := c.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDashboard10k reads a 10,000-episode show's dashboard (30-day
// report, totals, every episode's first days) over 30 days of aggregates in
// which every episode was downloaded every day (300,000 rows, the worst
// case) on SQLite, one query per table.
func BenchmarkDashboard10k(b *testing.B) {
	f := newFixture(b, 0)
	ctx := context.Background()
	db := f.store.DB()
	const n, days = 10000, 30
	now := f.clock.Now()
	ids := make([]int64, n)
	for i := range n {
		e := &episodes.Episode{ShowID: f.show.ID, Title: fmt.Sprintf("Episode %d", i)}
		if err := f.store.CreateEpisode(ctx, e); err != nil {
			b.Fatal(err)
		}
		ids[i] = e.ID
	}
	// Published a year ago, all of them, so every episode has launch figures.
	if _, err := db.ExecContext(ctx, `UPDATE episodes SET status = 'published', publish_at = $1, published_at = $1 WHERE show_id = $2`,
		now.AddDate(-1, 0, 0).Format("2006-01-02T15:04:05.000000000Z"), f.show.ID); err != nil {
		b.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for d := range days {
		day := dayOf(now.AddDate(0, 0, -d))
		var total int64
		for i, id := range ids {
			total += int64(1 + i%7)
			if _, err := tx.ExecContext(ctx, `INSERT INTO stats_downloads (episode_id, show_id, day, app, device, country, age, downloads)
				VALUES ($1, $2, $3, 'Overcast', 'Apple iPhone', 'SE', $4, $5)`, id, f.show.ID, day, days-d, 1+i%7); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO stats_show_days (show_id, day, downloads) VALUES ($1, $2, $3)`, f.show.ID, day, total); err != nil {
			b.Fatal(err)
		}
		for kind, name := range map[string]string{"app": "Overcast", "device": "Apple iPhone", "country": "SE"} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO stats_show_breakdown (show_id, kind, day, name, downloads) VALUES ($1, $2, $3, $4, $5)`,
				f.show.ID, kind, day, name, total); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO stats_episode_totals (episode_id, show_id, first7, first30, downloads)
		SELECT episode_id, show_id, 0, 0, SUM(downloads) FROM stats_downloads WHERE show_id = $1 GROUP BY episode_id, show_id`, f.show.ID); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	rd := NewReader(f.store)
	p, _ := ParsePeriod("", "", now)
	b.Run("report", func(b *testing.B) {
		for b.Loop() {
			if _, err := rd.ShowReport(ctx, f.show.ID, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("totals", func(b *testing.B) {
		for b.Loop() {
			if _, err := rd.ShowTotals(ctx, f.show.ID, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("launches", func(b *testing.B) {
		for b.Loop() {
			if _, err := rd.EpisodeLaunches(ctx, f.show.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestQueueHoldsOnlyWhatWaits: the queue takes events up to its bound, in
// order, and after a round holds no memory for the next, so an idle server
// keeps none of the bound's worth of events.
func TestQueueHoldsOnlyWhatWaits(t *testing.T) {
	q := queue{max: 3}
	for i := range 4 {
		if ok := q.push(Event{Start: int64(i)}); ok != (i < 3) {
			t.Errorf("push %d = %v, want %v (the bound is 3)", i, ok, i < 3)
		}
	}
	if q.len() != 3 {
		t.Errorf("len = %d, want 3", q.len())
	}
	got := q.take()
	if len(got) != 3 || got[0].Start != 0 || got[2].Start != 2 {
		t.Errorf("take = %v, want the first three in order", got)
	}
	if q.len() != 0 || cap(q.events) != 0 {
		t.Errorf("after take: len %d, capacity %d; want nothing held", q.len(), cap(q.events))
	}
	if !q.push(Event{}) {
		t.Error("push after take refused")
	}
}
