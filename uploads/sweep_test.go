package uploads

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
)

// sweepOpts are the sweep's settings in these tests: a day's retention
// and an hour's grace (the floor).
var sweepOpts = SweepOptions{Retention: 24 * time.Hour, Grace: time.Hour}

// TestSweep is defects 5, 6 and 10 of issue 12: the sweep deletes objects
// released longer than the retention ago and uploads never committed for
// the grace, found from the store's rows (a reconciliation of the whole
// bucket records the objects without one, and is only done when asked or
// due); it never deletes a referenced object, however old, nor anything
// outside the uploads' prefixes.
func TestSweep(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		ctx := t.Context()
		ep, err := r.in.Ingest(ctx, r.show, bytes.NewReader(readFixture(t, "art.mp3")), nil)
		if err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		// Objects without a row, as a crash before the lifecycle left them.
		orphans := []string{"audio/1/0123456789abcdef0123-aaaaaa.mp3", "art/1/0123456789abcdef0123-aaaaaa.png", "transcripts/1/x.vtt"}
		others := []string{"other/keep.bin"}
		for _, k := range append(orphans, others...) {
			if _, err := r.bucket.Put(ctx, k, "application/octet-stream", strings.NewReader("x")); err != nil {
				t.Fatal(err)
			}
		}
		// An upload that put its object and died before committing.
		pending := "audio/1/fedcba9876543210fedc-bbbbbb.mp3"
		if err := r.in.putNew(ctx, r.show.ID, pending, "audio/mpeg", strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
		stale := filepath.Join(r.in.TempDir, tempPrefix+"123"+tempSuffix)
		foreign := filepath.Join(r.in.TempDir, "not-an-upload.txt")
		for _, p := range []string{stale, foreign} {
			if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
				t.Fatal(err)
			}
		}

		if _, err := r.in.Sweep(ctx, SweepOptions{Retention: time.Minute, Grace: time.Hour}); err == nil {
			t.Error("a retention under an hour was accepted")
		}
		rep := r.sweepAt(t, 0, sweepOpts)
		if len(rep.Deleted) != 0 || rep.TempFiles != 0 || rep.Reconciled {
			t.Fatalf("a sweep of young objects: %+v, want nothing deleted and no listing", rep)
		}
		reconcile := sweepOpts
		reconcile.Reconcile = true
		rep = r.sweepAt(t, 0, reconcile)
		if !rep.Reconciled || rep.Adopted != len(orphans) || len(rep.Deleted) != 0 {
			t.Fatalf("reconciliation: %+v, want the %d orphans recorded and nothing deleted yet", rep, len(orphans))
		}
		rep = r.sweepAt(t, 2*time.Hour, sweepOpts)
		if want := len(orphans) + 1; len(rep.Deleted) != want || rep.TempFiles != 1 {
			t.Errorf("Sweep deleted %q and %d temp files, want %d objects and 1 temp file", rep.Deleted, rep.TempFiles, want)
		}
		for _, k := range append(orphans, pending) {
			if _, err := r.bucket.Stat(ctx, k); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("orphan %s: Stat = %v, want not found", k, err)
			}
		}
		// Years on, what is referenced is still there.
		r.sweepAt(t, 5*365*24*time.Hour, sweepOpts)
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

