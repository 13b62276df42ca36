package uploads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/transcript"
)

const (
	testVTT = "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Ana>Hello and welcome.\n"
	testSRT = "1\n00:00:00,000 --> 00:00:01,000\nHej och välkommen.\n"
)

// createEpisode makes a draft episode of the rig's show.
func (r *rig) createEpisode(t testing.TB, title string) *episodes.Episode {
	t.Helper()
	ep := &episodes.Episode{ShowID: r.show.ID, Title: title}
	if err := r.store.CreateEpisode(context.Background(), ep); err != nil {
		t.Fatalf("CreateEpisode: %v", err)
	}
	return ep
}

// stored reads back an episode from the store.
func (r *rig) stored(t testing.TB, ep *episodes.Episode) *episodes.Episode {
	t.Helper()
	got, err := r.store.GetEpisode(context.Background(), r.show.ID, fmt.Sprint(ep.ID))
	if err != nil {
		t.Fatalf("GetEpisode: %v", err)
	}
	return got
}

// object reads an object's bytes and content type.
func (r *rig) object(t testing.TB, key string) (string, string) {
	t.Helper()
	rc, info, err := r.bucket.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), info.ContentType
}

func TestPutTranscript(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		ctx := t.Context()
		ep := r.createEpisode(t, "Lecture")

		got, err := r.in.PutTranscript(ctx, ep, "en", episodes.FormatVTT, "", []byte(testVTT))
		if err != nil {
			t.Fatalf("PutTranscript: %v", err)
		}
		if len(ep.Transcripts) != 0 {
			t.Errorf("the episode passed in was changed: %+v", ep.Transcripts)
		}
		keyRE := regexp.MustCompile(fmt.Sprintf(`^transcripts/%d/en-%s-[a-z2-7]{6}\.vtt$`, ep.ID, sha256Hex([]byte(testVTT))[:12]))
		if len(got.Transcripts) != 1 || !keyRE.MatchString(got.Transcripts[0].Key) || got.Transcripts[0].Format != episodes.FormatVTT {
			t.Fatalf("transcripts %+v, want one VTT under a key like %s", got.Transcripts, keyRE)
		}
		en := got.Transcripts[0]
		if body, ct := r.object(t, en.Key); body != testVTT || ct != "text/vtt; charset=utf-8" {
			t.Errorf("stored %q as %q", body, ct)
		}
		if st := r.stored(t, ep); len(st.Transcripts) != 1 || st.Transcripts[0] != en {
			t.Errorf("store has %+v, want %+v", st.Transcripts, en)
		}

		// A second language, translated.
		got, err = r.in.PutTranscript(ctx, got, "sv", episodes.FormatSRT, "en", []byte(testSRT))
		if err != nil {
			t.Fatalf("PutTranscript sv: %v", err)
		}
		if len(got.Transcripts) != 2 || got.Transcripts[1].TranslatedFrom != "en" {
			t.Fatalf("transcripts %+v, want en and sv translated from en", got.Transcripts)
		}
		if _, ct := r.object(t, got.Transcripts[1].Key); ct != "application/x-subrip; charset=utf-8" {
			t.Errorf("SRT stored as %q", ct)
		}

		// The same bytes again: nothing changes, the URL stays.
		again, err := r.in.PutTranscript(ctx, got, "en", episodes.FormatVTT, "", []byte(testVTT))
		if err != nil || again.Transcripts[0].Key != en.Key {
			t.Errorf("the same transcript again: %+v, %v; want key %s kept", again, err, en.Key)
		}

		// New bytes for the language (in another case) replace it: a new
		// key, and the old object is gone.
		changed := testVTT + "\n00:02.000 --> 00:03.000\nMore.\n"
		got, err = r.in.PutTranscript(ctx, got, "EN", episodes.FormatVTT, "", []byte(changed))
		if err != nil {
			t.Fatalf("replace: %v", err)
		}
		if len(got.Transcripts) != 2 || got.Transcripts[1].Language != "EN" || got.Transcripts[1].Key == en.Key {
			t.Fatalf("after replacing: %+v", got.Transcripts)
		}
		if body, _ := r.object(t, got.Transcripts[1].Key); body != changed {
			t.Errorf("replacement stored as %q", body)
		}
		r.wantState(t, en.Key, episodes.MediaReleased) // the sweep deletes it after the retention

		// Delete one language: gone from the store, its object released.
		sv := got.Transcripts[0]
		got, err = r.in.DeleteTranscript(ctx, got, "SV")
		if err != nil || len(got.Transcripts) != 1 || got.Transcripts[0].Language != "EN" {
			t.Fatalf("DeleteTranscript: %+v, %v", got, err)
		}
		if st := r.stored(t, ep); len(st.Transcripts) != 1 {
			t.Errorf("store has %+v after the delete", st.Transcripts)
		}
		r.wantState(t, sv.Key, episodes.MediaReleased)
		if _, err := r.in.DeleteTranscript(ctx, got, "sv"); !errors.Is(err, episodes.ErrNotFound) {
			t.Errorf("deleting a missing language: %v, want ErrNotFound", err)
		}
	})
}

