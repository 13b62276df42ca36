package accounts

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func open(t *testing.T, c *clock) *episodes.Store {
	t.Helper()
	store, err := episodes.Open(context.Background(), episodestest.SQLite(t), c.now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	store := open(t, c)
	hash := episodes.HashToken("a-producer-token-0123456789")
	if err := store.CreateToken(ctx, "producer", hash); err != nil {
		t.Fatal(err)
	}
	s := NewSessions(store.DB(), time.Hour, c.now)
	id, sess, err := s.Create(ctx, "producer", hash)
	if err != nil {
		t.Fatal(err)
	}
	if len(id) != 43 || sess.CSRF == "" || !sess.ValidCSRF(sess.CSRF) || sess.ValidCSRF("") {
		t.Fatalf("session id %q, CSRF %q", id, sess.CSRF)
	}
	got, err := s.Lookup(ctx, id)
	if err != nil || got.TokenName != "producer" || got.CSRF != sess.CSRF {
		t.Fatalf("Lookup = %+v, %v", got, err)
	}
	var stored string
	if err := store.DB().QueryRow(`SELECT id_hash FROM sessions`).Scan(&stored); err != nil || stored == id {
		t.Fatalf("stored %q (%v): the ID itself must not be stored", stored, err)
	}
	if _, err := s.Lookup(ctx, stored[:43]); err != ErrNoSession {
		t.Errorf("the stored hash as a cookie: %v, want ErrNoSession", err)
	}

	c.t = c.t.Add(time.Hour)
	if _, err := s.Lookup(ctx, id); err != ErrNoSession {
		t.Errorf("expired session: %v", err)
	}
	id, _, _ = s.Create(ctx, "producer", hash)
	if err := s.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(ctx, id); err != ErrNoSession {
		t.Errorf("signed-out session: %v", err)
	}
	id, _, _ = s.Create(ctx, "producer", hash)
	if err := store.RevokeToken(ctx, "producer"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(ctx, id); err != ErrNoSession {
		t.Errorf("session of a revoked token: %v", err)
	}
	var n int
	store.DB().QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&n)
	if n != 0 {
		t.Errorf("%d session rows left after the token was revoked", n)
	}
	if revoked, err := store.TokenRevoked(ctx, hash); !revoked || err != nil {
		t.Errorf("TokenRevoked = %v, %v", revoked, err)
	}
}

func TestSignInLimit(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	store := open(t, c)
	l := NewSignInLimit(store.DB(), 3, time.Minute, c.now)
	a := netip.MustParseAddr("2001:db8:1:2::1")
	sameNet := netip.MustParseAddr("2001:db8:1:2:ffff::9")
	other := netip.MustParseAddr("203.0.113.5")
	for i := 0; i < 3; i++ {
		if blocked, _, err := l.Blocked(ctx, a); blocked || err != nil {
			t.Fatalf("failure %d: blocked %v, %v", i, blocked, err)
		}
		l.Fail(ctx, a)
	}
	if blocked, wait, _ := l.Blocked(ctx, sameNet); !blocked || wait != time.Minute {
		t.Errorf("the same /64 after 3 failures: blocked %v, wait %s", blocked, wait)
	}
	if blocked, _, _ := l.Blocked(ctx, other); blocked {
		t.Error("another client is blocked too")
	}
	c.t = c.t.Add(time.Minute)
	if blocked, _, _ := l.Blocked(ctx, a); blocked {
		t.Error("still blocked after the window")
	}

	// Per account: failures from three networks block the account (any
	// case of its email) for a fourth, but neither that network nor
	// another account.
	for i, ip := range []string{"198.51.100.1", "198.51.100.2", "2001:db8:9::1"} {
		if blocked, _, err := l.BlockedAccount(ctx, "ada@example.edu"); blocked || err != nil {
			t.Fatalf("account failure %d: blocked %v, %v", i, blocked, err)
		}
		if err := l.FailAccount(ctx, netip.MustParseAddr(ip), "ada@example.edu"); err != nil {
			t.Fatal(err)
		}
	}
	if blocked, wait, _ := l.BlockedAccount(ctx, " ADA@example.edu"); !blocked || wait != time.Minute {
		t.Errorf("the account after 3 failures from 3 networks: blocked %v, wait %s", blocked, wait)
	}
	if blocked, _, _ := l.Blocked(ctx, netip.MustParseAddr("198.51.100.1")); blocked {
		t.Error("one failure blocks its client")
	}
	if blocked, _, _ := l.BlockedAccount(ctx, "bob@example.edu"); blocked {
		t.Error("another account is blocked too")
	}
}

// TestSessionSeen: a session's use is noted at most every seenEvery, and
// LastSeen lists it under the ID List gives.
func TestSessionSeen(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	store := open(t, c)
	hash := episodes.HashToken("a-producer-token-0123456789")
	if err := store.CreateToken(ctx, "producer", hash); err != nil {
		t.Fatal(err)
	}
	s := NewSessions(store.DB(), 24*time.Hour, c.now)
	id, sess, err := s.Create(ctx, "producer", hash)
	if err != nil {
		t.Fatal(err)
	}
	seen := func() time.Time {
		t.Helper()
		list, err := s.List(ctx, sess.Principal.UserID, id)
		if err != nil || len(list) != 1 {
			t.Fatalf("List: %v, %v", list, err)
		}
		m, err := s.LastSeen(ctx, sess.Principal.UserID)
		if err != nil {
			t.Fatal(err)
		}
		return m[list[0].ID]
	}
	if got := seen(); !got.IsZero() {
		t.Errorf("a session never used: last seen %v", got)
	}
	use := func() {
		t.Helper()
		got, err := s.Lookup(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Seen(ctx, id, got); err != nil {
			t.Fatal(err)
		}
	}
	start := c.t
	use()
	if got := seen(); !got.Equal(start) {
		t.Errorf("first use: last seen %v, want %v", got, start)
	}
	c.t = start.Add(seenEvery - time.Minute)
	use()
	if got := seen(); !got.Equal(start) {
		t.Errorf("a use within %v: last seen %v, want it left at %v", seenEvery, got, start)
	}
	c.t = start.Add(seenEvery + time.Minute)
	use()
	if got := seen(); !got.Equal(c.t) {
		t.Errorf("a use after %v: last seen %v, want %v", seenEvery, got, c.t)
	}
}
