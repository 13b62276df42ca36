package admin

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/stats"
)

func TestNiceCeilAndVersus(t *testing.T) {
	for n, want := range map[int64]int64{0: 4, 1: 4, 4: 4, 5: 8, 9: 20, 21: 40, 41: 80, 81: 200, 1999: 2000, 2001: 4000} {
		if got := niceCeil(n); got != want {
			t.Errorf("niceCeil(%d) = %d, want %d", n, got, want)
		}
	}
	for _, tc := range []struct {
		n, m int64
		want string
	}{{10, 10, "(median)"}, {15, 10, "(+50% on the median)"}, {5, 10, "(-50% on the median)"}, {3, 0, "(above the median of 0)"}} {
		if got := versus(tc.n, tc.m); got != tc.want {
			t.Errorf("versus(%d, %d) = %q, want %q", tc.n, tc.m, got, tc.want)
		}
	}
	if got := csvSafe("=HYPERLINK(\"x\")"); got != "'=HYPERLINK(\"x\")" {
		t.Errorf("csvSafe kept a formula: %q", got)
	}
}

func TestChart(t *testing.T) {
	c := newChart([]stats.DayCount{{Day: "2026-11-01", Downloads: 3}, {Day: "2026-11-02", Downloads: 0}, {Day: "2026-11-03", Downloads: 7}})
	if len(c.Bars) != 3 || c.Grid[len(c.Grid)-1].Label != "8" {
		t.Fatalf("chart %+v", c)
	}
	if want := "Downloads per day from 1 Nov 2026 to 3 Nov 2026: 10 in all, most on 3 Nov 2026 (7)"; c.Label != want {
		t.Fatalf("label %q, want %q", c.Label, want)
	}
	if c.Bars[1].H != "0.0" || c.Bars[2].Title != "3 Nov 2026: 7" {
		t.Fatalf("bars %+v", c.Bars)
	}
}

// TestStatsPages signs in, counts two downloads with the real counter, and
// reads them on the dashboard (chart, table, totals, launches), the
// episode's page and the CSV exports.
func TestStatsPages(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	sh := &episodes.Show{Slug: "lab", Title: "The Lab", Language: "en", GUID: episodes.PodcastGUID("https://example.com/lab")}
	if err := e.store.CreateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	ep := &episodes.Episode{ShowID: sh.ID, Title: "=Cells",
		Audio: &episodes.Audio{Key: "audio/cells.mp3", Size: 100_000, ContentType: "audio/mpeg", DurationMS: 50_000, Bitrate: 16_000}}
	if err := e.store.CreateEpisode(ctx, ep); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Publish(ctx, ep.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	counter, err := stats.New(stats.Deps{Store: e.store, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"192.0.2.1", "198.51.100.2"} {
		counter.Record(stats.Event{Key: ep.Audio.Key, Addr: netip.MustParseAddr(a), UserAgent: "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)",
			End: 100_000, At: e.clock.Now()})
	}
	if err := counter.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	c := e.client(t)
	if p := c.get("/admin/shows/lab/stats/"); p.status != http.StatusSeeOther {
		t.Fatalf("signed out: status %d, want a redirect to sign in", p.status)
	}
	c.signIn()
	p := c.get("/admin/shows/lab/stats/")
	if p.status != http.StatusOK {
		t.Fatalf("dashboard: status %d\n%s", p.status, p.body)
	}
	svg := p.find(func(n *html.Node) bool { return n.Data == "svg" })
	if svg == nil || attr(svg, "role") != "img" || attr(svg, "aria-labelledby") != "chart-title" {
		t.Fatal("no chart with an accessible name")
	}
	if got := text(p.byID("chart-title")); !strings.Contains(got, ": 2 in all, most on 1 Jun 2025 (2)") {
		t.Fatalf("chart title %q", got)
	}
	main := text(p.byID("main"))
	for _, want := range []string{"Last 7 days", "All time", "=Cells", "Overcast", "Apple iPhone", "How episodes started", "(median)"} {
		if !strings.Contains(main, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if p := c.get("/admin/shows/lab/stats/?from=junk"); p.status != http.StatusOK || !strings.Contains(text(p.byID("p-error")), "YYYY-MM-DD") {
		t.Errorf("a bad date: status %d, error %q", p.status, text(p.byID("p-error")))
	}

	ep2 := c.get("/admin/shows/lab/episodes/" + itoa(ep.ID) + "/stats/")
	if ep2.status != http.StatusOK || !strings.Contains(text(ep2.byID("main")), "First 7 days") {
		t.Fatalf("episode page: status %d\n%s", ep2.status, ep2.body)
	}

	for path, want := range map[string][][]string{
		"/admin/shows/lab/stats.csv?table=episodes&from=2025-06-01&to=2025-06-01":                          {{"episode_id", "title", "downloads"}, {itoa(ep.ID), "'=Cells", "2"}},
		"/admin/shows/lab/stats.csv?table=apps&from=2025-06-01&to=2025-06-01":                              {{"app", "downloads"}, {"Overcast", "2"}},
		"/admin/shows/lab/stats.csv?table=launches":                                                        {{"episode_id", "title", "first_7_days", "first_30_days", "all_time", "show_median_7_days", "show_median_30_days"}, {itoa(ep.ID), "'=Cells", "2", "2", "2", "2", "2"}},
		"/admin/shows/lab/episodes/" + itoa(ep.ID) + "/stats.csv?table=days&from=2025-05-31&to=2025-06-01": {{"date", "downloads"}, {"2025-05-31", "0"}, {"2025-06-01", "2"}},
	} {
		r := c.get(path)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("%s: status %d, type %q", path, r.status, r.header.Get("Content-Type"))
		}
		got, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s:\n got %v\nwant %v", path, got, want)
		}
	}
	if r := c.get("/admin/shows/lab/stats.csv?table=secrets"); r.status != http.StatusNotFound {
		t.Errorf("unknown table: status %d", r.status)
	}
}
