package main

import (
	"context"
	"log/slog"

	"github.com/lyssna/lyssna/config"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/jobs"
)

// newQueue builds the durable job queue over the store's database. Parts
// register their kinds of job on it while the site is built; startJobs then
// runs it.
func newQueue(cfg *config.Config, store *episodes.Store, logger *slog.Logger) *jobs.Queue {
	d := jobs.SQLite
	if episodes.IsPostgres(cfg.DatabaseURL) {
		d = jobs.Postgres
	}
	return jobs.New(store.DB(), d, jobs.Options{Logger: logger})
}

// startJobs runs the queue's workers until ctx ends or the returned stop is
// called; stop waits for running jobs to finish or be handed back (at most
// the queue's StopGrace).
func startJobs(ctx context.Context, q *jobs.Queue) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}
