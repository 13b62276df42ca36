// Package oidc owns signing in with an OpenID Connect provider (a
// university's identity provider): the authorization-code flow with PKCE,
// state and nonce, the ID token checked by github.com/coreos/go-oidc (issuer,
// audience, expiry, signature against the provider's keys) and the identity
// it names. Which account an identity belongs to is decided by package
// accounts; this package only says who the provider vouches for.
//
// A sign-in in progress is bound to the browser that started it by a cookie
// holding a random 256-bit secret. The state, the nonce and the PKCE
// verifier are derived from that secret, so the verifier never leaves this
// server except to the provider's token endpoint, and the database, which
// every replica shares, holds only the state's hash: a row per attempt,
// deleted by its callback (an attempt is finished at most once) or when it
// lapses.
package oidc

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/lyssna/lyssna/episodes"
)

// Defaults of a Provider.
const (
	// AttemptTTL is how long a started sign-in may take to come back.
	AttemptTTL = 10 * time.Minute
	// CookieName is the cookie that binds an attempt to its browser.
	CookieName = "lyssna_oidc"
	// maxPending bounds the attempts in progress, so that a flood of
	// started sign-ins cannot grow the table without end.
	maxPending = 10000
	// maxCarry bounds what an attempt carries to its callback.
	maxCarry = 1024
	// callTimeout is the deadline of every call to the provider.
	callTimeout = 15 * time.Second
)

// Config is how Lyssna is registered with the provider.
type Config struct {
	// Issuer is the provider's issuer URL, exactly as its discovery document
	// (Issuer + /.well-known/openid-configuration) states it.
	Issuer string
	// ClientID and ClientSecret are Lyssna's client at the provider.
	ClientID     string
	ClientSecret string
	// RedirectURL is the callback registered with the provider
	// (BASE/admin/signin/oidc/callback).
	RedirectURL string
	// AllowedDomains, when not empty, are the only email domains that may
	// sign in (exact, case-insensitive: "uni.example" allows
	// ana@uni.example, not ana@student.uni.example).
	AllowedDomains []string
	// Name is shown on the button: "Sign in with <Name>".
	Name string
	// CookiePath is the path of the binding cookie (the callback's path or
	// a parent of it); CookieSecure marks it Secure (an https base URL).
	CookiePath   string
	CookieSecure bool
	// HTTPClient makes the calls to the provider; nil means one with a
	// 15-second deadline per call.
	HTTPClient *http.Client
}

// Identity is whom the provider vouches for in a verified ID token.
type Identity struct {
	// Issuer and Subject name the person at the provider for good; a
	// person's email may change, these do not.
	Issuer  string
	Subject string
	// Email is the person's address as the provider has it, lower-cased.
	// EmailVerified says the provider checked it; only then may it be used
	// to find an account.
	Email         string
	EmailVerified bool
	// Name is the display name the provider gives (may be empty).
	Name string
}

// Provider runs sign-ins against one OpenID Connect provider.
type Provider struct {
	cfg  Config
	db   *sql.DB
	now  func() time.Time
	http *http.Client

	mu       sync.Mutex // guards the discovered endpoints below
	oauth    *oauth2.Config
	verifier *gooidc.IDTokenVerifier
}

// New returns a Provider that keeps attempts in db (the table of migration
// 00120); now is the clock (nil means time.Now). The provider's discovery
// document is fetched at the first sign-in, not here, so that a provider
// that is down does not keep Lyssna from starting.
func New(db *sql.DB, cfg Config, now func() time.Time) (*Provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("oidc: the issuer, the client ID and the redirect URL are required")
	}
	if now == nil {
		now = time.Now
	}
	if cfg.Name == "" {
		cfg.Name = "your organisation"
	}
	if cfg.CookiePath == "" {
		cfg.CookiePath = "/"
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: callTimeout}
	}
	domains := make([]string, 0, len(cfg.AllowedDomains))
	for _, d := range cfg.AllowedDomains {
		if d = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d), "@"))); d != "" {
			domains = append(domains, d)
		}
	}
	cfg.AllowedDomains = domains
	return &Provider{cfg: cfg, db: db, now: now, http: hc}, nil
}

// Name is the provider's name for the sign-in button.
func (p *Provider) Name() string { return p.cfg.Name }

