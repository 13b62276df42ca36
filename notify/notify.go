// Package notify tells podcast apps and directories that a show's feed
// changed, as soon as it changes: it pings the WebSub hubs the feed names
// (W3C WebSub publish), Podcast Index's hub/pubnotify and Podping.
//
// Notifications go through a durable outbox: the jobs table (package jobs),
// one job per change of a show per target, retried with backoff and kept
// across restarts. A change is noticed as a new show version, which every
// committed write to the show or its episodes raises; but many writes (a
// draft's edit, a private show's, a field no feed carries) leave the feed
// as it was, and pinging for those would have every hub and directory
// fetch an unchanged feed. So the notifier builds the show's shared feed
// (Deps.Feed, feed.PublicContent: its first page, the one apps poll) and
// notifies only when the feed's digest differs from the one recorded with
// the last version compared. notify_shows holds, per show, that version
// and digest and the last version notified; comparing, raising them and
// enqueueing the jobs is one transaction that locks the show's row, and
// the job keys are (show, version, target), so replicas that notice the
// same change enqueue it once.
//
// Who is told depends on the show's visibility: every target for a public
// show; for an unlisted one, or one blocked from directories, only the
// WebSub hubs, which pass the ping on to those who subscribed to the feed
// by its link (pubnotify and Podping announce a feed to directories, a
// listing such a show is never in); nobody for a private show, whose
// shared feed answers 404.
//
// A change is noticed two ways. The store announces this process's writes
// (Notifier.Changed, registered with episodes.Store.Listen), which makes
// the notification immediate. And every Interval each replica promotes the
// scheduled episodes whose time has come by the database's clock
// (Store.PromoteDue: a scheduled episode becomes public without anyone
// writing, so somebody must write it down) and then compares every show's
// version with notify_shows: that finds the promotions, and changes whose
// writer died before it enqueued. A show seen for the first time this way is
// recorded without a notification, so that turning notifications on does
// not ping every show at once.
//
// The last notification of each show to each target, with its time and
// error, is kept in notify_targets for the producer UI and the API
// (Notifier.Status).
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/jobs"
)

// Settings are the targets to notify; the zero value notifies nobody.
type Settings struct {
	// WebSubHubs are the hubs the feed names with atom:link rel="hub"
	// (LYSSNA_WEBSUB_HUBS).
	WebSubHubs []string
	// PubNotifyURL is Podcast Index's hub/pubnotify endpoint; "" is off
	// (LYSSNA_PUBNOTIFY, LYSSNA_PUBNOTIFY_URL).
	PubNotifyURL string
	// PodpingURL and PodpingToken reach Podping; no token is off
	// (LYSSNA_PODPING_URL, LYSSNA_PODPING_TOKEN).
	PodpingURL   string
	PodpingToken string
}

// Deps are what a Notifier needs.
type Deps struct {
	Store *episodes.Store
	Jobs  *jobs.Queue
	// FeedURL is the public URL of a show's feed, the topic of every ping.
	FeedURL func(showSlug string) string
	// Feed builds the show's shared feed and digests it (feed.PublicContent);
	// episodes.ErrNotFound when there is no such show.
	Feed     func(ctx context.Context, showSlug string) (FeedState, error)
	Settings Settings
	// Client sends the pings. Default: an http.Client with a 15 s timeout.
	Client *http.Client
	// UserAgent is sent with every ping. Default "Lyssna".
	UserAgent string
	// Interval is how often scheduled episodes are promoted and versions
	// compared. Default 30 s.
	Interval time.Duration
	// Backoff is the wait after a failed attempt. Default jobs.DefaultBackoff.
	Backoff func(attempt int) time.Duration
	Logger  *slog.Logger
}

// FeedState is a show's shared feed as the notifier compares it; the
// fields are feed.Content's.
type FeedState struct {
	// ShowID and Version are the show's, and the version the feed was
	// built at.
	ShowID  int64
	Version int64
	// Visibility and Blocked (the show's block) decide who is told.
	Visibility string
	Blocked    bool
	// Hash digests what the feed says; "" when the show has no shared feed.
	Hash string
}

// JobKind is the kind of the outbox's jobs.
const JobKind = "notify"

// Target kinds.
const (
	WebSub    = "websub"
	PubNotify = "pubnotify"
	Podping   = "podping"
)

// target is one place to notify. name is what the outbox stores.
type target struct {
	kind, url, name string
}

// tells reports whether t hears of a show of the given visibility and
// block: a public show is announced everywhere; an unlisted one, or one
// that asks directories to leave it out (block, as an imported show does
// until its move is confirmed), only to the WebSub hubs, which pass it on
// to the feed's subscribers alone; a private one (whose shared feed
// answers 404) nowhere.
func (t target) tells(visibility string, blocked bool) bool {
	switch {
	case visibility == episodes.VisibilityPublic && !blocked:
		return true
	case visibility == episodes.VisibilityPublic, visibility == episodes.VisibilityUnlisted:
		return t.kind == WebSub
	}
	return false
}

