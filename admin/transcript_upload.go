package admin

import (
	"bytes"
	"errors"
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
		p.Transcript.Err = &episodes.Error{Field: field, Message: msg}
		h.render(w, r, status, "episode.html", p)
	}
	switch {
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
	_, err = h.uploads.PutTranscript(r.Context(), ep, fields["language"], transcriptFormat(part.FileName(), data), fields["translated_from"], data)
	de, refused := episodes.AsError(err)
	switch {
	case refused:
		fail(de.Kind.Status(), de.Field, de.Message)
		return
	case err != nil:
		h.serverError(w, r, err)
		return
	}
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
	seeOther(w, r, episodeAdminURL(sh, ep)+"?done=untranscript#transcripts")
}
