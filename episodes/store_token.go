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

// Token is a producer API token as listed; only a hash of its secret is
// stored. A token belongs to a person and never has more rights than they
// do; it may be limited to one show, to reading, and in time.
type Token struct {
	Name      string
	CreatedAt time.Time
	UserID    int64
	UserEmail string
	ShowID    int64 // 0: not limited to a show
	ShowSlug  string
	ReadOnly  bool
	ExpiresAt *time.Time // nil: does not expire
}

// NewToken is a token to store: a name, the hash of its secret (HashToken),
// its person and its limits.
type NewToken struct {
	Name      string
	Hash      string
	UserID    int64
	ShowID    int64
	ReadOnly  bool
	ExpiresAt *time.Time
}

// FirstAdminEmail is the email of the admin account an instance gets when
// it has tokens but no people: created by the migration that brought
// accounts from the tokens there were, or by CreateToken on an instance
// without an admin. Its person changes it (PATCH /api/v1/users/{id}).
const FirstAdminEmail = "admin@lyssna.invalid"

// HashToken is how a producer token's secret is stored and looked up: its
// SHA-256 in lowercase hex. The API, the admin UI's sign-in and `lyssna token
// create` all use it, so a token made by one works with the others. A plain
// hash suffices because tokens are long random secrets, not passwords.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateToken stores a token of the instance's first enabled admin (made,
// named after the token, when there is none: a fresh install's
// LYSSNA_ADMIN_TOKEN), with the hash of its secret. The name must be 1..64
// bytes of printable text; a taken name or hash is ErrConflict.
func (s *Store) CreateToken(ctx context.Context, name, hash string) error {
	if err := checkRequiredText("name", name, 64); err != nil {
		return err
	}
	var uid int64
	err := s.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE admin AND NOT disabled ORDER BY id LIMIT 1`).Scan(&uid)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, admin, created_at) VALUES ($1, $2, TRUE, $3)
			ON CONFLICT (email) DO UPDATE SET admin = TRUE, disabled = FALSE`, FirstAdminEmail, name, s.clock().Unix()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, FirstAdminEmail).Scan(&uid)
	})
	if err != nil {
		return fmt.Errorf("episodes: find the first admin: %w", err)
	}
	return s.CreateUserToken(ctx, NewToken{Name: name, Hash: hash, UserID: uid})
}

// CreateUserToken stores a token of a person. The name must be 1..64 bytes
// of printable text; a taken name or hash is ErrConflict.
func (s *Store) CreateUserToken(ctx context.Context, t NewToken) error {
	if err := checkRequiredText("name", t.Name, 64); err != nil {
		return err
	}
	if strings.TrimSpace(t.Hash) == "" {
		return &Error{Field: "hash", Message: "is required"}
	}
	if t.UserID == 0 {
		return &Error{Field: "user", Message: "is required: a token belongs to a person"}
	}
	var show, exp any
	if t.ShowID != 0 {
		show = t.ShowID
	}
	if t.ExpiresAt != nil {
		exp = t.ExpiresAt.Unix()
	}
	err := s.inTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tokens (name, hash, created_at, user_id, show_id, read_only, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.Name, t.Hash, s.t(s.clock()), t.UserID, show, t.ReadOnly, exp); err != nil {
			return err
		}
		detail := map[string]any{"user_id": t.UserID, "read_only": t.ReadOnly}
		if t.ExpiresAt != nil {
			detail["expires_at"] = t.ExpiresAt.UTC().Format(time.RFC3339)
		}
		return s.Audit(ctx, tx, t.ShowID, "token.create", t.Name, detail)
	})
	if err != nil {
		return conflict(err, "create token "+t.Name, map[string]string{"name": t.Name})
	}
	return nil
}

// tokenColumns are what TokenByHash and ListTokens read, with scanToken.
const tokenColumns = `t.name, t.created_at, COALESCE(t.user_id, 0), COALESCE(u.email, ''), COALESCE(t.show_id, 0),
	COALESCE(sh.slug, ''), t.read_only, t.expires_at
	FROM tokens t LEFT JOIN users u ON u.id = t.user_id LEFT JOIN shows sh ON sh.id = t.show_id`

func scanToken(r rowScanner) (Token, error) {
	var t Token
	var created dbTime
	var exp sql.NullInt64
	if err := r.Scan(&t.Name, &created, &t.UserID, &t.UserEmail, &t.ShowID, &t.ShowSlug, &t.ReadOnly, &exp); err != nil {
		return Token{}, err
	}
	t.CreatedAt = created.Time
	if exp.Valid {
		e := time.Unix(exp.Int64, 0).UTC()
		t.ExpiresAt = &e
	}
	return t, nil
}

// TokenByHash returns the token whose secret hashes to hash, or ErrNotFound.
// Whether it is still good (expiry, its person enabled) is for its caller,
// package accounts, to decide.
func (s *Store) TokenByHash(ctx context.Context, hash string) (Token, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` WHERE t.hash = $1`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, notFound("there is no such token")
	}
	if err != nil {
		return Token{}, fmt.Errorf("episodes: look up token: %w", err)
	}
	return t, nil
}

// ListTokens returns every token, oldest first; with userID not 0, only
// that person's.
func (s *Store) ListTokens(ctx context.Context, userID ...int64) ([]Token, error) {
	q, args := `SELECT `+tokenColumns+` ORDER BY t.created_at, t.id`, []any{}
	if len(userID) > 0 && userID[0] != 0 {
		q, args = `SELECT `+tokenColumns+` WHERE t.user_id = $1 ORDER BY t.created_at, t.id`, []any{userID[0]}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("episodes: list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("episodes: list tokens: %w", err)
		}
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
		var show sql.NullInt64
		err := tx.QueryRowContext(ctx, `DELETE FROM tokens WHERE name = $1 RETURNING hash, show_id`, name).Scan(&hash, &show)
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
		return s.Audit(ctx, tx, show.Int64, "token.revoke", name, nil)
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