// TestSweepDuringUploads is defect 5 of issue 12: a sweep running while
// uploads put objects and commit them (the issue saw another replica's sweep
// delete an object between put and commit) deletes none of them, even with
// its clock well ahead; an object the sweep claimed or deleted makes the
// commit fail instead of pointing at nothing.
func TestSweepDuringUploads(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		ctx := t.Context()
		// A second ingester on the same store and bucket: another replica.
		other, err := New(Deps{Store: r.store, Bucket: r.bucket, TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		// Its clock is 50 minutes ahead: well off, but within the grace.
		other.Now = func() time.Time { return time.Now().Add(50 * time.Minute) }
		files := []string{"cbr.mp3", "art.mp3", "v1.mp3", "chapters.m4a"}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range 20 {
				if _, err := other.Sweep(ctx, sweepOpts); err != nil {
					t.Errorf("Sweep: %v", err)
				}
			}
		}()
		var eps []*episodes.Episode
		for _, f := range files {
			ep, err := r.in.Ingest(ctx, r.show, bytes.NewReader(readFixture(t, f)), nil)
			if err != nil {
				t.Fatalf("Ingest(%s): %v", f, err)
			}
			eps = append(eps, ep)
		}
		<-done
		for _, ep := range eps {
			if _, err := r.bucket.Stat(ctx, ep.Audio.Key); err != nil {
				t.Errorf("%s lost: %v", ep.Audio.Key, err)
			}
			if _, err := r.store.Publish(ctx, ep.ID, time.Time{}); err != nil {
				t.Errorf("Publish(%s): %v", ep.Slug, err)
			}
		}

		// An object claimed by the sweep cannot be committed any more.
		key := "audio/1/00112233445566778899-cccccc.mp3"
		if err := r.in.putNew(ctx, r.show.ID, key, "audio/mpeg", strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(2 * time.Hour)
		if ok, err := r.store.ClaimForDeletion(ctx, key, later, later); !ok || err != nil {
			t.Fatalf("ClaimForDeletion = %v, %v", ok, err)
		}
		ep := *eps[0]
		a := *ep.Audio
		a.Key, ep.Audio = key, &a
		invalid := func(err error) bool { de, ok := episodes.AsError(err); return ok && de.Kind == episodes.Invalid }
		if err := r.store.UpdateEpisode(ctx, &ep); !invalid(err) {
			t.Errorf("committing a claimed object: %v, want it Invalid", err)
		}
		r.sweepAt(t, 2*time.Hour, sweepOpts)
		if err := r.store.UpdateEpisode(ctx, &ep); !invalid(err) {
			t.Errorf("committing a swept object: %v, want it Invalid", err)
		}
	})
}

// TestDuplicateUploadsRace is defect 8 of issue 12: the same file uploaded
// to the same show by several replicas at once gives exactly one episode;
// the others get a conflict naming it, and their objects are cleaned up.
func TestDuplicateUploadsRace(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		ctx := t.Context()
		before := r.state(t)
		data := readFixture(t, "cbr.mp3")
		const n = 6
		errs := make([]error, n)
		eps := make([]*episodes.Episode, n)
		var wg sync.WaitGroup
		for i := range n {
			in, err := New(Deps{Store: r.store, Bucket: r.bucket, TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() { eps[i], errs[i] = in.Ingest(ctx, r.show, bytes.NewReader(data), nil) })
		}
		wg.Wait()
		var winner *episodes.Episode
		for i, err := range errs {
			switch {
			case err == nil && winner == nil:
				winner = eps[i]
			case err == nil:
				t.Errorf("two uploads of one file both made an episode: %s and %s", winner.Slug, eps[i].Slug)
			case !errors.Is(err, episodes.ErrConflict):
				t.Errorf("upload %d: %v, want a conflict", i, err)
			}
		}
		if winner == nil {
			t.Fatal("no upload won")
		}
		for _, err := range errs {
			if err != nil && !strings.Contains(err.Error(), winner.Slug) {
				t.Errorf("the conflict does not name the episode %q: %v", winner.Slug, err)
			}
		}
		after := r.state(t)
		if after.episodes != before.episodes+1 || len(after.keys) != len(before.keys)+1 {
			t.Errorf("%d episodes and objects %q after the race; want one more episode and its one object", after.episodes, after.keys)
		}
		if counts, _ := r.store.MediaCounts(ctx); counts[episodes.MediaPending] != 0 {
			t.Errorf("%d pending rows left by the losers", counts[episodes.MediaPending])
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
		// Defect 6 of issue 12: the old object keeps answering (apps hold
		// old feeds) until it has been released for the retention, counted
		// from the replace, not from the object's creation.
		r.wantState(t, old.Key, episodes.MediaReleased)
		if ok, err := r.store.MediaServable(ctx, old.Key); !ok || err != nil {
			t.Errorf("the replaced audio is not servable: %v", err)
		}
		r.sweepAt(t, 23*time.Hour, sweepOpts)
		if _, err := r.bucket.Stat(ctx, old.Key); err != nil {
			t.Fatalf("old audio gone within the retention: %v", err)
		}
		r.sweepAt(t, 25*time.Hour, sweepOpts)
		if _, err := r.bucket.Stat(ctx, old.Key); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("old audio after the retention: %v, want not found", err)
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

// listCounter counts the bucket listings and object lookups a sweep makes.
type listCounter struct {
	storage.Bucket
	lists, stats atomic.Int64
}

func (l *listCounter) List(ctx context.Context, prefix string, fn func(storage.ObjectInfo) error) error {
	l.lists.Add(1)
	return l.Bucket.List(ctx, prefix, fn)
}

func (l *listCounter) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	l.stats.Add(1)
	return l.Bucket.Stat(ctx, key)
}

// TestPeriodicSweepDoesNotListTheBucket is defect 10 of issue 12: the sweep
// every replica runs every 15 minutes lists no bucket and looks up no object
// (it reads its candidates from the store); only the reconciliation lists,
// once per ReconcileEvery across all replicas.
func TestPeriodicSweepDoesNotListTheBucket(t *testing.T) {
	var lc *listCounter
	r := newRig(t, allBackends[0], func(b storage.Bucket) storage.Bucket { lc = &listCounter{Bucket: b}; return lc })
	ctx := t.Context()
	for _, f := range []string{"cbr.mp3", "art.mp3"} {
		if _, err := r.in.Ingest(ctx, r.show, bytes.NewReader(readFixture(t, f)), nil); err != nil {
			t.Fatal(err)
		}
	}
	opts := sweepOpts
	opts.ReconcileEvery = 7 * 24 * time.Hour
	lc.lists.Store(0)
	if rep := r.sweepAt(t, 0, opts); !rep.Reconciled || lc.lists.Load() == 0 {
		t.Fatalf("the first sweep did not reconcile: %+v, %d listings", rep, lc.lists.Load())
	}
	lc.lists.Store(0)
	lc.stats.Store(0)
	for range 4 {
		if rep := r.sweepAt(t, 15*time.Minute, opts); rep.Reconciled {
			t.Fatal("the reconciliation ran again within its interval")
		}
	}
	if n, m := lc.lists.Load(), lc.stats.Load(); n != 0 || m != 0 {
		t.Errorf("four periodic sweeps listed the bucket %d times and looked up %d objects, want none", n, m)
	}
}

// TestOneSweepAtATime: while one replica holds the sweep's lock (an
// advisory lock on PostgreSQL), another's sweep does nothing and says so.
func TestOneSweepAtATime(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		release, ok, err := r.store.TryLock(t.Context(), "sweep")
		if err != nil || !ok {
			t.Fatalf("TryLock = %v, %v", ok, err)
		}
		if rep := r.sweepAt(t, 0, sweepOpts); !rep.Skipped {
			t.Errorf("a sweep while another holds the lock: %+v, want it skipped", rep)
		}
		release()
		if rep := r.sweepAt(t, 0, sweepOpts); rep.Skipped {
			t.Error("a sweep after the lock was released was skipped")
		}
	})
}

