package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/transcript"
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
// a broken cue is a 400 naming its line; the transcript it replaces is
// deleted afterwards. Answers 201 for a new language, 200 for a replaced one.
func (h *handler) apiTranscriptPut(w http.ResponseWriter, r *http.Request) {
	lang := pathVar(r, "lang")
	if !episodes.ValidLanguage(lang) {
		h.respondError(w, r, &episodes.ValidationError{Field: "lang",
			Message: fmt.Sprintf("%q is not a known language tag; use an ISO 639 code such as en or sv-SE", lang)})
		return
	}
	from := r.URL.Query().Get("translated_from")
	if from != "" && (!episodes.ValidLanguage(from) || strings.EqualFold(from, lang)) {
		h.respondError(w, r, &episodes.ValidationError{Field: "translated_from",
			Message: fmt.Sprintf("%q must be a language tag other than the transcript's own (%s)", from, lang)})
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	format, ok := transcriptTypes[mt]
	if !ok {
		writeError(w, http.StatusUnsupportedMediaType, codeUnsupportedMedia, fmt.Sprintf(
			"Content-Type %q is not a transcript type; send text/vtt (WebVTT), application/x-subrip (SRT) or text/plain",
			r.Header.Get("Content-Type")), "")
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, transcript.MaxSize))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, codeTooLarge,
				fmt.Sprintf("the transcript is larger than the %d MiB limit", transcript.MaxSize>>20), "")
			return
		}
		h.respondError(w, r, fmt.Errorf("server: read transcript: %w", err))
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
	h.invalidate(s.ID)
	writeJSON(w, status, h.episodeJSON(s, e))
}
