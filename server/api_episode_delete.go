package server

import "net/http"

// apiEpisodeDelete deletes an episode with its materials: DELETE
// /api/v1/shows/{show}/episodes/{episode}. Its audio, artwork and
// transcript objects go too, unless something else still uses them.
func (h *handler) apiEpisodeDelete(w http.ResponseWriter, r *http.Request) {
	_, e, in, ok := h.episodeObjects(w, r)
	if !ok {
		return
	}
	if err := in.DeleteEpisode(r.Context(), e); err != nil {
		h.respondError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
