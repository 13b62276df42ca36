package accounts

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"golang.org/x/crypto/argon2"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
)

// eachDB runs fn on SQLite and on PostgreSQL (skipped without
// LYSSNA_TEST_POSTGRES_URL, as testenv.Postgres says), with the URL.
func eachDB(t *testing.T, fn func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "sqlite:"+filepath.Join(t.TempDir(), "a.db")) })
	t.Run("postgres", func(t *testing.T) { fn(t, testenv.Postgres(t)) })
}

func openURL(t *testing.T, url string, c *clock) *episodes.Store {
	t.Helper()
	store, err := episodes.Open(context.Background(), url, c.now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func kindOf(err error) episodes.Kind {
	if e, ok := episodes.AsError(err); ok {
		return e.Kind
	}
	return -1
}

// TestUpgradeKeepsTokens: a database at the schema from before accounts,
// holding tokens and a session, upgrades to a first admin owning every
// token; each token still works, and so does the session.
func TestUpgradeKeepsTokens(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		dir, driver, dialect := "sqlite", "sqlite", goose.DialectSQLite3
		dsn := strings.TrimPrefix(url, "sqlite:")
		if episodes.IsPostgres(url) {
			dir, driver, dialect, dsn = "postgres", "pgx", goose.DialectPostgres, url
		}
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		// Today's schema: every migration but this issue's.
		p, err := goose.NewProvider(dialect, db, os.DirFS(filepath.Join("..", "episodes", "migrations", dir)),
			goose.WithExcludeVersions([]int64{100, 101, 120, 121, 122}), goose.WithAllowOutofOrder(true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Up(ctx); err != nil {
			t.Fatal(err)
		}
		created := map[string]string{"sqlite": "2025-01-02T03:04:05.000000Z", "postgres": "2025-01-02T03:04:05Z"}[dir]
		secrets := []string{"lys_first-token-0123456789abcdef", "lys_second-token-0123456789abcdef", "lys_third-token-0123456789abcdef"}
		for i, name := range []string{"laptop", "ci", "backup"} {
			if _, err := db.ExecContext(ctx, `INSERT INTO tokens (name, hash, created_at) VALUES ($1, $2, $3)`,
				name, episodes.HashToken(secrets[i]), created); err != nil {
				t.Fatal(err)
			}
		}
		sessionID := strings.Repeat("s", 43)
		if _, err := db.ExecContext(ctx, `INSERT INTO sessions (id_hash, token_hash, expires_at) VALUES ($1, $2, $3)`,
			HashID(sessionID), episodes.HashToken(secrets[1]), time.Now().Add(time.Hour).Unix()); err != nil {
			t.Fatal(err)
		}
		db.Close()

		c := &clock{time.Now()}
		store := openURL(t, url, c)
		a := New(store, c.now)
		for i, secret := range secrets {
			p, err := a.Authenticate(ctx, secret)
			if err != nil {
				t.Fatalf("token %d after the upgrade: %v", i, err)
			}
			if !p.Admin || p.Name != "laptop" || p.Email != episodes.FirstAdminEmail || p.ReadOnly || p.TokenShowID != 0 {
				t.Errorf("token %d belongs to %+v, want the first admin named after the oldest token", i, p)
			}
			if err := a.Authorize(ctx, p, CreateShow, 0); err != nil {
				t.Errorf("token %d may not create shows: %v", i, err)
			}
		}
		users, err := a.ListUsers(ctx)
		if err != nil || len(users) != 1 {
			t.Fatalf("people after the upgrade: %+v, %v", users, err)
		}
		sess, err := NewSessions(store.DB(), time.Hour, c.now).Lookup(ctx, sessionID)
		if err != nil || sess.Principal.UserID != users[0].ID || sess.TokenName != "ci" {
			t.Fatalf("session after the upgrade: %+v, %v", sess, err)
		}
	})
}

// TestPeople covers people, passwords, invitations, members and disabling.
func TestPeople(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		c := &clock{time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
		store := openURL(t, url, c)
		a := New(store, c.now)

		ada, err := a.CreateUser(ctx, NewUser{Email: " Ada@Example.EDU ", Name: "Ada Lovelace", Admin: true})
		if err != nil || ada.Email != "ada@example.edu" {
			t.Fatalf("CreateUser = %+v, %v", ada, err)
		}
		if _, err := a.CreateUser(ctx, NewUser{Email: "ADA@example.edu", Name: "Other"}); kindOf(err) != episodes.Conflict {
			t.Errorf("the same email in other case: %v, want Conflict", err)
		}
		if _, err := a.CreateUser(ctx, NewUser{Email: "not an email", Name: "X"}); kindOf(err) != episodes.Invalid {
			t.Errorf("a bad email: %v, want Invalid", err)
		}

		// Passwords: at least 12 characters, no other rules.
		if err := a.SetPassword(ctx, ada.ID, "short pw"); kindOf(err) != episodes.Invalid {
			t.Errorf("an 8-character password: %v, want Invalid", err)
		}
		if err := a.SetPassword(ctx, ada.ID, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		var stored string
		store.DB().QueryRow(`SELECT password_hash FROM users WHERE id = $1`, ada.ID).Scan(&stored)
		if !strings.HasPrefix(stored, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(stored, "horse") {
			t.Errorf("stored hash %q", stored)
		}
		if u, err := a.VerifyPassword(ctx, "ADA@example.edu", "correct horse battery"); err != nil || u.ID != ada.ID {
			t.Errorf("right password: %+v, %v", u, err)
		}
		_, wrong := a.VerifyPassword(ctx, "ada@example.edu", "wrong horse battery")
		_, unknown := a.VerifyPassword(ctx, "nobody@example.edu", "correct horse battery")
		if wrong != ErrBadCredentials || unknown != ErrBadCredentials {
			t.Errorf("wrong password: %v; unknown email: %v; want the same ErrBadCredentials", wrong, unknown)
		}

		// Invitations: one-time, 7 days, only a hash stored.
		bob, err := a.CreateUser(ctx, NewUser{Email: "bob@example.edu", Name: "Bob"})
		if err != nil {
			t.Fatal(err)
		}
		secret, exp, err := a.Invite(ctx, bob.ID, KindInvite)
		if err != nil || !exp.Equal(c.t.Add(7*24*time.Hour)) {
			t.Fatalf("Invite: %v, expires %v", err, exp)
		}
		var n int
		store.DB().QueryRow(`SELECT COUNT(*) FROM invitations WHERE hash = $1`, secret).Scan(&n)
		if n != 0 {
			t.Error("the invitation's secret itself is stored")
		}
		forged := secret[:42] + "x"
		if _, err := a.AcceptInvitation(ctx, forged, "a long enough password"); err != ErrInvitationUnknown {
			t.Errorf("forged link: %v", err)
		}
		if _, err := a.AcceptInvitation(ctx, secret, "too short"); kindOf(err) != episodes.Invalid {
			t.Errorf("short password on accept: %v", err)
		}
		if u, err := a.AcceptInvitation(ctx, secret, "bobs long password"); err != nil || u.ID != bob.ID {
			t.Fatalf("accept: %+v, %v", u, err)
		}
		if _, err := a.AcceptInvitation(ctx, secret, "another long password"); err != ErrInvitationUsed {
			t.Errorf("second use: %v", err)
		}
		if _, err := a.VerifyPassword(ctx, "bob@example.edu", "bobs long password"); err != nil {
			t.Errorf("password set by the invitation: %v", err)
		}
		reset, _, _ := a.Invite(ctx, bob.ID, KindReset)
		c.t = c.t.Add(InvitationTTL)
		if _, err := a.AcceptInvitation(ctx, reset, "a new long password"); err != ErrInvitationExpired {
			t.Errorf("expired link: %v", err)
		}
		if _, err := a.VerifyPassword(ctx, "bob@example.edu", "bobs long password"); err != nil {
			t.Errorf("an expired reset changed the password: %v", err)
		}

		// Members: inviting a person without an account makes one.
		sh := &episodes.Show{Slug: "radio", Title: "Radio", Language: "en", GUID: "g-radio", Hosts: []episodes.Person{{Name: "H"}}}
		if err := store.CreateShow(ctx, sh); err != nil {
			t.Fatal(err)
		}
		m, link, err := a.SetMember(ctx, sh.ID, "Cleo@Example.edu", Editor)
		if err != nil || link == "" || m.User.Name != "cleo" {
			t.Fatalf("SetMember for a new person: %+v, %q, %v", m, link, err)
		}
		if _, link, err := a.SetMember(ctx, sh.ID, "bob@example.edu", Owner); err != nil || link != "" {
			t.Fatalf("SetMember: %q, %v", link, err)
		}
		if err := a.RemoveMember(ctx, sh.ID, "bob@example.edu"); kindOf(err) != episodes.Conflict {
			t.Errorf("removing the last owner: %v, want Conflict", err)
		}
		if _, _, err := a.SetMember(ctx, sh.ID, "bob@example.edu", Viewer); kindOf(err) != episodes.Conflict {
			t.Errorf("demoting the last owner: %v, want Conflict", err)
		}
		if role, _ := a.RoleIn(ctx, bob.ID, sh.ID); role != Owner {
			t.Errorf("a refused demotion left role %q", role)
		}
		if err := a.DeleteUser(ctx, bob.ID); kindOf(err) != episodes.Conflict {
			t.Errorf("deleting the last owner: %v, want Conflict", err)
		}
		if _, _, err := a.SetMember(ctx, sh.ID, "bob@example.edu", "chief"); kindOf(err) != episodes.Invalid {
			t.Errorf("unknown role: %v", err)
		}

		// Disabling: sessions and tokens stop at once.
		bobToken, err := a.CreateToken(ctx, TokenSpec{Name: "bob-laptop", UserID: bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		sessions := NewSessions(store.DB(), time.Hour, c.now)
		sid, _, err := sessions.Start(ctx, StartSession{UserID: bob.ID, UserAgent: "Firefox"})
		if err != nil {
			t.Fatal(err)
		}
		if list, err := sessions.List(ctx, bob.ID, sid); err != nil || len(list) != 1 || !list[0].Current || list[0].UserAgent != "Firefox" {
			t.Fatalf("List = %+v, %v", list, err)
		}
		yes := true
		if _, err := a.UpdateUser(ctx, bob.ID, UserPatch{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, bobToken); err != ErrBadToken {
			t.Errorf("a disabled person's token: %v", err)
		}
		if _, err := sessions.Lookup(ctx, sid); err != ErrNoSession {
			t.Errorf("a disabled person's session: %v", err)
		}
		if _, err := a.VerifyPassword(ctx, "bob@example.edu", "bobs long password"); err != ErrBadCredentials {
			t.Errorf("a disabled person's password: %v", err)
		}

		// The last enabled admin cannot disable or demote themselves.
		no := false
		if _, err := a.UpdateUser(ctx, ada.ID, UserPatch{Disabled: &yes}); kindOf(err) != episodes.Conflict {
			t.Errorf("disabling the last admin: %v", err)
		}
		if _, err := a.UpdateUser(ctx, ada.ID, UserPatch{Admin: &no}); kindOf(err) != episodes.Conflict {
			t.Errorf("demoting the last admin: %v", err)
		}

		// Expiring tokens.
		short, err := a.CreateToken(ctx, TokenSpec{Name: "short", UserID: ada.ID, TTL: time.Hour, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if p, err := a.Authenticate(ctx, short); err != nil || !p.ReadOnly {
			t.Fatalf("fresh token: %+v, %v", p, err)
		}
		c.t = c.t.Add(time.Hour)
		if _, err := a.Authenticate(ctx, short); !errors.Is(err, ErrBadToken) {
			t.Errorf("expired token: %v", err)
		}

		// Every change is in the audit trail.
		events, _, err := store.AuditPage(ctx, sh.ID, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action+" "+e.Target)
		}
		want := "member.set bob@example.edu,member.set cleo@example.edu,show.create radio"
		if got := strings.Join(actions, ","); got != want {
			t.Errorf("audit of the show: %s, want %s", got, want)
		}
	})
}

// TestDecide is the rule of rights, role by role.
func TestDecide(t *testing.T) {
	person := &Principal{UserID: 1, Name: "P"}
	admin := &Principal{UserID: 2, Admin: true}
	readOnly := &Principal{UserID: 3, ReadOnly: true, Admin: true}
	scoped := &Principal{UserID: 4, TokenShowID: 7, Admin: true}
	want := map[Action][]Role{ // the roles that may, in show 7
		Read:    {Owner, Editor, Contributor, Viewer},
		Draft:   {Owner, Editor, Contributor},
		Edit:    {Owner, Editor},
		Publish: {Owner, Editor},
		Delete:  {Owner},
		Members: {Owner},
	}
	for a, roles := range want {
		for _, r := range append(Roles, NoRole) {
			may := false
			for _, w := range roles {
				may = may || w == r
			}
			if got := Decide(person, a, 7, r); got != may {
				t.Errorf("%s may %s: %v, want %v", r, a, got, may)
			}
		}
		if !Decide(admin, a, 7, NoRole) {
			t.Errorf("an admin may not %s", a)
		}
		if Decide(readOnly, a, 7, Owner) != (a == Read) {
			t.Errorf("a read-only token and %s: %v", a, !(a == Read))
		}
		if Decide(scoped, a, 8, Owner) || !Decide(scoped, a, 7, NoRole) {
			t.Errorf("a token limited to show 7 and %s", a)
		}
		if Decide(nil, a, 7, Owner) {
			t.Errorf("nobody may %s", a)
		}
	}
	if Decide(person, CreateShow, 0, NoRole) || Decide(person, Users, 0, NoRole) || !Decide(admin, Users, 0, NoRole) {
		t.Error("instance actions are for admins")
	}
	if Decide(scoped, CreateShow, 0, NoRole) || !Decide(scoped, SignedIn, 0, NoRole) || !Decide(nil, Public, 0, NoRole) {
		t.Error("scoped tokens and public actions")
	}
}

// TestVerifyPasswordWorksAlike: every refusal of VerifyPassword runs one
// argon2id key derivation, as a wrong password does, so an unknown email,
// a person without a password, a disabled person or an over-long password
// cannot be told apart by how fast the answer comes.
func TestVerifyPasswordWorksAlike(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	a := New(open(t, c), c.now)
	if _, err := a.CreateUser(ctx, NewUser{Email: "admin@example.edu", Name: "Admin", Admin: true}); err != nil {
		t.Fatal(err)
	}
	ada, err := a.CreateUser(ctx, NewUser{Email: "ada@example.edu", Name: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetPassword(ctx, ada.ID, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateUser(ctx, NewUser{Email: "nopw@example.edu", Name: "No Password"}); err != nil {
		t.Fatal(err)
	}
	off, err := a.CreateUser(ctx, NewUser{Email: "off@example.edu", Name: "Off"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetPassword(ctx, off.ID, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := a.UpdateUser(ctx, off.ID, UserPatch{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	runs := 0
	a.idKey = func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		runs++
		if memory != argonMemory || time != argonTime {
			t.Errorf("key derivation with m=%d t=%d, want the stored parameters m=%d t=%d", memory, time, argonMemory, argonTime)
		}
		return argon2.IDKey(pw, salt, time, memory, threads, keyLen)
	}
	for _, tc := range []struct{ name, email, password string }{
		{"wrong password", "ada@example.edu", "wrong horse battery"},
		{"unknown email", "nobody@example.edu", "correct horse battery"},
		{"not an email", "nobody", "correct horse battery"},
		{"no password", "nopw@example.edu", "correct horse battery"},
		{"disabled", "off@example.edu", "correct horse battery"},
		{"over-long password", "ada@example.edu", strings.Repeat("x", maxPasswordLen+1)},
	} {
		runs = 0
		if _, err := a.VerifyPassword(ctx, tc.email, tc.password); err != ErrBadCredentials {
			t.Errorf("%s: %v, want ErrBadCredentials", tc.name, err)
		}
		if runs != 1 {
			t.Errorf("%s: %d argon2id derivations, want 1 (as for a wrong password)", tc.name, runs)
		}
	}
}
