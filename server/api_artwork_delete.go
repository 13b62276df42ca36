package server

import "net/http"

// apiShowArtworkDelete removes the show's artwork and its object:
// DELETE /api/v1/shows/{show}/artwork. Answers 200 with the show (its
// image_url empty), 404 when it has no artwork.
func (h *handler) apiShowArtworkDelete(w http.ResponseWriter, r *http.Request) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	s, err := h.Uploads.DeleteShowArtwork(r.Context(), s)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.showJSON(s))
}

// apiEpisodeArtworkDelete removes the episode's own artwork and its object:
// DELETE /api/v1/shows/{show}/episodes/{episode}/artwork. Answers 200 with
// the episode, whose image_url is the show's artwork again; 404 when it has
// none of its own.
func (h *handler) apiEpisodeArtworkDelete(w http.ResponseWriter, r *http.Request) {
	s, e, in, ok := h.episodeObjects(w, r)
	if !ok {
		return
	}
	e, err := in.DeleteEpisodeArtwork(r.Context(), e)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.episodeJSON(s, e))
}
