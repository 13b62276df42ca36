package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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

// transcriptContentTypes is what each format is stored and served as.
var transcriptContentTypes = map[string]string{
	episodes.FormatVTT:  "text/vtt; charset=utf-8",
	episodes.FormatSRT:  "application/x-subrip; charset=utf-8",
	episodes.FormatText: "text/plain; charset=utf-8",
}

// apiTranscriptPut stores an episode's transcript in one language: PUT
// /api/v1/shows/{show}/episodes/{episode}/transcripts/{lang}[?translated_from=en]
// with a WebVTT, SubRip or plain-text body. The transcript is parsed first (a
// broken cue is a 400 naming its line) and stored under a new key with its
// content hash; the one it replaces is deleted afterwards.
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
	cues, err := transcript.Parse(format, data)
	if err != nil {
		h.respondError(w, r, &episodes.ValidationError{Field: "transcript", Message: err.Error()})
		return
	}
	if len(cues) == 0 {
		h.respondError(w, r, &episodes.ValidationError{Field: "transcript", Message: "has no cues or text"})
		return
	}
	s, e, ok := h.episodeFromPath(w, r)
	if !ok {
		return
	}

	sum := sha256.Sum256(data)
	key := fmt.Sprintf("transcripts/%d/%s-%s.%s", e.ID, strings.ToLower(lang), hex.EncodeToString(sum[:])[:12], format)
	if _, err := h.Bucket.Put(r.Context(), key, transcriptContentTypes[format], bytes.NewReader(data)); err != nil {
		h.respondError(w, r, fmt.Errorf("server: store transcript: %w", err))
		return
	}
	t := episodes.Transcript{Language: lang, Format: format, Key: key, TranslatedFrom: from}
	oldKey, status := "", http.StatusCreated
	for i, old := range e.Transcripts {
		if strings.EqualFold(old.Language, lang) {
			oldKey, status = old.Key, http.StatusOK
			e.Transcripts = append(e.Transcripts[:i:i], e.Transcripts[i+1:]...)
			break
		}
	}
	e.Transcripts = append(e.Transcripts, t)
	if err := h.Store.UpdateEpisode(r.Context(), e); err != nil {
		h.deleteUnreferenced(r, key)
		h.respondError(w, r, err)
		return
	}
	h.showChanged(s.ID)
	if oldKey != key {
		h.deleteUnreferenced(r, oldKey)
	}
	writeJSON(w, status, h.episodeJSON(s, e))
}
