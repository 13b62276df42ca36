package admin

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// invitationPage is the data of an invitation or password-reset link's
// page: set a password, or (for an invitation) link the identity provider.
type invitationPage struct {
	page
	Secret     string
	Heading    string
	Problem    string // the link cannot be used: why, and what to do
	Reset      bool
	Name       string
	Email      string
	Expires    string
	Error      string // of the password
	MinLen     int
	Action     string
	OIDCAction string
	Provider   string
}

// invitationForm serves GET /admin/invitations/{secret}. An unknown, used
// or expired link says so; nothing changes until the form is sent.
func (h *Handler) invitationForm(w http.ResponseWriter, r *http.Request) {
	h.invitationRender(w, r, http.StatusOK, mux.Vars(r)["secret"], "")
}

// invitationRender renders the link's page with status and a password
// error (or a problem of the link, which wins).
func (h *Handler) invitationRender(w http.ResponseWriter, r *http.Request, status int, secret, problem string) {
	p := invitationPage{page: h.page("Invitation", nil), Secret: secret, MinLen: accounts.MinPasswordLen,
		Action: accounts.InvitationPath + secret, OIDCAction: accounts.InvitationPath + secret + "/oidc"}
	inv, err := h.accounts.LookupInvitation(r.Context(), secret)
	if de, ok := episodes.AsError(err); ok {
		p.Heading, p.Problem = "This link cannot be used", sentence(de.Message)
		if status == http.StatusOK {
			status = de.Kind.Status()
		}
		h.render(w, r, status, "invitation.html", p)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p.Reset = inv.Kind == accounts.KindReset
	p.Name, p.Email = inv.User.Name, inv.User.Email
	p.Expires = inv.ExpiresAt.UTC().Format("2 January 2006, 15:04 UTC")
	p.Heading = "Accept your invitation"
	if p.Reset {
		p.Heading, p.Title = "Choose a new password", "Choose a new password"
	} else if h.oidc != nil {
		p.Provider = h.oidc.Name()
	}
	if problem != "" {
		if status == http.StatusOK {
			status = http.StatusBadRequest
		}
		p.Error = problem
	}
	h.render(w, r, status, "invitation.html", p)
}

// invitationAccept serves POST /admin/invitations/{secret}: sets the
// password, uses the link up and signs the person in. A reset ends their
// other sessions. A bad password, or a link that cannot be used, changes
// nothing.
func (h *Handler) invitationAccept(w http.ResponseWriter, r *http.Request) {
	secret := mux.Vars(r)["secret"]
	if !h.readSmallForm(w, r) {
		return
	}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		h.invitationRender(w, r, http.StatusBadRequest, secret, "The two passwords are not the same. Type the new password twice.")
		return
	}
	u, err := h.accounts.AcceptInvitation(r.Context(), secret, pw)
	var de *episodes.Error
	if errors.As(err, &de) {
		msg := sentence(de.Message)
		if de.Field == "password" {
			msg = "The password " + de.Message + "."
		}
		h.invitationRender(w, r, de.Kind.Status(), secret, msg)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.startSession(w, r, accounts.StartSession{UserID: u.ID}, "/admin/?done=welcome")
}

// invitationOIDC serves POST /admin/invitations/{secret}/oidc: accepting
// an invitation by signing in with the identity provider, which links it.
func (h *Handler) invitationOIDC(w http.ResponseWriter, r *http.Request) {
	secret := mux.Vars(r)["secret"]
	if h.oidc == nil {
		h.invitationRender(w, r, http.StatusNotFound, secret, "Signing in with an identity provider is not set up here. Set a password instead.")
		return
	}
	if _, err := h.accounts.LookupInvitation(r.Context(), secret); err != nil {
		h.invitationRender(w, r, http.StatusOK, secret, "")
		return
	}
	h.oidcBegin(w, r, carryInvite+secret, &invitationPage{Secret: secret})
}
