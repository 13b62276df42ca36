// Package accounts owns who may act, and what they may do: people (email,
// display name, argon2id password, admin and disabled flags), their roles
// per show, one-time invitation and password-reset links, API tokens
// belonging to a person, server-side sessions, the limit on failed
// sign-ins, and the one rule of rights (Decide, Authorize) that the API and
// the producer UI both ask. Everything lives in the database, so every
// replica sees the same sessions and counts the same failures, and nothing
// can be forged from a database read: session IDs, tokens and invitation
// links are random 256-bit secrets of which only the SHA-256 is stored.
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
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
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
	// Principal is who is signed in, with the limits of the token they
	// signed in with, if any.
	Principal *Principal
	// TokenName is the name of the token signed in with ("" for a password
	// or identity-provider sign-in).
	TokenName string
	// CSRF is the token every form of the session carries; it is derived
	// from the session ID, which only the cookie holds.
	CSRF string
	// Expires is when the session ends.
	Expires time.Time
	// lastSeen is when the session was last noted used (Unix seconds; 0
	// never), so that Seen writes only when it is stale.
	lastSeen int64
}

// NewID returns a new random secret ID: 256 bits in base64url, no padding
// (43 characters). Session IDs, invitation links, API tokens and the LTI
// tool's flows are made of one.
func NewID() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashID is how a secret ID is stored: its SHA-256 in lowercase hex, so
// reading the table gives nothing usable. A plain hash suffices for long
// random secrets.
func HashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// csrfFor derives a session's CSRF token from its ID.
func csrfFor(id string) string {
	m := hmac.New(sha256.New, []byte(id))
	m.Write([]byte("lyssna csrf"))
	return hex.EncodeToString(m.Sum(nil))
}

// Create starts a session for the person of the stored token whose hash is
// tokenHash (signing in with a token); the session ends with the token and
// has no more rights than it. See Start.
func (s *Sessions) Create(ctx context.Context, tokenName, tokenHash string) (string, *Session, error) {
	var uid int64
	if err := s.db.QueryRowContext(ctx, `SELECT user_id FROM tokens WHERE hash = $1 AND user_id IS NOT NULL`, tokenHash).Scan(&uid); err != nil {
		return "", nil, fmt.Errorf("accounts: create session: token %q: %w", tokenName, err)
	}
	return s.Start(ctx, StartSession{UserID: uid, TokenHash: tokenHash})
}

// StartSession is a session to start.
type StartSession struct {
	UserID    int64
	TokenHash string // the token signed in with, or "" (password, identity provider)
	UserAgent string // for the person's list of sessions
	Client    string // the client's address, for the same list
}

// Start starts a session and returns the cookie value (the session ID) and
// the session. Expired sessions are deleted on the way.
func (s *Sessions) Start(ctx context.Context, st StartSession) (string, *Session, error) {
	id := NewID()
	now := s.now()
	exp := now.Add(s.ttl).Truncate(time.Second)
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now.Unix()); err != nil {
		return "", nil, fmt.Errorf("accounts: delete expired sessions: %w", err)
	}
	var token any
	if st.TokenHash != "" {
		token = st.TokenHash
	}
	if len(st.UserAgent) > 200 {
		st.UserAgent = st.UserAgent[:200]
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, token_hash, created_at, user_agent, client, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		HashID(id), st.UserID, token, now.Unix(), st.UserAgent, st.Client, exp.Unix()); err != nil {
		return "", nil, fmt.Errorf("accounts: create session: %w", err)
	}
	sess, err := s.Lookup(ctx, id)
	if err != nil {
		return "", nil, fmt.Errorf("accounts: create session: %w", err)
	}
	return id, sess, nil
}

