package episodes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// The store suite runs a third time on a backup: a snapshot taken while
// writers were busy, checked, then emptied so that each test starts from
// an empty database as it expects (the schema, indexes, triggers and
// migration state are the backup's). eachBackend copies it per test.
var (
	backupOnce sync.Once
	backupPath string
	backupErr  error
)

// backupUnderLoad makes the snapshot once per test binary.
func backupUnderLoad() (string, error) {
	backupOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lyssna-backup-")
		if err != nil {
			backupErr = err
			return
		}
		backupPath, backupErr = snapshotUnderLoad(dir)
	})
	return backupPath, backupErr
}

// snapshotUnderLoad writes shows and episodes from four goroutines, takes a
// Snapshot in the middle, and checks the snapshot: it passes Check, holds
// every write committed before the snapshot began, and nothing torn.
func snapshotUnderLoad(dir string) (string, error) {
	ctx := context.Background()
	clock := newClock()
	src, err := Open(ctx, "sqlite:"+filepath.Join(dir, "live.db"), clock.Now)
	if err != nil {
		return "", err
	}
	defer src.Close()

	var committed atomic.Int64 // shows with their episode, done
	var mu sync.Mutex
	done := map[string]bool{} // slugs committed, as the writers saw it
	stop := make(chan struct{})
	errc := make(chan error, 4)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 400; i++ {
				select {
				case <-stop:
					return
				default:
				}
				slug := fmt.Sprintf("w%d-%d", g, i)
				if err := createShowWithEpisode(ctx, src, slug); err != nil {
					errc <- err
					return
				}
				mu.Lock()
				done[slug] = true
				mu.Unlock()
				committed.Add(1)
			}
		}()
	}
	for committed.Load() < 40 && len(errc) == 0 {
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	before := make([]string, 0, len(done))
	for slug := range done {
		before = append(before, slug)
	}
	mu.Unlock()
	snap := filepath.Join(dir, "backup.db")
	snapErr := src.Snapshot(ctx, snap)
	afterSnap := committed.Load()
	for committed.Load() < afterSnap+20 && len(errc) == 0 {
		time.Sleep(time.Millisecond) // writers go on after it, too
	}
	close(stop)
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return "", fmt.Errorf("writer: %w", err)
	}
	if snapErr != nil {
		return "", snapErr
	}
	if err := src.Snapshot(ctx, snap); err == nil {
		return "", errors.New("Snapshot over an existing file succeeded")
	}

	restored, err := Open(ctx, "sqlite:"+snap, clock.Now)
	if err != nil {
		return "", fmt.Errorf("open the snapshot: %w", err)
	}
	defer restored.Close()
	if err := restored.Check(ctx); err != nil {
		return "", err
	}
	shows, err := restored.ListShows(ctx)
	if err != nil {
		return "", err
	}
	episodes := map[string]int{}
	alone := 0
	for _, sh := range shows {
		eps, _, err := restored.ListEpisodes(ctx, sh.ID, ListOptions{Limit: 10})
		if err != nil || len(eps) > 1 {
			return "", fmt.Errorf("show %s in the snapshot has %d episodes (%v), want at most its 1", sh.Slug, len(eps), err)
		}
		episodes[sh.Slug] = len(eps)
		if len(eps) == 0 {
			alone++ // a writer was between its two transactions
		}
	}
	if alone > 4 {
		return "", fmt.Errorf("%d shows in the snapshot lack their episode; at most the 4 writers' current ones may", alone)
	}
	for _, slug := range before {
		if episodes[slug] != 1 {
			return "", fmt.Errorf("show %s and its episode, committed before the snapshot, are not both in it", slug)
		}
	}
	total := committed.Load()
	if int64(len(shows)) >= total {
		return "", fmt.Errorf("the snapshot has %d shows of the %d written: not taken under load", len(shows), total)
	}

	// Empty it for the suite, keeping the schema.
	if err := emptyTables(ctx, restored.db); err != nil {
		return "", err
	}
	return snap, nil
}

// createShowWithEpisode makes a show, then its episode (two transactions).
func createShowWithEpisode(ctx context.Context, s *Store, slug string) error {
	sh := validShow()
	sh.Slug = slug
	sh.GUID = PodcastGUID("https://example.com/" + slug + "/feed.xml")
	if err := s.CreateShow(ctx, sh); err != nil {
		return err
	}
	e := validEpisode()
	e.ShowID = sh.ID
	return s.CreateEpisode(ctx, e)
}

// emptyTables deletes every row of every table but goose's.
func emptyTables(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('goose_db_version', 'sqlite_sequence') AND name NOT LIKE 'sqlite_%'")
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, name)
	}
	rows.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := conn.ExecContext(ctx, `DELETE FROM "`+t+`"`); err != nil {
			return fmt.Errorf("empty %s: %w", t, err)
		}
	}
	_, err = conn.ExecContext(ctx, "PRAGMA foreign_keys = ON")
	return err
}

// copyFile copies the backup for one test.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
