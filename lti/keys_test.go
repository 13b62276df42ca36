package lti_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/lti"
)

func openStore(t *testing.T, clock *testenv.Clock) *episodes.Store {
	t.Helper()
	st, err := episodes.Open(context.Background(), episodestest.SQLite(t), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestKeysSealedAndRotated: the private key opens only with the secret;
// a rotation signs with the new key and keeps the old one published for
// KeyRetention, then drops it.
func TestKeysSealedAndRotated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := testenv.NewClock(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	st := openStore(t, clock)
	const secret = "the-first-secret-of-at-least-32-chars"
	keys, err := lti.NewKeys(st.DB(), secret, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	first, err := keys.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	again, err := keys.Current(ctx)
	if err != nil || again.KeyID != first.KeyID {
		t.Fatalf("Current made another key: %v %v", again, err)
	}

	// What the database holds does not parse as a private key.
	var sealed string
	if err := st.DB().QueryRowContext(ctx, `SELECT private_enc FROM lti_keys WHERE kid = $1`, first.KeyID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(sealed)
	if _, err := x509.ParsePKCS8PrivateKey(raw); err == nil {
		t.Fatal("the stored private key is readable without the secret")
	}
	// Another secret cannot open the key: it makes a key of its own, and
	// the first stays published.
	other, _ := lti.NewKeys(st.DB(), "another-secret-of-at-least-32-chars!", clock.Now)
	if k, err := other.Current(ctx); err != nil || k.KeyID == first.KeyID {
		t.Fatalf("another secret: %v %v, want a new key", k, err)
	}
	if set, _ := other.JWKS(ctx); len(set.Keys) != 2 {
		t.Fatalf("after a secret change JWKS has %d keys, want 2", len(set.Keys))
	}
	// Back to the first secret (the other's key does not open with it either).
	if k, err := keys.Current(ctx); err != nil || k.KeyID == first.KeyID {
		t.Fatalf("first secret again: %v %v", k, err)
	}
	none, _ := lti.NewKeys(st.DB(), "", clock.Now)
	if _, err := none.Current(ctx); !errors.Is(err, lti.ErrNoSecret) {
		t.Fatalf("no secret: %v, want ErrNoSecret", err)
	}

	clock.Add(time.Hour)
	kid, err := keys.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := keys.Current(ctx)
	if err != nil || cur.KeyID != kid || kid == first.KeyID {
		t.Fatalf("after rotation Current is %v (%v), want the new key %s", cur, err, kid)
	}
	set, err := keys.JWKS(ctx)
	if err != nil || len(set.Keys) != 4 || len(set.Key(first.KeyID)) != 1 || len(set.Key(kid)) != 1 {
		t.Fatalf("JWKS after rotation: %+v %v, want the new key and the three retired ones", set, err)
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			t.Fatal("JWKS holds a private key")
		}
	}
	clock.Add(lti.KeyRetention + time.Minute)
	set, err = keys.JWKS(ctx)
	if err != nil || len(set.Keys) != 1 || set.Keys[0].KeyID != kid {
		t.Fatalf("JWKS past the retention: %+v %v, want only the new key", set, err)
	}
}

// TestPlatformsRegistration: add validates, a second add of the same
// issuer and client ID adds deployments, Find needs client_id only when an
// issuer has several registrations.
func TestPlatformsRegistration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := testenv.NewClock(time.Now())
	ps := lti.NewPlatforms(openStore(t, clock).DB(), clock.Now)
	canvas := func(client string, deps ...string) *lti.Platform {
		return &lti.Platform{Issuer: "https://canvas.instructure.com", ClientID: client, DeploymentIDs: deps,
			AuthURL: "https://sso.canvaslms.com/api/lti/authorize_redirect", TokenURL: "https://sso.canvaslms.com/login/oauth2/token",
			JWKSURL: "https://sso.canvaslms.com/api/lti/security/jwks"}
	}
	for _, bad := range []struct {
		p     *lti.Platform
		field string
	}{
		{canvas("", "1"), "client_id"},
		{canvas("42"), "deployment_id"},
		{&lti.Platform{Issuer: "https://x.example", ClientID: "1", DeploymentIDs: []string{"1"}, AuthURL: "http://x.example/auth", TokenURL: "https://x.example/t", JWKSURL: "https://x.example/k"}, "auth_url"},
	} {
		var de *episodes.Error
		if _, err := ps.Save(ctx, bad.p); !errors.As(err, &de) || de.Field != bad.field {
			t.Errorf("Save(%+v) = %v, want an error on %s", bad.p, err, bad.field)
		}
	}
	if _, err := ps.Save(ctx, canvas("42", "1:a")); err != nil {
		t.Fatal(err)
	}
	p, err := ps.Save(ctx, canvas("42", "2:b", "1:a"))
	if err != nil || strings.Join(p.DeploymentIDs, " ") != "1:a 2:b" {
		t.Fatalf("second Save: %+v %v, want both deployments", p, err)
	}
	if got, err := ps.Find(ctx, "https://canvas.instructure.com", ""); err != nil || got.ID != p.ID {
		t.Fatalf("Find without client_id: %v %v", got, err)
	}
	if _, err := ps.Save(ctx, canvas("43", "3:c")); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Find(ctx, "https://canvas.instructure.com", ""); err == nil {
		t.Error("Find without client_id picked one of two registrations")
	}
	if got, err := ps.Find(ctx, "https://canvas.instructure.com", "43"); err != nil || got.ClientID != "43" {
		t.Errorf("Find with client_id: %v %v", got, err)
	}
	if err := ps.Remove(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if all, _ := ps.List(ctx); len(all) != 1 {
		t.Errorf("after Remove: %d platforms, want 1", len(all))
	}
}
