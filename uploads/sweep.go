package uploads

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lyssna/lyssna/storage"
)

// TranscriptPrefix is where transcript objects live; the sweep covers it too.
const TranscriptPrefix = "transcripts/"

// SweptPrefixes are the bucket prefixes the reconciliation lists: every
// object under them is Lyssna's and has a row in the store's media lifecycle
// (episodes.Store.RecordPending) from before it is put.
var SweptPrefixes = []string{AudioPrefix, ArtPrefix, TranscriptPrefix}

// Lifecycled reports whether key is under SweptPrefixes: an object whose
// life the store's media rows record.
func Lifecycled(key string) bool {
	for _, p := range SweptPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// Sweep timings.
const (
	// MinRetention is the floor of both the retention and the grace: a
	// shorter one could delete an upload still in progress or an object an
	// app was handed a minute ago.
	MinRetention = time.Hour
	// DefaultGrace is how old a pending object (an upload that never
	// committed) or a temp file must be before the sweep deletes it: far
	// longer than any upload takes between putting an object and committing.
	DefaultGrace = 24 * time.Hour
	// DefaultRetention is how long a released object (replaced, or of a
	// deleted show or episode) stays in the bucket: apps and CDNs that hold
	// an old feed still play a replaced file at its old URL meanwhile.
	DefaultRetention = 30 * 24 * time.Hour
	// DefaultReconcileEvery is how often one replica lists the whole bucket
	// to find objects the store has no row for (put before the lifecycle
	// existed, or by hand).
	DefaultReconcileEvery = 7 * 24 * time.Hour
	// reconcilePage is how many listed keys are looked up in one query, and
	// reconcilePause the rest after each page, so a reconciliation of
	// millions of objects is a slow trickle, not a load spike.
	reconcilePage  = 500
	reconcilePause = 20 * time.Millisecond
	// sweepBatch is how many candidates one query returns.
	sweepBatch = 500
)

// SweepOptions say what a sweep may delete.
type SweepOptions struct {
	// Retention: released objects go once released longer ago than this.
	Retention time.Duration
	// Grace: pending objects and temp files go once older than this.
	Grace time.Duration
	// ReconcileEvery is how often, across all replicas, a sweep also lists
	// the whole bucket; 0 never. Reconcile forces it on this sweep.
	ReconcileEvery time.Duration
	Reconcile      bool
	// Count fills SweepReport.Kept, which counts every row: `lyssna sweep`
	// asks for it, the periodic sweep does not.
	Count bool
}

// SweepReport is what one sweep did.
type SweepReport struct {
	// Skipped is true when another replica was sweeping: this one did nothing.
	Skipped bool
	// Deleted are the objects deleted from the bucket.
	Deleted []string
	// Kept counts the objects left, by state (referenced, released within
	// the retention, pending within the grace).
	Kept map[string]int
	// TempFiles is how many stale temp files were removed.
	TempFiles int
	// Aborted is how many of the bucket's incomplete uploads (an S3
	// multipart upload or a filesystem temp file of a Put cut off by a
	// crash) were aborted.
	Aborted int
	// Reconciled is true when the whole bucket was listed: Listed objects,
	// Adopted of them found without a row and recorded.
	Reconciled      bool
	Listed, Adopted int
}

// Sweep deletes, on one replica at a time (episodes.Store.TryLock), the
// objects the store's media lifecycle says are done with: released longer
// than opts.Retention ago, or pending (an upload that never committed)
// longer than opts.Grace, and never one that anything references. It reads
// candidates from the store's rows, so its cost follows the objects to
// delete, not the bucket's size; the rare reconciliation (opts.ReconcileEvery)
// lists the bucket at a gentle pace to record objects without a row. It
// also removes temp files older than the grace. It goes on past single
// failures and returns them joined. It also aborts the bucket's incomplete
// uploads (storage.IncompleteAborter) idle longer than the grace.
func (in *Ingester) Sweep(ctx context.Context, opts SweepOptions) (SweepReport, error) {
	var rep SweepReport
	if opts.Retention < MinRetention || opts.Grace < MinRetention {
		return rep, fmt.Errorf("uploads: sweep: retention %s and grace %s must both be at least %s", opts.Retention, opts.Grace, MinRetention)
	}
	release, ok, err := in.Store.TryLock(ctx, "sweep")
	if err != nil {
		return rep, fmt.Errorf("uploads: sweep: %w", err)
	}
	if !ok {
		rep.Skipped = true
		return rep, nil
	}
	defer release()

	var errs []error
	now := in.Now()
	if opts.Reconcile || opts.ReconcileEvery > 0 {
		due := opts.Reconcile
		if !due {
			last, err := in.Store.LastRun(ctx, "reconcile")
			if err != nil {
				errs = append(errs, fmt.Errorf("uploads: sweep: %w", err))
			}
			due = err == nil && now.Sub(last) >= opts.ReconcileEvery
		}
		if due {
			// Recorded once done, so one cut off is done again next time.
			rep.Reconciled = true
			err := in.reconcile(ctx, &rep)
			if err == nil {
				err = in.Store.RecordRun(ctx, "reconcile")
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
	}

	releasedBefore, pendingBefore := now.Add(-opts.Retention), now.Add(-opts.Grace)
	seen := map[string]bool{}
	for {
		objs, err := in.Store.SweepCandidates(ctx, releasedBefore, pendingBefore, sweepBatch)
		if err != nil {
			errs = append(errs, fmt.Errorf("uploads: sweep: %w", err))
			break
		}
		progress := false
		for _, o := range objs {
			if seen[o.Key] {
				continue // failed once this sweep; try again next time
			}
			seen[o.Key], progress = true, true
			if err := in.sweepOne(ctx, o.Key, releasedBefore, pendingBefore, &rep); err != nil {
				errs = append(errs, err)
				if ctx.Err() != nil {
					return rep, errors.Join(errs...)
				}
			}
		}
		if !progress || len(objs) < sweepBatch {
			break
		}
	}
	// Tombstones guard commits of keys the sweep deleted; none can come
	// after a retention and a grace more.
	if _, err := in.Store.PruneDeleted(ctx, releasedBefore.Add(-opts.Grace)); err != nil {
		errs = append(errs, fmt.Errorf("uploads: sweep: %w", err))
	}
	n, err := in.sweepTemp(pendingBefore)
	rep.TempFiles = n
	if err != nil {
		errs = append(errs, err)
	}
	if err := in.abortIncomplete(ctx, pendingBefore, &rep); err != nil {
		errs = append(errs, err)
	}
	if opts.Count {
		if rep.Kept, err = in.Store.MediaCounts(ctx); err != nil {
			errs = append(errs, fmt.Errorf("uploads: sweep: %w", err))
		}
	}
	return rep, errors.Join(errs...)
}

// abortIncomplete aborts the bucket's incomplete uploads under
// SweptPrefixes idle since before cutoff. An audio upload streams into the
// bucket while it arrives, so a process killed mid-upload leaves one (an S3
// multipart upload is no object: listings and the pending row's Delete
// miss it). It costs one listing of incomplete uploads per prefix, which
// are few, not of the objects.
func (in *Ingester) abortIncomplete(ctx context.Context, cutoff time.Time, rep *SweepReport) error {
	ab, ok := in.Bucket.(storage.IncompleteAborter)
	if !ok {
		return nil
	}
	var errs []error
	for _, prefix := range SweptPrefixes {
		n, err := ab.AbortIncomplete(ctx, prefix, cutoff)
		rep.Aborted += n
		if err != nil {
			errs = append(errs, fmt.Errorf("uploads: sweep: %w", err))
		}
	}
	return errors.Join(errs...)
}

// sweepOne claims the object (so no commit can reference it any more),
// deletes it from the bucket and then its row.
func (in *Ingester) sweepOne(ctx context.Context, key string, releasedBefore, pendingBefore time.Time, rep *SweepReport) error {
	ok, err := in.Store.ClaimForDeletion(ctx, key, releasedBefore, pendingBefore)
	if err != nil {
		return fmt.Errorf("uploads: sweep: %w", err)
	}
	if !ok {
		return nil // referenced meanwhile, or no longer a candidate
	}
	if err := in.Bucket.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("uploads: sweep: delete %s: %w", key, err)
	}
	if err := in.Store.MarkDeleted(ctx, key); err != nil {
		return fmt.Errorf("uploads: sweep: %w", err)
	}
	rep.Deleted = append(rep.Deleted, key)
	return nil
}

// reconcile lists the bucket under SweptPrefixes a page at a time and
// records the objects the store has no row for (AdoptMedia: referenced when
// something points at them, else pending since their modification time, so
// that this sweep deletes them once older than the grace).
func (in *Ingester) reconcile(ctx context.Context, rep *SweepReport) error {
	var errs []error
	page := make([]storage.ObjectInfo, 0, reconcilePage)
	flush := func() error {
		keys := make([]string, len(page))
		mod := make(map[string]time.Time, len(page))
		for i, o := range page {
			keys[i], mod[o.Key] = o.Key, o.ModTime
		}
		page = page[:0]
		unknown, err := in.Store.UnknownMedia(ctx, keys)
		if err != nil {
			return fmt.Errorf("uploads: reconcile: %w", err)
		}
		for _, k := range unknown {
			if err := in.Store.AdoptMedia(ctx, k, mod[k]); err != nil {
				errs = append(errs, fmt.Errorf("uploads: reconcile: %w", err))
				continue
			}
			rep.Adopted++
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(reconcilePause):
		}
		return nil
	}
	for _, prefix := range SweptPrefixes {
		err := in.Bucket.List(ctx, prefix, func(o storage.ObjectInfo) error {
			rep.Listed++
			page = append(page, o)
			if len(page) == reconcilePage {
				return flush()
			}
			return nil
		})
		if err == nil && len(page) > 0 {
			err = flush()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("uploads: reconcile: list %s: %w", prefix, err))
			if ctx.Err() != nil {
				break
			}
		}
	}
	return errors.Join(errs...)
}

// sweepTemp removes this package's temp files last modified before cutoff.
// A live upload writes its file as bytes arrive, and a stalled client is cut
// off long before any sensible grace period.
func (in *Ingester) sweepTemp(cutoff time.Time) (int, error) {
	entries, err := os.ReadDir(in.TempDir)
	if err != nil {
		return 0, fmt.Errorf("uploads: sweep: read temp directory: %w", err)
	}
	var errs []error
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, tempPrefix) || !strings.HasSuffix(name, tempSuffix) {
			continue
		}
		fi, err := e.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(in.TempDir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("uploads: sweep: %w", err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// RunSweeper sweeps once now and then every interval until ctx is done,
// logging what each sweep deleted and any failure; LastSweep reports the
// latest. serve runs it in the background on every replica: the sweeps
// take turns (one at a time holds the lock) and cost a query when there is
// nothing to delete.
func (in *Ingester) RunSweeper(ctx context.Context, interval time.Duration, opts SweepOptions) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		rep, err := in.Sweep(ctx, opts)
		in.recordSweep(rep, err)
		if in.Observer != nil && ctx.Err() == nil {
			in.Observer.Swept(len(rep.Deleted), err)
		}
		switch {
		case err != nil && ctx.Err() == nil:
			in.Logger.ErrorContext(ctx, "uploads: sweep failed", "deleted", len(rep.Deleted), "error", err)
		case len(rep.Deleted) > 0 || rep.TempFiles > 0 || rep.Adopted > 0 || rep.Aborted > 0:
			in.Logger.InfoContext(ctx, "uploads: sweep deleted objects done with", "deleted", len(rep.Deleted),
				"temp_files", rep.TempFiles, "aborted", rep.Aborted, "reconciled", rep.Reconciled, "listed", rep.Listed, "adopted", rep.Adopted)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SweepStats are the sweeps' results since the Ingester was made, for
// metrics.
type SweepStats struct {
	Sweeps, Skipped, Failed int64 // sweeps run, skipped (another replica swept), failed
	Deleted                 int64 // objects deleted in all
	Last                    SweepReport
	LastAt                  time.Time
}

// LastSweep returns the sweeps' results so far.
func (in *Ingester) LastSweep() SweepStats {
	in.sweeps.mu.Lock()
	defer in.sweeps.mu.Unlock()
	return in.sweeps.stats
}

func (in *Ingester) recordSweep(rep SweepReport, err error) {
	in.sweeps.mu.Lock()
	defer in.sweeps.mu.Unlock()
	st := &in.sweeps.stats
	st.Sweeps++
	switch {
	case err != nil:
		st.Failed++
	case rep.Skipped:
		st.Skipped++
	}
	st.Deleted += int64(len(rep.Deleted))
	st.Last, st.LastAt = rep, in.Now()
}

// ClearTemp removes every spooled temp file at once, whatever its age. serve
// calls it at start, before it accepts uploads, so an upload cut off by a
// crash leaves no temp file behind after the restart. (An upload still
// running in another process sharing the directory keeps its open file.)
func (in *Ingester) ClearTemp() (int, error) {
	return in.sweepTemp(in.Now().Add(time.Hour))
}
