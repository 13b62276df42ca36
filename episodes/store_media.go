package episodes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// Media object states, as media_objects keeps them (see its migration).
const (
	MediaPending    = "pending"
	MediaReferenced = "referenced"
	MediaReleased   = "released"
	MediaDeleting   = "deleting"
	MediaDeleted    = "deleted"
)

// MediaObject is one object's row in the media lifecycle.
type MediaObject struct {
	Key        string
	ShowID     int64
	State      string
	Servable   bool
	CreatedAt  time.Time
	ReleasedAt *time.Time
}

// RecordPending notes that key is about to be put in the bucket for the
// show, before it is: an upload that dies between the put and its commit
// leaves a pending row the sweep finds (after the grace), never an object
// nothing knows of. A key already recorded is ErrConflict: keys are never
// reused.
func (s *Store) RecordPending(ctx context.Context, key string, showID int64) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO media_objects (key, show_id, state, servable, created_at)
		VALUES ($1, $2, 'pending', TRUE, $3)`, key, showID, s.t(s.clock()))
	if c, ok := uniqueViolation(err); ok && (c == "" || c == "media_objects_pkey") {
		return fmt.Errorf("episodes: media object %s is already recorded: %w", key, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("episodes: record pending object %s: %w", key, err)
	}
	return nil
}

// ForgetMedia deletes the pending row of a failed upload's object, which is
// not in the bucket (any more).
func (s *Store) ForgetMedia(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM media_objects WHERE key = $1 AND state = 'pending'`, key); err != nil {
		return fmt.Errorf("episodes: forget object %s: %w", key, err)
	}
	return nil
}

// MarkDeleted records that the sweep deleted the claimed object. The row
// stays, as a tombstone, so that a commit still holding the key fails
// rather than points at nothing; PruneDeleted drops old tombstones.
func (s *Store) MarkDeleted(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE media_objects SET state = 'deleted', servable = FALSE, released_at = $2
		WHERE key = $1 AND state = 'deleting'`, key, s.t(s.clock())); err != nil {
		return fmt.Errorf("episodes: mark object %s deleted: %w", key, err)
	}
	return nil
}

// PruneDeleted drops the tombstones of objects deleted before before, and
// reports how many.
func (s *Store) PruneDeleted(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM media_objects WHERE state = 'deleted' AND released_at < $1`, s.t(before))
	if err != nil {
		return 0, fmt.Errorf("episodes: prune deleted objects: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// MediaServable reports whether /media/ may answer the object: it is known,
// not pending, not being deleted, and not withdrawn (the media of a deleted
// show or episode, or of an unpublished episode). A replaced object stays
// servable until the sweep deletes it.
func (s *Store) MediaServable(ctx context.Context, key string) (bool, error) {
	var state string
	var servable bool
	err := s.reads.QueryRowContext(ctx, `SELECT state, servable FROM media_objects WHERE key = $1`, key).Scan(&state, &servable)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("episodes: look up object %s: %w", key, err)
	}
	return servable && (state == MediaReferenced || state == MediaReleased), nil
}

// GetMedia returns the object's row, or ErrNotFound.
func (s *Store) GetMedia(ctx context.Context, key string) (*MediaObject, error) {
	objs, err := s.queryMedia(ctx, `WHERE key = $1`, key)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("episodes: media object %s: %w", key, ErrNotFound)
	}
	return objs[0], nil
}

// SweepCandidates returns up to limit objects the sweep may delete: released
// before releasedBefore, pending since before pendingBefore (an upload that
// never committed), or left half-deleted by an earlier sweep. Referenced
// objects are never among them.
func (s *Store) SweepCandidates(ctx context.Context, releasedBefore, pendingBefore time.Time, limit int) ([]*MediaObject, error) {
	return s.queryMedia(ctx, `WHERE (state = 'released' AND released_at < $1) OR (state = 'pending' AND created_at < $2)
		OR state = 'deleting' ORDER BY key LIMIT $3`, s.t(releasedBefore), s.t(pendingBefore), limit)
}

