package episodestest

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lyssna/lyssna/episodes"
)

// schema lists the database's tables, indexes, triggers and views with
// their SQL, and the migrations goose recorded.
func schema(t *testing.T, s *episodes.Store) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		"SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name",
		"SELECT 'migration ' || version_id FROM goose_db_version WHERE is_applied ORDER BY version_id",
	} {
		rows, err := s.DB().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			out = append(out, line)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func open(t *testing.T, url string) *episodes.Store {
	t.Helper()
	s, err := episodes.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestCopyIsAFreshMigration: a copy has the schema and the migrations of a
// new file that episodes.Open migrated, and copies are separate databases.
func TestCopyIsAFreshMigration(t *testing.T) {
	fresh := open(t, "sqlite:"+filepath.Join(t.TempDir(), "fresh.db"))
	a, b := open(t, SQLite(t)), open(t, SQLite(t))
	want := schema(t, fresh)
	if len(want) < 20 {
		t.Fatalf("a migrated database has only %d schema lines: %q", len(want), want)
	}
	if got := schema(t, a); !slices.Equal(got, want) {
		t.Errorf("the copy's schema differs from a fresh migration's:\n got %q\nwant %q", got, want)
	}
	ctx := context.Background()
	show := &episodes.Show{Slug: "only-in-a", Title: "A", Description: "d", Author: "A", Owner: episodes.Owner{Name: "A", Email: "a@example.org"},
		Language: "en", Categories: []episodes.Category{{Category: "Education"}}, GUID: "5f3d7a0e-1c2b-5e4f-8a9b-0c1d2e3f4a5b"}
	if err := a.CreateShow(ctx, show); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetShow(ctx, "only-in-a"); err == nil {
		t.Error("a show created in one copy is in another")
	}
	if _, err := a.GetShow(ctx, "only-in-a"); err != nil {
		t.Errorf("the show is not in its own copy: %v", err)
	}
}