// endpoints discovers the provider once; a failure is retried at the next
// sign-in.
func (p *Provider) endpoints(ctx context.Context) (*oauth2.Config, *gooidc.IDTokenVerifier, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oauth != nil {
		return p.oauth, p.verifier, nil
	}
	// The key set fetches keys later with the context given here: give it
	// the client (whose Timeout bounds every call) in one that outlives ctx.
	prov, err := gooidc.NewProvider(gooidc.ClientContext(context.WithoutCancel(ctx), p.http), p.cfg.Issuer)
	if err != nil {
		return nil, nil, &episodes.Error{Kind: episodes.Unavailable, Err: fmt.Errorf("oidc: discover %s: %w", p.cfg.Issuer, err),
			Message: "The identity provider could not be reached. Try again in a few minutes, or sign in with your password."}
	}
	p.oauth = &oauth2.Config{
		ClientID:     p.cfg.ClientID,
		ClientSecret: p.cfg.ClientSecret,
		Endpoint:     prov.Endpoint(),
		RedirectURL:  p.cfg.RedirectURL,
		Scopes:       []string{gooidc.ScopeOpenID, "email", "profile"},
	}
	p.verifier = prov.Verifier(&gooidc.Config{ClientID: p.cfg.ClientID, Now: p.now})
	return p.oauth, p.verifier, nil
}

