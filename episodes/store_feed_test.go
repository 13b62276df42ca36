package episodes

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestFeedPageQueryPlans: a paged feed's count (for rel="last") and the
// choice of its page's episodes read episodes_show_publish_order_idx
// alone (an index-only scan), so that neither visits the table row of every
// episode the feed lists or the page's OFFSET skips, for a public show's
// feed and an unlisted one's. Without audio_key in the index (migration
// 00200), or visibility (00240), both did.
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
			{"count", feedCount(VisibilityPublic), []any{f.show.ID, s.t(now)}},
			{"deep page", feedPage(VisibilityPublic), []any{f.show.ID, s.t(now), 2, 3}},
			{"unlisted show's count", feedCount(VisibilityUnlisted), []any{f.show.ID, s.t(now)}},
			{"unlisted show's deep page", feedPage(VisibilityUnlisted), []any{f.show.ID, s.t(now), 2, 3}},
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

// TestFeedPageListsWhatTheFeedShows: a paged feed counts and pages the
// episodes its shared feed shows, and no others: a public show's feed
// leaves out its unlisted and private episodes, an unlisted show's its
// private ones (docs/classroom.md). Counted or skipped, a hidden episode
// took a slot of a page the feed then dropped it from: pages came out
// short, rel="last" counted pages that were not there.
func TestFeedPageListsWhatTheFeedShows(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clock := newClock()
		s := b.open(t, clock)
		sh := mustCreateShow(t, s, "mixed")
		// Newest first: one visibility after another, with runs of each.
		vis := []string{VisibilityPublic, VisibilityPrivate, VisibilityUnlisted, VisibilityPublic, VisibilityPrivate,
			VisibilityPrivate, VisibilityPublic, VisibilityUnlisted, VisibilityUnlisted, VisibilityPublic, VisibilityPrivate,
			VisibilityPublic, VisibilityPublic, VisibilityUnlisted, VisibilityPrivate}
		want := map[string][]string{}
		for i, v := range vis {
			e := validEpisode()
			e.ShowID, e.GUID, e.Visibility = sh.ID, "", v
			e.Title = fmt.Sprintf("%s %d", v, i)
			e.Audio.SHA256 = fmt.Sprintf("%x", sha256.Sum256([]byte(e.Title)))
			if err := s.CreateEpisode(ctx, e); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Publish(ctx, e.ID, clock.Now().Add(-time.Duration(i+1)*time.Hour)); err != nil {
				t.Fatal(err)
			}
			for _, upTo := range []string{VisibilityPublic, VisibilityUnlisted} {
				if visibilityRank(v) <= visibilityRank(upTo) {
					want[upTo] = append(want[upTo], e.Title)
				}
			}
		}
		now := clock.Now()
		for _, upTo := range []string{VisibilityPublic, VisibilityUnlisted} {
			for _, limit := range []int{1, 2, 3, 4} {
				var got []string
				pages := (len(want[upTo]) + limit - 1) / limit
				for n := 1; n <= pages+1; n++ {
					page, total, err := s.VisibleFeedPage(ctx, sh.ID, now, upTo, (n-1)*limit, limit)
					if err != nil {
						t.Fatal(err)
					}
					if total != len(want[upTo]) {
						t.Errorf("%s show, by %d: page %d counts %d episodes, want %d", upTo, limit, n, total, len(want[upTo]))
					}
					wantLen := min(limit, max(0, len(want[upTo])-(n-1)*limit))
					if len(page) != wantLen {
						t.Errorf("%s show, by %d: page %d has %d episodes, want %d", upTo, limit, n, len(page), wantLen)
					}
					got = append(got, titles(page)...)
				}
				if strings.Join(got, "|") != strings.Join(want[upTo], "|") {
					t.Errorf("%s show, by %d: the pages list %q, want %q", upTo, limit, got, want[upTo])
				}
			}
		}
		if _, total, err := s.PublicFeedPage(ctx, sh.ID, now, 0, 1); err != nil || total != len(want[VisibilityPublic]) {
			t.Errorf("PublicFeedPage counts %d, %v; want %d", total, err, len(want[VisibilityPublic]))
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