// Lookup returns the live session whose cookie value is id, or
// ErrNoSession: also when its person is disabled or its token expired.
func (s *Sessions) Lookup(ctx context.Context, id string) (*Session, error) {
	if len(id) != 43 { // 32 bytes in unpadded base64url
		return nil, ErrNoSession
	}
	p := &Principal{Via: "session"}
	var exp, seen int64
	var tokenName sql.NullString
	var show sql.NullInt64
	var ro sql.NullBool
	now := s.now().Unix()
	err := s.db.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.admin, t.name, t.show_id, t.read_only, s.expires_at, s.last_seen_at
		FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tokens t ON t.hash = s.token_hash
		WHERE s.id_hash = $1 AND s.expires_at > $2 AND NOT u.disabled AND (t.expires_at IS NULL OR t.expires_at > $2)`,
		HashID(id), now).Scan(&p.UserID, &p.Email, &p.Name, &p.Admin, &tokenName, &show, &ro, &exp, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: look up session: %w", err)
	}
	if tokenName.Valid {
		p.Via, p.TokenShowID, p.ReadOnly = tokenName.String, show.Int64, ro.Bool
	}
	return &Session{Principal: p, TokenName: tokenName.String, CSRF: csrfFor(id), Expires: time.Unix(exp, 0), lastSeen: seen}, nil
}

// SessionInfo is one of a person's sessions as they see it listed.
type SessionInfo struct {
	// ID names the session for List and Revoke (a part of its stored
	// hash: it cannot be used as a cookie).
	ID        string
	Created   time.Time
	Expires   time.Time
	UserAgent string
	Client    string
	TokenName string
	// Current is the session whose cookie value was given to List.
	Current bool
}

// List returns a person's live sessions, newest first; current is the
// cookie value of the session asking ("" for none).
func (s *Sessions) List(ctx context.Context, userID int64, current string) ([]SessionInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.id_hash, s.created_at, s.expires_at, s.user_agent, s.client, COALESCE(t.name, '')
		FROM sessions s LEFT JOIN tokens t ON t.hash = s.token_hash
		WHERE s.user_id = $1 AND s.expires_at > $2 ORDER BY s.created_at DESC, s.id_hash`, userID, s.now().Unix())
	if err != nil {
		return nil, fmt.Errorf("accounts: list sessions: %w", err)
	}
	defer rows.Close()
	cur := ""
	if current != "" {
		cur = HashID(current)
	}
	var out []SessionInfo
	for rows.Next() {
		var si SessionInfo
		var h string
		var created, exp int64
		if err := rows.Scan(&h, &created, &exp, &si.UserAgent, &si.Client, &si.TokenName); err != nil {
			return nil, fmt.Errorf("accounts: list sessions: %w", err)
		}
		si.ID, si.Created, si.Expires, si.Current = h[:16], time.Unix(created, 0).UTC(), time.Unix(exp, 0).UTC(), h == cur
		out = append(out, si)
	}
	return out, rows.Err()
}

// Revoke ends one of a person's sessions by its listed ID; NotFound when
// they have none such.
func (s *Sessions) Revoke(ctx context.Context, userID int64, listedID string) error {
	if len(listedID) != 16 || strings.Trim(listedID, "0123456789abcdef") != "" {
		return &episodes.Error{Kind: episodes.NotFound, Message: "there is no such session"}
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id_hash LIKE $2`, userID, listedID+"%")
	if err != nil {
		return fmt.Errorf("accounts: revoke session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &episodes.Error{Kind: episodes.NotFound, Message: "there is no such session (it may have ended)"}
	}
	return nil
}

// RevokeAll ends every session of a person.
func (s *Sessions) RevokeAll(ctx context.Context, userID int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("accounts: revoke sessions: %w", err)
	}
	return nil
}

// Delete ends the session whose cookie value is id (signing out); an unknown
// one is no error.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, HashID(id)); err != nil {
		return fmt.Errorf("accounts: delete session: %w", err)
	}
	return nil
}

// ValidCSRF reports whether a form's token belongs to the session.
func (s *Session) ValidCSRF(token string) bool {
	return token != "" && hmac.Equal([]byte(token), []byte(s.CSRF))
}
