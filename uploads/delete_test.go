package uploads

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// TestDeleteEpisode: the episode goes from the store; its audio, artwork
// and transcript answer 404 at once (withdrawn) and stay in the bucket until
// the sweep after the retention; another episode's stay servable.
func TestDeleteEpisode(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		ctx := t.Context()
		keep, err := r.in.Ingest(ctx, r.show, bytes.NewReader(readFixture(t, "cbr.mp3")), nil)
		if err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		withKeep := r.state(t)
		ep, err := r.in.Ingest(ctx, r.show, bytes.NewReader(readFixture(t, "art.mp3")), nil)
		if err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		if ep.ImageKey == "" {
			t.Fatal("art.mp3 gave the episode no artwork")
		}
		if ep, err = r.in.PutTranscript(ctx, ep, "en", episodes.FormatVTT, "", []byte(testVTT)); err != nil {
			t.Fatalf("PutTranscript: %v", err)
		}
		keys := []string{ep.Audio.Key, ep.ImageKey, ep.Transcripts[0].Key}
		if got := len(r.state(t).keys) - len(withKeep.keys); got != 3 {
			t.Fatalf("the episode has %d objects, want audio, artwork and transcript", got)
		}
		if err := r.in.DeleteEpisode(ctx, ep); err != nil {
			t.Fatalf("DeleteEpisode: %v", err)
		}
		for _, k := range keys {
			if ok, err := r.store.MediaServable(ctx, k); ok || err != nil {
				t.Errorf("%s servable after its episode was deleted (%v)", k, err)
			}
			r.wantState(t, k, episodes.MediaReleased)
		}
		if ok, _ := r.store.MediaServable(ctx, keep.Audio.Key); !ok {
			t.Error("another episode's audio was withdrawn")
		}
		if err := r.in.DeleteEpisode(ctx, ep); !errors.Is(err, episodes.ErrNotFound) {
			t.Errorf("deleting it again: %v, want ErrNotFound", err)
		}
		r.sweepAt(t, 31*24*time.Hour, SweepOptions{Retention: DefaultRetention, Grace: DefaultGrace})
		r.sameState(t, withKeep)
	})
}
