package admin

import (
	"context"
	"errors"
	"net/http"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// The producer UI's side of the one enforcement point (server's authorize
// middleware, which asks accounts.Authorize): Identify puts the signed-in
// person in the request's context; NotSignedIn and Refuse answer a request
// that may not go on.

type sessionKey struct{}

// Identify loads the request's session, if any, and puts its person in the
// context (accounts.WithPrincipal, which also makes them the actor of the
// writes the request makes), for authorize and the handlers.
func (h *Handler) Identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := h.loadSession(r.Context(), r)
		if err != nil && !errors.Is(err, errNoSession) {
			h.serverError(w, r, err)
			return
		}
		if s != nil {
			ctx := context.WithValue(accounts.WithPrincipal(r.Context(), s.principal), sessionKey{}, s)
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// NotSignedIn answers a request without a session: a page sends the
// browser to sign in, a form is refused (403).
func (h *Handler) NotSignedIn(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		http.Redirect(w, r, "/admin/signin?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	h.errorPage(w, r, nil, http.StatusForbidden, "Your session has ended",
		"You are not signed in, or your session expired or was revoked. Sign in again and repeat the change.")
}

// Refuse answers 403 with why the person may not do what they asked.
func (h *Handler) Refuse(w http.ResponseWriter, r *http.Request, why string) {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	h.errorPage(w, r, s, http.StatusForbidden, "Not allowed", sentence(why))
}

// Fail answers an error met before the handler ran: a domain error with
// its status and message, anything else as a server error.
func (h *Handler) Fail(w http.ResponseWriter, r *http.Request, err error) {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	if de, ok := episodes.AsError(err); ok {
		h.errorPage(w, r, s, de.Kind.Status(), "Not possible", sentence(de.Public()))
		return
	}
	h.serverError(w, r, err)
}

// can reports whether the session's person may do a in the show (nil for
// an instance action), so pages offer only what they may do; the server
// refuses the rest anyway.
func (h *Handler) can(ctx context.Context, s *session, a accounts.Action, sh *episodes.Show) bool {
	if s == nil {
		return false
	}
	var id int64
	if sh != nil {
		id = sh.ID
	}
	return h.accounts.Authorize(ctx, s.principal, a, id) == nil
}

// rights is what a page of a show offers, by the person's role there.
type rights struct {
	Read, Draft, Edit, Publish, Delete, Members bool
}

func (h *Handler) rightsIn(ctx context.Context, s *session, sh *episodes.Show) rights {
	if s == nil || sh == nil {
		return rights{}
	}
	role := accounts.NoRole
	if !s.principal.Admin {
		role, _ = h.accounts.RoleIn(ctx, s.principal.UserID, sh.ID) // on error: offer nothing
	}
	d := func(a accounts.Action) bool { return accounts.Decide(s.principal, a, sh.ID, role) }
	return rights{Read: d(accounts.Read), Draft: d(accounts.Draft), Edit: d(accounts.Edit), Publish: d(accounts.Publish),
		Delete: d(accounts.Delete), Members: d(accounts.Members)}
}

// pageIn is page for a page of a show: it carries what the person may do
// there, so the page offers only that.
func (h *Handler) pageIn(r *http.Request, title string, s *session, sh *episodes.Show, crumbs ...crumb) page {
	p := h.page(title, s, crumbs...)
	p.Can = h.rightsIn(r.Context(), s, sh)
	return p
}
