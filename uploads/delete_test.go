package uploads

import (
	"bytes"
	"errors"
	"testing"

	"github.com/lyssna/lyssna/episodes"
)

// TestDeleteEpisode: the episode goes from the store, and its audio, artwork
// and transcript objects from the bucket; another episode's stay.
func TestDeleteEpisode(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		ctx := t.Context()
		before := r.state(t)
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
		if got := len(r.state(t).keys) - len(withKeep.keys); got != 3 {
			t.Fatalf("the episode has %d objects, want audio, artwork and transcript", got)
		}
		if err := r.in.DeleteEpisode(ctx, ep); err != nil {
			t.Fatalf("DeleteEpisode: %v", err)
		}
		r.sameState(t, withKeep)
		if err := r.in.DeleteEpisode(ctx, ep); !errors.Is(err, episodes.ErrNotFound) {
			t.Errorf("deleting it again: %v, want ErrNotFound", err)
		}
		if err := r.in.DeleteEpisode(ctx, keep); err != nil {
			t.Fatalf("DeleteEpisode: %v", err)
		}
		r.sameState(t, before)
	})
}
