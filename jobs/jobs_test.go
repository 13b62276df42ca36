package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/jobs"
)

// replica opens the database at url as one more process would (a Store of
// its own, so its own connections) and returns a queue over it.
func replica(t *testing.T, url, owner string) *jobs.Queue {
	t.Helper()
	st, err := episodes.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("episodes.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	d := jobs.SQLite
	if episodes.IsPostgres(url) {
		d = jobs.Postgres
	}
	return jobs.New(st.DB(), d, jobs.Options{Owner: owner, Poll: 20 * time.Millisecond,
		StopGrace: 200 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
}

// start runs q until the test ends, and returns a func that stops it and
// waits for Run to return.
func start(t *testing.T, q *jobs.Queue) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.Run(ctx)
	}()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

// waitFor polls the job until cond holds, failing after 20 s.
func waitFor(t *testing.T, q *jobs.Queue, kind, key string, what string, cond func(*jobs.Job) bool) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := q.Get(context.Background(), kind, key)
		if err != nil && !errors.Is(err, jobs.ErrNotFound) {
			t.Fatalf("Get(%s, %s): %v", kind, key, err)
		}
		if j != nil && cond(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s/%s never became %s; last seen %+v", kind, key, what, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isDone(j *jobs.Job) bool { return j.State == jobs.Done }

func TestEnqueueIsIdempotent(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		a, b := replica(t, url, "a"), replica(t, url, "b")
		for _, q := range []*jobs.Queue{a, b} {
			if err := q.Register(jobs.Kind{Name: "ping", Handle: func(context.Context, *jobs.Job) error { return nil }}); err != nil {
				t.Fatal(err)
			}
		}
		type payload struct{ Show int64 }
		created, err := a.Enqueue(ctx, jobs.Work{Kind: "ping", Key: "show-1-v7", Payload: payload{Show: 1}})
		if err != nil || !created {
			t.Fatalf("first Enqueue = %v, %v; want a new job", created, err)
		}
		// The other replica heard of the same change.
		created, err = b.Enqueue(ctx, jobs.Work{Kind: "ping", Key: "show-1-v7", Payload: payload{Show: 2}})
		if err != nil || created {
			t.Fatalf("second Enqueue of the same key = %v, %v; want no new job", created, err)
		}
		j, err := b.Get(ctx, "ping", "show-1-v7")
		if err != nil {
			t.Fatal(err)
		}
		var p payload
		if err := j.Decode(&p); err != nil || p.Show != 1 || j.State != jobs.Queued || j.Attempts != 0 || j.MaxAttempts != 10 {
			t.Fatalf("stored job %+v (payload %+v, %v); want the first payload, queued, no attempts, 10 allowed", j, p, err)
		}
		if _, err := a.Enqueue(ctx, jobs.Work{Kind: "unknown", Key: "k"}); err == nil {
			t.Error("Enqueue of an unregistered kind succeeded")
		}
		if _, err := a.Get(ctx, "ping", "nope"); !errors.Is(err, jobs.ErrNotFound) {
			t.Errorf("Get of a missing job: %v, want ErrNotFound", err)
		}
	})
}

func TestTwoReplicasRunEachJobOnce(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		var mu sync.Mutex
		runs := map[string][]string{} // key -> owners that ran it
		a, b := replica(t, url, "a"), replica(t, url, "b")
		for _, q := range []*jobs.Queue{a, b} {
			err := q.Register(jobs.Kind{Name: "work", Workers: 3, Handle: func(ctx context.Context, j *jobs.Job) error {
				mu.Lock()
				runs[j.Key] = append(runs[j.Key], q.Owner())
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
		}
		start(t, a)
		start(t, b)
		const n = 40
		for i := range n {
			q := a
			if i%2 == 1 {
				q = b
			}
			if _, err := q.Enqueue(ctx, jobs.Work{Kind: "work", Key: fmt.Sprint("job-", i)}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range n {
			waitFor(t, a, "work", fmt.Sprint("job-", i), "done", isDone)
		}
		mu.Lock()
		defer mu.Unlock()
		by := map[string]int{}
		for i := range n {
			key := fmt.Sprint("job-", i)
			if len(runs[key]) != 1 {
				t.Errorf("%s ran %d times (by %v), want once", key, len(runs[key]), runs[key])
			}
			for _, o := range runs[key] {
				by[o]++
			}
		}
		t.Logf("jobs run per replica: %v", by)
	})
}

func TestExpiredLeaseIsReclaimed(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		ran := make(chan string, 10)
		kind := func(q *jobs.Queue) {
			err := q.Register(jobs.Kind{Name: "crashy", Lease: 300 * time.Millisecond, Handle: func(_ context.Context, j *jobs.Job) error {
				ran <- j.Key
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
		}
		crashed, survivor := replica(t, url, "crashed"), replica(t, url, "survivor")
		kind(crashed)
		kind(survivor)
		if _, err := crashed.Enqueue(ctx, jobs.Work{Kind: "crashy", Key: "k"}); err != nil {
			t.Fatal(err)
		}
		// The first replica claims the job and dies: nobody renews its lease.
		claimed, err := crashed.ClaimForTest(ctx, "crashy", 5)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim = %d jobs, %v; want the one", len(claimed), err)
		}
		// While the lease holds, nobody else may take it.
		if again, err := survivor.ClaimForTest(ctx, "crashy", 5); err != nil || len(again) != 0 {
			t.Fatalf("a second claim under a live lease got %d jobs (%v), want none", len(again), err)
		}
		start(t, survivor)
		select {
		case key := <-ran:
			if key != "k" {
				t.Fatalf("ran %q", key)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the job whose lease ran out was never run again")
		}
		j := waitFor(t, survivor, "crashy", "k", "done", isDone)
		if j.Attempts != 2 {
			t.Errorf("attempts = %d, want 2 (the crashed claim and the rerun)", j.Attempts)
		}
		// The crashed replica's claim no longer holds: it cannot complete the job.
		if held, err := crashed.CompleteForTest(ctx, claimed[0]); err != nil || held {
			t.Errorf("the stale claim completed the job (held %v, %v)", held, err)
		}
		select {
		case key := <-ran:
			t.Errorf("job %q ran once more", key)
		default:
		}
	})
}

func TestFailuresRetryWithBackoff(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		q := replica(t, url, "q")
		var mu sync.Mutex
		tries := map[string]int{}
		var backoffs []int
		err := q.Register(jobs.Kind{Name: "flaky", MaxAttempts: 3,
			Backoff: func(attempt int) time.Duration {
				mu.Lock()
				backoffs = append(backoffs, attempt)
				mu.Unlock()
				return 50 * time.Millisecond
			},
			Handle: func(_ context.Context, j *jobs.Job) error {
				mu.Lock()
				tries[j.Key]++
				n := tries[j.Key]
				mu.Unlock()
				switch {
				case j.Key == "permanent":
					return jobs.Permanent(errors.New("the target refused: 410 Gone"))
				case j.Key == "recovers" && n < 3:
					return fmt.Errorf("try %d: 500 Internal Server Error", n)
				case j.Key == "never":
					return fmt.Errorf("try %d: connection refused", n)
				}
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"recovers", "never", "permanent"} {
			if _, err := q.Enqueue(ctx, jobs.Work{Kind: "flaky", Key: key}); err != nil {
				t.Fatal(err)
			}
		}
		start(t, q)
		j := waitFor(t, q, "flaky", "recovers", "done", isDone)
		if j.Attempts != 3 || j.LastError != "" {
			t.Errorf("recovers: %d attempts, last error %q; want 3 and none", j.Attempts, j.LastError)
		}
		failed := func(j *jobs.Job) bool { return j.State == jobs.Failed }
		j = waitFor(t, q, "flaky", "never", "failed", failed)
		if j.Attempts != 3 || j.LastError != "try 3: connection refused" || j.FinishedAt.IsZero() {
			t.Errorf("never: %d attempts, last error %q, finished %v; want 3, the last error, a finish time", j.Attempts, j.LastError, j.FinishedAt)
		}
		j = waitFor(t, q, "flaky", "permanent", "failed", failed)
		if j.Attempts != 1 {
			t.Errorf("permanent: %d attempts, want 1", j.Attempts)
		}
		mu.Lock()
		defer mu.Unlock()
		if tries["never"] != 3 || tries["permanent"] != 1 {
			t.Errorf("tries %v; want never 3, permanent 1", tries)
		}
		// Backoff is asked for after each failed attempt but the permanent
		// one: recovers 1, 2 and never 1, 2, 3 (the last one's wait unused).
		if len(backoffs) != 5 {
			t.Errorf("backoff asked for attempts %v, want five", backoffs)
		}
	})
}

func TestStopQueuesRunningJobsAgain(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		q := replica(t, url, "q")
		started := make(chan struct{}, 1)
		err := q.Register(jobs.Kind{Name: "long", Handle: func(ctx context.Context, _ *jobs.Job) error {
			started <- struct{}{}
			<-ctx.Done() // runs until the queue gives up waiting
			return ctx.Err()
		}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.Enqueue(ctx, jobs.Work{Kind: "long", Key: "k"}); err != nil {
			t.Fatal(err)
		}
		stop := start(t, q)
		<-started
		stop() // returns only once the handler has
		j, err := q.Get(ctx, "long", "k")
		if err != nil {
			t.Fatal(err)
		}
		if j.State != jobs.Queued || j.Attempts != 0 || j.LastError != "" {
			t.Errorf("after stop: %s, %d attempts, error %q; want queued again with the attempt not counted", j.State, j.Attempts, j.LastError)
		}
	})
}
