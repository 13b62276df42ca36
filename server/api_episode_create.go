package server

import (
	"mime"
	"net/http"

	"github.com/lyssna/lyssna/episodes"
)

// apiEpisodeCreate creates an episode: POST /api/v1/shows/{show}/episodes.
// A JSON body makes a draft; a multipart/form-data body (audio with an
// "episode" JSON part) goes to the upload handler.
func (h *handler) apiEpisodeCreate(w http.ResponseWriter, r *http.Request) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		h.createEpisodeMultipart(w, r, s)
		return
	}
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
	e := episodes.Episode{ShowID: s.ID}
	if err := p.apply(&e); err != nil {
		h.respondError(w, r, err)
		return
	}
	if err := h.Store.CreateEpisode(r.Context(), &e); err != nil {
		h.respondError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/shows/"+s.Slug+"/episodes/"+e.Slug)
	writeJSON(w, http.StatusCreated, h.episodeJSON(s, &e))
}
