package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/lyssna/lyssna/episodes"
)

// Store keeps people, their roles per show, invitations and tokens, in the
// database of an episodes.Store (migration 00100). Every change is recorded
// in the audit trail, in its own transaction.
type Store struct {
	store *episodes.Store
	db    *sql.DB
	now   func() time.Time
	idKey idKeyFunc // argon2.IDKey, for VerifyPassword
}

// New returns the accounts kept in store's database; now is the clock (nil
// means time.Now).
func New(store *episodes.Store, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{store: store, db: store.DB(), now: now, idKey: argon2.IDKey}
}

// User is a person who may sign in.
type User struct {
	ID          int64
	Email       string
	Name        string
	Admin       bool
	Disabled    bool
	HasPassword bool
	CreatedAt   time.Time
}

// ErrBadCredentials is VerifyPassword's one answer for an unknown email, a
// wrong password, a person without a password or a disabled one, so the
// answer says nothing about which.
var ErrBadCredentials = &episodes.Error{Kind: episodes.Forbidden, Message: "the email or the password is not right"}

// NormalizeEmail is how emails are compared and stored: trimmed and
// lowercased; it is Invalid unless it is one plain address.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 {
		return "", episodes.Errorf(episodes.Invalid, "email", "%q is not an email address like ada@example.edu", email)
	}
	return e, nil
}

func checkName(name string) (string, error) {
	n := strings.TrimSpace(name)
	if n == "" || len(n) > 100 {
		return "", episodes.Errorf(episodes.Invalid, "name", "must be 1 to 100 characters")
	}
	return n, nil
}

// inTx runs fn in a transaction of the database.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("accounts: begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("accounts: commit: %w", err)
	}
	return nil
}

type rowScanner interface{ Scan(...any) error }

const userColumns = `id, email, name, admin, disabled, password_hash <> '', created_at`

func scanUser(r rowScanner) (*User, error) {
	u := &User{}
	var created int64
	if err := r.Scan(&u.ID, &u.Email, &u.Name, &u.Admin, &u.Disabled, &u.HasPassword, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = time.Unix(created, 0).UTC()
	return u, nil
}

func (s *Store) userWhere(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, where string, arg any) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, episodes.Errorf(episodes.NotFound, "", "there is no person %v", arg)
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: look up person: %w", err)
	}
	return u, nil
}

// UserByEmail returns the person with the email (any case), or NotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, episodes.Errorf(episodes.NotFound, "", "there is no person %q", email)
	}
	return s.userWhere(ctx, s.db, "email = $1", e)
}

// UserByID returns the person with the id, or NotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return s.userWhere(ctx, s.db, "id = $1", id)
}

// ListUsers returns every person, by email.
func (s *Store) ListUsers(ctx context.Context) ([]*User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("accounts: list people: %w", err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("accounts: list people: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("accounts: list people: %w", err)
	}
	return out, nil
}

// NewUser is a person to create.
type NewUser struct {
	Email string
	Name  string
	Admin bool
}

// CreateUser creates a person without a password (they set one by an
// invitation); a taken email is Conflict.
func (s *Store) CreateUser(ctx context.Context, nu NewUser) (*User, error) {
	var u *User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = s.createUser(ctx, tx, nu)
		return err
	})
	return u, err
}

