package imports

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// States of an import and of its items.
const (
	StateQueued  = "queued"
	StateRunning = "running"
	StateDone    = "done"
	StateFailed  = "failed"

	itemPending = "pending"
	itemDone    = "done"
	itemFailed  = "failed"
)

// Sources of an import.
const (
	SourceFeed    = "feed"
	SourceArchive = "archive"
)

// ErrNotFound means there is no import with that id.
var ErrNotFound = errors.New("imports: no such import")

// Import is one import as stored, with its failed items.
type Import struct {
	ID          int64
	Slug        string
	ShowID      int64 // 0 until the show exists
	Source      string
	FeedURL     string
	ArchiveKey  string
	State       string
	ItemsTotal  int
	ItemsDone   int
	ItemsFailed int
	Message     string   // why the whole import failed, or what the producer must do next
	Warnings    []string // what came across changed (an unknown category, ...)
	Actor       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Errors      []ItemError // the failed items
}

// ItemError is one failed item.
type ItemError struct {
	GUID    string
	Message string
}

// db is the SQL of the imports tables; $n placeholders and Unix-ms times
// serve SQLite and PostgreSQL alike.
type db struct {
	sql *sql.DB
	now func() time.Time
}

func ms(t time.Time) int64 { return t.UnixMilli() }

const importColumns = `id, slug, COALESCE(show_id, 0), source, feed_url, archive_key, state, items_total, items_done,
	items_failed, message, warnings, actor, created_at, updated_at`

func (d *db) create(ctx context.Context, im *Import, also func(context.Context, *sql.Tx, int64) error) error {
	now := d.now()
	warn, _ := json.Marshal(im.Warnings)
	if im.Warnings == nil {
		warn = []byte("[]")
	}
	var showID any
	if im.ShowID != 0 {
		showID = im.ShowID
	}
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("imports: create import: %w", err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `INSERT INTO imports (slug, show_id, source, feed_url, archive_key, state, warnings, actor, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		im.Slug, showID, im.Source, im.FeedURL, im.ArchiveKey, StateQueued, string(warn), im.Actor, ms(now)).Scan(&im.ID)
	if err != nil {
		return fmt.Errorf("imports: create import: %w", err)
	}
	if err := also(ctx, tx, im.ID); err != nil {
		return fmt.Errorf("imports: create import: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("imports: create import: %w", err)
	}
	im.State, im.CreatedAt, im.UpdatedAt = StateQueued, now.UTC().Truncate(time.Millisecond), now.UTC().Truncate(time.Millisecond)
	return nil
}

func (d *db) get(ctx context.Context, id int64) (*Import, error) {
	im, err := scanImport(d.sql.QueryRowContext(ctx, `SELECT `+importColumns+` FROM imports WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("imports: get import %d: %w", id, err)
	}
	rows, err := d.sql.QueryContext(ctx, `SELECT guid, message FROM import_items WHERE import_id = $1 AND state = $2 ORDER BY position LIMIT 1000`, id, itemFailed)
	if err != nil {
		return nil, fmt.Errorf("imports: get import %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e ItemError
		if err := rows.Scan(&e.GUID, &e.Message); err != nil {
			return nil, fmt.Errorf("imports: get import %d: %w", id, err)
		}
		im.Errors = append(im.Errors, e)
	}
	return im, rows.Err()
}

type rowScanner interface{ Scan(...any) error }

func scanImport(r rowScanner) (*Import, error) {
	var im Import
	var warn string
	var created, updated int64
	if err := r.Scan(&im.ID, &im.Slug, &im.ShowID, &im.Source, &im.FeedURL, &im.ArchiveKey, &im.State, &im.ItemsTotal,
		&im.ItemsDone, &im.ItemsFailed, &im.Message, &warn, &im.Actor, &created, &updated); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(warn), &im.Warnings)
	im.ItemsTotal = max(im.ItemsTotal, 0) // -1: planned, nothing new
	im.CreatedAt, im.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &im, nil
}

