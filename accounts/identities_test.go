package accounts

import (
	"context"
	"testing"
	"time"

	"github.com/lyssna/lyssna/accounts/oidc"
	"github.com/lyssna/lyssna/episodes"
)

// The identities an identity provider vouches for (as accounts/oidc returns
// them after verifying the ID token; its own tests run the flow against a
// real provider) find, link and are refused accounts here.
func TestSignInWithIdentity(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		c := &clock{time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
		s := New(openURL(t, url, c), c.now)
		ana, err := s.CreateUser(ctx, NewUser{Email: "ana@uni.example", Name: "Ana", Admin: true})
		if err != nil {
			t.Fatal(err)
		}
		bo, _ := s.CreateUser(ctx, NewUser{Email: "bo@uni.example", Name: "Bo"})
		const iss = "https://idp.uni.example"
		id := func(sub, email string, verified bool) *oidc.Identity {
			return &oidc.Identity{Issuer: iss, Subject: sub, Email: email, EmailVerified: verified}
		}

		// An unverified email finds no account, even a real one.
		if _, err := s.SignInWithIdentity(ctx, id("s-ana", "ana@uni.example", false)); kindOf(err) != episodes.Forbidden {
			t.Fatalf("unverified email: %v, want Forbidden", err)
		}
		// An unknown verified email gets no account.
		if _, err := s.SignInWithIdentity(ctx, id("s-eve", "eve@uni.example", true)); kindOf(err) != episodes.Forbidden {
			t.Fatalf("unknown email: %v, want Forbidden", err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM users`); n != 2 {
			t.Fatalf("%d people after refusals, want 2: signing in makes no account", n)
		}
		// A verified email finds the account and links the identity...
		u, err := s.SignInWithIdentity(ctx, id("s-ana", "ANA@uni.example", true))
		if err != nil || u.ID != ana.ID {
			t.Fatalf("verified email: %+v, %v", u, err)
		}
		// ...so a later sign-in finds it by subject, even with a new,
		// unverified address.
		u, err = s.SignInWithIdentity(ctx, id("s-ana", "ana.lund@other.example", false))
		if err != nil || u.ID != ana.ID {
			t.Fatalf("by subject: %+v, %v", u, err)
		}
		if ids, _ := s.Identities(ctx, ana.ID); len(ids) != 1 || ids[0].Email != "ana.lund@other.example" || ids[0].Issuer != iss {
			t.Errorf("Identities = %+v", ids)
		}
		// Another provider account with Ana's address does not take her
		// account over.
		if _, err := s.SignInWithIdentity(ctx, id("s-mallory", "ana@uni.example", true)); kindOf(err) != episodes.Forbidden {
			t.Errorf("a second subject with the same email: %v, want Forbidden", err)
		}
		// A disabled person cannot sign in by identity.
		yes := true
		if _, err := s.UpdateUser(ctx, bo.ID, UserPatch{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SignInWithIdentity(ctx, id("s-bo", "bo@uni.example", true)); kindOf(err) != episodes.Forbidden {
			t.Errorf("disabled: %v, want Forbidden", err)
		}
	})
}

func TestAcceptInvitationWithIdentity(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		c := &clock{time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
		s := New(openURL(t, url, c), c.now)
		if _, err := s.CreateUser(ctx, NewUser{Email: "admin@uni.example", Name: "Admin", Admin: true}); err != nil {
			t.Fatal(err)
		}
		cy, _ := s.CreateUser(ctx, NewUser{Email: "cy@partner.example", Name: "Cy"})
		secret, _, err := s.Invite(ctx, cy.ID, KindInvite)
		if err != nil {
			t.Fatal(err)
		}
		// The provider knows Cy by another, unverified address: the link
		// stands for the address.
		cyAt := &oidc.Identity{Issuer: "https://login.example/v2.0", Subject: "cy-oid", Email: "c.young@partner.example"}
		if _, err := s.AcceptInvitationWithIdentity(ctx, "forged-"+secret[7:], cyAt); err != ErrInvitationUnknown {
			t.Errorf("forged link: %v", err)
		}
		u, err := s.AcceptInvitationWithIdentity(ctx, secret, cyAt)
		if err != nil || u.ID != cy.ID {
			t.Fatalf("accept: %+v, %v", u, err)
		}
		if _, err := s.AcceptInvitationWithIdentity(ctx, secret, cyAt); err != ErrInvitationUsed {
			t.Errorf("the link again: %v, want ErrInvitationUsed", err)
		}
		if u, err := s.SignInWithIdentity(ctx, cyAt); err != nil || u.ID != cy.ID {
			t.Errorf("sign in after linking: %+v, %v", u, err)
		}
		// An identity linked to Cy cannot be linked to Di by Di's link,
		// and Di's link stays unused.
		di, _ := s.CreateUser(ctx, NewUser{Email: "di@partner.example", Name: "Di"})
		diSecret, _, _ := s.Invite(ctx, di.ID, KindInvite)
		if _, err := s.AcceptInvitationWithIdentity(ctx, diSecret, cyAt); kindOf(err) != episodes.Conflict {
			t.Errorf("an identity linked to another person: %v, want Conflict", err)
		}
		if _, err := s.LookupInvitation(ctx, diSecret); err != nil {
			t.Errorf("Di's link after the refusal: %v, want it still usable", err)
		}
		// An expired link links nothing.
		c.t = c.t.Add(InvitationTTL)
		other := &oidc.Identity{Issuer: "https://login.example/v2.0", Subject: "di-oid"}
		if _, err := s.AcceptInvitationWithIdentity(ctx, diSecret, other); err != ErrInvitationExpired {
			t.Errorf("expired link: %v", err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM identities WHERE subject = 'di-oid'`); n != 0 {
			t.Errorf("an expired link linked an identity")
		}
	})
}

func count(t *testing.T, s *Store, q string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
