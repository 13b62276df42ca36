package server

import (
	"net/http"
	"time"

	"github.com/lyssna/lyssna/accounts"
)

// apiMemberList lists a show's members: GET /api/v1/shows/{show}/members.
func (h *handler) apiMemberList(w http.ResponseWriter, r *http.Request) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	ms, err := h.accounts.Members(r.Context(), s.ID)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	out := struct {
		Members []memberJSON `json:"members"`
	}{Members: make([]memberJSON, 0, len(ms))}
	for _, m := range ms {
		out.Members = append(out.Members, memberJSON{Email: m.User.Email, Name: m.User.Name, Role: string(m.Role)})
	}
	writeJSON(w, http.StatusOK, out)
}

// apiMemberPut gives a person a role in the show: PUT
// /api/v1/shows/{show}/members/{email} with {"role": "editor"}. A person
// without an account gets one, and the answer carries their invitation
// link; demoting the last owner is refused (409).
func (h *handler) apiMemberPut(w http.ResponseWriter, r *http.Request) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	var in struct {
		Role string `json:"role"`
	}
	if err := readJSON(w, r, &in); err != nil {
		h.respondError(w, r, err)
		return
	}
	m, secret, err := h.accounts.SetMember(r.Context(), s.ID, pathVar(r, "email"), accounts.Role(in.Role))
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		memberJSON
		Invitation *invitationJSON `json:"invitation"`
	}{memberJSON{Email: m.User.Email, Name: m.User.Name, Role: string(m.Role)},
		h.invitation(secret, h.Now().Add(accounts.InvitationTTL).UTC().Truncate(time.Second))})
}

// apiMemberDelete takes a person out of the show: DELETE
// /api/v1/shows/{show}/members/{email}; the last owner cannot be removed (409).
func (h *handler) apiMemberDelete(w http.ResponseWriter, r *http.Request) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	if err := h.accounts.RemoveMember(r.Context(), s.ID, pathVar(r, "email")); err != nil {
		h.respondError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
