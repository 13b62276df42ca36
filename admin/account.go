package admin

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// accountPage is the data of the account page: the person's name,
// password, sessions and tokens.
type accountPage struct {
	page
	User          *accounts.User
	Identities    []accounts.LinkedIdentity
	Sessions      []sessionRow
	Tokens        []tokenRow
	Shows         []*episodes.Show
	MinLen        int
	NewToken      string
	Form          tokenForm
	ExpiryChoices []choice
	NameError     string
	PasswordError string
	TokenError    string
}

type sessionRow struct {
	accounts.SessionInfo
	CreatedText, CreatedISO, LastSeenText, LastSeenISO string
}

// when writes a time on the account page.
func when(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") }

type tokenRow struct {
	Name     string
	Show     string
	ReadOnly bool
	Expires  string
}

type tokenForm struct {
	Name, Show, Expires string
	ReadOnly            bool
}

type choice struct{ Value, Label string }

// tokenExpiries are the lifetimes a token made on the account page may have.
var tokenExpiries = []struct {
	choice
	ttl time.Duration
}{
	{choice{"30d", "30 days"}, 30 * 24 * time.Hour},
	{choice{"90d", "90 days"}, 90 * 24 * time.Hour},
	{choice{"365d", "a year"}, 365 * 24 * time.Hour},
	{choice{"never", "never"}, 0},
}

func (h *Handler) accountForm(w http.ResponseWriter, r *http.Request, s *session) {
	h.renderAccount(w, r, s, http.StatusOK, func(*accountPage) {})
}

// renderAccount renders the account page with status after edit fills in
// what the request changed or got wrong.
func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, s *session, status int, edit func(*accountPage)) {
	ctx := r.Context()
	u, err := h.accounts.UserByID(ctx, s.UserID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := &accountPage{page: h.page("Your account", s), User: u, MinLen: accounts.MinPasswordLen, Form: tokenForm{Expires: "90d"}}
	p.Flash = flash(r)
	if p.Identities, err = h.accounts.Identities(ctx, u.ID); err != nil {
		h.serverError(w, r, err)
		return
	}
	sessions, err := h.sessions.List(ctx, u.ID, s.id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	seen, err := h.sessions.LastSeen(ctx, u.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, si := range sessions {
		row := sessionRow{SessionInfo: si, CreatedText: when(si.Created), CreatedISO: si.Created.UTC().Format(time.RFC3339)}
		if t, ok := seen[si.ID]; ok {
			row.LastSeenText, row.LastSeenISO = when(t), t.Format(time.RFC3339)
		}
		p.Sessions = append(p.Sessions, row)
	}
	tokens, err := h.store.ListTokens(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, t := range tokens {
		if t.UserID != u.ID {
			continue
		}
		row := tokenRow{Name: t.Name, Show: t.ShowSlug, ReadOnly: t.ReadOnly}
		if t.ExpiresAt != nil {
			row.Expires = t.ExpiresAt.UTC().Format("2 Jan 2006")
		}
		p.Tokens = append(p.Tokens, row)
	}
	shows, err := h.store.ListShows(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if p.Shows, err = h.accounts.VisibleShows(ctx, s.principal, shows); err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, e := range tokenExpiries {
		p.ExpiryChoices = append(p.ExpiryChoices, e.choice)
	}
	edit(p)
	h.render(w, r, status, "account.html", p)
}

// accountName serves POST /admin/account/name.
func (h *Handler) accountName(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PostFormValue("name")
	_, err := h.accounts.UpdateUser(r.Context(), s.UserID, accounts.UserPatch{Name: &name})
	if de, ok := episodes.AsError(err); ok {
		h.renderAccount(w, r, s, de.Kind.Status(), func(p *accountPage) { p.NameError = "The name " + de.Message + "." })
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, "/admin/account?done=saved")
}

// accountPassword serves POST /admin/account/password: with the current
// password (when there is one) and the new one twice; every other session
// of the person ends.
func (h *Handler) accountPassword(w http.ResponseWriter, r *http.Request, s *session) {
	fail := func(status int, msg string) {
		h.renderAccount(w, r, s, status, func(p *accountPage) { p.PasswordError = msg })
	}
	ctx := r.Context()
	u, err := h.accounts.UserByID(ctx, s.UserID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if u.HasPassword {
		if _, err := h.accounts.VerifyPassword(ctx, u.Email, r.PostFormValue("current")); errors.Is(err, accounts.ErrBadCredentials) {
			fail(http.StatusForbidden, "The current password is not right.")
			return
		} else if err != nil {
			h.serverError(w, r, err)
			return
		}
	}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		fail(http.StatusBadRequest, "The two new passwords are not the same. Type the new password twice.")
		return
	}
	err = h.accounts.SetPassword(ctx, u.ID, pw)
	if de, ok := episodes.AsError(err); ok {
		fail(de.Kind.Status(), "The new password "+de.Message+".")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if err := h.sessions.RevokeOthers(ctx, u.ID, s.id); err != nil {
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, "/admin/account?done=password")
}

// accountSessionRevoke serves POST /admin/account/sessions/{id}/revoke:
// ends one of the person's sessions (this one signs out).
func (h *Handler) accountSessionRevoke(w http.ResponseWriter, r *http.Request, s *session) {
	id := mux.Vars(r)["id"]
	current := false
	if list, err := h.sessions.List(r.Context(), s.UserID, s.id); err == nil {
		current = slices.ContainsFunc(list, func(si accounts.SessionInfo) bool { return si.ID == id && si.Current })
	}
	err := h.sessions.Revoke(r.Context(), s.UserID, id)
	if de, ok := episodes.AsError(err); ok {
		h.errorPage(w, r, s, de.Kind.Status(), "No such session", sentence(de.Message))
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if current {
		http.SetCookie(w, h.cookie("", time.Unix(0, 0)))
		seeOther(w, r, "/admin/signin?done=signedout")
		return
	}
	seeOther(w, r, "/admin/account?done=revoked")
}

// accountTokenCreate serves POST /admin/account/tokens: a token of the
// person's, limited as the form says; its secret is shown once.
func (h *Handler) accountTokenCreate(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	f := tokenForm{Name: strings.TrimSpace(r.PostFormValue("name")), Show: r.PostFormValue("show"),
		Expires: r.PostFormValue("expires"), ReadOnly: r.PostFormValue("read_only") != ""}
	fail := func(status int, msg string) {
		h.renderAccount(w, r, s, status, func(p *accountPage) { p.TokenError, p.Form = msg, f })
	}
	spec := accounts.TokenSpec{Name: f.Name, UserID: s.UserID, ReadOnly: f.ReadOnly}
	i := slices.IndexFunc(tokenExpiries, func(e struct {
		choice
		ttl time.Duration
	}) bool {
		return e.Value == f.Expires
	})
	if i < 0 {
		fail(http.StatusBadRequest, "Choose when the token expires.")
		return
	}
	spec.TTL = tokenExpiries[i].ttl
	if f.Show != "" {
		sh, err := h.store.GetShow(ctx, f.Show)
		if err == nil {
			var role accounts.Role
			role, err = h.accounts.RoleIn(ctx, s.UserID, sh.ID)
			if err == nil && !accounts.Decide(s.principal, accounts.Read, sh.ID, role) {
				err = episodes.ErrNotFound
			}
		}
		if errors.Is(err, episodes.ErrNotFound) {
			fail(http.StatusBadRequest, "There is no show "+f.Show+" of yours; choose one from the list.")
			return
		}
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		spec.ShowID = sh.ID
	}
	secret, err := h.accounts.CreateToken(ctx, spec)
	if de, ok := episodes.AsError(err); ok {
		fail(de.Kind.Status(), "The token "+de.Message+".")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	// The secret is shown on this answer only, never in a URL.
	h.renderAccount(w, r, s, http.StatusCreated, func(p *accountPage) { p.NewToken = secret })
}

// accountTokenRevoke serves POST /admin/account/tokens/revoke: revokes one
// of the person's own tokens, by name.
func (h *Handler) accountTokenRevoke(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	name := r.PostFormValue("name")
	tokens, err := h.store.ListTokens(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if !slices.ContainsFunc(tokens, func(t episodes.Token) bool { return t.Name == name && t.UserID == s.UserID }) {
		h.errorPage(w, r, s, http.StatusNotFound, "No such token", "You have no token named "+name+"; it may have been revoked already.")
		return
	}
	if err := h.store.RevokeToken(ctx, name); err != nil {
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, "/admin/account?done=token-revoked")
}
