package admin

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/internal/bodyguard"
)

// Sessions live in the database (package accounts): the cookie holds a
// random session ID, of which only a hash is stored, so any replica can
// check a session and no database read can forge one. Revoking a token
// deletes its sessions; signing out deletes the session.
const (
	sessionCookie = "lyssna_admin"
	sessionTTL    = 12 * time.Hour
	csrfField     = "csrf"
	maxFormBody   = 2 << 20 // the largest legal episode form is well under this
)

// session is a signed-in producer.
type session struct {
	Name   string // the person's display name
	CSRF   string // the token every form of this session carries
	UserID int64  // the person's
	id     string // the cookie value
	// principal is who the session acts for, with the limits of the token
	// it was started with, if any.
	principal *accounts.Principal
}

func (h *Handler) cookie(value string, exp time.Time) *http.Cookie {
	c := &http.Cookie{
		Name:     sessionCookie,
		Value:    value,
		Path:     "/admin/",
		HttpOnly: true,
		Secure:   h.secure,
		SameSite: http.SameSiteLaxMode,
		Expires:  exp,
	}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(exp.Sub(h.now()).Seconds())
	}
	return c
}

var errNoSession = errors.New("admin: not signed in")

// session checks the request's cookie; errNoSession when it is missing,
// unknown, expired, signed out, its token revoked or expired, or its person
// disabled. Identify has looked it up already for a request through the
// route table.
func (h *Handler) session(ctx context.Context, r *http.Request) (*session, error) {
	if s, ok := ctx.Value(sessionKey{}).(*session); ok {
		return s, nil
	}
	return h.loadSession(ctx, r)
}

func (h *Handler) loadSession(ctx context.Context, r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, errNoSession
	}
	s, err := h.sessions.Lookup(ctx, c.Value)
	if errors.Is(err, accounts.ErrNoSession) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("admin: check session: %w", err)
	}
	if err := h.sessions.Seen(ctx, c.Value, s); err != nil {
		return nil, fmt.Errorf("admin: check session: %w", err)
	}
	p := s.Principal
	return &session{Name: p.Name, CSRF: s.CSRF, UserID: p.UserID, id: c.Value, principal: p}, nil
}

// validCSRF reports whether a form's token belongs to the session.
func (s *session) validCSRF(token string) bool {
	return token != "" && hmac.Equal([]byte(token), []byte(s.CSRF))
}

type sessionHandler func(w http.ResponseWriter, r *http.Request, s *session)

// get requires a session; without one it sends the browser to sign in.
func (h *Handler) get(fn sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.session(r.Context(), r)
		if errors.Is(err, errNoSession) {
			http.Redirect(w, r, "/admin/signin?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		fn(w, r, s)
	}
}

// post requires a session and a form (at most maxFormBody bytes) carrying
// the session's CSRF token: 403 otherwise.
func (h *Handler) post(fn sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.postSession(w, r)
		if !ok {
			return
		}
		bodyguard.Limit(w, r, maxFormBody)
		if err := r.ParseForm(); err != nil {
			if status, msg, ok := bodyguard.Status(err); ok && status == http.StatusRequestTimeout {
				h.errorPage(w, r, s, status, "The form arrived too slowly", sentence(msg))
				return
			}
			h.errorPage(w, r, s, http.StatusBadRequest, "The form could not be read",
				"The form was larger than 2 MB or malformed. Go back, shorten it and try again.")
			return
		}
		if !s.validCSRF(r.PostFormValue(csrfField)) {
			h.forbidden(w, r, s)
			return
		}
		fn(w, r, s)
	}
}

// postStream requires a session but leaves the body unread: the handler
// streams a multipart body and checks the CSRF field, which forms place
// before any file.
func (h *Handler) postStream(fn sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s, ok := h.postSession(w, r); ok {
			fn(w, r, s)
		}
	}
}

func (h *Handler) postSession(w http.ResponseWriter, r *http.Request) (*session, bool) {
	s, err := h.session(r.Context(), r)
	if errors.Is(err, errNoSession) {
		h.errorPage(w, r, nil, http.StatusForbidden, "Your session has ended",
			"You are not signed in, or your session expired or was revoked. Sign in again and repeat the change.")
		return nil, false
	}
	if err != nil {
		h.serverError(w, r, err)
		return nil, false
	}
	return s, true
}

func (h *Handler) forbidden(w http.ResponseWriter, r *http.Request, s *session) {
	h.errorPage(w, r, s, http.StatusForbidden, "This form has expired",
		"The form did not carry a valid security token (it may be from an older session). Reload the page and try again.")
}
