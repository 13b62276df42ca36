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

// SweptPrefixes are the bucket prefixes whose unreferenced objects the sweep
// deletes. Every object under them must be referenced from the store
// (episodes.Store.ObjectReferenced) once its upload has finished.
var SweptPrefixes = []string{AudioPrefix, ArtPrefix, TranscriptPrefix}

// DefaultGrace is how old an unreferenced object or temp file must be before
// the sweep deletes it: far longer than any upload takes between putting an
// object and recording it.
const DefaultGrace = 6 * time.Hour

// Sweep deletes the objects under SweptPrefixes that are older than grace and
// that nothing in the store references (left by uploads that failed or a
// server killed mid-upload, and audio that was replaced), and the temp files
// in TempDir not written to for grace. It returns how many it deleted; it goes
// on past single failures and returns them joined.
func (in *Ingester) Sweep(ctx context.Context, grace time.Duration) (int, error) {
	cutoff := in.Now().Add(-grace)
	var errs []error
	deleted := 0
	for _, prefix := range SweptPrefixes {
		var stale []string
		err := in.Bucket.List(ctx, prefix, func(o storage.ObjectInfo) error {
			if o.ModTime.Before(cutoff) {
				stale = append(stale, o.Key)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("uploads: sweep: list %s: %w", prefix, err))
			continue
		}
		for _, key := range stale {
			used, err := in.Store.ObjectReferenced(ctx, key)
			if err != nil {
				errs = append(errs, fmt.Errorf("uploads: sweep: %w", err))
				if ctx.Err() != nil {
					return deleted, errors.Join(errs...)
				}
				continue
			}
			if used {
				continue
			}
			if err := in.Bucket.Delete(ctx, key); err != nil {
				errs = append(errs, fmt.Errorf("uploads: sweep: delete %s: %w", key, err))
				continue
			}
			deleted++
		}
	}
	n, err := in.sweepTemp(cutoff)
	deleted += n
	if err != nil {
		errs = append(errs, err)
	}
	return deleted, errors.Join(errs...)
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
// logging what each sweep deleted and any failure. serve runs it in the
// background.
func (in *Ingester) RunSweeper(ctx context.Context, interval, grace time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := in.Sweep(ctx, grace)
		if in.Observer != nil && ctx.Err() == nil {
			in.Observer.Swept(n, err)
		}
		switch {
		case err != nil && ctx.Err() == nil:
			in.Logger.ErrorContext(ctx, "uploads: sweep failed", "deleted", n, "error", err)
		case n > 0:
			in.Logger.InfoContext(ctx, "uploads: sweep deleted orphans", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ClearTemp removes every spooled temp file at once, whatever its age. serve
// calls it at start, before it accepts uploads, so an upload cut off by a
// crash leaves no temp file behind after the restart. (An upload still
// running in another process sharing the directory keeps its open file.)
func (in *Ingester) ClearTemp() (int, error) {
	return in.sweepTemp(in.Now().Add(time.Hour))
}
