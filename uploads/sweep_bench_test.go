package uploads

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkSweepIdle is the cost of a periodic sweep with nothing to delete
// (what every replica runs every 15 minutes) over a million media rows, all
// referenced but for a thousand released within the retention: it reads
// the candidates from an index, so it does not grow with the bucket, unlike
// the old sweep's listing of every object and one lookup per object.
func BenchmarkSweepIdle(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			r := newRig(b, backends{kind, "filesystem"}, nil)
			ctx := context.Background()
			const rows = 1_000_000
			now := time.Now().UTC().Format("2006-01-02T15:04:05.000000000Z")
			var q string
			if kind == "postgres" {
				q = fmt.Sprintf(`INSERT INTO media_objects (key, show_id, state, servable, created_at, released_at)
					SELECT 'audio/1/' || i, 1, CASE WHEN i %% 1000 = 0 THEN 'released' ELSE 'referenced' END, TRUE, now(),
					CASE WHEN i %% 1000 = 0 THEN now() END FROM generate_series(1, %d) AS i`, rows)
			} else {
				q = fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
					INSERT INTO media_objects (key, show_id, state, servable, created_at, released_at)
					SELECT 'audio/1/' || i, 1, CASE WHEN i %% 1000 = 0 THEN 'released' ELSE 'referenced' END, TRUE, '%s',
					CASE WHEN i %% 1000 = 0 THEN '%s' END FROM n WHERE i > 0`, rows, now, now)
			}
			if _, err := r.store.DB().ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
			if kind == "postgres" {
				r.store.DB().ExecContext(ctx, "ANALYZE media_objects")
			}
			opts := SweepOptions{Retention: DefaultRetention, Grace: DefaultGrace}
			b.ResetTimer()
			for b.Loop() {
				rep, err := r.in.Sweep(ctx, opts)
				if err != nil || len(rep.Deleted) != 0 {
					b.Fatalf("Sweep: %+v, %v", rep, err)
				}
			}
		})
	}
}