// derive computes one of the values an attempt derives from its browser
// secret.
func derive(secret, what string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("lyssna oidc " + what))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func hashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// Begin starts a sign-in: it records the attempt, sets the binding cookie
// and returns the provider's URL to send the browser to. carry (at most 1
// KiB) comes back from Finish: what to do once the person is known (where
// to go next, an invitation to accept).
func (p *Provider) Begin(ctx context.Context, w http.ResponseWriter, carry string) (string, error) {
	if len(carry) > maxCarry {
		return "", fmt.Errorf("oidc: carry of %d bytes, at most %d", len(carry), maxCarry)
	}
	oc, _, err := p.endpoints(ctx)
	if err != nil {
		return "", err
	}
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	state := derive(secret, "state")
	now := p.now()
	exp := now.Add(AttemptTTL)
	if _, err := p.db.ExecContext(ctx, `DELETE FROM oidc_logins WHERE expires_at <= $1`, now.Unix()); err != nil {
		return "", fmt.Errorf("oidc: delete lapsed sign-ins: %w", err)
	}
	var pending int
	if err := p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM oidc_logins`).Scan(&pending); err != nil {
		return "", fmt.Errorf("oidc: count sign-ins in progress: %w", err)
	}
	if pending >= maxPending {
		return "", &episodes.Error{Kind: episodes.Unavailable,
			Message: "Too many sign-ins are in progress. Try again in a few minutes."}
	}
	if _, err := p.db.ExecContext(ctx, `INSERT INTO oidc_logins (state_hash, carry, expires_at) VALUES ($1, $2, $3)`,
		hashState(state), carry, exp.Unix()); err != nil {
		return "", fmt.Errorf("oidc: record a sign-in: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: secret, Path: p.cfg.CookiePath, MaxAge: int(AttemptTTL.Seconds()),
		HttpOnly: true, Secure: p.cfg.CookieSecure,
		// Lax: the provider sends the browser back with a top-level GET
		// from its own site, which must carry the cookie.
		SameSite: http.SameSiteLaxMode,
	})
	return oc.AuthCodeURL(state,
		gooidc.Nonce(derive(secret, "nonce")),
		oauth2.S256ChallengeOption(derive(secret, "pkce"))), nil
}

// Refusals of Finish; each is an *episodes.Error whose message the person
// can act on.
var (
	errStale = &episodes.Error{Kind: episodes.Invalid, Field: "state",
		Message: "This sign-in has expired, was already used, or was started in another browser. Start signing in again."}
	errUnverified = &episodes.Error{Kind: episodes.Forbidden, Field: "email",
		Message: "The identity provider did not confirm your email address, so it cannot be used to find your account. Ask an administrator for an invitation link and accept it with this sign-in."}
	errRejected = &episodes.Error{Kind: episodes.Forbidden, Field: "id_token",
		Message: "The identity provider's answer could not be verified. Start signing in again; if this keeps happening, tell your administrator."}
)

// Finish completes the sign-in the provider sent the browser back from (r
// is the callback request): it checks the state against the browser's
// cookie and takes the attempt (once), exchanges the code with the PKCE
// verifier, verifies the ID token and its nonce, and returns the identity
// and the attempt's carry. A refusal is an *episodes.Error.
func (p *Provider) Finish(ctx context.Context, w http.ResponseWriter, r *http.Request) (*Identity, string, error) {
	q := r.URL.Query()
	var secret string
	if c, err := r.Cookie(CookieName); err == nil {
		secret = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Path: p.cfg.CookiePath, MaxAge: -1,
		HttpOnly: true, Secure: p.cfg.CookieSecure, SameSite: http.SameSiteLaxMode})
	state := q.Get("state")
	if secret == "" || state == "" || !hmac.Equal([]byte(state), []byte(derive(secret, "state"))) {
		return nil, "", errStale
	}
	carry, err := p.take(ctx, state)
	if err != nil {
		return nil, "", err
	}
	if e := q.Get("error"); e != "" {
		msg := "The identity provider did not sign you in (" + clip(e) + "). Start signing in again."
		if e == "access_denied" {
			msg = "Signing in was cancelled at the identity provider. Start signing in again."
		}
		return nil, carry, &episodes.Error{Kind: episodes.Forbidden, Message: msg}
	}
	code := q.Get("code")
	if code == "" {
		return nil, carry, errStale
	}
	oc, verifier, err := p.endpoints(ctx)
	if err != nil {
		return nil, carry, err
	}
	cctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, p.http), callTimeout)
	defer cancel()
	tok, err := oc.Exchange(cctx, code, oauth2.VerifierOption(derive(secret, "pkce")))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return nil, carry, &episodes.Error{Kind: episodes.Forbidden, Err: fmt.Errorf("oidc: exchange the code: %w", err),
				Message: "The identity provider refused to complete this sign-in. Start signing in again."}
		}
		return nil, carry, &episodes.Error{Kind: episodes.Unavailable, Err: fmt.Errorf("oidc: exchange the code: %w", err),
			Message: "The identity provider could not be reached. Try again in a few minutes."}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, carry, &episodes.Error{Kind: errRejected.Kind, Field: errRejected.Field, Message: errRejected.Message,
			Err: errors.New("oidc: the token response has no id_token")}
	}
	idt, err := verifier.Verify(gooidc.ClientContext(cctx, p.http), raw)
	if err != nil {
		return nil, carry, &episodes.Error{Kind: errRejected.Kind, Field: errRejected.Field, Message: errRejected.Message,
			Err: fmt.Errorf("oidc: verify the ID token: %w", err)}
	}
	if !hmac.Equal([]byte(idt.Nonce), []byte(derive(secret, "nonce"))) {
		return nil, carry, &episodes.Error{Kind: errRejected.Kind, Field: errRejected.Field, Message: errRejected.Message,
			Err: errors.New("oidc: the ID token's nonce is not this sign-in's")}
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"` // a few providers send "true"
		Name          string `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil {
		return nil, carry, &episodes.Error{Kind: errRejected.Kind, Field: errRejected.Field, Message: errRejected.Message,
			Err: fmt.Errorf("oidc: read the ID token's claims: %w", err)}
	}
	id := &Identity{
		Issuer:        idt.Issuer,
		Subject:       idt.Subject,
		Email:         strings.ToLower(strings.TrimSpace(claims.Email)),
		EmailVerified: claims.EmailVerified == true || claims.EmailVerified == "true",
		Name:          strings.TrimSpace(claims.Name),
	}
	if err := p.allowed(id); err != nil {
		return nil, carry, err
	}
	return id, carry, nil
}

// allowed applies the domain restriction: with AllowedDomains set, only a
// verified email in one of them may sign in.
func (p *Provider) allowed(id *Identity) error {
	if len(p.cfg.AllowedDomains) == 0 {
		return nil
	}
	if !id.EmailVerified {
		return errUnverified
	}
	_, domain, _ := strings.Cut(id.Email, "@")
	for _, d := range p.cfg.AllowedDomains {
		if domain == d {
			return nil
		}
	}
	return &episodes.Error{Kind: episodes.Forbidden, Field: "email", Message: fmt.Sprintf(
		"Accounts of %s may not sign in here; only addresses at %s may. Sign in with another account at the identity provider.",
		clip(domain), strings.Join(p.cfg.AllowedDomains, ", "))}
}

// RequireVerified returns the refusal for an identity whose email may not be
// used to find an account, or nil.
func RequireVerified(id *Identity) error {
	if id.EmailVerified && id.Email != "" {
		return nil
	}
	return errUnverified
}

// take deletes the attempt of state and returns its carry; errStale when
// there is none (never made, lapsed or already taken). Deleting first makes
// a second callback with the same state fail on any replica.
func (p *Provider) take(ctx context.Context, state string) (string, error) {
	var carry string
	var exp int64
	h := hashState(state)
	err := p.db.QueryRowContext(ctx, `SELECT carry, expires_at FROM oidc_logins WHERE state_hash = $1`, h).Scan(&carry, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errStale
	}
	if err != nil {
		return "", fmt.Errorf("oidc: look up a sign-in: %w", err)
	}
	res, err := p.db.ExecContext(ctx, `DELETE FROM oidc_logins WHERE state_hash = $1`, h)
	if err != nil {
		return "", fmt.Errorf("oidc: take a sign-in: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return "", errStale // another request took it first
	}
	if p.now().Unix() >= exp {
		return "", errStale
	}
	return carry, nil
}

// clip keeps text from the provider or a claim short in a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return s
}
