package episodes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// TokenHashByName returns the stored hash of the named token, or
// ErrNotFound. The producer web UI keys its session cookies on it, so that
// revoking (deleting) a token ends every session signed in with it.
func (s *Store) TokenHashByName(ctx context.Context, name string) (string, error) {
	var hash string
	err := s.db.QueryRowContext(ctx, `SELECT hash FROM tokens WHERE name = $1`, name).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("there is no token named %q", name)
	}
	if err != nil {
		return "", fmt.Errorf("episodes: look up token %q: %w", name, err)
	}
	return hash, nil
}
