package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/net/html"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/accounts/oidc"
	"github.com/lyssna/lyssna/internal/mail"
	"github.com/lyssna/lyssna/internal/mail/mailtest"
)

const anaPassword = "correct horse battery staple"

// person creates a person, with a password unless it is "".
func (e *env) person(t testing.TB, email, name, password string) *accounts.User {
	t.Helper()
	ctx := context.Background()
	a := accounts.New(e.store, e.clock.Now)
	u, err := a.CreateUser(ctx, accounts.NewUser{Email: email, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if password != "" {
		if err := a.SetPassword(ctx, u.ID, password); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func (e *env) accounts() *accounts.Store { return accounts.New(e.store, e.clock.Now) }

// getURL fetches an absolute URL (the identity provider's, say).
func (c *client) getURL(u string) resp {
	c.t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	return c.do(req)
}

// signInAs signs in with an email and password.
func (c *client) signInAs(email, password string) resp {
	c.t.Helper()
	p := c.post("/admin/signin", url.Values{"email": {email}, "password": {password}})
	if p.status == http.StatusSeeOther {
		c.get("/admin/") // for a CSRF token
	}
	return p
}

func TestPasswordSignIn(t *testing.T) {
	e := newEnv(t, false)
	e.person(t, "ana@uni.example", "Ana Lund", anaPassword)
	e.person(t, "invited@uni.example", "Not Yet", "")

	// A wrong password, an unknown email and a person without a password
	// get the same status and the same words.
	var answers []string
	for _, f := range []url.Values{
		{"email": {"ana@uni.example"}, "password": {"wrong horse battery staple"}},
		{"email": {"nobody@uni.example"}, "password": {anaPassword}},
		{"email": {"invited@uni.example"}, "password": {anaPassword}},
	} {
		c := e.client(t)
		p := c.post("/admin/signin", f)
		if p.status != http.StatusUnauthorized || len(c.http.Jar.Cookies(mustURL(e.srv.URL+"/admin/"))) != 0 {
			t.Fatalf("%v: %d, cookies %v", f, p.status, c.http.Jar.Cookies(mustURL(e.srv.URL+"/admin/")))
		}
		answers = append(answers, text(p.byID("signin-error")))
	}
	if answers[0] != badCredentials || answers[1] != answers[0] || answers[2] != answers[0] {
		t.Errorf("the answers differ: %q", answers)
	}
	if p := e.client(t).post("/admin/signin", url.Values{"email": {"ana@uni.example"}}); p.status != http.StatusBadRequest {
		t.Errorf("no password: %d", p.status)
	}

	c := e.client(t)
	p := c.post("/admin/signin", url.Values{"email": {"ANA@uni.example "}, "password": {anaPassword}, "next": {"/admin/account"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/account" {
		t.Fatalf("good password: %d %q", p.status, p.header.Get("Location"))
	}
	p = c.get("/admin/")
	if p.status != http.StatusOK || !strings.Contains(text(p.doc), "Signed in as Ana Lund") {
		t.Fatalf("signed in: %d, %q", p.status, text(p.doc))
	}
}

func TestSignInLimitPerAccount(t *testing.T) {
	e := newEnv(t, false)
	e.person(t, "ana@uni.example", "Ana Lund", anaPassword)
	e.person(t, "ben@uni.example", "Ben Berg", anaPassword)
	// The handler is called directly, so each attempt comes from the
	// address it names (a request through e.srv comes from 127.0.0.1).
	signIn := func(from, email, password string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/admin/signin", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = from + ":1234"
		w := httptest.NewRecorder()
		e.h.SignIn(w, req)
		return w
	}
	for i := 0; i < signInBurst; i++ {
		// Each from another address: only the account's count stops them.
		if w := signIn(fmt.Sprintf("198.51.100.%d", i+1), "ana@uni.example", fmt.Sprintf("guess number %d", i)); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, w.Code)
		}
	}
	w := signIn("203.0.113.7", "ana@uni.example", anaPassword)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("the right password from a new address after %d failures: %d, want 429 with Retry-After", signInBurst, w.Code)
	}
	if w := signIn("198.51.100.1", "ben@uni.example", anaPassword); w.Code != http.StatusSeeOther {
		t.Errorf("another account from one of those addresses: %d, want 303", w.Code)
	}
}

func TestInvitationLinks(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	a := e.accounts()
	cy := e.person(t, "cy@partner.example", "Cy Young", "")
	secret, _, err := a.Invite(ctx, cy.ID, accounts.KindInvite)
	if err != nil {
		t.Fatal(err)
	}
	path := accounts.InvitationPath + secret
	c := e.client(t)
	p := c.get(path)
	if p.status != http.StatusOK || !strings.Contains(text(p.doc), "Welcome, Cy Young") || p.byID("oidc-accept") != nil {
		t.Fatalf("invitation page: %d %q", p.status, text(p.doc))
	}
	// Bad passwords change nothing: the link still works.
	for _, f := range []url.Values{
		{"password": {"a long enough password"}, "password2": {"another long password"}},
		{"password": {"too short"}, "password2": {"too short"}},
	} {
		if p := c.post(path, f); p.status != http.StatusBadRequest || text(p.byID("password-error")) == "" {
			t.Errorf("%v: %d %q", f, p.status, text(p.byID("password-error")))
		}
	}
	if _, err := a.LookupInvitation(ctx, secret); err != nil {
		t.Fatalf("the link after refused passwords: %v", err)
	}
	p = c.post(path, url.Values{"password": {"cy's own good password"}, "password2": {"cy's own good password"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/?done=welcome" {
		t.Fatalf("accept: %d %q", p.status, p.header.Get("Location"))
	}
	if p := c.get("/admin/"); p.status != http.StatusOK || !strings.Contains(text(p.doc), "Signed in as Cy Young") {
		t.Fatalf("after accepting: %d", p.status)
	}
	// Used: says so, and a second use changes nothing.
	other := e.client(t)
	if p := other.get(path); p.status != http.StatusConflict || !strings.Contains(text(p.byID("link-error")), "used already") {
		t.Errorf("used link: %d %q", p.status, text(p.doc))
	}
	if p := other.post(path, url.Values{"password": {"an attacker's password"}, "password2": {"an attacker's password"}}); p.status != http.StatusConflict {
		t.Errorf("used link, posted: %d", p.status)
	}
	if _, err := a.VerifyPassword(ctx, "cy@partner.example", "cy's own good password"); err != nil {
		t.Errorf("Cy's password after a second use of the link: %v", err)
	}
	// Forged.
	forged := accounts.InvitationPath + strings.Repeat("A", 43)
	if p := other.get(forged); p.status != http.StatusNotFound || !strings.Contains(text(p.byID("link-error")), "not valid") {
		t.Errorf("forged link: %d %q", p.status, text(p.doc))
	}
	if p := other.post(forged, url.Values{"password": {"an attacker's password"}, "password2": {"an attacker's password"}}); p.status != http.StatusNotFound {
		t.Errorf("forged link, posted: %d", p.status)
	}
	// Expired: says so, and changes nothing.
	reset, _, _ := a.Invite(ctx, cy.ID, accounts.KindReset)
	e.clock.Add(accounts.InvitationTTL)
	if p := other.get(accounts.InvitationPath + reset); p.status != http.StatusConflict || !strings.Contains(text(p.byID("link-error")), "expired") {
		t.Errorf("expired link: %d %q", p.status, text(p.doc))
	}
	if p := other.post(accounts.InvitationPath+reset, url.Values{"password": {"an attacker's password"}, "password2": {"an attacker's password"}}); p.status != http.StatusConflict {
		t.Errorf("expired link, posted: %d", p.status)
	}
	if _, err := a.VerifyPassword(ctx, "cy@partner.example", "an attacker's password"); err == nil {
		t.Error("an expired link set a password")
	}
}

func TestPasswordResetLink(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	ana := e.person(t, "ana@uni.example", "Ana Lund", anaPassword)
	laptop := e.client(t)
	if p := laptop.signInAs("ana@uni.example", anaPassword); p.status != http.StatusSeeOther {
		t.Fatal(p.status)
	}
	secret, _, _ := e.accounts().Invite(ctx, ana.ID, accounts.KindReset)
	c := e.client(t)
	if p := c.get(accounts.InvitationPath + secret); p.status != http.StatusOK || !strings.Contains(text(p.doc), "Choose a new password") {
		t.Fatalf("reset page: %d %q", p.status, text(p.doc))
	}
	if p := c.post(accounts.InvitationPath+secret, url.Values{"password": {"a brand new password"}, "password2": {"a brand new password"}}); p.status != http.StatusSeeOther {
		t.Fatalf("reset: %d", p.status)
	}
	if p := laptop.get("/admin/"); p.status != http.StatusSeeOther {
		t.Errorf("the laptop's session after a reset: %d, want it ended", p.status)
	}
	if p := e.client(t).signInAs("ana@uni.example", "a brand new password"); p.status != http.StatusSeeOther {
		t.Errorf("the new password: %d", p.status)
	}
}

func TestAccountPage(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	e.person(t, "ana@uni.example", "Ana Lund", anaPassword)
	phone, laptop := e.client(t), e.client(t)
	phone.signInAs("ana@uni.example", anaPassword)
	laptop.signInAs("ana@uni.example", anaPassword)

	p := laptop.get("/admin/account")
	if p.status != http.StatusOK || !strings.Contains(text(p.byID("sessions-count")), "Signed in on 2 devices") {
		t.Fatalf("account page: %d %q", p.status, text(p.byID("sessions-count")))
	}
	rows := all(p.byID("sessions"), func(n *html.Node) bool { return n.Data == "tr" })
	if len(rows) != 3 || !strings.Contains(text(rows[1]), "Go-http-client") || !strings.Contains(text(rows[1]), "127.0.0.0/24") {
		t.Fatalf("sessions table: %q", text(p.byID("sessions")))
	}
	// Sign the phone out from the laptop.
	var other string
	for _, f := range all(p.byID("sessions"), func(n *html.Node) bool { return n.Data == "form" }) {
		if strings.Contains(text(f), "Sign out there") {
			other = attr(f, "action")
		}
	}
	if p := laptop.post(other, nil); p.status != http.StatusSeeOther {
		t.Fatalf("revoke %s: %d", other, p.status)
	}
	if p := phone.get("/admin/"); p.status != http.StatusSeeOther {
		t.Errorf("the phone after being signed out: %d", p.status)
	}
	if p := laptop.get("/admin/account"); p.status != http.StatusOK || !strings.Contains(text(p.byID("sessions-count")), "Signed in on 1 device.") {
		t.Errorf("after revoking: %q", text(p.byID("sessions-count")))
	}

	// Name.
	if p := laptop.post("/admin/account/name", url.Values{"name": {"  "}}); p.status != http.StatusBadRequest || p.fieldError(t, "name") == "" {
		t.Errorf("empty name: %d", p.status)
	}
	if p := laptop.post("/admin/account/name", url.Values{"name": {"Ana Lund-Berg"}}); p.status != http.StatusSeeOther {
		t.Errorf("name: %d", p.status)
	}
	if p := laptop.get("/admin/"); !strings.Contains(text(p.doc), "Signed in as Ana Lund-Berg") {
		t.Errorf("the new name is not shown")
	}

	// Password: the current one is needed; other sessions end.
	phone.signInAs("ana@uni.example", anaPassword)
	laptop.get("/admin/account")
	if p := laptop.post("/admin/account/password", url.Values{"current": {"wrong"}, "password": {"a new good password"}, "password2": {"a new good password"}}); p.status != http.StatusForbidden {
		t.Errorf("wrong current password: %d", p.status)
	}
	if p := laptop.post("/admin/account/password", url.Values{"current": {anaPassword}, "password": {"a new good password"}, "password2": {"a new bad password"}}); p.status != http.StatusBadRequest {
		t.Errorf("mismatch: %d", p.status)
	}
	if p := laptop.post("/admin/account/password", url.Values{"current": {anaPassword}, "password": {"a new good password"}, "password2": {"a new good password"}}); p.status != http.StatusSeeOther {
		t.Fatalf("password: %d", p.status)
	}
	if p := phone.get("/admin/"); p.status != http.StatusSeeOther {
		t.Errorf("the phone after a password change: %d", p.status)
	}
	if p := laptop.get("/admin/"); p.status != http.StatusOK {
		t.Errorf("the laptop after its own password change: %d", p.status)
	}

	// Tokens: made with limits, shown once, revoked.
	laptop.get("/admin/account")
	p = laptop.post("/admin/account/tokens", url.Values{"name": {"ana-script"}, "read_only": {"1"}, "expires": {"30d"}})
	secret := text(p.byID("new-token-value"))
	if p.status != http.StatusCreated || !strings.HasPrefix(secret, "lys_") {
		t.Fatalf("create token: %d %q", p.status, text(p.doc))
	}
	pr, err := e.accounts().Authenticate(ctx, secret)
	if err != nil || !pr.ReadOnly || pr.Email != "ana@uni.example" {
		t.Fatalf("the new token: %+v, %v", pr, err)
	}
	if p := laptop.get("/admin/account"); strings.Contains(p.body, secret) || !strings.Contains(text(p.byID("tokens")), "read only") {
		t.Errorf("the token list: %q (the secret must show once only)", text(p.byID("tokens")))
	}
	if p := laptop.post("/admin/account/tokens", url.Values{"name": {"x"}, "show": {"not-mine"}, "expires": {"30d"}}); p.status != http.StatusBadRequest {
		t.Errorf("a show that is not theirs: %d", p.status)
	}
	// (A session started with a read-only or show-limited token may not
	// change the account: the route table's Account action, which
	// server's permission matrix checks.)
	if p := laptop.post("/admin/account/tokens/revoke", url.Values{"name": {"producer"}}); p.status != http.StatusNotFound {
		t.Errorf("revoking someone else's token: %d", p.status)
	}
	if p := laptop.post("/admin/account/tokens/revoke", url.Values{"name": {"ana-script"}}); p.status != http.StatusSeeOther {
		t.Errorf("revoke: %d", p.status)
	}
	if _, err := e.accounts().Authenticate(ctx, secret); err == nil {
		t.Error("a revoked token still works")
	}
}

// oidcEnv is the UI with sign-in at a real OpenID Connect provider in
// process (mockoidc).
func oidcEnv(t *testing.T) (*env, *mockoidc.MockOIDC) {
	t.Helper()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Shutdown() })
	e := newEnv(t, false, func(d *Deps, base string) {
		p, err := oidc.New(d.Store.DB(), oidc.Config{Issuer: idp.Issuer(), ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
			RedirectURL: base + "/admin/signin/oidc/callback", Name: "Uni Login", CookiePath: "/admin/signin/oidc"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		d.OIDC = p
	})
	return e, idp
}

// viaProvider goes from a form that starts a sign-in at the provider to
// the callback's answer, the provider signing in user.
func (c *client) viaProvider(idp *mockoidc.MockOIDC, user *mockoidc.MockUser, start string, form url.Values) resp {
	c.t.Helper()
	p := c.post(start, form)
	loc := p.header.Get("Location")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, idp.AuthorizationEndpoint()) {
		c.t.Fatalf("POST %s: %d %q, want a redirect to the provider", start, p.status, loc)
	}
	idp.QueueUser(user)
	p = c.getURL(loc)
	cb := p.header.Get("Location")
	if p.status != http.StatusFound || !strings.HasPrefix(cb, c.e.srv.URL+"/admin/signin/oidc/callback?") {
		c.t.Fatalf("the provider: %d %q", p.status, cb)
	}
	return c.getURL(cb)
}

func TestOIDCSignIn(t *testing.T) {
	e, idp := oidcEnv(t)
	ctx := context.Background()
	ana := e.person(t, "ana@uni.example", "Ana Lund", anaPassword)

	c := e.client(t)
	if p := c.get("/admin/signin"); text(p.byID("oidc-signin")) != "Sign in with Uni Login" {
		t.Fatalf("no provider button: %q", text(p.doc))
	}
	p := c.viaProvider(idp, &mockoidc.MockUser{Subject: "ana-1", Email: "ana@uni.example", EmailVerified: true}, "/admin/signin/oidc", url.Values{"next": {"/admin/account"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/account" {
		t.Fatalf("callback: %d %q %q", p.status, p.header.Get("Location"), text(p.doc))
	}
	if p := c.get("/admin/account"); p.status != http.StatusOK || !strings.Contains(text(p.doc), "Linked identity provider account: ana@uni.example") {
		t.Fatalf("account after OIDC sign-in: %d %q", p.status, text(p.doc))
	}
	if ids, _ := e.accounts().Identities(ctx, ana.ID); len(ids) != 1 {
		t.Fatalf("identities: %+v", ids)
	}

	for _, tc := range []struct {
		name string
		user *mockoidc.MockUser
		msg  string
	}{
		{"unverified email", &mockoidc.MockUser{Subject: "mallory", Email: "ana@uni.example", EmailVerified: false}, "did not confirm your email"},
		{"no account", &mockoidc.MockUser{Subject: "eve", Email: "eve@uni.example", EmailVerified: true}, "no Lyssna account"},
		{"another subject with Ana's address", &mockoidc.MockUser{Subject: "ana-2", Email: "ana@uni.example", EmailVerified: true}, "linked to another account"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.client(t)
			p := c.viaProvider(idp, tc.user, "/admin/signin/oidc", nil)
			if p.status != http.StatusForbidden || !strings.Contains(text(p.byID("signin-error")), tc.msg) {
				t.Errorf("%d %q", p.status, text(p.byID("signin-error")))
			}
			if p := c.get("/admin/"); p.status != http.StatusSeeOther {
				t.Errorf("signed in after a refusal: %d", p.status)
			}
		})
	}

	t.Run("accept an invitation", func(t *testing.T) {
		cy := e.person(t, "cy@partner.example", "Cy Young", "")
		secret, _, _ := e.accounts().Invite(ctx, cy.ID, accounts.KindInvite)
		c := e.client(t)
		path := accounts.InvitationPath + secret
		if p := c.get(path); text(p.byID("oidc-accept")) != "Sign in with Uni Login" {
			t.Fatalf("no provider button on the invitation: %q", text(p.doc))
		}
		// The provider knows Cy by another address, unverified: the link
		// stands for it.
		p := c.viaProvider(idp, &mockoidc.MockUser{Subject: "cy-oid", Email: "c.young@partner.example"}, path+"/oidc", nil)
		if p.status != http.StatusSeeOther {
			t.Fatalf("accept with the provider: %d %q", p.status, text(p.doc))
		}
		if p := c.get("/admin/"); !strings.Contains(text(p.doc), "Signed in as Cy Young") {
			t.Errorf("not signed in as Cy")
		}
		if _, err := e.accounts().LookupInvitation(ctx, secret); err != accounts.ErrInvitationUsed {
			t.Errorf("the link after accepting: %v", err)
		}
		// From now on the provider signs Cy in by subject.
		if p := e.client(t).viaProvider(idp, &mockoidc.MockUser{Subject: "cy-oid"}, "/admin/signin/oidc", nil); p.status != http.StatusSeeOther {
			t.Errorf("Cy by subject: %d %q", p.status, text(p.doc))
		}
		// A used link cannot start a provider sign-in.
		if p := e.client(t).post(path+"/oidc", nil); p.status != http.StatusConflict {
			t.Errorf("a used link's provider button: %d", p.status)
		}
	})
}

func TestPasswordResetByMail(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	e := newEnv(t, false, func(d *Deps, _ string) {
		s, err := mail.New(mail.Config{Host: "127.0.0.1", Port: smtp.Port, From: "podcasts@uni.example"}, smtp.ClientTLS)
		if err != nil {
			t.Fatal(err)
		}
		d.Mail = s
	})
	e.person(t, "ana@uni.example", "Ana Lund", anaPassword)
	c := e.client(t)
	if p := c.get("/admin/signin"); !strings.Contains(p.body, `href="/admin/password-reset"`) {
		t.Fatal("no reset link on the sign-in page with mail set up")
	}
	var answers []string
	for _, email := range []string{"nobody@uni.example", "ana@uni.example"} {
		p := c.post("/admin/password-reset", url.Values{"email": {email}})
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d", email, p.status)
		}
		answers = append(answers, text(p.byID("reset-sent")))
	}
	if answers[0] == "" || answers[0] != answers[1] {
		t.Errorf("the answers differ: %q", answers)
	}
	got := smtp.Wait(1, 20*time.Second)
	if len(got) != 1 || got[0].To != "ana@uni.example" {
		t.Fatalf("mail: %+v", got)
	}
	_, body, err := got[0].Parse()
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(e.srv.URL+accounts.InvitationPath) + `[A-Za-z0-9_-]{43}`).FindString(body)
	if link == "" {
		t.Fatalf("no link in the mail:\n%s", body)
	}
	path := strings.TrimPrefix(link, e.srv.URL)
	if p := c.post(path, url.Values{"password": {"mailed new password"}, "password2": {"mailed new password"}}); p.status != http.StatusSeeOther {
		t.Fatalf("set the password from the mail: %d", p.status)
	}
	if p := e.client(t).signInAs("ana@uni.example", "mailed new password"); p.status != http.StatusSeeOther {
		t.Errorf("sign in with the new password: %d", p.status)
	}
	if n := len(smtp.Mail()); n != 1 {
		t.Errorf("%d mails, want 1 (none for an unknown address)", n)
	}
}

func TestPasswordResetWithoutMail(t *testing.T) {
	e := newEnv(t, false)
	if p := e.client(t).get("/admin/password-reset"); p.status != http.StatusNotFound || !strings.Contains(text(p.doc), "Ask an administrator") {
		t.Errorf("without mail: %d", p.status)
	}
}
