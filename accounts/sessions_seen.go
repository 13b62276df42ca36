package accounts

import (
	"context"
	"fmt"
	"time"
)

// seenEvery is how stale a session's last-seen time may get before a
// request writes it again: a person's list of sessions needs minutes, not
// a write on every request.
const seenEvery = 5 * time.Minute

// Seen notes that sess, the session Lookup gave for the cookie value id,
// was used now, at most once every few minutes: while the time Lookup read
// is fresh, it writes nothing (every producer UI request asks).
func (s *Sessions) Seen(ctx context.Context, id string, sess *Session) error {
	now := s.now().Unix()
	if sess.lastSeen >= now-int64(seenEvery.Seconds()) {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at < $3`,
		now, HashID(id), now-int64(seenEvery.Seconds())); err != nil {
		return fmt.Errorf("accounts: note a session's use: %w", err)
	}
	return nil
}

// LastSeen returns when each of a person's sessions was last used, by the
// IDs List gives them; a session not used since it started is missing.
func (s *Sessions) LastSeen(ctx context.Context, userID int64) (map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id_hash, last_seen_at FROM sessions WHERE user_id = $1 AND last_seen_at > 0`, userID)
	if err != nil {
		return nil, fmt.Errorf("accounts: list sessions: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var h string
		var at int64
		if err := rows.Scan(&h, &at); err != nil {
			return nil, fmt.Errorf("accounts: list sessions: %w", err)
		}
		out[h[:16]] = time.Unix(at, 0).UTC()
	}
	return out, rows.Err()
}

// RevokeOthers ends every session of a person but the one whose cookie
// value is keep (after a password change).
func (s *Sessions) RevokeOthers(ctx context.Context, userID int64, keep string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, userID, HashID(keep)); err != nil {
		return fmt.Errorf("accounts: end other sessions: %w", err)
	}
	return nil
}
