// Package accounts owns who may act in the producer UI: server-side
// sessions started with a producer token, and the limit on failed sign-ins.
// Both live in the database, so every replica sees the same sessions and
// counts the same failures, and neither can be forged from a database read:
// a session's cookie holds a random 256-bit ID of which only the SHA-256 is
// stored.
package accounts

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ErrNoSession means a cookie names no live session: missing, unknown,
// expired, signed out, or its token revoked.
var ErrNoSession = errors.New("accounts: not signed in")

// Sessions are the producer UI's server-side sessions.
type Sessions struct {
	db  *sql.DB
	now func() time.Time
	ttl time.Duration
}

// NewSessions keeps sessions in db (the tables of migration 00030) for ttl;
// now is the clock (nil means time.Now).
func NewSessions(db *sql.DB, ttl time.Duration, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{db: db, now: now, ttl: ttl}
}

// Session is a signed-in producer.
type Session struct {
	// TokenName is the name of the token signed in with.
	TokenName string
	// CSRF is the token every form of the session carries; it is derived
	// from the session ID, which only the cookie holds.
	CSRF string
	// Expires is when the session ends.
	Expires time.Time
}

// hashID is how a session ID is stored.
func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// csrfFor derives a session's CSRF token from its ID.
func csrfFor(id string) string {
	m := hmac.New(sha256.New, []byte(id))
	m.Write([]byte("lyssna csrf"))
	return hex.EncodeToString(m.Sum(nil))
}

// Create starts a session for the stored token whose hash is tokenHash and
// returns the cookie value (the session ID) and the session. Expired
// sessions are deleted on the way.
func (s *Sessions) Create(ctx context.Context, tokenName, tokenHash string) (string, *Session, error) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	id := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()
	exp := now.Add(s.ttl).Truncate(time.Second)
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now.Unix()); err != nil {
		return "", nil, fmt.Errorf("accounts: delete expired sessions: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id_hash, token_hash, expires_at) VALUES ($1, $2, $3)`,
		hashID(id), tokenHash, exp.Unix()); err != nil {
		return "", nil, fmt.Errorf("accounts: create session: %w", err)
	}
	return id, &Session{TokenName: tokenName, CSRF: csrfFor(id), Expires: exp}, nil
}

// Lookup returns the live session whose cookie value is id, or ErrNoSession.
func (s *Sessions) Lookup(ctx context.Context, id string) (*Session, error) {
	if len(id) != 43 { // 32 bytes in unpadded base64url
		return nil, ErrNoSession
	}
	var name string
	var exp int64
	err := s.db.QueryRowContext(ctx, `SELECT t.name, s.expires_at FROM sessions s JOIN tokens t ON t.hash = s.token_hash
		WHERE s.id_hash = $1 AND s.expires_at > $2`, hashID(id), s.now().Unix()).Scan(&name, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: look up session: %w", err)
	}
	return &Session{TokenName: name, CSRF: csrfFor(id), Expires: time.Unix(exp, 0)}, nil
}

// Delete ends the session whose cookie value is id (signing out); an unknown
// one is no error.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, hashID(id)); err != nil {
		return fmt.Errorf("accounts: delete session: %w", err)
	}
	return nil
}

// ValidCSRF reports whether a form's token belongs to the session.
func (s *Session) ValidCSRF(token string) bool {
	return token != "" && hmac.Equal([]byte(token), []byte(s.CSRF))
}
