package admin

import (
	"net/http"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/stats"
)

// episodeStatsPage is the data of one episode's downloads page.
type episodeStatsPage struct {
	page
	Show     *episodes.Show
	Episode  *episodes.Episode
	Since    string // the curve's first day: publication, or the chosen start
	Period   stats.Period
	Report   *stats.Report
	Chart    chart
	Launch   *stats.EpisodeCount // first 7/30 days; nil when not published
	Launches *stats.Launches     // for the show's medians
	CSV      func(table string) string
}

// episodeStats answers GET /admin/shows/{show}/episodes/{episode}/stats/:
// the episode's downloads per day since its publication (or ?from=&to=),
// with its apps, devices and countries, and its first days next to the
// show's median.
func (h *Handler) episodeStats(w http.ResponseWriter, r *http.Request, s *session) {
	sh, e, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	p := episodeStatsPage{
		page: h.page("Downloads · "+e.Title, s, crumb{"Shows", "/admin/"}, crumb{sh.Title, showAdminURL(sh)},
			crumb{"Downloads", showAdminURL(sh) + "stats/"}),
		Show: sh, Episode: e,
	}
	p.Period = h.episodePeriod(r, e)
	p.CSV = func(table string) string { return csvURL(episodeAdminURL(sh, e), table, p.Period) }
	ctx := r.Context()
	var err error
	if p.Report, err = h.reports.EpisodeReport(ctx, e.ID, p.Period); err != nil {
		h.serverError(w, r, err)
		return
	}
	if p.Launches, err = h.reports.EpisodeLaunches(ctx, sh.ID); err != nil {
		h.serverError(w, r, err)
		return
	}
	for i := range p.Launches.Episodes {
		if p.Launches.Episodes[i].ID == e.ID {
			p.Launch = &p.Launches.Episodes[i]
		}
	}
	p.Chart = newChart(p.Report.Days)
	h.render(w, r, http.StatusOK, "episode_stats.html", p)
}

// episodePeriod is ?from=&to= when valid, else the episode's life: from its
// first publication (at most MaxReportDays back) to today.
func (h *Handler) episodePeriod(r *http.Request, e *episodes.Episode) stats.Period {
	q := r.URL.Query()
	if q.Get("from") != "" || q.Get("to") != "" {
		if p, err := stats.ParsePeriod(q.Get("from"), q.Get("to"), h.now()); err == nil {
			return p
		}
	}
	now := h.now().UTC()
	from := now.AddDate(0, 0, 1-stats.DefaultPeriodDays)
	if pub := e.PublishedAt; pub != nil && pub.Before(now) {
		from = pub.UTC()
		if oldest := now.AddDate(0, 0, 1-stats.MaxReportDays); from.Before(oldest) {
			from = oldest
		}
	}
	p, _ := stats.ParsePeriod(from.Format(time.DateOnly), now.Format(time.DateOnly), now)
	return p
}
