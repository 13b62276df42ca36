package server

import "net/http"

// apiEpisodeGet answers one episode: GET /api/v1/shows/{show}/episodes/{episode}
// ({episode} is the id or the slug).
func (h *handler) apiEpisodeGet(w http.ResponseWriter, r *http.Request) {
	s, e, ok := h.episodeFromPath(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, h.episodeJSON(s, e))
}
