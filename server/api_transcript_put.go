package server

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/transcript"
	"github.com/lyssna/lyssna/uploads"
)

// transcriptTypes maps accepted request Content-Types to transcript formats.
var transcriptTypes = map[string]string{
	"text/vtt":             episodes.FormatVTT,
	"application/x-subrip": episodes.FormatSRT,
	"application/srt":      episodes.FormatSRT,
	"text/srt":             episodes.FormatSRT,
	"text/plain":           episodes.FormatText,
}

// apiTranscriptPut stores an episode's transcript in one language: PUT
// /api/v1/shows/{show}/episodes/{episode}/transcripts/{lang}[?translated_from=en]
// with a WebVTT, SubRip or plain-text body, stored by uploads.PutTranscript:
// a bad language, a broken cue (naming its line) or an empty file is a 400
// with the same field and message the producer UI shows; the transcript it replaces is
// deleted afterwards. Answers 201 for a new language, 200 for a replaced one.
func (h *handler) apiTranscriptPut(w http.ResponseWriter, r *http.Request) {
	lang, from := pathVar(r, "lang"), r.URL.Query().Get("translated_from")
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	format, ok := transcriptTypes[mt]
	if !ok {
		writeError(w, http.StatusUnsupportedMediaType, codeUnsupportedMedia, fmt.Sprintf(
			"Content-Type %q is not a transcript type; send text/vtt (WebVTT), application/x-subrip (SRT) or text/plain",
			r.Header.Get("Content-Type")), "")
		return
	}
	// One byte over the limit is enough for PutTranscript to refuse it.
	data, err := io.ReadAll(io.LimitReader(r.Body, transcript.MaxSize+1))
	if err != nil {
		h.respondError(w, r, fmt.Errorf("server: read transcript: %w: %w", uploads.ErrIncomplete, err))
		return
	}
	s, e, in, ok := h.episodeObjects(w, r)
	if !ok {
		return
	}
	status := http.StatusCreated
	for _, t := range e.Transcripts {
		if strings.EqualFold(t.Language, lang) {
			status = http.StatusOK
		}
	}
	e, err = in.PutTranscript(r.Context(), e, lang, format, from, data)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, status, h.episodeJSON(s, e))
}
