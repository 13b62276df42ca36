package server

import (
	"fmt"
	"mime"
	"net/http"
)

// apiShowArtworkPut makes the request body the show's artwork:
// PUT /api/v1/shows/{show}/artwork with a JPEG or PNG picture as the raw
// body. uploads.PutShowArtwork sniffs its real type (the Content-Type is not
// trusted) and checks Apple's rules; a refusal is a 413, 415 or 422 naming
// the problem, with nothing stored. The picture gets a new key and so a new
// URL. Answers 200 with the show.
func (h *handler) apiShowArtworkPut(w http.ResponseWriter, r *http.Request) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	err := artworkBody(w, r)
	if err == nil {
		s, err = h.Uploads.PutShowArtwork(r.Context(), s, r.Body)
	}
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.showJSON(s))
}

// apiEpisodeArtworkPut makes the request body the episode's own artwork
// (over the show's): PUT /api/v1/shows/{show}/episodes/{episode}/artwork,
// checked and stored as apiShowArtworkPut does. Answers 200 with the episode.
func (h *handler) apiEpisodeArtworkPut(w http.ResponseWriter, r *http.Request) {
	s, e, in, ok := h.episodeObjects(w, r)
	if !ok {
		return
	}
	err := artworkBody(w, r)
	if err == nil {
		e, err = in.PutEpisodeArtwork(r.Context(), s, e, r.Body)
	}
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.episodeJSON(s, e))
}

// artworkBody refuses a multipart body (the picture goes raw); the uploads
// package stops reading past uploads.MaxArtworkSize, and the guard every
// request passes cuts off a client that stalls.
func artworkBody(w http.ResponseWriter, r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return &requestError{http.StatusUnsupportedMediaType, codeUnsupportedMedia, fmt.Sprintf(
			"send the picture as the raw request body (Content-Type image/jpeg or image/png), not as %s", mt), "image"}
	}
	return nil
}
