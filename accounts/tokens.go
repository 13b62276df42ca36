package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// ErrBadToken is Authenticate's answer for an unknown, revoked or expired
// token, or one whose person is disabled.
var ErrBadToken = &episodes.Error{Kind: episodes.Forbidden, Message: "the API token is not valid (unknown, revoked, expired, or its person disabled); `lyssna token list` shows the tokens"}

// NewSecret returns a new random API token: "lys_" and 256 bits in base64url.
func NewSecret() string {
	return "lys_" + NewID()
}

// TokenSpec is a token to create for a person.
type TokenSpec struct {
	Name     string
	UserID   int64
	ShowID   int64         // 0: every show the person may act in
	ReadOnly bool          // reads only
	TTL      time.Duration // 0: does not expire
}

// CreateToken creates a token for an enabled person and returns its secret,
// which is not stored (only its hash).
func (s *Store) CreateToken(ctx context.Context, spec TokenSpec) (string, error) {
	u, err := s.UserByID(ctx, spec.UserID)
	if err != nil {
		return "", err
	}
	if u.Disabled {
		return "", episodes.Errorf(episodes.Conflict, "user", "%s is disabled; enable them before giving them a token", u.Email)
	}
	secret := NewSecret()
	nt := episodes.NewToken{Name: spec.Name, Hash: episodes.HashToken(secret), UserID: u.ID, ShowID: spec.ShowID, ReadOnly: spec.ReadOnly}
	if spec.TTL > 0 {
		exp := s.now().Add(spec.TTL).UTC().Truncate(time.Second)
		nt.ExpiresAt = &exp
	}
	if err := s.store.CreateUserToken(ctx, nt); err != nil {
		return "", err
	}
	return secret, nil
}

// Authenticate returns the principal of an API token's secret, or
// ErrBadToken when the token is unknown, revoked or expired, or its person
// disabled.
func (s *Store) Authenticate(ctx context.Context, secret string) (*Principal, error) {
	return s.principalForToken(ctx, episodes.HashToken(secret))
}

func (s *Store) principalForToken(ctx context.Context, hash string) (*Principal, error) {
	p := &Principal{}
	var exp sql.NullInt64
	var disabled bool
	var show sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.admin, u.disabled, t.name, t.show_id, t.read_only, t.expires_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1`, hash).
		Scan(&p.UserID, &p.Email, &p.Name, &p.Admin, &disabled, &p.Via, &show, &p.ReadOnly, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: look up token: %w", err)
	}
	if disabled || exp.Valid && s.now().Unix() >= exp.Int64 {
		return nil, ErrBadToken
	}
	p.TokenShowID = show.Int64
	return p, nil
}
