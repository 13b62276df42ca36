package admin

import (
	"net/http"
	"time"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// membersPage is the data of a show's members page.
type membersPage struct {
	page
	Show    *episodes.Show
	Members []accounts.Member
	Roles   []accounts.Role
	Manage  bool   // the person may change members (owners, admins)
	Link    string // an invitation link just made, to copy
	Error   string
}

func (h *Handler) showMembers(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	h.renderMembers(w, r, s, sh, http.StatusOK, "", "")
}

func (h *Handler) renderMembers(w http.ResponseWriter, r *http.Request, s *session, sh *episodes.Show, status int, link, msg string) {
	ms, err := h.accounts.Members(r.Context(), sh.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := membersPage{page: h.page("Members · "+sh.Title, s, crumb{"Shows", "/admin/"}, crumb{sh.Title, showAdminURL(sh)}),
		Show: sh, Members: ms, Roles: accounts.Roles, Manage: h.can(r.Context(), s, accounts.Members, sh), Link: link, Error: msg}
	p.Flash = flash(r)
	h.render(w, r, status, "members.html", p)
}

// showMemberSet gives a person a role (inviting one without an account:
// the page shows the link to send them).
func (h *Handler) showMemberSet(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	m, secret, err := h.accounts.SetMember(r.Context(), sh.ID, r.PostFormValue("email"), accounts.Role(r.PostFormValue("role")))
	if err != nil {
		h.memberError(w, r, s, sh, err)
		return
	}
	if secret != "" {
		// With mail set up the link is mailed; otherwise, or when the
		// mail fails, it is shown to send.
		link, err := h.mailLink(r.Context(), m.User, secret, h.now().Add(accounts.InvitationTTL), accounts.KindInvite, s.Name)
		if link == "" {
			seeOther(w, r, showAdminURL(sh)+"members?done=mailed")
			return
		}
		msg := ""
		if err != nil {
			h.log.Warn("admin: mail an invitation", "err", err)
			msg = "The invitation could not be mailed (the mail server did not take it); send the link below yourself."
		}
		h.renderMembers(w, r, s, sh, http.StatusOK, link, msg)
		return
	}
	seeOther(w, r, showAdminURL(sh)+"members?done=member")
}

// showMemberRemove takes a person out of the show.
func (h *Handler) showMemberRemove(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	if err := h.accounts.RemoveMember(r.Context(), sh.ID, r.PostFormValue("email")); err != nil {
		h.memberError(w, r, s, sh, err)
		return
	}
	seeOther(w, r, showAdminURL(sh)+"members?done=unmember")
}

func (h *Handler) memberError(w http.ResponseWriter, r *http.Request, s *session, sh *episodes.Show, err error) {
	de, ok := episodes.AsError(err)
	if !ok {
		h.serverError(w, r, err)
		return
	}
	h.renderMembers(w, r, s, sh, de.Kind.Status(), "", sentence(de.Public()))
}

// auditPage is the data of a show's audit page.
type auditPage struct {
	page
	Show    *episodes.Show
	Events  []auditRow
	NextURL string
}

type auditRow struct {
	episodes.AuditEvent
	When *time.Time
}

func (h *Handler) showAudit(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	events, next, err := h.store.AuditPage(r.Context(), sh.ID, r.URL.Query().Get("cursor"), 50)
	if err != nil {
		if de, ok := episodes.AsError(err); ok {
			h.errorPage(w, r, s, de.Kind.Status(), "Not possible", sentence(de.Public()))
			return
		}
		h.serverError(w, r, err)
		return
	}
	p := auditPage{page: h.page("Activity · "+sh.Title, s, crumb{"Shows", "/admin/"}, crumb{sh.Title, showAdminURL(sh)}),
		Show: sh}
	for _, e := range events {
		at := e.At
		p.Events = append(p.Events, auditRow{AuditEvent: e, When: &at})
	}
	if next != "" {
		p.NextURL = showAdminURL(sh) + "audit?cursor=" + urlQueryEscape(next)
	}
	h.render(w, r, http.StatusOK, "audit.html", p)
}
