// Package jobs owns durable background work: a queue of jobs in the
// database (the jobs table) that any number of replicas work through
// together, each job run to completion once even when a replica dies
// mid-job.
//
// A job has a kind, which names its handler, and a key: enqueueing the same
// kind and key again is one job, so two replicas that hear of the same work
// enqueue it once. A worker claims a due job with a lease (its owner name
// until a time by the database's clock), renews the lease while the handler
// runs, and completes the job or fails it; a failed job runs again after a
// backoff, until its kind's MaxAttempts. A job whose lease ran out (its
// replica crashed or hung) is claimed again by the next worker that looks.
// Every time that decides (due, leased, expired) is the database's, so
// replicas whose clocks differ agree.
//
// Claiming is one statement on both databases: on PostgreSQL an UPDATE of
// rows picked FOR UPDATE SKIP LOCKED, so concurrent workers pass over each
// other's rows instead of waiting; on SQLite, which runs one writer at a
// time, a single UPDATE ... RETURNING guarded by state and lease.
//
// riverqueue/river was considered: it is the better-featured queue for Go,
// but it runs on PostgreSQL only, and Lyssna's embedded default is SQLite,
// so the queue is this small package over database/sql instead.
package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/lyssna/lyssna/internal/dbtime"
)

// Dialect is the SQL database the queue runs on.
type Dialect int

// The dialects.
const (
	SQLite Dialect = iota
	Postgres
)

// State is where a job is in its life.
type State string

// The states of a job.
const (
	Queued  State = "queued"  // waiting for its run time or a worker
	Running State = "running" // claimed by a worker under a lease
	Done    State = "done"    // its handler succeeded
	Failed  State = "failed"  // out of attempts, or failed permanently
)

// ErrNotFound is returned by Get for a job that does not exist.
var ErrNotFound = errors.New("jobs: no such job")

// Job is one piece of work as stored.
type Job struct {
	ID          int64
	Kind        string
	Key         string
	Payload     json.RawMessage
	State       State
	Attempts    int // claims so far, the current one included
	MaxAttempts int
	RunAt       time.Time // when it is (or was) due
	LastError   string
	CreatedAt   time.Time
	FinishedAt  time.Time // zero until done or failed
}

// Decode unmarshals the job's payload into v.
func (j *Job) Decode(v any) error {
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return fmt.Errorf("jobs: decode the payload of %s job %q: %w", j.Kind, j.Key, err)
	}
	return nil
}

// Handler does a job's work. It must stop when ctx ends (the lease was lost
// or the queue is stopping); an error fails the attempt, which runs again
// after a backoff unless the error is Permanent.
type Handler func(ctx context.Context, job *Job) error

// Kind is a kind of job and how it runs.
type Kind struct {
	// Name is the kind stored with each job.
	Name string
	// Handle runs one job.
	Handle Handler
	// Workers is how many jobs of the kind run at once in this process.
	// Default 1.
	Workers int
	// Lease is how long a claim holds without being renewed; the worker
	// renews it every third of it while the handler runs. A replica that
	// dies holds its jobs this long. Default one minute.
	Lease time.Duration
	// MaxAttempts is how many times a job is tried before it is left
	// failed. Default 10.
	MaxAttempts int
	// Backoff is the wait before the next try after the attempt-th failed
	// (attempt counts from 1). Default DefaultBackoff.
	Backoff func(attempt int) time.Duration
}

// DefaultBackoff waits 10 s after the first failure and doubles each time,
// up to an hour.
func DefaultBackoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// permanent marks an error that must not be retried.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so that the job fails now, without further attempts.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err, or an error it wraps, came from Permanent.
func IsPermanent(err error) bool { return errors.As(err, new(permanent)) }

// Options tune a Queue. The zero value is usable.
type Options struct {
	// Owner names this process in the leases it takes. Default host name,
	// process id and a random part.
	Owner string
	// Poll is how often an idle worker looks for due jobs (an Enqueue in
	// the same process wakes it at once). Default one second.
	Poll time.Duration
	// StopGrace is how long Run, once its context ends, lets running jobs
	// finish before it cancels them; a cancelled job is queued again
	// without counting the attempt. Default 10 s.
	StopGrace time.Duration
	// Retention is how long done and failed jobs are kept: while a job is
	// kept, enqueueing its key again does nothing. Default 30 days.
	Retention time.Duration
	// Logger receives failed attempts and lost leases. Default slog.Default().
	Logger *slog.Logger
}

// Queue enqueues jobs and, while Run runs, works through them. It is safe
// for concurrent use; several Queues (replicas) may share one database.
type Queue struct {
	db      *sql.DB
	dialect Dialect
	opts    Options

	mu    sync.Mutex
	kinds map[string]*kind
}

// kind is a registered Kind with its wake-up channel.
type kind struct {
	Kind
	wake chan struct{}
}

// New returns a Queue over db, which must have the jobs table (the episodes
// migrations create it).
func New(db *sql.DB, d Dialect, opts Options) *Queue {
	if opts.Owner == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		rand.Read(b)
		opts.Owner = host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b)
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.StopGrace <= 0 {
		opts.StopGrace = 10 * time.Second
	}
	if opts.Retention <= 0 {
		opts.Retention = 30 * 24 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Queue{db: db, dialect: d, opts: opts, kinds: map[string]*kind{}}
}

// Dialect is the database the queue runs on.
func (q *Queue) Dialect() Dialect { return q.dialect }

// Owner is the name this Queue's leases carry.
func (q *Queue) Owner() string { return q.opts.Owner }

