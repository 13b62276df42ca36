package episodes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrSnapshotUnsupported is returned by Snapshot on PostgreSQL, which is
// backed up with its own tools (pg_dump).
var ErrSnapshotUnsupported = errors.New("episodes: snapshots are for SQLite; back PostgreSQL up with pg_dump")

// IsSQLite reports whether the store is on SQLite.
func (s *Store) IsSQLite() bool { return s.dialect == dialectSQLite }

// Snapshot writes a consistent copy of the SQLite database to path, which
// must not exist, while the store stays in use: VACUUM INTO reads inside
// one transaction, so the copy holds exactly the transactions committed
// before it began, whatever writers do meanwhile, and it is a plain
// database file (no WAL to carry along).
func (s *Store) Snapshot(ctx context.Context, path string) error {
	if s.dialect != dialectSQLite {
		return ErrSnapshotUnsupported
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("episodes: snapshot: %s exists already", path)
	}
	if _, err := s.db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("episodes: snapshot into %s: %w", path, err)
	}
	return nil
}

// Check verifies the database's own consistency: on SQLite PRAGMA
// integrity_check and foreign_key_check must both come back clean (a
// restored backup is checked with it); on PostgreSQL it pings.
func (s *Store) Check(ctx context.Context) error {
	if s.dialect != dialectSQLite {
		return s.Ping(ctx)
	}
	rows, err := s.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("episodes: integrity check: %w", err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return fmt.Errorf("episodes: integrity check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("episodes: integrity check: %w", err)
	}
	fk, err := s.db.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("episodes: foreign key check: %w", err)
	}
	for fk.Next() {
		var table, parent string
		var rowid, fkid any
		if err := fk.Scan(&table, &rowid, &parent, &fkid); err != nil {
			fk.Close()
			return fmt.Errorf("episodes: foreign key check: %w", err)
		}
		problems = append(problems, fmt.Sprintf("%s row %v points at a missing %s", table, rowid, parent))
	}
	fk.Close()
	if err := fk.Err(); err != nil {
		return fmt.Errorf("episodes: foreign key check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("episodes: the database is damaged: %s", strings.Join(problems, "; "))
	}
	return nil
}
