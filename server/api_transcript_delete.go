package server

import "net/http"

// apiTranscriptDelete removes an episode's transcript in one language and
// its object: DELETE /api/v1/shows/{show}/episodes/{episode}/transcripts/{lang}.
func (h *handler) apiTranscriptDelete(w http.ResponseWriter, r *http.Request) {
	_, e, in, ok := h.episodeObjects(w, r)
	if !ok {
		return
	}
	if _, err := in.DeleteTranscript(r.Context(), e, pathVar(r, "lang")); err != nil {
		h.respondError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
