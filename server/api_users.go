package server

import (
	"net/http"
	"strconv"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// apiUserList lists every person: GET /api/v1/users (admins).
func (h *handler) apiUserList(w http.ResponseWriter, r *http.Request) {
	users, err := h.accounts.ListUsers(r.Context())
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	out := struct {
		Users []userJSON `json:"users"`
	}{Users: make([]userJSON, 0, len(users))}
	for _, u := range users {
		out.Users = append(out.Users, toUserJSON(u))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiUserCreate creates a person and answers with their invitation link
// (good for 7 days, once): POST /api/v1/users (admins).
func (h *handler) apiUserCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
		Name  string `json:"name"`
		Admin bool   `json:"admin"`
	}
	if err := readJSON(w, r, &in); err != nil {
		h.respondError(w, r, err)
		return
	}
	u, err := h.accounts.CreateUser(r.Context(), accounts.NewUser{Email: in.Email, Name: in.Name, Admin: in.Admin})
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	secret, exp, err := h.accounts.Invite(r.Context(), u.ID, accounts.KindInvite)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	writeJSON(w, http.StatusCreated, struct {
		User       userJSON        `json:"user"`
		Invitation *invitationJSON `json:"invitation"`
	}{toUserJSON(u), h.invitation(secret, exp)})
}

// userIDFromPath reads {id}; on failure it has answered.
func (h *handler) userIDFromPath(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(pathVar(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		h.respondError(w, r, episodes.Errorf(episodes.NotFound, "", "there is no person %q; GET /api/v1/users lists them by id", pathVar(r, "id")))
		return 0, false
	}
	return id, true
}

// apiUserUpdate changes a person's email, name, admin flag or disabled flag:
// PATCH /api/v1/users/{id} (admins). Disabling ends their sessions and stops
// their tokens at once; leaving no enabled admin is refused (409).
func (h *handler) apiUserUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := h.userIDFromPath(w, r)
	if !ok {
		return
	}
	var in struct {
		Email    *string `json:"email"`
		Name     *string `json:"name"`
		Admin    *bool   `json:"admin"`
		Disabled *bool   `json:"disabled"`
	}
	if err := readJSON(w, r, &in); err != nil {
		h.respondError(w, r, err)
		return
	}
	u, err := h.accounts.UpdateUser(r.Context(), id, accounts.UserPatch{Email: in.Email, Name: in.Name, Admin: in.Admin, Disabled: in.Disabled})
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
}

// apiUserDelete deletes a person with their memberships, tokens and
// sessions: DELETE /api/v1/users/{id} (admins). The last owner of a show
// and the last enabled admin cannot be deleted (409).
func (h *handler) apiUserDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := h.userIDFromPath(w, r)
	if !ok {
		return
	}
	if err := h.accounts.DeleteUser(r.Context(), id); err != nil {
		h.respondError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
