package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/internal/testenv"
)

// The whole flow runs against mockoidc, a real OpenID Connect provider in
// process: discovery, its authorization endpoint (which signs in whichever
// user the test queues), its token endpoint (which checks the PKCE
// verifier and signs ID tokens) and its keys. The browser is an
// http.Client with a cookie jar that follows each redirect by hand, so a
// test can step in between.

// tampered is a provider user whose ID token claims are changed before
// the provider signs them: what a token minted for another sign-in or
// another client looks like.
type tampered struct {
	*mockoidc.MockUser
	tamper func(*mockoidc.IDTokenClaims)
}

func (u tampered) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	u.tamper(c)
	return u.MockUser.Claims(scope, c)
}

// fixture is an app (a /start and a /callback over a Provider) and the
// provider it signs in with.
type fixture struct {
	idp   *mockoidc.MockOIDC
	p     *Provider
	app   *httptest.Server
	clock *testenv.Clock
	count func() int // attempts stored
}

// result is what the test app's callback answers.
type result struct {
	Identity *Identity
	Carry    string
	Status   int
	Kind     string
	Message  string
	Cause    string
}

func newFixture(t *testing.T, dbURL string, domains ...string) *fixture {
	t.Helper()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Shutdown() })
	clock := testenv.NewClock(time.Now()) // the provider signs with the real time
	store, err := episodes.Open(context.Background(), dbURL, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := &fixture{idp: idp, clock: clock}
	mux := http.NewServeMux()
	f.app = httptest.NewServer(mux)
	t.Cleanup(f.app.Close)
	f.p, err = New(store.DB(), Config{
		Issuer: idp.Issuer(), ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
		RedirectURL: f.app.URL + "/signin/oidc/callback", AllowedDomains: domains,
		CookiePath: "/signin/oidc",
	}, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("/signin/oidc", func(w http.ResponseWriter, r *http.Request) {
		u, err := f.p.Begin(r.Context(), w, r.URL.Query().Get("carry"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, u, http.StatusSeeOther)
	})
	mux.HandleFunc("/signin/oidc/callback", func(w http.ResponseWriter, r *http.Request) {
		id, carry, err := f.p.Finish(r.Context(), w, r)
		res := result{Identity: id, Carry: carry, Status: http.StatusOK}
		if err != nil {
			de, ok := episodes.AsError(err)
			if !ok {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			res.Status, res.Kind, res.Message = de.Kind.Status(), de.Kind.Code(), de.Message
			if de.Err != nil {
				res.Cause = de.Err.Error()
			}
		}
		json.NewEncoder(w).Encode(res)
	})
	f.count = func() int {
		var n int
		if err := store.DB().QueryRow(`SELECT COUNT(*) FROM oidc_logins`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	return f
}

// browser is a client with its own cookies that stops at every redirect.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// redirect GETs u and returns where it redirects to.
func redirect(t *testing.T, b *http.Client, u string) string {
	t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc == "" {
		t.Fatalf("GET %s: %s, Location %q; want a redirect", u, resp.Status, loc)
	}
	return loc
}

// start begins a sign-in in b and returns the provider's authorization URL.
func (f *fixture) start(t *testing.T, b *http.Client, carry string) string {
	t.Helper()
	return redirect(t, b, f.app.URL+"/signin/oidc?carry="+url.QueryEscape(carry))
}

// authorize has the provider sign in user (nil: its default user) at
// authURL and returns the callback URL it sends the browser back to.
func (f *fixture) authorize(t *testing.T, b *http.Client, user mockoidc.User, authURL string) string {
	t.Helper()
	if user != nil {
		f.idp.QueueUser(user)
	}
	return redirect(t, b, authURL)
}

func (f *fixture) callback(t *testing.T, b *http.Client, u string) result {
	t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res result
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatalf("callback: %s: %v", resp.Status, err)
	}
	return res
}

// signIn runs the flow in a new browser for user.
func (f *fixture) signIn(t *testing.T, user mockoidc.User) result {
	t.Helper()
	b := browser(t)
	return f.callback(t, b, f.authorize(t, b, user, f.start(t, b, "next")))
}

func user(email string, verified bool) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: "sub-" + email, Email: email, EmailVerified: verified}
}

func refused(t *testing.T, res result, status int, msg, cause string) {
	t.Helper()
	if res.Identity != nil || res.Status != status || !strings.Contains(res.Message, msg) || !strings.Contains(res.Cause, cause) {
		t.Errorf("got %+v (identity %+v); want %d %q, cause %q", res, res.Identity, status, msg, cause)
	}
}

func TestSignInFlow(t *testing.T) {
	episodestest.Each(t, func(t *testing.T, dbURL string) {
		f := newFixture(t, dbURL)
		b := browser(t)
		authURL := f.start(t, b, "/admin/shows/x/")
		q := mustQuery(t, authURL)
		if !strings.HasPrefix(authURL, f.idp.AuthorizationEndpoint()+"?") || q.Get("code_challenge_method") != "S256" ||
			len(q.Get("code_challenge")) != 43 || q.Get("nonce") == "" || q.Get("state") == "" ||
			q.Get("scope") != "openid email profile" || q.Get("client_id") != f.idp.ClientID {
			t.Fatalf("authorization URL %s: want PKCE S256, a nonce, a state and the email scope", authURL)
		}
		if q.Get("state") == q.Get("nonce") {
			t.Error("state and nonce are the same value")
		}
		if f.count() != 1 {
			t.Fatalf("%d attempts stored, want 1", f.count())
		}
		cb := f.authorize(t, b, &mockoidc.MockUser{Subject: "u-17", Email: "Ana.Lund@Uni.Example", EmailVerified: true}, authURL)
		res := f.callback(t, b, cb)
		want := Identity{Issuer: f.idp.Issuer(), Subject: "u-17", Email: "ana.lund@uni.example", EmailVerified: true}
		if res.Status != 200 || res.Identity == nil || *res.Identity != want || res.Carry != "/admin/shows/x/" {
			t.Fatalf("signed in as %+v, carry %q (%+v); want %+v", res.Identity, res.Carry, res, want)
		}
		if f.count() != 0 {
			t.Errorf("%d attempts left after the callback", f.count())
		}

		// The same callback again (a replay, or the back button): refused,
		// in the same browser (whose cookie was cleared) and in one that
		// still holds the cookie.
		refused(t, f.callback(t, b, cb), 400, "expired, was already used", "")

		// A second attempt in a browser that kept its cookie, replayed.
		b2 := browser(t)
		cb2 := f.authorize(t, b2, nil, f.start(t, b2, ""))
		u, _ := url.Parse(f.app.URL)
		saved := b2.Jar.Cookies(u.JoinPath("/signin/oidc/callback"))
		if res := f.callback(t, b2, cb2); res.Status != 200 {
			t.Fatalf("second sign-in: %+v", res)
		}
		b2.Jar.SetCookies(u.JoinPath("/signin/oidc"), saved)
		refused(t, f.callback(t, b2, cb2), 400, "already used", "")
	})
}

func TestSignInRefusals(t *testing.T) {
	f := newFixture(t, episodestest.SQLite(t))

	t.Run("state of another browser", func(t *testing.T) {
		// The victim's browser is sent the attacker's callback (login CSRF):
		// its cookie is for its own attempt, not the attacker's.
		attacker, victim := browser(t), browser(t)
		cb := f.authorize(t, attacker, nil, f.start(t, attacker, ""))
		f.start(t, victim, "")
		refused(t, f.callback(t, victim, cb), 400, "started in another browser", "")
		// Nor with no cookie at all.
		refused(t, f.callback(t, browser(t), cb), 400, "started in another browser", "")
	})
	t.Run("state changed", func(t *testing.T) {
		b := browser(t)
		cb := f.authorize(t, b, nil, f.start(t, b, ""))
		u, _ := url.Parse(cb)
		q := u.Query()
		q.Set("state", q.Get("state")[1:]+"A")
		u.RawQuery = q.Encode()
		refused(t, f.callback(t, b, u.String()), 400, "Start signing in again", "")
	})
	t.Run("wrong nonce", func(t *testing.T) {
		u := tampered{user("ana@uni.example", true), func(c *mockoidc.IDTokenClaims) { c.Nonce = "the-nonce-of-another-sign-in" }}
		refused(t, f.signIn(t, u), 403, "could not be verified", "nonce")
	})
	t.Run("no nonce", func(t *testing.T) {
		u := tampered{user("ana@uni.example", true), func(c *mockoidc.IDTokenClaims) { c.Nonce = "" }}
		refused(t, f.signIn(t, u), 403, "could not be verified", "nonce")
	})
	t.Run("wrong audience", func(t *testing.T) {
		u := tampered{user("ana@uni.example", true), func(c *mockoidc.IDTokenClaims) {
			c.Audience = jwt.ClaimStrings{"another-client"}
		}}
		refused(t, f.signIn(t, u), 403, "could not be verified", "audience")
	})
	t.Run("wrong issuer", func(t *testing.T) {
		u := tampered{user("ana@uni.example", true), func(c *mockoidc.IDTokenClaims) {
			c.Issuer = "https://idp.elsewhere.example/"
		}}
		refused(t, f.signIn(t, u), 403, "could not be verified", "different provider")
	})
	t.Run("expired token", func(t *testing.T) {
		u := tampered{user("ana@uni.example", true), func(c *mockoidc.IDTokenClaims) {
			c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Minute))
		}}
		refused(t, f.signIn(t, u), 403, "could not be verified", "expired")
	})
	t.Run("unverified email", func(t *testing.T) {
		res := f.signIn(t, user("ana@uni.example", false))
		if res.Identity == nil || res.Identity.EmailVerified {
			t.Fatalf("got %+v", res)
		}
		var de *episodes.Error
		if err := RequireVerified(res.Identity); !errors.As(err, &de) || de.Kind != episodes.Forbidden ||
			!strings.Contains(de.Message, "did not confirm your email") {
			t.Errorf("RequireVerified(unverified) = %v", err)
		}
		res = f.signIn(t, user("ana@uni.example", true))
		if err := RequireVerified(res.Identity); err != nil {
			t.Errorf("RequireVerified(verified) = %v", err)
		}
	})
	t.Run("cancelled at the provider", func(t *testing.T) {
		b := browser(t)
		q := mustQuery(t, f.start(t, b, "carried"))
		res := f.callback(t, b, f.app.URL+"/signin/oidc/callback?error=access_denied&state="+url.QueryEscape(q.Get("state")))
		refused(t, res, 403, "cancelled", "")
		if res.Carry != "carried" {
			t.Errorf("carry %q", res.Carry)
		}
	})
	t.Run("attempt lapsed", func(t *testing.T) {
		b := browser(t)
		cb := f.authorize(t, b, nil, f.start(t, b, ""))
		n := f.count()
		f.clock.Add(AttemptTTL + time.Second)
		defer f.clock.Add(-AttemptTTL - time.Second)
		refused(t, f.callback(t, b, cb), 400, "expired", "")
		if left := f.count(); left != n-1 {
			t.Errorf("%d attempts left, want %d: a lapsed one is deleted when it comes back", left, n-1)
		}
	})
}

