package admin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/bodyguard"
	"github.com/lyssna/lyssna/uploads"
)

// episodeUpload streams an audio file into the ingest pipeline, which makes
// a draft episode from it. The body is never held in memory: the multipart
// part goes straight to uploads, which spools it to a temp file. The page's
// script sends the same form with XMLHttpRequest to show progress.
func (h *Handler) episodeUpload(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	_, part, err := streamFile(r, s)
	if h.streamError(w, r, s, err) {
		return
	}
	if err != nil {
		status, msg := uploadFailure(err)
		h.renderShow(w, r, s, sh, status, msg)
		return
	}
	ep, err := h.uploads.Ingest(r.Context(), sh, part, nil)
	if err != nil {
		status, msg := uploadFailure(err)
		if status >= 500 {
			h.serverError(w, r, err)
			return
		}
		h.renderShow(w, r, s, sh, status, msg)
		return
	}
	seeOther(w, r, episodeAdminURL(sh, ep)+"?done=uploaded")
}

// episodeReplaceAudio gives an episode a new audio file (under a new key).
func (h *Handler) episodeReplaceAudio(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	_, part, err := streamFile(r, s)
	if h.streamError(w, r, s, err) {
		return
	}
	if err == nil {
		_, err = h.uploads.ReplaceAudio(r.Context(), sh, ep, part)
	}
	if err != nil {
		status, msg := uploadFailure(err)
		if status >= 500 {
			h.serverError(w, r, err)
			return
		}
		p := h.episodePage(r, s, sh, ep, episodeToForm(ep))
		p.AudioError = msg
		h.render(w, r, status, "episode.html", p)
		return
	}
	seeOther(w, r, episodeAdminURL(sh, ep)+"?done=audio")
}

// uploadFailure turns an upload error into a status and a message for the
// form: a domain error's own (the API answers it the same way), or what
// the producer can do about a missing or broken-off file. A status of 500
// means an internal error, to be logged and not shown.
func uploadFailure(err error) (int, string) {
	if status, msg, ok := bodyguard.Status(err); ok {
		return status, sentence(msg)
	}
	if de, ok := episodes.AsError(err); ok {
		if de.Field == "audio" || de.Field == "" {
			return de.Kind.Status(), de.Message
		}
		return de.Kind.Status(), "The file's tags could not be used: " + de.Public()
	}
	switch {
	case errors.Is(err, errNoFile):
		return http.StatusBadRequest, "Choose an MP3 or M4A file to upload."
	case errors.Is(err, errFieldsLarge):
		return http.StatusRequestEntityTooLarge, sentence(strings.TrimPrefix(err.Error(), "admin: "))
	case errors.Is(err, uploads.ErrIncomplete):
		return http.StatusBadRequest, "The upload broke off before the end of the file. Try again."
	}
	return http.StatusInternalServerError, ""
}