// Notifier enqueues and sends the notifications of feed changes.
type Notifier struct {
	d       Deps
	db      *sql.DB
	targets []target

	mu      sync.Mutex
	pending map[int64]bool // shows this process changed, not yet looked at
	wake    chan struct{}
}

// maxPending bounds the shows remembered between passes; past it, the
// periodic pass finds the rest.
const maxPending = 10000

// New builds a Notifier and registers its kind of job on d.Jobs.
func New(d Deps) (*Notifier, error) {
	if d.Store == nil || d.Jobs == nil || d.FeedURL == nil || d.Feed == nil {
		return nil, errors.New("notify: Store, Jobs, FeedURL and Feed are required")
	}
	if d.Client == nil {
		d.Client = &http.Client{Timeout: 15 * time.Second}
	}
	if d.UserAgent == "" {
		d.UserAgent = "Lyssna"
	}
	if d.Interval <= 0 {
		d.Interval = 30 * time.Second
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	n := &Notifier{d: d, db: d.Store.DB(), pending: map[int64]bool{}, wake: make(chan struct{}, 1)}
	for _, h := range d.Settings.WebSubHubs {
		n.targets = append(n.targets, target{kind: WebSub, url: h, name: WebSub + " " + h})
	}
	if d.Settings.PubNotifyURL != "" {
		n.targets = append(n.targets, target{kind: PubNotify, url: d.Settings.PubNotifyURL, name: PubNotify})
	}
	if d.Settings.PodpingToken != "" && d.Settings.PodpingURL != "" {
		n.targets = append(n.targets, target{kind: Podping, url: d.Settings.PodpingURL, name: Podping})
	}
	err := d.Jobs.Register(jobs.Kind{Name: JobKind, Handle: n.handle, Workers: 4, Lease: time.Minute,
		MaxAttempts: 12, Backoff: d.Backoff})
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	return n, nil
}

// Enabled reports whether any target is configured.
func (n *Notifier) Enabled() bool { return len(n.targets) > 0 }

// Changed notes a change the store announced, for the next pass; register
// it with episodes.Store.Listen. It does not touch the database.
func (n *Notifier) Changed(ch episodes.Change) {
	if !n.Enabled() {
		return
	}
	n.mu.Lock()
	if len(n.pending) < maxPending {
		n.pending[ch.ShowID] = true
	}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run enqueues notifications until ctx ends: at once for the changes this
// process announces, and every Interval for scheduled episodes that went
// live and for changes made elsewhere. The queue (jobs.Queue.Run) sends
// them. Run does nothing when no target is configured.
func (n *Notifier) Run(ctx context.Context) {
	if !n.Enabled() {
		return
	}
	tick := time.NewTicker(n.d.Interval)
	defer tick.Stop()
	periodic := true // at start: record every show's version
	for {
		if periodic {
			n.promote(ctx)
		}
		n.mu.Lock()
		heard := make([]int64, 0, len(n.pending))
		for id := range n.pending {
			heard = append(heard, id)
		}
		clear(n.pending)
		n.mu.Unlock()
		for _, id := range heard {
			n.logPass(ctx, n.sync(ctx, id, true))
		}
		if periodic {
			n.logPass(ctx, n.sync(ctx, 0, false))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			periodic = true
		case <-n.wake:
			periodic = false
		}
	}
}

func (n *Notifier) logPass(ctx context.Context, err error) {
	if err != nil && ctx.Err() == nil {
		n.d.Logger.Warn("notify: unable to enqueue notifications; the next pass tries again", "error", err)
	}
}

// passTimeout bounds one pass's database work.
const passTimeout = time.Minute

// promote writes down the scheduled episodes whose time has come by the
// database's clock; the store announces each promotion (Changed).
func (n *Notifier) promote(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, passTimeout)
	defer cancel()
	now, err := n.d.Jobs.Now(ctx)
	if err == nil {
		var due []int64
		if due, err = n.d.Store.DueShows(ctx, now); err == nil {
			for _, id := range due {
				if _, perr := n.d.Store.PromoteDue(ctx, id, now); perr != nil {
					err = perr
				}
			}
		}
	}
	if err != nil && ctx.Err() == nil {
		n.d.Logger.Warn("notify: unable to promote scheduled episodes; the next pass tries again", "error", err)
	}
}

// sync enqueues the notifications of the shows (showID, or every show when
// 0) whose version moved past the one compared. heard says this process
// made the change: a show not seen before is then notified, where a
// periodic pass only records its version. A show that fails is left for
// the next pass; the others go on.
func (n *Notifier) sync(ctx context.Context, showID int64, heard bool) error {
	changes, err := n.moved(ctx, showID)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range changes {
		if err := n.compare(ctx, c.id, c.slug, heard); err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}

// show names a show whose version moved.
type show struct {
	id   int64
	slug string
}

// moved lists the shows (showID, or every show when 0) whose version
// moved past the one compared, or that were never compared.
func (n *Notifier) moved(ctx context.Context, showID int64) ([]show, error) {
	ctx, cancel := context.WithTimeout(ctx, passTimeout)
	defer cancel()
	q := `SELECT s.id, s.slug FROM shows s LEFT JOIN notify_shows n ON n.show_id = s.id
		WHERE (n.version IS NULL OR n.version < s.version)`
	var args []any
	if showID != 0 {
		q += ` AND s.id = $1`
		args = append(args, showID)
	}
	rows, err := n.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("notify: compare show versions: %w", err)
	}
	defer rows.Close()
	var out []show
	for rows.Next() {
		var s show
		if err := rows.Scan(&s.id, &s.slug); err != nil {
			return nil, fmt.Errorf("notify: compare show versions: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: compare show versions: %w", err)
	}
	return out, nil
}

// compare builds the show's feed and records it, enqueueing notifications
// when it says something new.
func (n *Notifier) compare(ctx context.Context, showID int64, slug string, heard bool) error {
	ctx, cancel := context.WithTimeout(ctx, passTimeout)
	defer cancel()
	f, err := n.d.Feed(ctx, slug)
	if errors.Is(err, episodes.ErrNotFound) || (err == nil && f.ShowID != showID) {
		return nil // deleted or renamed meanwhile: the next pass looks again
	}
	if err != nil {
		return fmt.Errorf("notify: build the feed of %q: %w", slug, err)
	}
	return n.enqueue(ctx, showID, f, heard)
}

// payload is a notification job's.
type payload struct {
	ShowID  int64  `json:"show_id"`
	Version int64  `json:"version"`
	Target  string `json:"target"`
}

// enqueue records f as the show's feed when it is newer than the one
// recorded and, when its digest differs from that one's, enqueues one job
// per target its visibility allows. A show not recorded before is notified
// only when heard is set.
func (n *Notifier) enqueue(ctx context.Context, showID int64, f FeedState, heard bool) error {
	tx, err := n.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("notify: begin: %w", err)
	}
	defer tx.Rollback()
	// The no-op write locks the show's row, and reads it as the last
	// writer left it: on PostgreSQL a concurrent replica's same statement
	// waits for this transaction and then reads what it wrote (SQLite's
	// transactions are IMMEDIATE: one at a time).
	var version int64
	var hash string
	var tell bool
	err = tx.QueryRowContext(ctx, `UPDATE notify_shows SET version = version WHERE show_id = $1 RETURNING version, feed_hash`,
		showID).Scan(&version, &hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		res, err := tx.ExecContext(ctx, `INSERT INTO notify_shows (show_id, version, feed_hash) VALUES ($1, $2, $3)
			ON CONFLICT (show_id) DO NOTHING`, showID, f.Version, f.Hash)
		if err != nil {
			if isForeignKey(err) {
				return nil // the show was deleted meanwhile
			}
			return fmt.Errorf("notify: record version %d of show %d: %w", f.Version, showID, err)
		}
		if added, err := res.RowsAffected(); err != nil || added == 0 {
			return err // another replica recorded it just now; the next pass compares with that
		}
		tell = heard
	case err != nil:
		return fmt.Errorf("notify: read the recorded version of show %d: %w", showID, err)
	case version >= f.Version:
		return nil // recorded already, by another pass or replica
	default:
		_, err := tx.ExecContext(ctx, `UPDATE notify_shows SET version = $2, feed_hash = $3 WHERE show_id = $1`,
			showID, f.Version, f.Hash)
		if err != nil {
			return fmt.Errorf("notify: record version %d of show %d: %w", f.Version, showID, err)
		}
		tell = hash != f.Hash
	}
	if tell && f.Hash != "" {
		if err := n.enqueueJobs(ctx, tx, showID, f); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("notify: commit version %d of show %d: %w", f.Version, showID, err)
	}
	return nil
}

// enqueueJobs enqueues, inside tx, the notifications of f to every target
// its visibility allows, and records its version as the last notified.
func (n *Notifier) enqueueJobs(ctx context.Context, tx *sql.Tx, showID int64, f FeedState) error {
	queued := false
	for _, t := range n.targets {
		if !t.tells(f.Visibility, f.Blocked) {
			continue
		}
		_, err := n.d.Jobs.EnqueueTx(ctx, tx, jobs.Work{Kind: JobKind,
			Key:     fmt.Sprintf("%d/%d/%s", showID, f.Version, t.name),
			Payload: payload{ShowID: showID, Version: f.Version, Target: t.name}})
		if err != nil {
			return fmt.Errorf("notify: %w", err)
		}
		queued = true
	}
	if !queued {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE notify_shows SET notified = $2 WHERE show_id = $1`, showID, f.Version)
	if err != nil {
		return fmt.Errorf("notify: record version %d of show %d as notified: %w", f.Version, showID, err)
	}
	return nil
}

// isForeignKey reports whether err is a foreign key violation (the show
// is gone), on either database.
func isForeignKey(err error) bool {
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "SQLSTATE 23503")
}
