package episodes

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"
)

// ListenerKey is a person's or a cohort's access to one show: a personal
// feed whose media are authorised by signed URLs. The key's secret part is
// not stored: it is an HMAC of ID made with the server's secret (package
// access), so nothing in the database can be turned into a working URL.
type ListenerKey struct {
	ID         int64
	ShowID     int64
	Name       string
	Email      string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// MaxListenerKeys bounds the keys one call may create (a CSV of a cohort).
const MaxListenerKeys = 2000

// Active reports whether the key opens its feed and media at now: not
// revoked and not expired.
func (k *ListenerKey) Active(now time.Time) bool {
	return k.RevokedAt == nil && (k.ExpiresAt == nil || now.Before(*k.ExpiresAt))
}

// Validate checks a new key's name, email and expiry.
func (k *ListenerKey) Validate() error {
	if err := checkRequiredText("name", k.Name, MaxTitleLen); err != nil {
		return err
	}
	if k.Email != "" {
		if err := checkText("email", k.Email, MaxEmailLen, false); err != nil {
			return err
		}
		a, err := mail.ParseAddress(k.Email)
		if err != nil || a.Address != k.Email {
			return invalid("email", "%q is not an email address; give one like name@example.com", k.Email)
		}
	}
	return nil
}

const listenerColumns = `id, show_id, name, email, created_at, expires_at, revoked_at, last_used_at`

// CreateListenerKeys validates and stores keys for the show in one
// transaction (all or none), setting each one's ID, ShowID and CreatedAt.
// An expiry in the past is Invalid.
func (s *Store) CreateListenerKeys(ctx context.Context, showID int64, keys []*ListenerKey) error {
	if len(keys) == 0 {
		return invalid("listeners", "give at least one listener")
	}
	if len(keys) > MaxListenerKeys {
		return invalid("listeners", "%d listeners at once is too many; at most %d a request", len(keys), MaxListenerKeys)
	}
	now := s.clock()
	for i, k := range keys {
		if err := k.Validate(); err != nil {
			if de, ok := AsError(err); ok && len(keys) > 1 {
				de.Message = fmt.Sprintf("listener %d: %s", i+1, de.Message)
			}
			return err
		}
		if k.ExpiresAt != nil && !k.ExpiresAt.After(now) {
			return invalid("expires_at", "%s is in the past; give a time to come, or none for a key that does not expire", k.ExpiresAt.UTC().Format(time.RFC3339))
		}
	}
	return s.inTx(ctx, func(tx *txn) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM shows WHERE id = $1`, showID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return notFound("there is no show with id %d (it may have been deleted)", showID)
		} else if err != nil {
			return fmt.Errorf("episodes: create listener keys: %w", err)
		}
		for _, k := range keys {
			err := tx.QueryRowContext(ctx, `INSERT INTO listener_keys (show_id, name, email, created_at, expires_at)
				VALUES ($1, $2, $3, $4, $5) RETURNING id`, showID, k.Name, k.Email, s.t(now), s.tp(k.ExpiresAt)).Scan(&k.ID)
			if err != nil {
				return fmt.Errorf("episodes: create listener key: %w", err)
			}
			k.ShowID, k.CreatedAt = showID, normTime(now)
		}
		return nil
	})
}

// ListenerKeys returns the show's keys, revoked ones included, oldest first.
func (s *Store) ListenerKeys(ctx context.Context, showID int64) ([]*ListenerKey, error) {
	rows, err := s.reads.QueryContext(ctx, `SELECT `+listenerColumns+` FROM listener_keys WHERE show_id = $1 ORDER BY id`, showID)
	if err != nil {
		return nil, fmt.Errorf("episodes: list listener keys: %w", err)
	}
	defer rows.Close()
	var out []*ListenerKey
	for rows.Next() {
		k, err := scanListenerKey(rows)
		if err != nil {
			return nil, fmt.Errorf("episodes: list listener keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("episodes: list listener keys: %w", err)
	}
	return out, nil
}

// GetListenerKey returns the key with id, or ErrNotFound. It reads the
// primary, so a revocation is seen at once by every replica.
func (s *Store) GetListenerKey(ctx context.Context, id int64) (*ListenerKey, error) {
	k, err := scanListenerKey(s.db.QueryRowContext(ctx, `SELECT `+listenerColumns+` FROM listener_keys WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("there is no listener key %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("episodes: get listener key %d: %w", id, err)
	}
	return k, nil
}

// RevokeListenerKey revokes the show's key id at once; revoking a revoked
// key changes nothing. A key of another show is NotFound.
func (s *Store) RevokeListenerKey(ctx context.Context, showID, id int64) (*ListenerKey, error) {
	if _, err := s.db.ExecContext(ctx, `UPDATE listener_keys SET revoked_at = $3
		WHERE id = $1 AND show_id = $2 AND revoked_at IS NULL`, id, showID, s.t(s.clock())); err != nil {
		return nil, fmt.Errorf("episodes: revoke listener key %d: %w", id, err)
	}
	k, err := s.GetListenerKey(ctx, id)
	if err != nil || k.ShowID != showID {
		return nil, notFound("there is no listener key %d in this show", id)
	}
	return k, nil
}

// TouchListenerKey records that the key was used at now. It writes at most
// once a minute a key, so a busy feed does not write on every request.
func (s *Store) TouchListenerKey(ctx context.Context, id int64, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE listener_keys SET last_used_at = $2
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)`, id, s.t(now), s.t(now.Add(-time.Minute)))
	if err != nil {
		return fmt.Errorf("episodes: note the use of listener key %d: %w", id, err)
	}
	return nil
}

func scanListenerKey(r rowScanner) (*ListenerKey, error) {
	var k ListenerKey
	var created, expires, revoked, used dbTime
	if err := r.Scan(&k.ID, &k.ShowID, &k.Name, &k.Email, &created, &expires, &revoked, &used); err != nil {
		return nil, err
	}
	k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt = created.Time, expires.Ptr(), revoked.Ptr(), used.Ptr()
	return &k, nil
}

// MediaAccess is who may fetch a stored object: the show it belongs to and
// the strictest visibility of that show and of the episodes that use it.
type MediaAccess struct {
	ShowID     int64
	Visibility string
	// Servable is MediaServable's answer.
	Servable bool
}

// MediaAccessOf returns the object's show and visibility; ErrNotFound when
// no media row names it.
func (s *Store) MediaAccessOf(ctx context.Context, key string) (*MediaAccess, error) {
	var a MediaAccess
	var showVis sql.NullString
	var epRank sql.NullInt64
	var state string
	err := s.reads.QueryRowContext(ctx, `SELECT m.show_id, m.state, m.servable,
		(SELECT visibility FROM shows WHERE id = m.show_id),
		(SELECT MAX(CASE visibility WHEN 'public' THEN 0 WHEN 'unlisted' THEN 1 ELSE 2 END) FROM episodes
			WHERE audio_key = m.key OR image_key = m.key
			OR id IN (SELECT episode_id FROM episode_transcripts WHERE object_key = m.key))
		FROM media_objects m WHERE m.key = $1`, key).Scan(&a.ShowID, &state, &a.Servable, &showVis, &epRank)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("episodes: media object %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("episodes: access to object %s: %w", key, err)
	}
	a.Servable = a.Servable && (state == MediaReferenced || state == MediaReleased)
	a.Visibility = VisibilityPrivate // the show is gone: nobody
	if showVis.Valid {
		a.Visibility = normVisibility(showVis.String)
	}
	if epRank.Valid {
		a.Visibility = Strictest(a.Visibility, []string{VisibilityPublic, VisibilityUnlisted, VisibilityPrivate}[min(max(epRank.Int64, 0), 2)])
	}
	return &a, nil
}

// ParseListenerCSV reads listeners from CSV: one a line as name, email
// (optional) and expires_at (optional, RFC 3339 or 2006-01-02), with an
// optional header line naming those columns. Bad lines are Invalid, naming
// the line.
func ParseListenerCSV(r io.Reader) ([]*ListenerKey, error) {
	cr := csv.NewReader(io.LimitReader(r, 1<<20))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var out []*ListenerKey
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, invalid("csv", "line %d is not valid CSV: %v", line, err)
		}
		if line == 1 && len(rec) > 0 && strings.EqualFold(strings.TrimSpace(rec[0]), "name") {
			continue // the header
		}
		if len(rec) == 0 || (len(rec) == 1 && strings.TrimSpace(rec[0]) == "") {
			continue
		}
		if len(rec) > 3 {
			return nil, invalid("csv", "line %d has %d columns; give name, email and expires_at at most", line, len(rec))
		}
		k := &ListenerKey{Name: strings.TrimSpace(rec[0])}
		if len(rec) > 1 {
			k.Email = strings.TrimSpace(rec[1])
		}
		if len(rec) > 2 && strings.TrimSpace(rec[2]) != "" {
			t, err := parseExpiry(strings.TrimSpace(rec[2]))
			if err != nil {
				return nil, invalid("csv", "line %d: expires_at %q is not a time; use 2026-12-31 or 2026-12-31T23:59:00Z", line, rec[2])
			}
			k.ExpiresAt = &t
		}
		if err := k.Validate(); err != nil {
			de, _ := AsError(err)
			return nil, invalid("csv", "line %d: %s %s", line, de.Field, de.Message)
		}
		out = append(out, k)
		if len(out) > MaxListenerKeys {
			return nil, invalid("csv", "more than %d listeners; split the file", MaxListenerKeys)
		}
	}
	if len(out) == 0 {
		return nil, invalid("csv", "no listeners found; give one a line as name,email")
	}
	return out, nil
}

func parseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Parse("2006-01-02", s)
}
