package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// Invitation kinds: joining (set a first password) and a password reset.
const (
	KindInvite = "invite"
	KindReset  = "reset"
)

// InvitationTTL is how long an invitation or reset link is good for.
const InvitationTTL = 7 * 24 * time.Hour

// InvitationPath is where a link's secret is appended to the public base
// URL: the producer UI's page that accepts it (set a password, or sign in
// with the identity provider to link it).
const InvitationPath = "/admin/invitations/"

// Invitation is a one-time link's record.
type Invitation struct {
	Kind      string
	User      *User
	ExpiresAt time.Time
}

// Invite makes a one-time link secret of kind (KindInvite, KindReset) for a
// person, good for InvitationTTL; only its hash is stored. The link is the
// public base URL + InvitationPath + the secret.
func (s *Store) Invite(ctx context.Context, userID int64, kind string) (string, time.Time, error) {
	var secret string
	var exp time.Time
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		secret, exp, err = s.invite(ctx, tx, userID, kind)
		return err
	})
	return secret, exp, err
}

func (s *Store) invite(ctx context.Context, tx *sql.Tx, userID int64, kind string) (string, time.Time, error) {
	if kind != KindInvite && kind != KindReset {
		return "", time.Time{}, fmt.Errorf("accounts: unknown invitation kind %q", kind)
	}
	u, err := s.userWhere(ctx, tx, "id = $1", userID)
	if err != nil {
		return "", time.Time{}, err
	}
	secret := NewID()
	now := s.now().UTC().Truncate(time.Second)
	exp := now.Add(InvitationTTL)
	if _, err := tx.ExecContext(ctx, `INSERT INTO invitations (hash, kind, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		HashID(secret), kind, userID, now.Unix(), exp.Unix()); err != nil {
		return "", time.Time{}, fmt.Errorf("accounts: create invitation: %w", err)
	}
	if err := s.store.Audit(ctx, tx, 0, "user."+kind, u.Email, nil); err != nil {
		return "", time.Time{}, err
	}
	return secret, exp, nil
}

// Invitation errors: each says what happened and what to do; none changes anything.
var (
	ErrInvitationUnknown = &episodes.Error{Kind: episodes.NotFound, Message: "this link is not valid: check that it was copied whole, or ask for a new one"}
	ErrInvitationUsed    = &episodes.Error{Kind: episodes.Conflict, Message: "this link has been used already; links work once. Sign in, or ask for a new one"}
	ErrInvitationExpired = &episodes.Error{Kind: episodes.Conflict, Message: "this link has expired (links are good for 7 days); ask for a new one"}
)

// LookupInvitation returns the link's invitation while it can be accepted,
// or one of the invitation errors.
func (s *Store) LookupInvitation(ctx context.Context, secret string) (*Invitation, error) {
	return s.lookupInvitation(ctx, s.db, secret)
}

func (s *Store) lookupInvitation(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, secret string) (*Invitation, error) {
	secret = strings.TrimSpace(secret)
	if len(secret) != 43 {
		return nil, ErrInvitationUnknown
	}
	var inv Invitation
	var userID, exp int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT kind, user_id, expires_at, used_at FROM invitations WHERE hash = $1`, HashID(secret)).
		Scan(&inv.Kind, &userID, &exp, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrInvitationUnknown
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: look up invitation: %w", err)
	}
	if used.Valid {
		return nil, ErrInvitationUsed
	}
	inv.ExpiresAt = time.Unix(exp, 0).UTC()
	if !s.now().Before(inv.ExpiresAt) {
		return nil, ErrInvitationExpired
	}
	if inv.User, err = s.userWhere(ctx, q, "id = $1", userID); err != nil {
		return nil, err
	}
	if inv.User.Disabled {
		return nil, &episodes.Error{Kind: episodes.Forbidden, Message: "this account is disabled; ask an admin"}
	}
	return &inv, nil
}

// AcceptInvitation sets the password of the link's person and uses the link
// up, in one transaction; an unknown, used or expired link, or a password
// that breaks the rules, changes nothing. A reset also ends the person's
// sessions.
func (s *Store) AcceptInvitation(ctx context.Context, secret, password string) (*User, error) {
	if err := checkPassword(password); err != nil {
		return nil, err
	}
	h := hashPassword(password)
	return s.consume(ctx, secret, func(tx *sql.Tx, inv *Invitation) error {
		if err := s.setPassword(ctx, tx, inv.User.ID, h); err != nil {
			return err
		}
		if inv.Kind == KindReset {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, inv.User.ID); err != nil {
				return fmt.Errorf("accounts: end sessions after a reset: %w", err)
			}
		}
		return nil
	})
}

// ConsumeInvitation uses the link up without setting a password (the
// person linked their identity provider instead) and returns its person.
func (s *Store) ConsumeInvitation(ctx context.Context, secret string) (*User, error) {
	return s.consume(ctx, secret, func(*sql.Tx, *Invitation) error { return nil })
}

func (s *Store) consume(ctx context.Context, secret string, fn func(*sql.Tx, *Invitation) error) (*User, error) {
	var u *User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		inv, err := s.lookupInvitation(ctx, tx, secret)
		if err != nil {
			return err
		}
		// The WHERE makes two replicas accepting one link at once agree: one wins.
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET used_at = $1 WHERE hash = $2 AND used_at IS NULL`,
			s.now().Unix(), HashID(strings.TrimSpace(secret)))
		if err != nil {
			return fmt.Errorf("accounts: use invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrInvitationUsed
		}
		if err := fn(tx, inv); err != nil {
			return err
		}
		u = inv.User
		return s.store.Audit(ctx, tx, 0, "user.accept", u.Email, map[string]any{"kind": inv.Kind})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