func TestPutTranscriptRefusals(t *testing.T) {
	r := newRig(t, backends{"sqlite", "filesystem"}, nil)
	ep := r.createEpisode(t, "Lecture")
	before := r.state(t)
	broken := "WEBVTT\n\n00:00.000 --> 00:02.000\nFine.\n\n00:02.000 --> soon\nBroken.\n"
	_, err := r.in.PutTranscript(t.Context(), ep, "en", episodes.FormatVTT, "", []byte(broken))
	var pe *transcript.ParseError
	if !errors.As(err, &pe) || pe.Line != 6 {
		t.Errorf("broken cue: %v, want a ParseError on line 6", err)
	}
	_, err = r.in.PutTranscript(t.Context(), ep, "en", episodes.FormatVTT, "", []byte("WEBVTT\n"))
	var verr *episodes.Error
	if !errors.As(err, &verr) || verr.Field != "transcript" {
		t.Errorf("no cues: %v, want an *episodes.Error of the field transcript", err)
	}
	big := "WEBVTT\n\n" + strings.Repeat("x", transcript.MaxSize)
	if _, err := r.in.PutTranscript(t.Context(), ep, "en", episodes.FormatVTT, "", []byte(big)); !errors.Is(err, transcript.ErrTooLarge) {
		t.Errorf("too large: %v, want ErrTooLarge", err)
	}
	if _, err := r.in.PutTranscript(t.Context(), ep, "en", "docx", "", []byte(testVTT)); err == nil {
		t.Error("an unknown format was accepted")
	}
	r.sameState(t, before)
	if st := r.stored(t, ep); len(st.Transcripts) != 0 {
		t.Errorf("store has %+v after refusals", st.Transcripts)
	}
}

// TestPutTranscriptFailuresLeaveNothing: a failing bucket, and an episode
// deleted between the put and the update, leave no object behind.
func TestPutTranscriptFailuresLeaveNothing(t *testing.T) {
	boom := errors.New("disk on fire")
	t.Run("put fails after writing", func(t *testing.T) {
		r := newRig(t, backends{"sqlite", "filesystem"}, func(real storage.Bucket) storage.Bucket {
			return &hookBucket{Bucket: real, afterPut: func(string) error { return boom }}
		})
		ep := r.createEpisode(t, "Lecture")
		before := r.state(t)
		if _, err := r.in.PutTranscript(t.Context(), ep, "en", episodes.FormatVTT, "", []byte(testVTT)); !errors.Is(err, boom) {
			t.Errorf("error %v, want the bucket's", err)
		}
		r.sameState(t, before)
	})
	t.Run("episode deleted during the put", func(t *testing.T) {
		var ep *episodes.Episode
		var r *rig
		r = newRig(t, backends{"sqlite", "filesystem"}, func(real storage.Bucket) storage.Bucket {
			return &hookBucket{Bucket: real, afterPut: func(string) error { return r.store.DeleteEpisode(context.Background(), ep.ID) }}
		})
		ep = r.createEpisode(t, "Lecture")
		before := r.state(t)
		if _, err := r.in.PutTranscript(t.Context(), ep, "en", episodes.FormatVTT, "", []byte(testVTT)); !errors.Is(err, episodes.ErrNotFound) {
			t.Errorf("error %v, want ErrNotFound", err)
		}
		before.episodes--
		r.sameState(t, before)
	})
}
