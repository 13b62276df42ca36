package jobs

import "context"

// ClaimForTest claims up to n jobs of kind as Run would, without running
// them: a replica that claims and then dies.
func (q *Queue) ClaimForTest(ctx context.Context, kind string, n int) ([]*Job, error) {
	k, err := q.kind(kind)
	if err != nil {
		return nil, err
	}
	return q.claim(ctx, k, n)
}

// CompleteForTest completes a job claimed with ClaimForTest, and reports
// whether the claim still held.
func (q *Queue) CompleteForTest(ctx context.Context, j *Job) (bool, error) { return q.complete(ctx, j) }