// Register adds a kind of job. Register every kind while wiring, before
// Enqueue or Run; a process enqueues only kinds it registered, so every
// job's MaxAttempts is its kind's.
func (q *Queue) Register(k Kind) error {
	if k.Name == "" || k.Handle == nil {
		return errors.New("jobs: a kind needs a Name and a Handle")
	}
	if k.Workers <= 0 {
		k.Workers = 1
	}
	if k.Lease <= 0 {
		k.Lease = time.Minute
	}
	if k.MaxAttempts <= 0 {
		k.MaxAttempts = 10
	}
	if k.Backoff == nil {
		k.Backoff = DefaultBackoff
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.kinds[k.Name]; ok {
		return fmt.Errorf("jobs: kind %q is registered twice", k.Name)
	}
	q.kinds[k.Name] = &kind{Kind: k, wake: make(chan struct{}, 1)}
	return nil
}

func (q *Queue) kind(name string) (*kind, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	k, ok := q.kinds[name]
	if !ok {
		return nil, fmt.Errorf("jobs: kind %q is not registered", name)
	}
	return k, nil
}

// Work is a job to enqueue.
type Work struct {
	Kind string
	// Key identifies the work within its kind: a second Enqueue with the
	// same key, while the first job is kept, does nothing.
	Key string
	// Payload is marshalled to JSON and handed to the handler in Job.Payload.
	Payload any
	// Delay puts the job's run time this far after the database's now.
	Delay time.Duration
}

// execer is what both *sql.DB and *sql.Tx offer for writing.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Enqueue stores w as a job, and reports whether it is new (false: a job
// with its kind and key exists already).
func (q *Queue) Enqueue(ctx context.Context, w Work) (bool, error) {
	return q.enqueue(ctx, q.db, w)
}

// EnqueueTx is Enqueue inside tx, so that the job exists exactly when the
// rest of tx commits. The workers of this process are woken when it is
// called, and find the job once tx commits (or at their next poll).
func (q *Queue) EnqueueTx(ctx context.Context, tx *sql.Tx, w Work) (bool, error) {
	return q.enqueue(ctx, tx, w)
}

func (q *Queue) enqueue(ctx context.Context, x execer, w Work) (bool, error) {
	k, err := q.kind(w.Kind)
	if err != nil {
		return false, err
	}
	if w.Key == "" {
		return false, fmt.Errorf("jobs: a %s job needs a key", w.Kind)
	}
	payload := []byte("{}")
	if w.Payload != nil {
		if payload, err = json.Marshal(w.Payload); err != nil {
			return false, fmt.Errorf("jobs: encode the payload of %s job %q: %w", w.Kind, w.Key, err)
		}
	}
	res, err := x.ExecContext(ctx, q.pick(
		`INSERT INTO jobs (kind, key, payload, max_attempts, run_at) VALUES ($1, $2, $3::jsonb, $4, now() + $5::interval)
			ON CONFLICT (kind, key) DO NOTHING`,
		`INSERT INTO jobs (kind, key, payload, max_attempts, run_at) VALUES ($1, $2, $3, $4, `+sqliteNowPlus("$5")+`)
			ON CONFLICT (kind, key) DO NOTHING`),
		w.Kind, w.Key, string(payload), k.MaxAttempts, interval(w.Delay))
	if err != nil {
		return false, fmt.Errorf("jobs: enqueue %s job %q: %w", w.Kind, w.Key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("jobs: enqueue %s job %q: %w", w.Kind, w.Key, err)
	}
	select {
	case k.wake <- struct{}{}:
	default:
	}
	return n == 1, nil
}

// Get returns the job of kind with key; ErrNotFound when there is none.
func (q *Queue) Get(ctx context.Context, kind, key string) (*Job, error) {
	row := q.db.QueryRowContext(ctx, `SELECT `+q.jobColumns()+` FROM jobs WHERE kind = $1 AND key = $2`, kind, key)
	j, err := scanJob(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: read %s job %q: %w", kind, key, err)
	}
	return j, nil
}

// Now returns the database's clock, the one every lease and run time is
// measured by.
func (q *Queue) Now(ctx context.Context) (time.Time, error) {
	var t dbtime.Time
	if err := q.db.QueryRowContext(ctx, q.pick(`SELECT now()`, `SELECT `+sqliteNow)).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("jobs: read the database clock: %w", err)
	}
	return t.Time, nil
}

// pick returns the statement for the queue's dialect.
func (q *Queue) pick(postgres, sqlite string) string {
	if q.dialect == Postgres {
		return postgres
	}
	return sqlite
}

// sqliteNow is SQLite's now in the fixed-width text the jobs table keeps.
const sqliteNow = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`

// sqliteNowPlus is SQLite's now moved by the interval in param.
func sqliteNowPlus(param string) string {
	return `strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ` + param + `)`
}

// interval formats d as both PostgreSQL's interval input and SQLite's date
// modifier understand it.
func interval(d time.Duration) string {
	return fmt.Sprintf("%+.3f seconds", d.Seconds())
}

// jobColumns lists a job's columns, the payload as text on both dialects.
func (q *Queue) jobColumns() string {
	return `id, kind, key, ` + q.pick(`payload::text`, `payload`) +
		`, state, attempts, max_attempts, run_at, last_error, created_at, finished_at`
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanJob(r scanner) (*Job, error) {
	var j Job
	var payload string
	var state string
	var runAt, created, finished dbtime.Time
	if err := r.Scan(&j.ID, &j.Kind, &j.Key, &payload, &state, &j.Attempts, &j.MaxAttempts,
		&runAt, &j.LastError, &created, &finished); err != nil {
		return nil, err
	}
	j.Payload, j.State = json.RawMessage(payload), State(state)
	j.RunAt, j.CreatedAt, j.FinishedAt = runAt.Time, created.Time, finished.Time
	return &j, nil
}
