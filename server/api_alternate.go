package server

import "net/http"

// apiAlternatePut uploads an alternate enclosure of an episode, another
// rendition of its audio (a format, or the episode in another language):
// PUT /api/v1/shows/{show}/episodes/{episode}/alternates/{name}?language=sv&title=Svenska
// with the file as the raw body or as the part "audio" of a multipart body,
// through the same ingest as the main audio. A second PUT of a name
// replaces it. Answers 200 with the episode.
func (h *handler) apiAlternatePut(w http.ResponseWriter, r *http.Request) {
	s, e, in, ok := h.episodeObjects(w, r)
	if !ok {
		return
	}
	file, err := h.spoolAudioBody(w, r, s, in)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	defer file.Close()
	q := r.URL.Query()
	e, err = in.PutAlternate(r.Context(), s, e, file, pathVar(r, "name"), q.Get("language"), q.Get("title"))
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.episodeJSON(s, e))
}

// apiAlternateDelete removes an episode's alternate enclosure:
// DELETE /api/v1/shows/{show}/episodes/{episode}/alternates/{name}.
func (h *handler) apiAlternateDelete(w http.ResponseWriter, r *http.Request) {
	_, e, in, ok := h.episodeObjects(w, r)
	if !ok {
		return
	}
	if _, err := in.DeleteAlternate(r.Context(), e, pathVar(r, "name")); err != nil {
		h.respondError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
