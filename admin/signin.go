package admin

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/bodyguard"
	"github.com/lyssna/lyssna/internal/clientip"
)

// signInPage is the data of the sign-in page: email and password, the
// identity provider's button when one is set up, and a producer token.
type signInPage struct {
	page
	Next       string
	Email      string
	Error      string // of the email and password, or the identity provider
	TokenError string
	Provider   string // "Sign in with <Provider>"; "" when none is set up
	CanReset   bool   // mail is set up, so people can ask for a reset link
}

func (h *Handler) signInPage(next string) signInPage {
	p := signInPage{page: h.page("Sign in", nil), Next: next, CanReset: h.mail != nil}
	if h.oidc != nil {
		p.Provider = h.oidc.Name()
	}
	return p
}

func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request) {
	if s, err := h.session(r.Context(), r); err == nil {
		seeOther(w, r, safeNext(r.URL.Query().Get("next"), s))
		return
	}
	p := h.signInPage(r.URL.Query().Get("next"))
	p.Flash = flash(r)
	h.render(w, r, http.StatusOK, "signin.html", p)
}

// badCredentials is the one answer to a wrong password, an unknown email, a
// person without a password and a disabled one.
const badCredentials = "The email or the password is not right. Check both, or ask for a reset link if you forgot the password."

// signIn checks an email and password, or a producer token (as made by
// `lyssna token create` or on the account page), and starts a session.
// Failed attempts are limited per client address (the one clientip
// resolves) and per account, across replicas; an unknown email takes as
// long and gets the same answer as a wrong password.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	p := h.signInPage("")
	client := clientip.From(r)
	if h.refuseBlocked(w, r, &p, func() (bool, time.Duration, error) { return h.signIns.Blocked(r.Context(), client) }) {
		return
	}
	bodyguard.Limit(w, r, 64<<10)
	if err := r.ParseForm(); err != nil {
		status, msg, ok := bodyguard.Status(err)
		if !ok {
			status, msg = http.StatusBadRequest, "The form could not be read. Reload the page and try again."
		}
		p.Error = sentence(msg)
		h.render(w, r, status, "signin.html", p)
		return
	}
	p.Next = r.PostFormValue("next")
	if secret := strings.TrimSpace(r.PostFormValue("token")); secret != "" {
		h.signInWithToken(w, r, &p, secret)
		return
	}
	p.Email = strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	if p.Email == "" || password == "" {
		p.Error = "Enter your email and your password."
		h.render(w, r, http.StatusBadRequest, "signin.html", p)
		return
	}
	if h.refuseBlocked(w, r, &p, func() (bool, time.Duration, error) { return h.signIns.BlockedAccount(r.Context(), p.Email) }) {
		return
	}
	u, err := h.accounts.VerifyPassword(r.Context(), p.Email, password)
	if errors.Is(err, accounts.ErrBadCredentials) {
		if err := h.signIns.FailAccount(r.Context(), client, p.Email); err != nil {
			h.serverError(w, r, err)
			return
		}
		p.Error = badCredentials
		h.render(w, r, http.StatusUnauthorized, "signin.html", p)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.startSession(w, r, accounts.StartSession{UserID: u.ID}, safeNext(p.Next, nil))
}

// signInWithToken starts a session with a producer token; the session has
// no more rights than the token.
func (h *Handler) signInWithToken(w http.ResponseWriter, r *http.Request, p *signInPage, secret string) {
	pr, err := h.accounts.Authenticate(r.Context(), secret)
	if errors.Is(err, accounts.ErrBadToken) {
		if err := h.signIns.Fail(r.Context(), clientip.From(r)); err != nil {
			h.serverError(w, r, err)
			return
		}
		p.TokenError = "That token is not valid (unknown, revoked or expired). Check it for typos, or make a new one."
		h.render(w, r, http.StatusUnauthorized, "signin.html", p)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.startSession(w, r, accounts.StartSession{UserID: pr.UserID, TokenHash: episodes.HashToken(secret)}, safeNext(p.Next, nil))
}

// startSession starts a session for the browser of r, noting its user
// agent and network for the person's list of sessions, and sends it on.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, st accounts.StartSession, next string) {
	st.UserAgent = r.UserAgent()
	st.Client = clientNetwork(r)
	id, sess, err := h.sessions.Start(r.Context(), st)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	http.SetCookie(w, h.cookie(id, sess.Expires))
	seeOther(w, r, next)
}

// refuseBlocked answers 429 when blocked says the limit of failed sign-ins
// is used up, and reports whether it did.
func (h *Handler) refuseBlocked(w http.ResponseWriter, r *http.Request, p *signInPage, blocked func() (bool, time.Duration, error)) bool {
	b, wait, err := blocked()
	if err != nil {
		h.serverError(w, r, err)
		return true
	}
	if !b {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	p.Error = fmt.Sprintf("Too many failed sign-ins from your address or for this account. Wait %d minutes and try again.", int(math.Ceil(wait.Minutes())))
	h.render(w, r, http.StatusTooManyRequests, "signin.html", p)
	return true
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, s *session) {
	if err := h.sessions.Delete(r.Context(), s.id); err != nil {
		h.serverError(w, r, err)
		return
	}
	http.SetCookie(w, h.cookie("", time.Unix(0, 0)))
	seeOther(w, r, "/admin/signin?done=signedout")
}

// safeNext keeps a post-sign-in redirect inside /admin/.
func safeNext(next string, _ *session) string {
	if strings.HasPrefix(next, "/admin/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/admin/"
}

// clientNetwork is where a session was started from, as the person's list
// of sessions shows it: the client's network (IPv4 /24, IPv6 /64), as the
// access log keeps it, never the full address.
func clientNetwork(r *http.Request) string {
	a := clientip.From(r)
	if !a.IsValid() {
		return ""
	}
	bits := 64
	if a.Unmap().Is4() {
		a, bits = a.Unmap(), 24
	}
	if p, err := a.Prefix(bits); err == nil {
		return p.String()
	}
	return ""
}

// maxMailing bounds the password-reset mails on their way at once.
const maxMailing = 4

// readSmallForm reads a form sent before signing in (at most 64 KiB),
// answering a bad one itself; it reports whether the form was read.
func (h *Handler) readSmallForm(w http.ResponseWriter, r *http.Request) bool {
	bodyguard.Limit(w, r, 64<<10)
	if err := r.ParseForm(); err != nil {
		status, msg, ok := bodyguard.Status(err)
		if !ok {
			status, msg = http.StatusBadRequest, "The form could not be read. Reload the page and try again."
		}
		h.errorPage(w, r, nil, status, "The form could not be read", sentence(msg))
		return false
	}
	return true
}