func TestAllowedDomains(t *testing.T) {
	f := newFixture(t, episodestest.SQLite(t), " uni.example", "@Partner.Example")
	for _, c := range []struct {
		user   *mockoidc.MockUser
		status int
		msg    string
	}{
		{user("ana@uni.example", true), 200, ""},
		{user("BO@PARTNER.example", true), 200, ""},
		{user("eve@elsewhere.example", true), 403, "only addresses at uni.example, partner.example"},
		{user("eve@student.uni.example", true), 403, "may not sign in here"},
		{user("eve@uni.example.evil.example", true), 403, "may not sign in here"},
		{user("ana@uni.example", false), 403, "did not confirm your email"},
	} {
		res := f.signIn(t, c.user)
		if res.Status != c.status || !strings.Contains(res.Message, c.msg) || (c.status == 200) != (res.Identity != nil) {
			t.Errorf("%s (verified %v): %+v, want %d %q", c.user.Email, c.user.EmailVerified, res, c.status, c.msg)
		}
	}
}

func TestProviderDown(t *testing.T) {
	store, err := episodes.Open(context.Background(), episodestest.SQLite(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	p, err := New(store.DB(), Config{Issuer: down.URL, ClientID: "c", RedirectURL: "http://lyssna.test/cb"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Begin(context.Background(), httptest.NewRecorder(), "")
	if de, ok := episodes.AsError(err); !ok || de.Kind != episodes.Unavailable {
		t.Fatalf("Begin with the provider down: %v, want Unavailable", err)
	}
}

func mustQuery(t *testing.T, u string) url.Values {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Query()
}
