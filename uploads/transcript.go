package uploads

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/transcript"
)

// transcriptContentTypes is what each transcript format is stored and
// served as.
var transcriptContentTypes = map[string]string{
	episodes.FormatVTT:  "text/vtt; charset=utf-8",
	episodes.FormatSRT:  "application/x-subrip; charset=utf-8",
	episodes.FormatText: "text/plain; charset=utf-8",
}

// PutTranscript makes data ep's transcript in lang, replacing the one it has
// in that language, and returns the updated episode (ep itself is not
// changed). format is episodes.FormatVTT, FormatSRT or FormatText;
// translatedFrom is the language it was translated from, or "". Refusals
// are *episodes.Error values: a bad language ("language",
// "translated_from", episodes.CheckTranscriptLanguages), and of the field
// "transcript" a broken cue naming its line (wrapping the
// *transcript.ParseError), more than transcript.MaxSize bytes (TooLarge,
// wrapping transcript.ErrTooLarge), a file without cues, and one with a cue
// that starts after the end of ep's audio (transcript.CheckLength). It is then put under
// a new key, transcripts/{episode id}/{lang}-{content hash}-{random}.{format}
// (never an existing object, so a sweep cannot take it from under the
// update), and the episode updated; when the update fails the new object is
// deleted again, and after it succeeds the replaced one. Putting the same
// bytes again with the same settings changes nothing while their object is
// still there.
func (in *Ingester) PutTranscript(ctx context.Context, ep *episodes.Episode, lang, format, translatedFrom string, data []byte) (*episodes.Episode, error) {
	if err := episodes.CheckTranscriptLanguages(lang, translatedFrom); err != nil {
		return nil, err
	}
	contentType, ok := transcriptContentTypes[format]
	if !ok {
		return nil, episodes.Errorf(episodes.Unsupported, "transcript", "%q is not a transcript format; send WebVTT, SubRip or plain text", format)
	}
	cues, err := transcript.Parse(format, data)
	var pe *transcript.ParseError
	switch {
	case errors.As(err, &pe):
		return nil, &episodes.Error{Field: "transcript", Err: err,
			Message: fmt.Sprintf("line %d: %s; fix the file and upload it again", pe.Line, pe.Msg)}
	case errors.Is(err, transcript.ErrTooLarge):
		return nil, &episodes.Error{Kind: episodes.TooLarge, Field: "transcript", Err: err,
			Message: fmt.Sprintf("the transcript is larger than the %d MiB limit", transcript.MaxSize>>20)}
	case err != nil:
		return nil, fmt.Errorf("uploads: %w", err)
	case len(cues) == 0:
		return nil, episodes.Errorf(episodes.Invalid, "transcript", "has no cues or text")
	}
	if ep.Audio != nil {
		if err := transcript.CheckLength(cues, time.Duration(ep.Audio.DurationMS)*time.Millisecond); err != nil {
			return nil, &episodes.Error{Field: "transcript", Message: err.Error()}
		}
	}
	prefix := fmt.Sprintf("%s%d/%s-%s-", TranscriptPrefix, ep.ID, strings.ToLower(lang), sha256Hex(data)[:12])
	next, old := withoutTranscript(ep, lang)
	if old != nil && strings.HasPrefix(old.Key, prefix) && old.Format == format && old.TranslatedFrom == translatedFrom {
		if _, err := in.Bucket.Stat(ctx, old.Key); err == nil {
			return ep, nil // the same bytes and settings, still stored: nothing to change
		}
	}
	key := prefix + randomSuffix() + "." + format
	if err := in.putNew(ctx, ep.ShowID, key, contentType, bytes.NewReader(data)); err != nil {
		return nil, err
	}
	next.Transcripts = append(next.Transcripts, episodes.Transcript{Language: lang, Format: format, Key: key, TranslatedFrom: translatedFrom})
	if err := in.Store.UpdateEpisode(ctx, next); err != nil {
		in.deleteObjects(ctx, []string{key})
		return nil, fmt.Errorf("uploads: store transcript: %w", err)
	}
	return next, nil
}

// DeleteTranscript removes ep's transcript in lang (its object is released, for the sweep), and
// returns the updated episode (ep itself is not changed). An episode without
// a transcript in lang is episodes.ErrNotFound (wrapped).
func (in *Ingester) DeleteTranscript(ctx context.Context, ep *episodes.Episode, lang string) (*episodes.Episode, error) {
	next, old := withoutTranscript(ep, lang)
	if old == nil {
		return nil, episodes.Errorf(episodes.NotFound, "language", "episode %q has no transcript in %q", ep.Slug, lang)
	}
	if err := in.Store.UpdateEpisode(ctx, next); err != nil {
		return nil, fmt.Errorf("uploads: delete transcript: %w", err)
	}
	return next, nil
}

// withoutTranscript returns a copy of ep without its transcript in lang
// (languages match without regard to case) and that transcript, or nil.
func withoutTranscript(ep *episodes.Episode, lang string) (*episodes.Episode, *episodes.Transcript) {
	next := *ep
	next.Transcripts = make([]episodes.Transcript, 0, len(ep.Transcripts)+1)
	var old *episodes.Transcript
	for i, t := range ep.Transcripts {
		if old == nil && strings.EqualFold(t.Language, lang) {
			old = &ep.Transcripts[i]
			continue
		}
		next.Transcripts = append(next.Transcripts, t)
	}
	return &next, old
}