// activeFor returns the queued or running import of slug, if any.
func (d *db) activeFor(ctx context.Context, slug string) (*Import, error) {
	im, err := scanImport(d.sql.QueryRowContext(ctx, `SELECT `+importColumns+` FROM imports
		WHERE slug = $1 AND state IN ($2, $3) ORDER BY id LIMIT 1`, slug, StateQueued, StateRunning))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("imports: look for a running import of %q: %w", slug, err)
	}
	return im, nil
}

// lastFeedURL is the feed URL the show was last imported from, or "".
func (d *db) lastFeedURL(ctx context.Context, showID int64) (string, error) {
	var u string
	err := d.sql.QueryRowContext(ctx, `SELECT feed_url FROM imports WHERE show_id = $1 AND source = $2 ORDER BY id DESC LIMIT 1`,
		showID, SourceFeed).Scan(&u)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("imports: look up earlier imports: %w", err)
	}
	return u, nil
}

// claim takes a queued import, or a running one whose lease ran out, for
// owner until the lease ends; nil when there is none. One UPDATE guarded by
// the state and the lease decides, so of two replicas only one wins.
func (d *db) claim(ctx context.Context, owner string, lease time.Duration) (*Import, error) {
	now := d.now()
	var id int64
	err := d.sql.QueryRowContext(ctx, `SELECT id FROM imports WHERE state IN ($1, $2) AND lease_until < $3 ORDER BY id LIMIT 1`,
		StateQueued, StateRunning, ms(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("imports: look for work: %w", err)
	}
	res, err := d.sql.ExecContext(ctx, `UPDATE imports SET state = $1, lease_owner = $2, lease_until = $3, attempts = attempts + 1, updated_at = $4
		WHERE id = $5 AND state IN ($6, $1) AND lease_until < $4`,
		StateRunning, owner, ms(now.Add(lease)), ms(now), id, StateQueued)
	if err != nil {
		return nil, fmt.Errorf("imports: claim import %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, nil // another worker was first
	}
	return d.get(ctx, id)
}

// errFinished means the import has ended (done or failed).
var errFinished = errors.New("imports: the import has ended")

// claimID takes the import with id for owner: errFinished when it has
// ended, an error when another worker's lease holds it.
func (d *db) claimID(ctx context.Context, id int64, owner string, lease time.Duration) (*Import, error) {
	now := d.now()
	res, err := d.sql.ExecContext(ctx, `UPDATE imports SET state = $1, lease_owner = $2, lease_until = $3, attempts = attempts + 1, updated_at = $4
		WHERE id = $5 AND state IN ($6, $1) AND (lease_until < $4 OR lease_owner = $2)`,
		StateRunning, owner, ms(now.Add(lease)), ms(now), id, StateQueued)
	if err != nil {
		return nil, fmt.Errorf("imports: claim import %d: %w", id, err)
	}
	im, err := d.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return im, nil
	}
	if im.State == StateDone || im.State == StateFailed {
		return nil, errFinished
	}
	return nil, fmt.Errorf("imports: import %d is held by another worker; trying again later", id)
}

// renew extends owner's lease; false when owner no longer holds it.
func (d *db) renew(ctx context.Context, id int64, owner string, lease time.Duration) (bool, error) {
	now := d.now()
	res, err := d.sql.ExecContext(ctx, `UPDATE imports SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = $4`,
		ms(now.Add(lease)), id, owner, StateRunning)
	if err != nil {
		return false, fmt.Errorf("imports: renew the lease of import %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (d *db) setShow(ctx context.Context, id, showID int64) error {
	_, err := d.sql.ExecContext(ctx, `UPDATE imports SET show_id = $1, updated_at = $2 WHERE id = $3`, showID, ms(d.now()), id)
	if err != nil {
		return fmt.Errorf("imports: record the show of import %d: %w", id, err)
	}
	return nil
}

func (d *db) setWarnings(ctx context.Context, id int64, warnings []string) error {
	if warnings == nil {
		warnings = []string{}
	}
	w, _ := json.Marshal(warnings)
	_, err := d.sql.ExecContext(ctx, `UPDATE imports SET warnings = $1, updated_at = $2 WHERE id = $3`, string(w), ms(d.now()), id)
	if err != nil {
		return fmt.Errorf("imports: record warnings of import %d: %w", id, err)
	}
	return nil
}

// finish ends the import in state with message and lets go of the lease.
func (d *db) finish(ctx context.Context, id int64, state, message string) error {
	_, err := d.sql.ExecContext(ctx, `UPDATE imports SET state = $1, message = $2, lease_owner = '', lease_until = 0, updated_at = $3 WHERE id = $4`,
		state, message, ms(d.now()), id)
	if err != nil {
		return fmt.Errorf("imports: finish import %d: %w", id, err)
	}
	return nil
}

// release gives the import back to the queue (the worker is stopping).
func (d *db) release(ctx context.Context, id int64, owner string) error {
	_, err := d.sql.ExecContext(ctx, `UPDATE imports SET lease_owner = '', lease_until = 0 WHERE id = $1 AND lease_owner = $2`, id, owner)
	return err
}

// planned reports whether the import's items have been planned.
func (d *db) planned(ctx context.Context, id int64) (bool, error) {
	var n int
	err := d.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM import_items WHERE import_id = $1`, id).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("imports: count items of import %d: %w", id, err)
	}
	var total int
	if err := d.sql.QueryRowContext(ctx, `SELECT items_total FROM imports WHERE id = $1`, id).Scan(&total); err != nil {
		return false, fmt.Errorf("imports: count items of import %d: %w", id, err)
	}
	return n > 0 || total < 0, nil
}

// plan records the items to import (positions are their feed order) in
// one transaction, with the total.
func (d *db) plan(ctx context.Context, id int64, positions []int, guids []string) error {
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("imports: plan import %d: %w", id, err)
	}
	defer tx.Rollback()
	for i, g := range guids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_items (import_id, position, guid, state) VALUES ($1, $2, $3, $4)`,
			id, positions[i], g, itemPending); err != nil {
			return fmt.Errorf("imports: plan import %d: %w", id, err)
		}
	}
	total := len(guids)
	if total == 0 {
		total = -1 // planned, nothing new; shown as 0
	}
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET items_total = $1, updated_at = $2 WHERE id = $3`, total, ms(d.now()), id); err != nil {
		return fmt.Errorf("imports: plan import %d: %w", id, err)
	}
	return tx.Commit()
}

type itemRow struct {
	Position int
	GUID     string
	State    string
	Attempts int
}

// items lists the import's items not done yet with fewer than maxAttempts tries.
func (d *db) items(ctx context.Context, id int64, maxAttempts int) ([]itemRow, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT position, guid, state, attempts FROM import_items
		WHERE import_id = $1 AND state <> $2 AND attempts < $3 ORDER BY position`, id, itemDone, maxAttempts)
	if err != nil {
		return nil, fmt.Errorf("imports: list items of import %d: %w", id, err)
	}
	defer rows.Close()
	var out []itemRow
	for rows.Next() {
		var r itemRow
		if err := rows.Scan(&r.Position, &r.GUID, &r.State, &r.Attempts); err != nil {
			return nil, fmt.Errorf("imports: list items of import %d: %w", id, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// markItem records an item's outcome and recounts the import's totals.
func (d *db) markItem(ctx context.Context, id int64, position int, state, message string, episodeID int64) error {
	var ep any
	if episodeID != 0 {
		ep = episodeID
	}
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("imports: record an item of import %d: %w", id, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE import_items SET state = $1, message = $2, attempts = attempts + 1,
		episode_id = COALESCE($3, episode_id) WHERE import_id = $4 AND position = $5`, state, message, ep, id, position); err != nil {
		return fmt.Errorf("imports: record an item of import %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET
		items_done = (SELECT COUNT(*) FROM import_items WHERE import_id = $1 AND state = $2),
		items_failed = (SELECT COUNT(*) FROM import_items WHERE import_id = $1 AND state = $3),
		updated_at = $4 WHERE id = $1`, id, itemDone, itemFailed, ms(d.now())); err != nil {
		return fmt.Errorf("imports: record an item of import %d: %w", id, err)
	}
	return tx.Commit()
}
