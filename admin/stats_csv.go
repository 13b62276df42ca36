package admin

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/stats"
)

// statsCSV answers GET /admin/shows/{show}/stats.csv and
// /admin/shows/{show}/episodes/{episode}/stats.csv?table=T&from=&to=: one
// table of the downloads page as CSV (days, episodes, apps, devices,
// countries; launches for a show, with every episode).
func (h *Handler) statsCSV(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	p, msg := h.statsPeriod(r)
	if msg != "" {
		http.Error(w, "400 "+msg, http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	table := r.URL.Query().Get("table")
	name := sh.Slug
	var rep *stats.Report
	var err error
	if _, isEpisode := mux.Vars(r)["episode"]; isEpisode {
		var e *episodes.Episode
		if _, e, ok = h.loadEpisode(w, r, s); !ok {
			return
		}
		name += "-" + itoa(e.ID)
		rep, err = h.reports.EpisodeReport(ctx, e.ID, p)
	} else if table != "launches" {
		rep, err = h.reports.ShowReport(ctx, sh.ID, p)
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	var rows [][]string
	switch {
	case table == "days":
		rows = append(rows, []string{"date", "downloads"})
		for _, d := range rep.Days {
			rows = append(rows, []string{d.Day, itoa(d.Downloads)})
		}
	case table == "episodes" && rep.Episodes != nil:
		rows = append(rows, []string{"episode_id", "title", "downloads"})
		for _, e := range rep.Episodes {
			rows = append(rows, []string{itoa(e.ID), e.Title, itoa(e.Downloads)})
		}
	case table == "apps" || table == "devices" || table == "countries":
		counts := map[string][]stats.Count{"apps": rep.Apps, "devices": rep.Devices, "countries": rep.Countries}[table]
		rows = append(rows, []string{map[string]string{"apps": "app", "devices": "device", "countries": "country"}[table], "downloads"})
		for _, c := range counts {
			rows = append(rows, []string{c.Name, itoa(c.Downloads)})
		}
	case table == "launches" && rep == nil:
		l, err := h.reports.EpisodeLaunches(ctx, sh.ID)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		rows = append(rows, []string{"episode_id", "title", "first_7_days", "first_30_days", "all_time", "show_median_7_days", "show_median_30_days"})
		for _, e := range l.Episodes {
			rows = append(rows, []string{itoa(e.ID), e.Title, itoa(e.First7), itoa(e.First30), itoa(e.Downloads), itoa(l.Median7), itoa(l.Median30)})
		}
	default:
		http.Error(w, "404 no such table: use days, episodes, apps, devices, countries or launches", http.StatusNotFound)
		return
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	for _, row := range rows {
		for i, v := range row {
			row[i] = csvSafe(v)
		}
		cw.Write(row)
	}
	cw.Flush()
	hdr := w.Header()
	hdr.Set("Content-Type", "text/csv; charset=utf-8")
	hdr.Set("Content-Disposition", `attachment; filename="`+name+"-"+table+"-"+p.From+"-"+p.To+`.csv"`)
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// csvSafe keeps a spreadsheet from reading a cell that starts with = + - @
// (or a tab or carriage return) as a formula: a title is the producer's
// text, not a command.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
