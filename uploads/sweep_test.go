package uploads

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
)

func TestSweep(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		ctx := t.Context()
		ep, err := r.in.Ingest(ctx, r.show, bytes.NewReader(readFixture(t, "art.mp3")), nil)
		if err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		orphans := []string{"audio/1/0123456789abcdef0123-aaaaaa.mp3", "art/1/0123456789abcdef0123-aaaaaa.png", "transcripts/1/x.vtt"}
		others := []string{"other/keep.bin"}
		for _, k := range append(orphans, others...) {
			if _, err := r.bucket.Put(ctx, k, "application/octet-stream", strings.NewReader("x")); err != nil {
				t.Fatal(err)
			}
		}
		stale := filepath.Join(r.in.TempDir, tempPrefix+"123"+tempSuffix)
		foreign := filepath.Join(r.in.TempDir, "not-an-upload.txt")
		for _, p := range []string{stale, foreign} {
			if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
				t.Fatal(err)
			}
		}

		if n, err := r.in.Sweep(ctx, time.Hour); err != nil || n != 0 {
			t.Fatalf("Sweep of young objects deleted %d (%v), want 0", n, err)
		}
		r.in.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		n, err := r.in.Sweep(ctx, time.Hour)
		if err != nil {
			t.Fatalf("Sweep: %v", err)
		}
		if n != len(orphans)+1 {
			t.Errorf("Sweep deleted %d, want %d", n, len(orphans)+1)
		}
		for _, k := range orphans {
			if _, err := r.bucket.Stat(ctx, k); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("orphan %s: Stat = %v, want not found", k, err)
			}
		}
		for _, k := range append(others, ep.Audio.Key, ep.ImageKey) {
			if _, err := r.bucket.Stat(ctx, k); err != nil {
				t.Errorf("%s was swept: %v", k, err)
			}
		}
		if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale temp file: %v, want it gone", err)
		}
		if _, err := os.Stat(foreign); err != nil {
			t.Errorf("a file the uploads did not make was swept: %v", err)
		}
	})
}

func TestReplaceAudio(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		ctx := t.Context()
		ep, err := r.in.Ingest(ctx, r.show, bytes.NewReader(readFixture(t, "cbr.mp3")), nil)
		if err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		old := *ep.Audio
		data := readFixture(t, "chapters.m4a")
		got, err := r.in.ReplaceAudio(ctx, r.show, ep, bytes.NewReader(data))
		if err != nil {
			t.Fatalf("ReplaceAudio: %v", err)
		}
		stored, err := r.store.GetEpisode(ctx, r.show.ID, strconv.FormatInt(ep.ID, 10))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []*episodes.Episode{got, stored} {
			if e.GUID != ep.GUID || e.Title != ep.Title {
				t.Errorf("guid %q title %q changed from %q %q", e.GUID, e.Title, ep.GUID, ep.Title)
			}
			if e.Audio.Key == old.Key || !strings.HasSuffix(e.Audio.Key, ".m4a") || e.Audio.ContentType != "audio/x-m4a" ||
				e.Audio.Size != int64(len(data)) || e.Audio.SHA256 == old.SHA256 {
				t.Errorf("audio %+v, want the new file's under a new key (old %+v)", e.Audio, old)
			}
			if len(e.Chapters) != 3 || !strings.HasSuffix(e.ImageKey, ".png") {
				t.Errorf("chapters %+v image %q, want the new file's", e.Chapters, e.ImageKey)
			}
		}
		// The old object stays until the sweep finds nothing references it.
		if _, err := r.bucket.Stat(ctx, old.Key); err != nil {
			t.Fatalf("old audio gone right after the replace: %v", err)
		}
		r.in.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		if _, err := r.in.Sweep(ctx, time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := r.bucket.Stat(ctx, old.Key); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("old audio after the sweep: %v, want not found", err)
		}
		if _, err := r.bucket.Stat(ctx, stored.Audio.Key); err != nil {
			t.Errorf("new audio after the sweep: %v", err)
		}

		t.Run("another episode's file", func(t *testing.T) {
			other, err := r.in.Ingest(ctx, r.show, bytes.NewReader(readFixture(t, "v1.mp3")), nil)
			if err != nil {
				t.Fatal(err)
			}
			before := r.state(t)
			_, err = r.in.ReplaceAudio(ctx, r.show, other, bytes.NewReader(data))
			if !errors.Is(err, episodes.ErrConflict) || !strings.Contains(err.Error(), stored.Slug) {
				t.Fatalf("error %v, want ErrConflict naming %s", err, stored.Slug)
			}
			r.sameState(t, before)
		})
		t.Run("the same file again", func(t *testing.T) {
			before := r.state(t)
			again, err := r.in.ReplaceAudio(ctx, r.show, stored, bytes.NewReader(data))
			if err != nil || again.Audio.Key != stored.Audio.Key {
				t.Fatalf("ReplaceAudio with the same bytes: %v, key %v", err, again)
			}
			r.sameState(t, before)
		})
	})
}
