package admin

import (
	"net/http"
	"strings"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/bodyguard"
)

// What a sign-in with the identity provider carries to its callback:
// where to go next, or the invitation link it accepts.
const (
	carryNext   = "next:"
	carryInvite = "invite:"
)

// oidcStart starts signing in with the identity provider (POST
// /admin/signin/oidc, from the sign-in page's button).
func (h *Handler) oidcStart(w http.ResponseWriter, r *http.Request) {
	if h.oidc == nil {
		h.errorPage(w, r, nil, http.StatusNotFound, "Not set up", "Signing in with an identity provider is not set up here. Sign in with your email and password.")
		return
	}
	bodyguard.Limit(w, r, 64<<10)
	_ = r.ParseForm() // a bad form only loses where to go next
	h.oidcBegin(w, r, carryNext+safeNext(r.PostFormValue("next"), nil), nil)
}

// oidcBegin sends the browser to the identity provider; a failure (the
// provider unreachable) is shown on the sign-in page, or on the invitation
// page when inv is set.
func (h *Handler) oidcBegin(w http.ResponseWriter, r *http.Request, carry string, inv *invitationPage) {
	u, err := h.oidc.Begin(r.Context(), w, carry)
	if err != nil {
		h.oidcRefused(w, r, err, inv)
		return
	}
	seeOther(w, r, u)
}

// oidcCallback is where the provider sends the browser back (GET
// /admin/signin/oidc/callback): the identity it vouches for signs in to its
// account, or accepts the invitation the sign-in was started for.
func (h *Handler) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if h.oidc == nil {
		h.errorPage(w, r, nil, http.StatusNotFound, "Not set up", "Signing in with an identity provider is not set up here. Sign in with your email and password.")
		return
	}
	id, carry, err := h.oidc.Finish(r.Context(), w, r)
	var inv *invitationPage
	if secret, ok := strings.CutPrefix(carry, carryInvite); ok {
		inv = &invitationPage{Secret: secret}
	}
	if err != nil {
		h.oidcRefused(w, r, err, inv)
		return
	}
	var u *accounts.User
	if inv != nil {
		u, err = h.accounts.AcceptInvitationWithIdentity(r.Context(), inv.Secret, id)
	} else {
		u, err = h.accounts.SignInWithIdentity(r.Context(), id)
	}
	if err != nil {
		h.oidcRefused(w, r, err, inv)
		return
	}
	next := "/admin/"
	if n, ok := strings.CutPrefix(carry, carryNext); ok {
		next = safeNext(n, nil)
	}
	h.startSession(w, r, accounts.StartSession{UserID: u.ID}, next)
}

// oidcRefused shows why signing in with the identity provider did not
// work: on the sign-in page, or on the invitation's page.
func (h *Handler) oidcRefused(w http.ResponseWriter, r *http.Request, err error, inv *invitationPage) {
	de, ok := episodes.AsError(err)
	if !ok {
		h.serverError(w, r, err)
		return
	}
	if de.Err != nil { // why the provider's answer was refused, for the operator
		h.log.Warn("admin: sign-in with the identity provider refused", "kind", de.Kind.Code(), "err", de.Err)
	}
	if inv != nil {
		h.invitationRender(w, r, de.Kind.Status(), inv.Secret, sentence(de.Message))
		return
	}
	p := h.signInPage("")
	p.Error = sentence(de.Message)
	h.render(w, r, de.Kind.Status(), "signin.html", p)
}
