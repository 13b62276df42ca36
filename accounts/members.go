package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/lyssna/lyssna/episodes"
)

// Member is a person's role in a show.
type Member struct {
	User *User
	Role Role
}

// Members returns a show's members, owners first, then by email.
func (s *Store) Members(ctx context.Context, showID int64) ([]Member, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.role, u.id, u.email, u.name, u.admin, u.disabled, u.password_hash <> '', u.created_at
		FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.show_id = $1
		ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'editor' THEN 1 WHEN 'contributor' THEN 2 ELSE 3 END, u.email`, showID)
	if err != nil {
		return nil, fmt.Errorf("accounts: list members: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var role string
		u := &User{}
		var created int64
		if err := rows.Scan(&role, &u.ID, &u.Email, &u.Name, &u.Admin, &u.Disabled, &u.HasPassword, &created); err != nil {
			return nil, fmt.Errorf("accounts: list members: %w", err)
		}
		out = append(out, Member{User: u, Role: Role(role)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("accounts: list members: %w", err)
	}
	return out, nil
}

// RoleIn returns a person's role in a show (NoRole when not a member).
func (s *Store) RoleIn(ctx context.Context, userID, showID int64) (Role, error) {
	var role string
	err := s.db.QueryRowContext(ctx, `SELECT role FROM memberships WHERE user_id = $1 AND show_id = $2`, userID, showID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return NoRole, nil
	}
	if err != nil {
		return NoRole, fmt.Errorf("accounts: look up role: %w", err)
	}
	return Role(role), nil
}

// SetMember gives the person with the email a role in a show. A person
// without an account gets one (named after their email until they say
// otherwise) and an invitation, whose secret is returned ("" otherwise).
// Demoting the last owner is Conflict.
func (s *Store) SetMember(ctx context.Context, showID int64, email string, role Role) (Member, string, error) {
	if !role.Valid() {
		return Member{}, "", episodes.Errorf(episodes.Invalid, "role", "must be one of owner, editor, contributor, viewer (not %q)", role)
	}
	e, err := NormalizeEmail(email)
	if err != nil {
		return Member{}, "", err
	}
	var m Member
	var secret string
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := s.userWhere(ctx, tx, "email = $1", e)
		if errors.Is(err, episodes.ErrNotFound) {
			name, _, _ := strings.Cut(e, "@")
			if u, err = s.createUser(ctx, tx, NewUser{Email: e, Name: name}); err != nil {
				return err
			}
			if secret, _, err = s.invite(ctx, tx, u.ID, KindInvite); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		var old string
		err = tx.QueryRowContext(ctx, `SELECT role FROM memberships WHERE show_id = $1 AND user_id = $2`, showID, u.ID).Scan(&old)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO memberships (show_id, user_id, role) VALUES ($1, $2, $3)`, showID, u.ID, string(role))
		case err == nil:
			_, err = tx.ExecContext(ctx, `UPDATE memberships SET role = $1 WHERE show_id = $2 AND user_id = $3`, string(role), showID, u.ID)
		}
		if err != nil {
			return fmt.Errorf("accounts: set member: %w", err)
		}
		if old == string(Owner) && role != Owner {
			if err := lastOwnerCheck(ctx, tx, showID, e); err != nil {
				return err
			}
		}
		m = Member{User: u, Role: role}
		detail := map[string]any{"role": string(role)}
		if old != "" {
			detail["was"] = old
		}
		return s.store.Audit(ctx, tx, showID, "member.set", e, detail)
	})
	if err != nil {
		return Member{}, "", err
	}
	return m, secret, nil
}