func (s *Store) createUser(ctx context.Context, tx *sql.Tx, nu NewUser) (*User, error) {
	email, err := NormalizeEmail(nu.Email)
	if err != nil {
		return nil, err
	}
	name, err := checkName(nu.Name)
	if err != nil {
		return nil, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = $1`, email).Scan(&n); err != nil {
		return nil, fmt.Errorf("accounts: create person: %w", err)
	}
	if n > 0 {
		return nil, episodes.Errorf(episodes.Conflict, "email", "%s already has an account", email)
	}
	u := &User{Email: email, Name: name, Admin: nu.Admin, CreatedAt: s.now().UTC().Truncate(time.Second)}
	if err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, admin, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		email, name, nu.Admin, u.CreatedAt.Unix()).Scan(&u.ID); err != nil {
		return nil, fmt.Errorf("accounts: create person: %w", err)
	}
	if err := s.store.Audit(ctx, tx, 0, "user.create", email, map[string]any{"name": name, "admin": nu.Admin}); err != nil {
		return nil, err
	}
	return u, nil
}

// UserPatch changes a person; nil fields stay.
type UserPatch struct {
	Email    *string
	Name     *string
	Admin    *bool
	Disabled *bool
}

// UpdateUser changes a person. Disabling ends their sessions at once (their
// tokens stop with them). A change that would leave the instance without an
// enabled admin is Conflict.
func (s *Store) UpdateUser(ctx context.Context, id int64, p UserPatch) (*User, error) {
	var u *User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = s.userWhere(ctx, tx, "id = $1", id); err != nil {
			return err
		}
		changed := []string{}
		if p.Email != nil {
			e, err := NormalizeEmail(*p.Email)
			if err != nil {
				return err
			}
			if e != u.Email {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = $1`, e).Scan(&n); err != nil {
					return fmt.Errorf("accounts: update person: %w", err)
				}
				if n > 0 {
					return episodes.Errorf(episodes.Conflict, "email", "%s already has an account", e)
				}
				u.Email, changed = e, append(changed, "email")
			}
		}
		if p.Name != nil {
			n, err := checkName(*p.Name)
			if err != nil {
				return err
			}
			if n != u.Name {
				u.Name, changed = n, append(changed, "name")
			}
		}
		if p.Admin != nil && *p.Admin != u.Admin {
			u.Admin, changed = *p.Admin, append(changed, "admin")
		}
		if p.Disabled != nil && *p.Disabled != u.Disabled {
			u.Disabled, changed = *p.Disabled, append(changed, "disabled")
		}
		if len(changed) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email = $1, name = $2, admin = $3, disabled = $4 WHERE id = $5`,
			u.Email, u.Name, u.Admin, u.Disabled, id); err != nil {
			return fmt.Errorf("accounts: update person: %w", err)
		}
		if err := lockoutCheck(ctx, tx); err != nil {
			return err
		}
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return fmt.Errorf("accounts: end the sessions of a disabled person: %w", err)
			}
		}
		return s.store.Audit(ctx, tx, 0, "user.update", u.Email, map[string]any{"changed": changed})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// lockoutCheck refuses a change that leaves no enabled admin: nobody could
// manage people any more.
func lockoutCheck(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE admin AND NOT disabled`).Scan(&n); err != nil {
		return fmt.Errorf("accounts: count admins: %w", err)
	}
	if n == 0 {
		return episodes.Errorf(episodes.Conflict, "", "this would leave no enabled instance admin, and nobody could manage people; make another person an admin first")
	}
	return nil
}

// DeleteUser deletes a person, their memberships, tokens and sessions. The
// last enabled admin, and the last owner of a show, cannot be deleted
// (Conflict).
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := s.userWhere(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		var slug string
		err = tx.QueryRowContext(ctx, `SELECT sh.slug FROM memberships m JOIN shows sh ON sh.id = m.show_id
			WHERE m.user_id = $1 AND m.role = 'owner'
			AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.show_id = m.show_id AND o.role = 'owner' AND o.user_id <> m.user_id)
			ORDER BY sh.slug LIMIT 1`, id).Scan(&slug)
		if err == nil {
			return episodes.Errorf(episodes.Conflict, "", "%s is the last owner of show %q; make someone else its owner first", u.Email, slug)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("accounts: delete person: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, id); err != nil {
			return fmt.Errorf("accounts: delete person: %w", err)
		}
		if err := lockoutCheck(ctx, tx); err != nil {
			return err
		}
		return s.store.Audit(ctx, tx, 0, "user.delete", u.Email, nil)
	})
}

// SetPassword sets a person's password (at least MinPasswordLen characters).
func (s *Store) SetPassword(ctx context.Context, userID int64, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	h := hashPassword(password)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return s.setPassword(ctx, tx, userID, h)
	})
}

func (s *Store) setPassword(ctx context.Context, tx *sql.Tx, userID int64, hash string) error {
	var email string
	err := tx.QueryRowContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2 RETURNING email`, hash, userID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return episodes.Errorf(episodes.NotFound, "", "there is no person %d", userID)
	}
	if err != nil {
		return fmt.Errorf("accounts: set password: %w", err)
	}
	return s.store.Audit(ctx, tx, 0, "user.password", email, nil)
}

// VerifyPassword returns the enabled person with the email and password,
// or ErrBadCredentials. Every refusal runs one argon2id key derivation (an
// unknown email, a person without a password and an over-long password
// against no hash, which costs the same), so each takes as long as a wrong
// password and gives the same answer.
func (s *Store) VerifyPassword(ctx context.Context, email, password string) (*User, error) {
	var u *User
	var stored string
	e, err := NormalizeEmail(email)
	if err == nil {
		var created int64
		u = &User{}
		err = s.db.QueryRowContext(ctx, `SELECT id, email, name, admin, disabled, password_hash, created_at FROM users WHERE email = $1`, e).
			Scan(&u.ID, &u.Email, &u.Name, &u.Admin, &u.Disabled, &stored, &created)
		u.CreatedAt, u.HasPassword = time.Unix(created, 0).UTC(), stored != ""
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("accounts: verify password: %w", err)
		}
	}
	if err != nil || stored == "" || len(password) > maxPasswordLen {
		passwordMatches(s.idKey, "", "")
		return nil, ErrBadCredentials
	}
	if !passwordMatches(s.idKey, stored, password) || u.Disabled {
		return nil, ErrBadCredentials
	}
	return u, nil
}