func (s *Store) queryMedia(ctx context.Context, where string, args ...any) ([]*MediaObject, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, show_id, state, servable, created_at, released_at FROM media_objects `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("episodes: query media objects: %w", err)
	}
	defer rows.Close()
	var out []*MediaObject
	for rows.Next() {
		var o MediaObject
		var created, released dbTime
		if err := rows.Scan(&o.Key, &o.ShowID, &o.State, &o.Servable, &created, &released); err != nil {
			return nil, fmt.Errorf("episodes: read media object: %w", err)
		}
		o.CreatedAt, o.ReleasedAt = created.Time, released.Ptr()
		out = append(out, &o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("episodes: query media objects: %w", err)
	}
	return out, nil
}

// ClaimForDeletion marks the object as being deleted when it is still a
// sweep candidate by the same cutoffs and nothing references it, and reports
// whether it did. Once claimed, a commit that would reference the object
// fails (the upload is asked again) instead of pointing at a deleted object.
func (s *Store) ClaimForDeletion(ctx context.Context, key string, releasedBefore, pendingBefore time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(tx *txn) error {
		used, err := objectReferenced(ctx, tx, key)
		if err != nil || used {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE media_objects SET state = 'deleting' WHERE key = $1 AND (
			(state = 'released' AND released_at < $2) OR (state = 'pending' AND created_at < $3) OR state = 'deleting')`,
			key, s.t(releasedBefore), s.t(pendingBefore))
		if err != nil {
			return fmt.Errorf("episodes: claim object %s: %w", key, err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n > 0, err
}

// MediaCounts counts the objects in each state, for the sweep's report.
func (s *Store) MediaCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM media_objects WHERE state <> 'deleted' GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("episodes: count media objects: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("episodes: count media objects: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// UnknownMedia returns those of keys that have no row: objects put before
// this table existed or by something else. The reconciliation of the whole
// bucket asks this a page of keys at a time.
func (s *Store) UnknownMedia(ctx context.Context, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	ph := make([]string, len(keys))
	args := make([]any, len(keys))
	for i, k := range keys {
		ph[i], args[i] = "$"+strconv.Itoa(i+1), k
	}
	rows, err := s.db.QueryContext(ctx, `SELECT key FROM media_objects WHERE key IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("episodes: look up media objects: %w", err)
	}
	defer rows.Close()
	known := make(map[string]bool, len(keys))
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("episodes: look up media objects: %w", err)
		}
		known[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("episodes: look up media objects: %w", err)
	}
	var out []string
	for _, k := range keys {
		if !known[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// AdoptMedia records an object the reconciliation found without a row:
// referenced when something points at it, else pending since modified, so
// that the sweep deletes it once that is longer ago than the grace.
func (s *Store) AdoptMedia(ctx context.Context, key string, modified time.Time) error {
	return s.inTx(ctx, func(tx *txn) error {
		used, err := objectReferenced(ctx, tx, key)
		if err != nil {
			return err
		}
		state := MediaPending
		if used {
			state = MediaReferenced
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO media_objects (key, show_id, state, servable, created_at)
			VALUES ($1, 0, $2, TRUE, $3) ON CONFLICT (key) DO NOTHING`, key, state, s.t(modified))
		if err != nil {
			return fmt.Errorf("episodes: adopt object %s: %w", key, err)
		}
		return nil
	})
}

// LastRun returns when the named periodic task last finished (zero when
// never). The sweep asks it under its lock, so one replica at a time.
func (s *Store) LastRun(ctx context.Context, name string) (time.Time, error) {
	var last dbTime
	err := s.db.QueryRowContext(ctx, `SELECT last_at FROM sweep_runs WHERE name = $1`, name).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("episodes: read the last %s: %w", name, err)
	}
	return last.Time, nil
}

// RecordRun notes that the named periodic task finished now.
func (s *Store) RecordRun(ctx context.Context, name string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sweep_runs (name, last_at) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET last_at = excluded.last_at`, name, s.t(s.clock()))
	if err != nil {
		return fmt.Errorf("episodes: record the %s: %w", name, err)
	}
	return nil
}

// TryLock takes the named lock for one replica at a time and returns its
// release, or ok false when another replica holds it. On PostgreSQL it is a
// session advisory lock on a connection kept for the holder (so a replica
// that dies releases it with its connection); SQLite serves one machine,
// where the store's own mutex is enough.
func (s *Store) TryLock(ctx context.Context, name string) (release func(), ok bool, err error) {
	if s.dialect != dialectPostgres {
		if !s.locks.TryLock() {
			return nil, false, nil
		}
		return s.locks.Unlock, true, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("episodes: lock %s: %w", name, err)
	}
	h := fnv.New64a()
	h.Write([]byte("lyssna-lock:" + name))
	id := int64(h.Sum64() >> 1)
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, id).Scan(&ok); err != nil || !ok {
		conn.Close()
		if err != nil {
			return nil, false, fmt.Errorf("episodes: lock %s: %w", name, err)
		}
		return nil, false, nil
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, id)
		conn.Close()
	}, true, nil
}

// mediaSlot is one place a show or an episode keeps an object: "audio",
// "image", or "transcript:" and the language. A key that leaves its slot
// for another key was replaced; one that leaves it empty was withdrawn.
type mediaSlot struct{ slot, key string }

// mediaKeys lists the objects an episode row points at, by slot.
func mediaKeys(e *Episode) []mediaSlot {
	var keys []mediaSlot
	if e.Audio != nil && e.Audio.Key != "" {
		keys = append(keys, mediaSlot{"audio", e.Audio.Key})
	}
	keys = append(keys, imageSlots(e.ImageKey, e.ImageRenditions)...)
	for _, t := range e.Transcripts {
		if t.Key != "" {
			keys = append(keys, mediaSlot{"transcript:" + strings.ToLower(t.Language), t.Key})
		}
	}
	for _, a := range e.Alternates {
		if a.Key != "" {
			keys = append(keys, mediaSlot{"alternate:" + a.Key, a.Key})
		}
	}
	return keys
}

// storedMediaKeys lists the objects the stored episode points at, inside tx.
func (s *Store) storedMediaKeys(ctx context.Context, tx *txn, id int64) ([]mediaSlot, error) {
	var image, renditions string
	err := tx.QueryRowContext(ctx, `SELECT image_key, image_renditions FROM episodes WHERE id = $1`, id).Scan(&image, &renditions)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("episodes: media of episode %d: %w", id, err)
	}
	rs, err := decodeRenditions(renditions)
	if err != nil {
		return nil, err
	}
	keys := imageSlots(image, rs)
	rows, err := tx.QueryContext(ctx, `SELECT 'audio', audio_key FROM episodes WHERE id = $1 AND audio_key IS NOT NULL AND audio_key <> ''
		UNION ALL SELECT 'transcript:' || LOWER(language), object_key FROM episode_transcripts WHERE episode_id = $1
		UNION ALL SELECT 'alternate:' || object_key, object_key FROM episode_alternates WHERE episode_id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("episodes: media of episode %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m mediaSlot
		if err := rows.Scan(&m.slot, &m.key); err != nil {
			return nil, fmt.Errorf("episodes: media of episode %d: %w", id, err)
		}
		keys = append(keys, m)
	}
	return keys, rows.Err()
}

