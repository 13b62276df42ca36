package accounts

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// SignInLimit allows at most Max failed sign-ins per client in a sliding
// Window, and as many per account (an email: guessing one person's
// password from many addresses). Only failures count, and they are counted
// in the database, so every replica enforces the same limit.
type SignInLimit struct {
	db     *sql.DB
	now    func() time.Time
	max    int
	window time.Duration
}

// NewSignInLimit counts failures in db (migration 00030); now is the clock
// (nil means time.Now).
func NewSignInLimit(db *sql.DB, max int, window time.Duration, now func() time.Time) *SignInLimit {
	if now == nil {
		now = time.Now
	}
	return &SignInLimit{db: db, now: now, max: max, window: window}
}

// clientKey is what failures are counted under: an IPv4 address whole, an
// IPv6 address by its /64 (one household's or host's network; the rest is
// the client's to change at will).
func clientKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			return p.String()
		}
	}
	return a.String()
}

// Blocked reports whether client has used up its failures, and if so how
// long until the oldest counted one ages out.
func (l *SignInLimit) Blocked(ctx context.Context, client netip.Addr) (bool, time.Duration, error) {
	return l.blocked(ctx, "client", clientKey(client))
}

// BlockedAccount is Blocked for the account (an email, any case), whichever
// clients its failures came from. A sign-in asks both.
func (l *SignInLimit) BlockedAccount(ctx context.Context, email string) (bool, time.Duration, error) {
	return l.blocked(ctx, "account", accountKey(email))
}

func (l *SignInLimit) blocked(ctx context.Context, column, key string) (bool, time.Duration, error) {
	now := l.now()
	var n int
	var oldest sql.NullInt64
	err := l.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(at) FROM signin_failures WHERE `+column+` = $1 AND at > $2`,
		key, now.Add(-l.window).Unix()).Scan(&n, &oldest)
	if err != nil {
		return false, 0, fmt.Errorf("accounts: count sign-in failures: %w", err)
	}
	if n < l.max {
		return false, 0, nil
	}
	return true, time.Unix(oldest.Int64, 0).Add(l.window).Sub(now), nil
}

// accountKey is what failures are counted under for an account.
func accountKey(email string) string {
	return "@" + strings.ToLower(strings.TrimSpace(email)) // never '', which is "no account"
}

// Fail counts a failed sign-in by client, and forgets failures that have
// aged out of the window (for every client).
func (l *SignInLimit) Fail(ctx context.Context, client netip.Addr) error {
	return l.fail(ctx, client, "")
}

// FailAccount counts a failed sign-in by client to the account (an email).
func (l *SignInLimit) FailAccount(ctx context.Context, client netip.Addr, email string) error {
	return l.fail(ctx, client, accountKey(email))
}

func (l *SignInLimit) fail(ctx context.Context, client netip.Addr, account string) error {
	now := l.now()
	if _, err := l.db.ExecContext(ctx, `DELETE FROM signin_failures WHERE at <= $1`, now.Add(-l.window).Unix()); err != nil {
		return fmt.Errorf("accounts: forget old sign-in failures: %w", err)
	}
	if _, err := l.db.ExecContext(ctx, `INSERT INTO signin_failures (client, account, at) VALUES ($1, $2, $3)`, clientKey(client), account, now.Unix()); err != nil {
		return fmt.Errorf("accounts: count a sign-in failure: %w", err)
	}
	return nil
}
