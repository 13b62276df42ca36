package server

import (
	"net/http"

	"github.com/lyssna/lyssna/stats"
)

// statsJSON is a download report: GET /api/v1/shows/{show}/stats and
// .../episodes/{episode}/stats. Unknown apps, devices and countries have
// the empty name or code.
type statsJSON struct {
	From      string             `json:"from"`
	To        string             `json:"to"`
	Total     int64              `json:"total"`
	Days      []statsDayJSON     `json:"days"`
	Episodes  []statsEpisodeJSON `json:"episodes"`
	Apps      []statsNameJSON    `json:"apps"`
	Devices   []statsNameJSON    `json:"devices"`
	Countries []statsCountryJSON `json:"countries"`
}

type statsDayJSON struct {
	Date      string `json:"date"`
	Downloads int64  `json:"downloads"`
}

type statsEpisodeJSON struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	Downloads int64  `json:"downloads"`
}

type statsNameJSON struct {
	Name      string `json:"name"`
	Downloads int64  `json:"downloads"`
}

type statsCountryJSON struct {
	Code      string `json:"code"`
	Downloads int64  `json:"downloads"`
}

func newStatsJSON(rep *stats.Report) statsJSON {
	names := func(cs []stats.Count) []statsNameJSON {
		return mapSlice(cs, func(c stats.Count) statsNameJSON { return statsNameJSON{c.Name, c.Downloads} })
	}
	return statsJSON{
		From: rep.From, To: rep.To, Total: rep.Total,
		Days: mapSlice(rep.Days, func(d stats.DayCount) statsDayJSON { return statsDayJSON{d.Day, d.Downloads} }),
		Episodes: mapSlice(rep.Episodes, func(e stats.EpisodeCount) statsEpisodeJSON {
			return statsEpisodeJSON{e.ID, e.Title, e.Downloads}
		}),
		Apps: names(rep.Apps), Devices: names(rep.Devices),
		Countries: mapSlice(rep.Countries, func(c stats.Count) statsCountryJSON { return statsCountryJSON{c.Name, c.Downloads} }),
	}
}

// apiStatsShow answers a show's downloads:
// GET /api/v1/shows/{show}/stats?from=YYYY-MM-DD&to=YYYY-MM-DD (UTC days,
// both included; to defaults to today, from to 30 days before to).
func (h *handler) apiStatsShow(w http.ResponseWriter, r *http.Request) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	p, err := stats.ParsePeriod(r.URL.Query().Get("from"), r.URL.Query().Get("to"), h.Now())
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	rep, err := h.reports.ShowReport(r.Context(), s.ID, p)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newStatsJSON(rep))
}
