package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/stats"
)

// launchesShown is how many episodes the dashboard compares by their first
// days (newest first); the CSV export has them all.
const launchesShown = 100

// statsPage is the data of a show's download dashboard.
type statsPage struct {
	page
	Show        *episodes.Show
	ShowURL     string
	Period      stats.Period
	PeriodError string
	Presets     []statsPreset
	Totals      stats.Totals
	Report      *stats.Report
	Chart       chart
	Launches    *stats.Launches
	LaunchesCut bool
	CSV         func(table string) string
	EpisodeURL  func(id int64) string
}

// statsPreset is a link to a common period.
type statsPreset struct {
	Label string
	URL   string
}

// showStats answers GET /admin/shows/{show}/stats/?from=&to=: downloads per
// day (chart and table), totals, top episodes, apps, devices, countries and
// each episode's first days next to the show's median.
func (h *Handler) showStats(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	base := showAdminURL(sh) + "stats/"
	p := statsPage{
		page:    h.page("Downloads · "+sh.Title, s, crumb{"Shows", "/admin/"}, crumb{sh.Title, showAdminURL(sh)}),
		Show:    sh,
		ShowURL: showAdminURL(sh),
		EpisodeURL: func(id int64) string {
			return showAdminURL(sh) + "episodes/" + itoa(id) + "/stats/"
		},
	}
	p.Period, p.PeriodError = h.statsPeriod(r)
	p.CSV = func(table string) string { return csvURL(showAdminURL(sh), table, p.Period) }
	p.Presets = presets(base)
	ctx := r.Context()
	var err error
	if p.Totals, err = h.reports.ShowTotals(ctx, sh.ID, h.now()); err != nil {
		h.serverError(w, r, err)
		return
	}
	if p.Report, err = h.reports.ShowReport(ctx, sh.ID, p.Period); err != nil {
		h.serverError(w, r, err)
		return
	}
	if p.Launches, err = h.reports.EpisodeLaunches(ctx, sh.ID); err != nil {
		h.serverError(w, r, err)
		return
	}
	if len(p.Launches.Episodes) > launchesShown {
		p.Launches.Episodes, p.LaunchesCut = p.Launches.Episodes[:launchesShown], true
	}
	p.Chart = newChart(p.Report.Days)
	h.render(w, r, http.StatusOK, "stats.html", p)
}

// statsPeriod reads ?from=&to=; a bad period falls back to the last 30
// days with a message saying what was wrong.
func (h *Handler) statsPeriod(r *http.Request) (stats.Period, string) {
	q := r.URL.Query()
	from := q.Get("from")
	if n, err := strconv.Atoi(q.Get("days")); err == nil && n > 0 && from == "" && q.Get("to") == "" {
		from = h.now().UTC().AddDate(0, 0, 1-min(n, stats.MaxReportDays)).Format(time.DateOnly)
	}
	p, err := stats.ParsePeriod(from, q.Get("to"), h.now())
	if err == nil {
		return p, ""
	}
	p, _ = stats.ParsePeriod("", "", h.now())
	msg := err.Error()
	if e, ok := episodes.AsError(err); ok {
		msg = e.Public()
	}
	return p, msg + "; showing the last 30 days instead."
}

// presets are links to the last 7, 30, 90 and 365 days.
func presets(base string) []statsPreset {
	var out []statsPreset
	for _, d := range []struct {
		label string
		days  int
	}{{"Last 7 days", 7}, {"Last 30 days", 30}, {"Last 90 days", 90}, {"Last 365 days", 365}} {
		out = append(out, statsPreset{d.label, base + "?days=" + itoa(int64(d.days))})
	}
	return out
}

// csvURL is the CSV export of one table of the page at prefix (a show's
// or an episode's admin URL) for the period.
func csvURL(prefix, table string, p stats.Period) string {
	return prefix + "stats.csv?table=" + table + "&from=" + p.From + "&to=" + p.To
}
