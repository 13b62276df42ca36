package server

import (
	"mime"
	"net/http"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/uploads"
)

// apiEpisodeAudioPut replaces an episode's audio:
// PUT /api/v1/shows/{show}/episodes/{episode}/audio with the file as the
// raw body (any Content-Type but multipart) or as the part "audio" of a
// multipart/form-data body. The new file gets a new key and so a new media
// URL; the guid stays. Answers 200 with the episode.
func (h *handler) apiEpisodeAudioPut(w http.ResponseWriter, r *http.Request) {
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
	e, err = in.Replace(r.Context(), s, e, file)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.episodeJSON(s, e))
}

// spoolAudioBody spools the audio of a PUT that replaces or adds a file of
// an episode of s: the raw body (any Content-Type but multipart) or the part
// "audio" of a multipart/form-data body.
func (h *handler) spoolAudioBody(w http.ResponseWriter, r *http.Request, s *episodes.Show, in *uploads.Ingester) (*uploads.File, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		file, _, err := h.readUploadParts(w, r, s, in, false)
		return file, err
	}
	h.limitUploadBody(w, r, 0)
	return in.Spool(r.Context(), s, r.Body)
}