// moveMedia records, inside the transaction that changes what a show or
// episode points at, that the objects in after are referenced (servable, or
// withdrawn when servable is false: an unpublished episode's) and that those
// in before but not after are released now, unless another row still points
// at them. A released object stays servable when another took its slot
// (replaced: apps holding the old feed still play it) and is withdrawn when
// its slot was emptied or its episode or show deleted. An object the sweep
// claimed or deleted fails the write: it is gone, and the producer must
// upload it again.
func (s *Store) moveMedia(ctx context.Context, tx *txn, showID int64, before, after []mediaSlot, servable bool) error {
	now := s.t(s.clock())
	keep := make(map[string]bool, len(after))
	filled := make(map[string]bool, len(after))
	for _, m := range after {
		keep[m.key], filled[m.slot] = true, true
		res, err := tx.ExecContext(ctx, `UPDATE media_objects SET state = 'referenced', servable = $2, released_at = NULL
			WHERE key = $1 AND state NOT IN ('deleting', 'deleted')`, m.key, servable)
		if err != nil {
			return fmt.Errorf("episodes: reference object %s: %w", m.key, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			continue
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO media_objects (key, show_id, state, servable, created_at)
			VALUES ($1, $2, 'referenced', $3, $4) ON CONFLICT (key) DO NOTHING`, m.key, showID, servable, now)
		if err != nil {
			return fmt.Errorf("episodes: reference object %s: %w", m.key, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &Error{Kind: Invalid, Field: "media", Message: fmt.Sprintf("the object %s was deleted as an abandoned upload before it was saved; upload the file again", m.key)}
		}
	}
	for _, m := range before {
		if keep[m.key] {
			continue
		}
		used, err := objectReferenced(ctx, tx, m.key)
		if err != nil {
			return err
		}
		if used {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE media_objects SET state = 'released', servable = $2, released_at = $3
			WHERE key = $1 AND state = 'referenced'`, m.key, filled[m.slot], now); err != nil {
			return fmt.Errorf("episodes: release object %s: %w", m.key, err)
		}
	}
	return nil
}

// objectReferenced is ObjectReferenced inside a transaction.
func objectReferenced(ctx context.Context, q querier, key string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM shows WHERE image_key = $1) +
		(SELECT COUNT(*) FROM episodes WHERE audio_key = $1 OR image_key = $1) +
		(SELECT COUNT(*) FROM episode_transcripts WHERE object_key = $1) +
		(SELECT COUNT(*) FROM episode_alternates WHERE object_key = $1)`, key).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("episodes: object references: %w", err)
	}
	// A rendition is referenced while a show or an episode has its picture
	// and lists it.
	if src, ok := renditionSource(key); ok && n == 0 {
		err := q.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM shows WHERE image_key = $1 AND image_renditions LIKE $2) +
			(SELECT COUNT(*) FROM episodes WHERE image_key = $1 AND image_renditions LIKE $2)`, src, `%"`+key+`"%`).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("episodes: rendition references: %w", err)
		}
	}
	return n > 0 && key != "", nil
}
