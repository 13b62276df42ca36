// Package stats owns download statistics: counting media downloads by the IAB
// Podcast Measurement Technical Guidelines v2.2 (probes, HEAD and bots left
// out; one download per listener, episode and day once a minute of audio has
// been served), classifying user agents with the OPAWG user-agents-v2 data,
// the country from an optional MaxMind database, and the daily aggregates
// producers read. No raw address and no raw event is ever stored: a listener
// is a hash salted with a secret that lives only for its day.
package stats

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// Defaults for Deps.
const (
	DefaultQueueSize     = 65536
	DefaultFlushInterval = time.Second
	// maxWaiting bounds the events kept for the next try while the database
	// is away; beyond it they are dropped and counted as dropped.
	maxWaiting = 262144
)

// Event is one media answer: bytes [Start, End) of the object Key served to
// a client. Addr is already truncated (IPv6 to its /64), so a full client
// address never leaves the request.
type Event struct {
	Key       string
	Addr      netip.Addr
	UserAgent string
	Referrer  string // the page that played the file, if the client said
	Start     int64
	End       int64
	At        time.Time
}

// Deps is what a Counter needs.
type Deps struct {
	Store *episodes.Store
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Classifier names apps and devices and spots bots; nil builds the
	// embedded OPAWG one.
	Classifier *Classifier
	// GeoIP gives countries; nil records every country as unknown.
	GeoIP *GeoIP
	// PageBase is the public base URL of the listener pages: downloads
	// referred by them are plays of the page's player (WebPlayer).
	PageBase string
	// QueueSize bounds the in-memory queue (events); 0 means DefaultQueueSize.
	QueueSize int
	// FlushInterval is how often Run aggregates the queue into the database;
	// 0 means DefaultFlushInterval.
	FlushInterval time.Duration
}

// Metrics are the Counter's running totals since it started.
type Metrics struct {
	Recorded int64 // events accepted into the queue
	Dropped  int64 // events lost: the queue was full or the database away too long
	Ignored  int64 // events that could never count: bots, unpublished or unknown media, late events
	Counted  int64 // downloads counted (each listener, episode and day once)
	Failures int64 // aggregation rounds that failed (the database was away)
	Queued   int64 // events waiting now
}

// Counter takes media events from the request path without ever blocking
// it, and aggregates them into the database in batches.
type Counter struct {
	store    *episodes.Store
	now      func() time.Time
	log      *slog.Logger
	classify *Classifier
	geo      *GeoIP
	pageBase string
	interval time.Duration
	queue    queue

	recorded, dropped, ignored, counted, failures atomic.Int64

	mu      sync.Mutex // one aggregation round at a time; guards the fields below
	waiting []Event    // events of failed rounds, tried again next round
	agg     *aggregator
}

// New returns a Counter; start its Run in a goroutine.
func New(deps Deps) (*Counter, error) {
	if deps.Store == nil {
		return nil, errors.New("stats: a store is needed")
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Classifier == nil {
		c, err := NewClassifier()
		if err != nil {
			return nil, err
		}
		deps.Classifier = c
	}
	if deps.QueueSize <= 0 {
		deps.QueueSize = DefaultQueueSize
	}
	if deps.FlushInterval <= 0 {
		deps.FlushInterval = DefaultFlushInterval
	}
	c := &Counter{
		store: deps.Store, now: deps.Now, log: deps.Logger,
		classify: deps.Classifier, geo: deps.GeoIP, pageBase: strings.TrimRight(deps.PageBase, "/"), interval: deps.FlushInterval,
		queue: queue{max: deps.QueueSize},
	}
	c.agg = newAggregator(c)
	return c, nil
}

// Record queues e without waiting: when the queue is full the event is
// dropped and counted, and the media answer goes on regardless.
func (c *Counter) Record(e Event) {
	if c.queue.push(e) {
		c.recorded.Add(1)
	} else {
		c.dropped.Add(1)
	}
}

// queue holds the events that wait for the next aggregation round, at most
// max. Its slice grows with the traffic and is handed over whole at each
// round, so an idle server holds none of it: a channel of max events held
// their memory from the start (7 MB at DefaultQueueSize), which the garbage
// collector scanned at every cycle, and which counted twice towards the
// heap's goal, hence the process's peak memory.
type queue struct {
	mu     sync.Mutex
	events []Event
	max    int
}

// push adds e unless the queue is full.
func (q *queue) push(e Event) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.events) >= q.max {
		return false
	}
	q.events = append(q.events, e)
	return true
}

// take empties the queue and returns what it held.
func (q *queue) take() []Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	events := q.events
	q.events = nil
	return events
}

// len is how many events wait.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.events)
}

// Metrics returns the running totals, for the metrics endpoint and tests.
func (c *Counter) Metrics() Metrics {
	return Metrics{
		Recorded: c.recorded.Load(), Dropped: c.dropped.Load(), Ignored: c.ignored.Load(),
		Counted: c.counted.Load(), Failures: c.failures.Load(), Queued: int64(c.queue.len()),
	}
}

// Run aggregates the queue every flush interval until ctx ends, then makes
// one last round with a short deadline. A failed round is logged and its
// events wait for the next (within a bound).
func (c *Counter) Run(ctx context.Context) {
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			c.flushLogged(fctx)
			cancel()
			return
		case <-t.C:
			c.flushLogged(ctx)
		}
	}
}

func (c *Counter) flushLogged(ctx context.Context) {
	if err := c.Flush(ctx); err != nil && ctx.Err() == nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "download statistics: aggregation failed; events wait for the next round",
			slog.Any("error", err), slog.Int64("dropped", c.dropped.Load()))
	}
}

// Flush aggregates every event queued so far into the database now. Run
// calls it on its ticker; tests call it to see their events counted.
func (c *Counter) Flush(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	events := c.queue.take()
	if c.waiting != nil {
		events = append(c.waiting, events...) // the older first
		c.waiting = nil
	}
	if len(events) == 0 {
		return c.agg.cleanup(ctx)
	}
	if err := c.agg.apply(ctx, events); err != nil {
		c.failures.Add(1)
		if len(events) > maxWaiting {
			c.dropped.Add(int64(len(events) - maxWaiting))
			events = events[len(events)-maxWaiting:]
		}
		c.waiting = events
		return err
	}
	return c.agg.cleanup(ctx)
}
