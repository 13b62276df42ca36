package server

import "net/http"

// apiEpisodeUnpublish takes an episode out of the feed and the pages: POST
// /api/v1/shows/{show}/episodes/{episode}/unpublish.
func (h *handler) apiEpisodeUnpublish(w http.ResponseWriter, r *http.Request) {
	s, e, ok := h.episodeFromPath(w, r)
	if !ok {
		return
	}
	e, err := h.Store.Unpublish(r.Context(), e.ID)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.episodeJSON(s, e))
}
