package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/lyssna/lyssna/episodes"
)

// apiTranscriptDelete removes an episode's transcript in one language and
// its object: DELETE /api/v1/shows/{show}/episodes/{episode}/transcripts/{lang}.
func (h *handler) apiTranscriptDelete(w http.ResponseWriter, r *http.Request) {
	s, e, ok := h.episodeFromPath(w, r)
	if !ok {
		return
	}
	lang := pathVar(r, "lang")
	key := ""
	for i, t := range e.Transcripts {
		if strings.EqualFold(t.Language, lang) {
			key = t.Key
			e.Transcripts = append(e.Transcripts[:i:i], e.Transcripts[i+1:]...)
			break
		}
	}
	if key == "" {
		h.respondError(w, r, fmt.Errorf("server: episode %q has no transcript in %q: %w", e.Slug, lang, episodes.ErrNotFound))
		return
	}
	if err := h.Store.UpdateEpisode(r.Context(), e); err != nil {
		h.respondError(w, r, err)
		return
	}
	h.showChanged(s.ID)
	h.deleteUnreferenced(r, key)
	w.WriteHeader(http.StatusNoContent)
}
