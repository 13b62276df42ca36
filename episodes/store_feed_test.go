package episodes

import (
	"context"
	"strings"
	"testing"
)

// TestFeedPageQueryPlans: a paged feed's count (for rel="last") and the
// choice of its page's episodes read episodes_show_publish_order_idx
// alone (an index-only scan), so that neither visits the table row of every
// episode the feed lists or the page's OFFSET skips. Without audio_key in
// the index (migration 00200) both did.
func TestFeedPageQueryPlans(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newPublicFixture(t, b)
		s, now := f.s, f.clock.Now()
		if b.name == "postgres" {
			// VACUUM sets the visibility map that index-only scans consult
			// (autovacuum does it in time), and explain rules out the
			// sequential scan that the fixture's few rows would get.
			if _, err := s.DB().ExecContext(ctx, `VACUUM ANALYZE episodes`); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []struct {
			name, query string
			args        []any
		}{
			{"count", feedCount, []any{f.show.ID, s.t(now)}},
			{"deep page", feedPage, []any{f.show.ID, s.t(now), 2, 3}},
		} {
			plan := explain(t, s, b.name, q.query, q.args...)
			indexOnly := false
			for _, step := range strings.Split(plan, "\n") {
				indexOnly = indexOnly || strings.Contains(step, "episodes_show_publish_order_idx") &&
					(strings.Contains(step, "COVERING INDEX") || strings.Contains(step, "Index Only Scan"))
			}
			if !indexOnly {
				t.Errorf("%s: the plan is no index-only scan of episodes_show_publish_order_idx:\n%s", q.name, plan)
			}
		}
		// The index changes no answer: the fixture's feed, paged by two.
		_, total, err := s.PublicFeedPage(ctx, f.show.ID, now, 0, 2)
		if err != nil || total != len(publicOrder) {
			t.Fatalf("PublicFeedPage total = %d, %v; want %d", total, err, len(publicOrder))
		}
		var got []string
		for off := 0; off < total; off += 2 {
			page, _, err := s.PublicFeedPage(ctx, f.show.ID, now, off, 2)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, titles(page)...)
		}
		if strings.Join(got, "|") != strings.Join(publicOrder, "|") {
			t.Errorf("paged feed = %q, want %q", got, publicOrder)
		}
	})
}

// explain returns the database's plan for query, one line per step.
func explain(t *testing.T, s *Store, dialect, query string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	prefix := "EXPLAIN QUERY PLAN "
	if dialect == "postgres" {
		prefix = "EXPLAIN "
		for _, set := range []string{"SET LOCAL enable_seqscan = off", "SET LOCAL enable_bitmapscan = off"} {
			if _, err := tx.ExecContext(ctx, set); err != nil {
				t.Fatal(err)
			}
		}
	}
	rows, err := tx.QueryContext(ctx, prefix+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		// SQLite's detail is the last column, PostgreSQL's one line the only.
		lines = append(lines, string(asText(vals[len(vals)-1])))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func asText(v any) []byte {
	switch v := v.(type) {
	case string:
		return []byte(v)
	case []byte:
		return v
	}
	return nil
}
