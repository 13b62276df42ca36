package admin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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

// transcriptContentTypes is what each transcript format is stored and served
// as; the same as the API's.
var transcriptContentTypes = map[string]string{
	episodes.FormatVTT:  "text/vtt; charset=utf-8",
	episodes.FormatSRT:  "application/x-subrip; charset=utf-8",
	episodes.FormatText: "text/plain; charset=utf-8",
}

// transcriptKey names a transcript object the way the API does:
// transcripts/{episode id}/{lang}-{content hash}.{format}.
func transcriptKey(episodeID int64, lang, format string, data []byte) string {
	sum := sha256.Sum256(data)
	return fmt.Sprintf("transcripts/%d/%s-%s.%s", episodeID, strings.ToLower(lang), hex.EncodeToString(sum[:])[:12], format)
}

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

// transcriptUpload stores a transcript in one language: parsed first (a
// broken cue is a message naming its line), then put under a content-hash
// key; the transcript it replaces is deleted once nothing references it.
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
	format := transcriptFormat(part.FileName(), data)
	cues, err := transcript.Parse(format, data)
	var pe *transcript.ParseError
	switch {
	case errors.As(err, &pe):
		fail(http.StatusBadRequest, "transcript", fmt.Sprintf("Line %d of %s: %s. Fix the file and upload it again.", pe.Line, part.FileName(), pe.Msg))
		return
	case errors.Is(err, transcript.ErrTooLarge):
		fail(http.StatusRequestEntityTooLarge, "transcript", fmt.Sprintf("The file is larger than %d MB.", transcript.MaxSize>>20))
		return
	case err != nil:
		fail(http.StatusBadRequest, "transcript", clean(err))
		return
	case len(cues) == 0:
		fail(http.StatusBadRequest, "transcript", "The file has no cues or text.")
		return
	}
	key := transcriptKey(ep.ID, lang, format, data)
	if _, err := h.bucket.Put(r.Context(), key, transcriptContentTypes[format], bytes.NewReader(data)); err != nil {
		h.serverError(w, r, fmt.Errorf("admin: store transcript: %w", err))
		return
	}
	next := *ep
	next.Transcripts = nil
	oldKey := ""
	for _, t := range ep.Transcripts {
		if strings.EqualFold(t.Language, lang) {
			oldKey = t.Key
			continue
		}
		next.Transcripts = append(next.Transcripts, t)
	}
	next.Transcripts = append(next.Transcripts, episodes.Transcript{Language: lang, Format: format, Key: key, TranslatedFrom: from})
	if err := h.store.UpdateEpisode(r.Context(), &next); err != nil {
		if oldKey != key {
			h.deleteUnreferenced(r, key)
		}
		h.serverError(w, r, err)
		return
	}
	h.invalidate(sh.ID)
	if oldKey != "" && oldKey != key {
		h.deleteUnreferenced(r, oldKey)
	}
	seeOther(w, r, episodeAdminURL(sh, ep)+"?done=transcript#transcripts")
}

func (h *Handler) transcriptDelete(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	lang := mux.Vars(r)["lang"]
	next := *ep
	next.Transcripts = nil
	oldKey := ""
	for _, t := range ep.Transcripts {
		if strings.EqualFold(t.Language, lang) {
			oldKey = t.Key
			continue
		}
		next.Transcripts = append(next.Transcripts, t)
	}
	if oldKey == "" {
		h.notFound(w, r, s, "transcript")
		return
	}
	if err := h.store.UpdateEpisode(r.Context(), &next); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.invalidate(sh.ID)
	h.deleteUnreferenced(r, oldKey)
	seeOther(w, r, episodeAdminURL(sh, ep)+"?done=untranscript#transcripts")
}

// deleteUnreferenced removes an object nothing refers to any more; a
// failure is only logged, as the object is harmless and a sweep may remove it.
func (h *Handler) deleteUnreferenced(r *http.Request, key string) {
	ref, err := h.store.ObjectReferenced(r.Context(), key)
	if err == nil && !ref {
		err = h.bucket.Delete(r.Context(), key)
	}
	if err != nil {
		h.log.Warn("admin: could not delete an unreferenced object", "key", key, "err", err)
	}
}
