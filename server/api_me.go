package server

import (
	"net/http"

	"github.com/lyssna/lyssna/accounts"
)

// apiMe answers who the token belongs to, its limits and the person's
// roles: GET /api/v1/me.
func (h *handler) apiMe(w http.ResponseWriter, r *http.Request) {
	p := accounts.PrincipalFrom(r.Context())
	roles, err := h.accounts.Roles(r.Context(), p.UserID)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	shows, err := h.Store.ListShows(r.Context())
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	type showRole struct {
		Show string `json:"show"`
		Role string `json:"role"`
	}
	out := struct {
		ID       int64      `json:"id"`
		Email    string     `json:"email"`
		Name     string     `json:"name"`
		Admin    bool       `json:"admin"`
		Token    string     `json:"token"`
		ReadOnly bool       `json:"read_only"`
		Show     *string    `json:"show"`
		Roles    []showRole `json:"roles"`
	}{ID: p.UserID, Email: p.Email, Name: p.Name, Admin: p.Admin, Token: p.Via, ReadOnly: p.ReadOnly, Roles: []showRole{}}
	for _, sh := range shows {
		if role, ok := roles[sh.ID]; ok {
			out.Roles = append(out.Roles, showRole{sh.Slug, string(role)})
		}
		if sh.ID == p.TokenShowID {
			out.Show = &sh.Slug
		}
	}
	writeJSON(w, http.StatusOK, out)
}
