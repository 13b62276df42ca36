package server

import (
	"net/http"

	"github.com/lyssna/lyssna/stats"
)

// apiStatsEpisode answers one episode's downloads:
// GET /api/v1/shows/{show}/episodes/{episode}/stats?from=&to=, shaped as
// the show's with an empty episodes list.
func (h *handler) apiStatsEpisode(w http.ResponseWriter, r *http.Request) {
	_, e, ok := h.episodeFromPath(w, r)
	if !ok {
		return
	}
	p, err := stats.ParsePeriod(r.URL.Query().Get("from"), r.URL.Query().Get("to"), h.Now())
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	rep, err := h.reports.EpisodeReport(r.Context(), e.ID, p)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newStatsJSON(rep))
}
