package server

import (
	"time"

	"github.com/lyssna/lyssna/accounts"
)

// userJSON is a person as the API shows them.
type userJSON struct {
	ID          int64     `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Admin       bool      `json:"admin"`
	Disabled    bool      `json:"disabled"`
	HasPassword bool      `json:"has_password"`
	CreatedAt   time.Time `json:"created_at"`
}

func toUserJSON(u *accounts.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin, Disabled: u.Disabled,
		HasPassword: u.HasPassword, CreatedAt: u.CreatedAt}
}

// invitationJSON is a one-time link to hand to its person.
type invitationJSON struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// invitation builds the link of an invitation's secret.
func (h *handler) invitation(secret string, exp time.Time) *invitationJSON {
	if secret == "" {
		return nil
	}
	return &invitationJSON{URL: h.Links.Base() + accounts.InvitationPath + secret, ExpiresAt: exp}
}

// memberJSON is a show's member.
type memberJSON struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}
