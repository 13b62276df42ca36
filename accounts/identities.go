package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/lyssna/lyssna/accounts/oidc"
	"github.com/lyssna/lyssna/episodes"
)

// Identity-provider sign-in refusals; each says what to do.
var (
	errNoAccountForIdentity = &episodes.Error{Kind: episodes.Forbidden,
		Message: "There is no Lyssna account for this identity. Ask an administrator or a show's owner to invite you, then accept the invitation with this sign-in."}
	errIdentityDisabled = &episodes.Error{Kind: episodes.Forbidden,
		Message: "This account is disabled. Ask an administrator."}
	errOtherIdentity = &episodes.Error{Kind: episodes.Forbidden,
		Message: "Your Lyssna account is linked to another account at the identity provider. Sign in there with that account, or with your password."}
	errIdentityTaken = &episodes.Error{Kind: episodes.Conflict,
		Message: "This account at the identity provider is already linked to another Lyssna account. Sign in with it, or sign in at the identity provider with another account."}
)

// SignInWithIdentity returns the enabled person an identity provider
// vouches for: the one the identity (issuer and subject) is linked to, or
// else the one with its email, which the provider must have verified; the
// identity is then linked, so later sign-ins find the person by subject
// even when the email changes. An account already linked to another
// identity at the same provider is not taken over by email.
func (s *Store) SignInWithIdentity(ctx context.Context, id *oidc.Identity) (*User, error) {
	var u *User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users
			WHERE id = (SELECT user_id FROM identities WHERE issuer = $1 AND subject = $2)`, id.Issuer, id.Subject))
		if err == nil {
			if u.Disabled {
				return errIdentityDisabled
			}
			_, err = tx.ExecContext(ctx, `UPDATE identities SET email = $1, last_seen_at = $2 WHERE issuer = $3 AND subject = $4`,
				id.Email, s.now().Unix(), id.Issuer, id.Subject)
			if err != nil {
				return fmt.Errorf("accounts: note an identity's sign-in: %w", err)
			}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("accounts: look up an identity: %w", err)
		}
		if err := oidc.RequireVerified(id); err != nil {
			return err
		}
		e, err := NormalizeEmail(id.Email)
		if err != nil {
			return errNoAccountForIdentity
		}
		u, err = s.userWhere(ctx, tx, "email = $1", e)
		if de, ok := episodes.AsError(err); ok && de.Kind == episodes.NotFound {
			return errNoAccountForIdentity
		}
		if err != nil {
			return err
		}
		if u.Disabled {
			return errIdentityDisabled
		}
		return s.linkIdentity(ctx, tx, u, id)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// AcceptInvitationWithIdentity uses up an invitation (or reset) link by
// linking the identity to its person instead of setting a password. The
// provider need not have verified the email (the link stands for that), but
// an identity linked to another person is refused, and an unknown, used or
// expired link changes nothing.
func (s *Store) AcceptInvitationWithIdentity(ctx context.Context, secret string, id *oidc.Identity) (*User, error) {
	return s.consume(ctx, secret, func(tx *sql.Tx, inv *Invitation) error {
		return s.linkIdentity(ctx, tx, inv.User, id)
	})
}

// linkIdentity links id to u (again, if it is already theirs).
func (s *Store) linkIdentity(ctx context.Context, tx *sql.Tx, u *User, id *oidc.Identity) error {
	if id.Issuer == "" || id.Subject == "" {
		return errors.New("accounts: an identity without issuer or subject")
	}
	var owner int64
	err := tx.QueryRowContext(ctx, `SELECT user_id FROM identities WHERE issuer = $1 AND subject = $2`, id.Issuer, id.Subject).Scan(&owner)
	switch {
	case err == nil && owner != u.ID:
		return errIdentityTaken
	case err == nil:
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("accounts: look up an identity: %w", err)
	}
	var other int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM identities WHERE user_id = $1 AND issuer = $2`, u.ID, id.Issuer).Scan(&other); err != nil {
		return fmt.Errorf("accounts: look up a person's identities: %w", err)
	}
	if other > 0 {
		return errOtherIdentity
	}
	now := s.now().Unix()
	if _, err := tx.ExecContext(ctx, `INSERT INTO identities (issuer, subject, user_id, email, linked_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		id.Issuer, id.Subject, u.ID, id.Email, now); err != nil {
		return fmt.Errorf("accounts: link an identity: %w", err)
	}
	return s.store.Audit(ctx, tx, 0, "user.link_identity", u.Email, map[string]any{"issuer": id.Issuer})
}

// LinkedIdentity is an identity-provider account linked to a person.
type LinkedIdentity struct {
	Issuer string
	Email  string // as the provider last gave it
}

// Identities returns the identity-provider accounts linked to a person.
func (s *Store) Identities(ctx context.Context, userID int64) ([]LinkedIdentity, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT issuer, email FROM identities WHERE user_id = $1 ORDER BY issuer, subject`, userID)
	if err != nil {
		return nil, fmt.Errorf("accounts: list identities: %w", err)
	}
	defer rows.Close()
	var out []LinkedIdentity
	for rows.Next() {
		var li LinkedIdentity
		if err := rows.Scan(&li.Issuer, &li.Email); err != nil {
			return nil, fmt.Errorf("accounts: list identities: %w", err)
		}
		out = append(out, li)
	}
	return out, rows.Err()
}
