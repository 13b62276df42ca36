package admin

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/internal/clientip"
	"github.com/lyssna/lyssna/internal/mail"
)

// passwordResetPage is the data of the page that mails a reset link.
type passwordResetPage struct {
	page
	Sent  bool
	Error string
}

// passwordResetForm serves GET /admin/password-reset (only with mail set
// up: without it, an admin makes reset links).
func (h *Handler) passwordResetForm(w http.ResponseWriter, r *http.Request) {
	if h.mail == nil {
		h.errorPage(w, r, nil, http.StatusNotFound, "Ask an administrator",
			"Lyssna cannot send mail here, so it cannot mail you a reset link. Ask an administrator for one.")
		return
	}
	h.render(w, r, http.StatusOK, "password_reset.html", passwordResetPage{page: h.page("Reset your password", nil)})
}

// passwordReset serves POST /admin/password-reset: it mails a reset link
// to the address if it is an enabled account's, and answers the same
// either way, at once (the mail goes out after the answer), so the page
// tells no one which addresses have accounts. Requests count against the
// sign-in limits of the client and of the address.
func (h *Handler) passwordReset(w http.ResponseWriter, r *http.Request) {
	if h.mail == nil {
		h.passwordResetForm(w, r)
		return
	}
	p := passwordResetPage{page: h.page("Reset your password", nil)}
	if !h.readSmallForm(w, r) {
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	client := clientip.From(r)
	for _, blocked := range []func() (bool, time.Duration, error){
		func() (bool, time.Duration, error) { return h.signIns.Blocked(r.Context(), client) },
		func() (bool, time.Duration, error) { return h.signIns.BlockedAccount(r.Context(), email) },
	} {
		b, _, err := blocked()
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		if b {
			p.Error = "Too many requests from your address or for this account. Wait a few minutes and try again."
			h.render(w, r, http.StatusTooManyRequests, "password_reset.html", p)
			return
		}
	}
	if err := h.signIns.FailAccount(r.Context(), client, email); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.mailResetLater(email)
	p.Sent = true
	h.render(w, r, http.StatusOK, "password_reset.html", p)
}

// mailResetLater makes and mails a reset link to email's enabled account,
// if there is one, after the request has been answered. At most
// maxMailing mails are on their way at once; past that a request is
// dropped (and logged), like a lost mail.
func (h *Handler) mailResetLater(email string) {
	select {
	case h.mailing <- struct{}{}:
	default:
		h.log.Warn("admin: too many reset mails on their way; one is dropped")
		return
	}
	go func() {
		defer func() { <-h.mailing }()
		ctx, cancel := context.WithTimeout(context.Background(), mail.DefaultTimeout+10*time.Second)
		defer cancel()
		u, err := h.accounts.UserByEmail(ctx, email)
		if err != nil || u.Disabled {
			return // no such account: nothing to send, and nothing to tell
		}
		if _, err := h.sendLink(ctx, u, accounts.KindReset, ""); err != nil {
			h.log.Error("admin: mail a password-reset link", "err", err)
		}
	}()
}

// sendLink makes a one-time link of kind for u and mails it when mail is
// set up; from names who made it ("" for u themselves). It returns the link
// when it was not mailed (no mail set up, or sending failed: err says why),
// for the person who asked to pass on.
func (h *Handler) sendLink(ctx context.Context, u *accounts.User, kind, from string) (string, error) {
	secret, exp, err := h.accounts.Invite(ctx, u.ID, kind)
	if err != nil {
		return "", err
	}
	return h.mailLink(ctx, u, secret, exp, kind, from)
}

// mailLink mails the one-time link of secret (made for u, of kind, good
// until exp) when mail is set up, and returns the link when it was not
// mailed (no mail set up, or sending failed: err says why).
func (h *Handler) mailLink(ctx context.Context, u *accounts.User, secret string, exp time.Time, kind, from string) (string, error) {
	link := h.links.Base() + accounts.InvitationPath + secret
	if h.mail == nil {
		return link, nil
	}
	m := mail.LinkMail{To: u.Email, Name: u.Name, From: from, Link: link, Expires: exp, Reset: kind == accounts.KindReset, Site: h.links.Base()}
	if err := h.mail.Send(ctx, m.Message()); err != nil {
		return link, err
	}
	return "", nil
}
