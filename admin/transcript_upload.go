package admin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/transcript"
)

// transcriptFormat tells the format from the file's name and first bytes.
func transcriptFormat(name string, data []byte) string {
	head := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	switch {
	case bytes.HasPrefix(head, []byte("WEBVTT")):
		return episodes.FormatVTT
	case strings.EqualFold(path.Ext(name), ".vtt"):
		return episodes.FormatVTT
	case strings.EqualFold(path.Ext(name), ".srt"):
		return episodes.FormatSRT
	case bytes.Contains(head[:min(len(head), 200)], []byte("-->")):
		return episodes.FormatSRT
	}
	return episodes.FormatText
}

// transcriptUpload stores a transcript in one language with
// uploads.PutTranscript: a broken cue is a message naming its line and the
// file; the transcript it replaces is deleted once nothing references it.
func (h *Handler) transcriptUpload(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	fields, part, err := streamFile(r, s)
	if h.streamError(w, r, s, err) {
		return
	}
	fail := func(status int, field, msg string) {
		p := h.episodePage(r, s, sh, ep, episodeToForm(ep))
		for k, v := range fields {
			p.Transcript.Values[k] = v
		}
		p.Transcript.Err = &episodes.ValidationError{Field: field, Message: msg}
		h.render(w, r, status, "episode.html", p)
	}
	lang, from := fields["language"], fields["translated_from"]
	switch {
	case !episodes.ValidLanguage(lang):
		fail(http.StatusBadRequest, "language", fmt.Sprintf("%q is not a language tag; give an ISO 639 code such as en or sv-SE", lang))
		return
	case from != "" && (!episodes.ValidLanguage(from) || strings.EqualFold(from, lang)):
		fail(http.StatusBadRequest, "translated_from", fmt.Sprintf("%q must be a language tag other than the transcript's own, or blank", from))
		return
	case errors.Is(err, errNoFile):
		fail(http.StatusBadRequest, "transcript", "Choose a WebVTT (.vtt), SubRip (.srt) or text file.")
		return
	case err != nil:
		fail(http.StatusBadRequest, "transcript", "The upload broke off before the end of the file. Try again.")
		return
	}
	data, err := io.ReadAll(io.LimitReader(part, transcript.MaxSize+1))
	if err != nil {
		fail(http.StatusBadRequest, "transcript", "The upload broke off before the end of the file. Try again.")
		return
	}
	_, err = h.uploads.PutTranscript(r.Context(), ep, lang, transcriptFormat(part.FileName(), data), from, data)
	var pe *transcript.ParseError
	var verr *episodes.ValidationError
	switch {
	case errors.As(err, &pe):
		fail(http.StatusBadRequest, "transcript", fmt.Sprintf("Line %d of %s: %s. Fix the file and upload it again.", pe.Line, part.FileName(), pe.Msg))
		return
	case errors.Is(err, transcript.ErrTooLarge):
		fail(http.StatusRequestEntityTooLarge, "transcript", fmt.Sprintf("The file is larger than %d MB.", transcript.MaxSize>>20))
		return
	case errors.As(err, &verr) && verr.Field == "transcript":
		fail(http.StatusBadRequest, "transcript", "The file "+verr.Message+".")
		return
	case err != nil:
		h.serverError(w, r, err)
		return
	}
	h.invalidate(sh.ID)
	seeOther(w, r, episodeAdminURL(sh, ep)+"?done=transcript#transcripts")
}

func (h *Handler) transcriptDelete(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	_, err := h.uploads.DeleteTranscript(r.Context(), ep, mux.Vars(r)["lang"])
	switch {
	case errors.Is(err, episodes.ErrNotFound):
		h.notFound(w, r, s, "transcript")
		return
	case err != nil:
		h.serverError(w, r, err)
		return
	}
	h.invalidate(sh.ID)
	seeOther(w, r, episodeAdminURL(sh, ep)+"?done=untranscript#transcripts")
}
