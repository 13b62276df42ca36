package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// This file is the working side of the queue: claiming due jobs under a
// lease, renewing it, and recording how each attempt ended. Every statement
// after the claim is fenced by (id, lease owner, attempts): a worker whose
// lease ran out and was taken over can no longer change the job.

// claim leases up to n due jobs of kind k to this queue: queued jobs whose
// run time has come, and running jobs whose lease has run out (their
// worker died) with attempts left.
func (q *Queue) claim(ctx context.Context, k *kind, n int) ([]*Job, error) {
	due := `kind = $3 AND ((state = 'queued' AND run_at <= NOW) OR
		(state = 'running' AND lease_until < NOW AND attempts < max_attempts))
		ORDER BY run_at, id LIMIT $4`
	var query string
	if q.dialect == Postgres {
		query = `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, lease_until = now() + $2::interval
			WHERE id IN (SELECT id FROM jobs WHERE ` + strings.ReplaceAll(due, "NOW", "now()") + ` FOR UPDATE SKIP LOCKED)
			RETURNING ` + q.jobColumns()
	} else {
		query = `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, lease_until = ` + sqliteNowPlus("$2") + `
			WHERE id IN (SELECT id FROM jobs WHERE ` + strings.ReplaceAll(due, "NOW", sqliteNow) + `)
			RETURNING ` + q.jobColumns()
	}
	rows, err := q.db.QueryContext(ctx, query, q.opts.Owner, interval(k.Lease), k.Name, n)
	if err != nil {
		return nil, fmt.Errorf("jobs: claim %s jobs: %w", k.Name, err)
	}
	defer rows.Close()
	var claimed []*Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("jobs: claim %s jobs: %w", k.Name, err)
		}
		claimed = append(claimed, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs: claim %s jobs: %w", k.Name, err)
	}
	return claimed, nil
}

// fence is the WHERE clause that holds only while this worker's claim does.
const fence = ` WHERE id = $1 AND lease_owner = $2 AND attempts = $3 AND state = 'running'`

// now returns the dialect's now, and nowPlus its now moved by param.
func (q *Queue) now() string { return q.pick(`now()`, sqliteNow) }

func (q *Queue) nowPlus(param string) string {
	return q.pick(`now() + `+param+`::interval`, sqliteNowPlus(param))
}

// fenced runs an UPDATE of the claimed job j and reports whether the claim
// still held.
func (q *Queue) fenced(ctx context.Context, j *Job, set string, args ...any) (bool, error) {
	res, err := q.db.ExecContext(ctx, `UPDATE jobs SET `+set+fence, append([]any{j.ID, q.opts.Owner, j.Attempts}, args...)...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// extend renews the lease on j.
func (q *Queue) extend(ctx context.Context, j *Job, lease time.Duration) (bool, error) {
	return q.fenced(ctx, j, `lease_until = `+q.nowPlus("$4"), interval(lease))
}

// complete marks j done.
func (q *Queue) complete(ctx context.Context, j *Job) (bool, error) {
	return q.fenced(ctx, j, `state = 'done', lease_owner = NULL, lease_until = NULL, last_error = '', finished_at = `+q.now())
}

// fail records a failed attempt: the job runs again after wait, or is left
// failed when it is out of attempts or the error is permanent.
func (q *Queue) fail(ctx context.Context, j *Job, cause error, wait time.Duration) (bool, error) {
	final := IsPermanent(cause)
	dead := `($4 OR attempts >= max_attempts)`
	return q.fenced(ctx, j, `state = CASE WHEN `+dead+` THEN 'failed' ELSE 'queued' END,
		finished_at = CASE WHEN `+dead+` THEN `+q.now()+` ELSE NULL END,
		run_at = `+q.nowPlus("$5")+`, last_error = $6, lease_owner = NULL, lease_until = NULL`,
		final, interval(wait), errorText(cause))
}

// release queues j again at once without counting the attempt: the queue
// stopped it, the job did not fail.
func (q *Queue) release(ctx context.Context, j *Job) (bool, error) {
	return q.fenced(ctx, j, `state = 'queued', attempts = attempts - 1, run_at = `+q.now()+`, lease_owner = NULL, lease_until = NULL`)
}

// errorText is what last_error keeps of err: bounded, so a handler that
// fails with a whole response body does not bloat the row.
func errorText(err error) string {
	s := err.Error()
	if len(s) > 2000 {
		s = s[:2000] + "…"
	}
	return s
}

// maintain leaves failed the running jobs whose lease ran out on their last
// attempt (no worker may claim them again), and deletes the done and failed
// jobs older than Retention.
func (q *Queue) maintain(ctx context.Context) error {
	if _, err := q.db.ExecContext(ctx, `UPDATE jobs SET state = 'failed', finished_at = `+q.now()+`,
		last_error = 'the lease ran out on the last attempt (the worker stopped or hung)', lease_owner = NULL, lease_until = NULL
		WHERE state = 'running' AND lease_until < `+q.now()+` AND attempts >= max_attempts`); err != nil {
		return fmt.Errorf("jobs: fail expired jobs: %w", err)
	}
	if _, err := q.db.ExecContext(ctx, `DELETE FROM jobs WHERE finished_at < `+q.nowPlus("$1"),
		interval(-q.opts.Retention)); err != nil {
		return fmt.Errorf("jobs: delete old jobs: %w", err)
	}
	return nil
}

// maintainEvery is how often Run calls maintain.
const maintainEvery = 10 * time.Minute

// dbTimeout bounds each of the queue's own statements.
const dbTimeout = 30 * time.Second

// Run works through the jobs of every registered kind, each with its
// Workers, until ctx ends; then it stops claiming, gives running jobs
// StopGrace to finish, cancels the rest (they are queued again) and
// returns once every handler has returned. Run it once per process.
func (q *Queue) Run(ctx context.Context) error {
	q.mu.Lock()
	kinds := make([]*kind, 0, len(q.kinds))
	for _, k := range q.kinds {
		kinds = append(kinds, k)
	}
	q.mu.Unlock()
	// hard ends StopGrace after ctx: handlers run under it, not under ctx.
	hard, cancelHard := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHard()
	stopped := context.AfterFunc(ctx, func() {
		t := time.NewTimer(q.opts.StopGrace)
		defer t.Stop()
		select {
		case <-t.C:
			cancelHard()
		case <-hard.Done():
		}
	})
	defer stopped()

	var wg sync.WaitGroup
	for _, k := range kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q.dispatch(ctx, hard, k)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(maintainEvery)
		defer t.Stop()
		for {
			mctx, cancel := context.WithTimeout(ctx, dbTimeout)
			if err := q.maintain(mctx); err != nil && ctx.Err() == nil {
				q.opts.Logger.Warn("jobs: maintenance failed", "error", err)
			}
			cancel()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	wg.Wait()
	return nil
}

// dispatch claims k's jobs while it has free workers and runs each in a
// goroutine of its own, until ctx ends; it returns when its jobs have.
func (q *Queue) dispatch(ctx, hard context.Context, k *kind) {
	var wg sync.WaitGroup
	defer wg.Wait()
	free := make(chan struct{}, k.Workers) // a token per free worker
	for range k.Workers {
		free <- struct{}{}
	}
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		case <-k.wake:
		}
		// Take every free worker, claim that many, give back what is unused.
		n := 0
	take:
		for {
			select {
			case <-free:
				n++
			default:
				break take
			}
		}
		var claimed []*Job
		if n > 0 {
			cctx, cancel := context.WithTimeout(ctx, dbTimeout)
			var err error
			claimed, err = q.claim(cctx, k, n)
			cancel()
			if err != nil && ctx.Err() == nil {
				q.opts.Logger.Warn("jobs: claim failed", "kind", k.Name, "error", err)
			}
		}
		for range n - len(claimed) {
			free <- struct{}{}
		}
		for _, j := range claimed {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { free <- struct{}{} }()
				q.run(hard, k, j)
				select { // a worker is free: look again now
				case k.wake <- struct{}{}:
				default:
				}
			}()
		}
		poll.Reset(q.opts.Poll)
	}
}

