package episodes

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Token is a producer API token as listed; only a hash of its secret is stored.
type Token struct {
	Name      string
	CreatedAt time.Time
}

// HashToken is how a producer token's secret is stored and looked up: its
// SHA-256 in lowercase hex. The API, the admin UI's sign-in and `lyssna token
// create` all use it, so a token made by one works with the others. A plain
// hash suffices because tokens are long random secrets, not passwords.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateToken stores a token's name and the hash of its secret. The name
// must be 1..64 bytes of printable text; a taken name or hash is ErrConflict.
func (s *Store) CreateToken(ctx context.Context, name, hash string) error {
	if err := checkRequiredText("name", name, 64); err != nil {
		return err
	}
	if strings.TrimSpace(hash) == "" {
		return &Error{Field: "hash", Message: "is required"}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO tokens (name, hash, created_at) VALUES ($1, $2, $3)`, name, hash, s.t(s.clock()))
	if err != nil {
		return conflict(err, "create token "+name, map[string]string{"name": name})
	}
	return nil
}

// TokenByHash returns the token whose secret hashes to hash, or ErrNotFound.
func (s *Store) TokenByHash(ctx context.Context, hash string) (Token, error) {
	var t Token
	var created dbTime
	err := s.db.QueryRowContext(ctx, `SELECT name, created_at FROM tokens WHERE hash = $1`, hash).Scan(&t.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, notFound("there is no such token")
	}
	if err != nil {
		return Token{}, fmt.Errorf("episodes: look up token: %w", err)
	}
	t.CreatedAt = created.Time
	return t, nil
}

// ListTokens returns every token, oldest first.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, created_at FROM tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("episodes: list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created dbTime
		if err := rows.Scan(&t.Name, &created); err != nil {
			return nil, fmt.Errorf("episodes: list tokens: %w", err)
		}
		t.CreatedAt = created.Time
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("episodes: list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken deletes the token with the given name, or returns ErrNotFound.
// Its hash is remembered (TokenRevoked), so the same secret is never stored
// again, and its producer UI sessions end with it (they reference the token).
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	return s.inTx(ctx, func(tx *txn) error {
		var hash string
		err := tx.QueryRowContext(ctx, `DELETE FROM tokens WHERE name = $1 RETURNING hash`, name).Scan(&hash)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("there is no token named %q", name)
		}
		if err != nil {
			return fmt.Errorf("episodes: revoke token %q: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO revoked_tokens (hash, revoked_at) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING`,
			hash, s.clock().Unix()); err != nil {
			return fmt.Errorf("episodes: revoke token %q: %w", name, err)
		}
		return nil
	})
}

// TokenRevoked reports whether a token whose secret hashes to hash was
// revoked once.
func (s *Store) TokenRevoked(ctx context.Context, hash string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM revoked_tokens WHERE hash = $1`, hash).Scan(&n); err != nil {
		return false, fmt.Errorf("episodes: look up revoked tokens: %w", err)
	}
	return n > 0, nil
}

// CountTokens returns how many tokens exist (zero on a fresh instance).
func (s *Store) CountTokens(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tokens`).Scan(&n); err != nil {
		return 0, fmt.Errorf("episodes: count tokens: %w", err)
	}
	return n, nil
}