// RemoveMember takes a person out of a show. The last owner cannot be
// removed (Conflict); a person who is not a member is NotFound.
func (s *Store) RemoveMember(ctx context.Context, showID int64, email string) error {
	e, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var role string
		err := tx.QueryRowContext(ctx, `DELETE FROM memberships WHERE show_id = $1
			AND user_id = (SELECT id FROM users WHERE email = $2) RETURNING role`, showID, e).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) {
			return episodes.Errorf(episodes.NotFound, "", "%s is not a member of this show", e)
		}
		if err != nil {
			return fmt.Errorf("accounts: remove member: %w", err)
		}
		if role == string(Owner) {
			if err := lastOwnerCheck(ctx, tx, showID, e); err != nil {
				return err
			}
		}
		return s.store.Audit(ctx, tx, showID, "member.remove", e, map[string]any{"was": role})
	})
}

// lastOwnerCheck refuses a change that leaves a show that had an owner
// without one.
func lastOwnerCheck(ctx context.Context, tx *sql.Tx, showID int64, email string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE show_id = $1 AND role = 'owner'`, showID).Scan(&n); err != nil {
		return fmt.Errorf("accounts: count owners: %w", err)
	}
	if n == 0 {
		return episodes.Errorf(episodes.Conflict, "role", "%s is the show's last owner; make someone else an owner first", email)
	}
	return nil
}

// Authorize returns nil when p may do a in the show showID (0 for an
// instance action), and a Forbidden *episodes.Error saying why not
// otherwise. It is the one place rights are decided (with Decide), for the
// API and the producer UI alike.
func (s *Store) Authorize(ctx context.Context, p *Principal, a Action, showID int64) error {
	role := NoRole
	if p != nil && showID != 0 && a.ShowAction() && !p.Admin {
		var err error
		if role, err = s.RoleIn(ctx, p.UserID, showID); err != nil {
			return err
		}
	}
	if Decide(p, a, showID, role) {
		return nil
	}
	return refusal(p, a, role)
}

// refusal says why p may not do a.
func refusal(p *Principal, a Action, role Role) error {
	what := map[Action]string{
		Read: "see this show", Draft: "change drafts", Edit: "edit this", Publish: "publish or unpublish episodes",
		Delete: "delete this", Members: "manage members", CreateShow: "create shows", Users: "manage people", Settings: "change the instance's settings",
		SignedIn: "do this", Account: "change the account",
	}[a]
	var msg string
	switch {
	case p == nil:
		msg = "sign in first"
	case p.ReadOnly && !a.readOnly():
		msg = fmt.Sprintf("the token %q is read-only; it may not %s", p.Via, what)
	case p.TokenShowID != 0 && (a.ShowAction() || a.instanceAction() || a == Account):
		msg = fmt.Sprintf("the token %q is limited to one show; it may not %s here", p.Via, what)
	case !a.ShowAction():
		msg = "only instance admins may " + what
	case role == NoRole:
		msg = "you are not a member of this show; ask one of its owners to add you"
	default:
		msg = fmt.Sprintf("as %s of this show you may not %s; ask one of its owners", article(role), what)
	}
	return &episodes.Error{Kind: episodes.Forbidden, Message: msg}
}

func article(r Role) string {
	if r == Owner || r == Editor {
		return "an " + string(r)
	}
	return "a " + string(r)
}

// VisibleShows keeps of shows those p may see.
func (s *Store) VisibleShows(ctx context.Context, p *Principal, shows []*episodes.Show) ([]*episodes.Show, error) {
	if p == nil {
		return nil, nil
	}
	roles, err := s.Roles(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	var out []*episodes.Show
	for _, sh := range shows {
		if Decide(p, Read, sh.ID, roles[sh.ID]) {
			out = append(out, sh)
		}
	}
	return out, nil
}

// Roles returns a person's role in each show they are a member of.
func (s *Store) Roles(ctx context.Context, userID int64) (map[int64]Role, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT show_id, role FROM memberships WHERE user_id = $1`, userID)
	if err != nil {
		return nil, fmt.Errorf("accounts: list roles: %w", err)
	}
	defer rows.Close()
	out := map[int64]Role{}
	for rows.Next() {
		var id int64
		var role string
		if err := rows.Scan(&id, &role); err != nil {
			return nil, fmt.Errorf("accounts: list roles: %w", err)
		}
		out[id] = Role(role)
	}
	return out, rows.Err()
}