// run runs one claimed job under a lease renewed every third of it, and
// records the outcome.
func (q *Queue) run(hard context.Context, k *kind, j *Job) {
	jctx, cancel := context.WithCancelCause(hard)
	defer cancel(nil)
	var beat sync.WaitGroup
	beat.Add(1)
	go func() {
		defer beat.Done()
		t := time.NewTicker(k.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-jctx.Done():
				return
			case <-t.C:
			}
			ectx, ecancel := context.WithTimeout(jctx, min(dbTimeout, k.Lease/3))
			held, err := q.extend(ectx, j, k.Lease)
			ecancel()
			if err == nil && !held {
				q.opts.Logger.Warn("jobs: lease lost; stopping the job", "kind", k.Name, "key", j.Key, "attempt", j.Attempts)
				cancel(errLeaseLost)
				return
			}
		}
	}()
	err := q.handle(jctx, k, j)
	cancel(nil)
	beat.Wait()

	// Record the outcome even when the queue is stopping.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(hard), dbTimeout)
	defer rcancel()
	var held bool
	var rerr error
	switch {
	case err == nil:
		held, rerr = q.complete(rctx, j)
	case hard.Err() != nil:
		held, rerr = q.release(rctx, j)
	default:
		var wait time.Duration
		if !IsPermanent(err) {
			wait = k.Backoff(j.Attempts)
		}
		q.opts.Logger.Warn("jobs: attempt failed", "kind", k.Name, "key", j.Key, "attempt", j.Attempts,
			"max_attempts", j.MaxAttempts, "retry_in", wait, "error", err)
		held, rerr = q.fail(rctx, j, err, wait)
	}
	if rerr != nil {
		q.opts.Logger.Error("jobs: unable to record the outcome of a job; it runs again when its lease runs out",
			"kind", k.Name, "key", j.Key, "error", rerr)
	} else if !held {
		q.opts.Logger.Warn("jobs: the job's lease was taken over before it ended; its outcome is not recorded",
			"kind", k.Name, "key", j.Key, "attempt", j.Attempts)
	}
}

var errLeaseLost = errors.New("jobs: lease lost")

// handle calls the kind's handler, turning a panic into an error.
func (q *Queue) handle(ctx context.Context, k *kind, j *Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Permanent(fmt.Errorf("jobs: the %s handler panicked: %v", k.Name, r))
		}
	}()
	return k.Handle(ctx, j)
}
