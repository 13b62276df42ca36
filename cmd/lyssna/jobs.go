package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/lyssna/lyssna/config"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/feed"
	"github.com/lyssna/lyssna/jobs"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/notify"
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

// newNotifier builds the notifier of feed changes (WebSub, pubnotify,
// Podping) with its outbox on the queue, and registers it with the store's
// change announcements. Its digest of a feed builds through items, the feed
// cache's item cache (site.NewFeedItems), so that it encodes only what an
// edit changed.
func newNotifier(cfg *config.Config, store *episodes.Store, q *jobs.Queue, lb links.Builder, items *feed.ItemCache, logger *slog.Logger) (*notify.Notifier, error) {
	s := notify.Settings{WebSubHubs: cfg.WebSubHubs, PodpingURL: cfg.PodpingURL, PodpingToken: cfg.PodpingToken}
	if cfg.PubNotify {
		s.PubNotifyURL = cfg.PubNotifyURL
	}
	n, err := notify.New(notify.Deps{Store: store, Jobs: q, FeedURL: lb.Feed, Settings: s,
		// The digest is taken at the database's clock, the one the
		// notifier promotes scheduled episodes by, so a replica whose own
		// clock lags does not digest a feed without the episode it just
		// promoted (and record that as the announced state).
		Feed: func(ctx context.Context, slug string) (notify.FeedState, error) {
			now, err := q.Now(ctx)
			if err != nil {
				return notify.FeedState{}, err
			}
			c, err := feed.PublicContent(ctx, store, lb, items, slug, now)
			return notify.FeedState(c), err
		},
		UserAgent: "Lyssna/" + version, Logger: logger})
	if err != nil {
		return nil, err
	}
	store.Listen(n.Changed)
	return n, nil
}

// feedLinks is the URL builder for feeds and pages: OP3 prefixes, and the
// WebSub hubs and Podping flag the feeds announce.
func feedLinks(cfg *config.Config, baseURL string) links.Builder {
	return links.New(baseURL).WithOP3(cfg.OP3).WithHubs(cfg.WebSubHubs...).WithPodping(cfg.PodpingToken != "")
}

// startJobs runs the queue's workers and the notifier until ctx ends or
// the returned stop is called; stop waits for running jobs to finish or be
// handed back (at most the queue's StopGrace).
func startJobs(ctx context.Context, q *jobs.Queue, n *notify.Notifier) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		q.Run(ctx)
	}()
	go func() {
		defer wg.Done()
		n.Run(ctx)
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}
