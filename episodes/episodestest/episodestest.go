// Package episodestest gives tests a new, migrated SQLite database quickly.
// Running the embedded migrations on a new file costs a second or more of
// CPU under the race detector, and most tests of the packages above
// episodes open a database of their own; so the migrations run once per
// test process, into a template, and each test's database starts as a copy
// of the template's bytes. episodes' own tests migrate new files as ever.
package episodestest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
)

var template struct {
	once sync.Once
	data []byte
	err  error
}

// SQLite returns "sqlite:PATH" for a new database file, migrated to the
// current schema and otherwise empty, in a temp directory of t.
func SQLite(t testing.TB) string {
	t.Helper()
	return SQLiteAt(t, filepath.Join(t.TempDir(), "lyssna.db"))
}

// SQLiteAt is SQLite at a path the test chose; the file must not exist.
func SQLiteAt(t testing.TB, path string) string {
	t.Helper()
	template.once.Do(func() { template.data, template.err = migrated() })
	if template.err != nil {
		t.Fatalf("episodestest: %v", template.err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		t.Fatalf("episodestest: %v", err)
	}
	if _, err := f.Write(template.data); err != nil {
		f.Close()
		t.Fatalf("episodestest: write %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("episodestest: write %s: %v", path, err)
	}
	return "sqlite:" + path
}

// migrated opens a new database in a temp directory, which episodes.Open
// migrates, folds its write-ahead log into the file and returns the file.
func migrated() ([]byte, error) {
	dir, err := os.MkdirTemp("", "lyssna-episodestest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	path := filepath.Join(dir, "template.db")
	s, err := episodes.Open(ctx, "sqlite:"+path, nil)
	if err != nil {
		return nil, fmt.Errorf("migrate a template database: %w", err)
	}
	if _, err := s.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		s.Close()
		return nil, fmt.Errorf("checkpoint the template database: %w", err)
	}
	if err := s.Close(); err != nil {
		return nil, fmt.Errorf("close the template database: %w", err)
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("the template database left a write-ahead log of %d bytes", fi.Size())
	}
	return os.ReadFile(path)
}

// Each runs f, in parallel subtests, on a new SQLite database (SQLite) and
// on a new PostgreSQL schema (testenv.Postgres, which skips without
// LYSSNA_TEST_POSTGRES_URL unless CI is set), with the database's URL.
func Each(t *testing.T, f func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, SQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		f(t, testenv.Postgres(t))
	})
}
