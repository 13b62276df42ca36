package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"time"

	"github.com/lyssna/lyssna/config"
	"github.com/lyssna/lyssna/uploads"
)

// runSweep runs one sweep now, as serve does every 15 minutes, and prints
// every object it deleted and how many it kept, by state.
func runSweep(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("sweep")
	reconcile := fs.Bool("reconcile", false, "also list the whole bucket now and record the objects the database does not know")
	cfg, err := c.loadConfig(fs, "sweep", args)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, false, c.sayDatabase)
	if err != nil {
		return err
	}
	defer store.Close()
	bucket, closeBucket, err := openBucket(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeBucket.Close()
	in, err := uploads.New(uploads.Deps{Store: store, Bucket: bucket, TempDir: filepath.Join(cfg.DataDir, "tmp"),
		Now: time.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("prepare uploads under the data directory (LYSSNA_DATA_DIR): %w", err)
	}
	opts := sweepOptions(cfg)
	opts.Reconcile, opts.Count = *reconcile, true
	rep, err := in.Sweep(ctx, opts)
	if rep.Skipped {
		fmt.Fprintln(c.stdout, "Another replica is sweeping now; nothing done.")
		return err
	}
	for _, k := range rep.Deleted {
		fmt.Fprintf(c.stdout, "deleted %s\n", k)
	}
	if rep.Reconciled {
		fmt.Fprintf(c.stdout, "reconciled: listed %d objects, %d of them unknown to the database and now recorded\n", rep.Listed, rep.Adopted)
	}
	fmt.Fprintf(c.stdout, "deleted %d objects and %d temp files, aborted %d incomplete uploads\n", len(rep.Deleted), rep.TempFiles, rep.Aborted)
	states := make([]string, 0, len(rep.Kept))
	for st := range rep.Kept {
		states = append(states, st)
	}
	sort.Strings(states)
	for _, st := range states {
		fmt.Fprintf(c.stdout, "kept %d %s\n", rep.Kept[st], st)
	}
	if err != nil {
		return fmt.Errorf("the sweep did not finish: %w", err)
	}
	return nil
}

// sweepOptions are the sweep's settings.
func sweepOptions(cfg *config.Config) uploads.SweepOptions {
	return uploads.SweepOptions{Retention: cfg.MediaRetention, Grace: cfg.SweepGrace, ReconcileEvery: cfg.SweepReconcileInterval}
}