// TestSweepAbortsIncompleteUploads leaves an upload under way in the bucket,
// as a process killed mid-upload does (an S3 multipart upload, a filesystem
// temp file), and sweeps: within the grace it stays, after it the sweep
// aborts it, so the interrupted Put can never complete.
func TestSweepAbortsIncompleteUploads(t *testing.T) {
	for _, b := range []backends{{"sqlite", "filesystem"}, {"postgres", "s3"}} {
		t.Run(b.String(), func(t *testing.T) {
			r := newRig(t, b, nil)
			body := newGateReader(newMP3Stream(streamSize, 9), streamCut)
			key := AudioPrefix + "1/interrupted.mp3"
			done := make(chan error, 1)
			go func() {
				_, err := r.bucket.Put(context.Background(), key, "audio/mpeg", body)
				done <- err
			}()
			<-body.reached
			// Waits for the Put to get its bytes out; the bound only keeps a
			// broken backend from hanging the test.
			deadline := time.Now().Add(time.Minute)
			for r.incomplete(t) == 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if r.incomplete(t) != 1 {
				close(body.open)
				t.Fatalf("%d incomplete uploads, want the one under way", r.incomplete(t))
			}
			opts := SweepOptions{Retention: time.Hour, Grace: time.Hour}
			if rep := r.sweepAt(t, 0, opts); rep.Aborted != 0 || r.incomplete(t) != 1 {
				t.Errorf("a sweep within the grace aborted %d uploads, want none", rep.Aborted)
			}
			if rep := r.sweepAt(t, 2*time.Hour, opts); rep.Aborted != 1 {
				t.Errorf("a sweep after the grace aborted %d uploads, want 1", rep.Aborted)
			}
			if n := r.incomplete(t); n != 0 {
				t.Errorf("%d incomplete uploads after the sweep, want none", n)
			}
			close(body.open)
			if err := <-done; err == nil {
				t.Error("the interrupted Put completed after the sweep aborted it")
			}
			if _, err := r.bucket.Stat(t.Context(), key); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Stat of the aborted upload's key: %v, want ErrNotFound", err)
			}
		})
	}
}
