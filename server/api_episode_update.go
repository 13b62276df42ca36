package server

import "net/http"

// apiEpisodeUpdate changes the fields present in the body: PATCH
// /api/v1/shows/{show}/episodes/{episode}. The guid never changes; the slug
// is fixed once the episode has been published.
func (h *handler) apiEpisodeUpdate(w http.ResponseWriter, r *http.Request) {
	body, err := jsonBody(w, r)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	p, err := decodeEpisodePatch(body)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	s, e, ok := h.episodeFromPath(w, r)
	if !ok {
		return
	}
	if err := p.apply(e); err != nil {
		h.respondError(w, r, err)
		return
	}
	if err := h.Store.UpdateEpisode(r.Context(), e); err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.episodeJSON(s, e))
}
