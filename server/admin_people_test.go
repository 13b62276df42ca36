package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/accounts"
)

// TestAdminPeoplePages: the producer UI offers a role only what it may do
// (a viewer sees no upload, publish or delete), an owner invites from the
// members page and gets the link, and the activity page names who did what.
func TestAdminPeoplePages(t *testing.T) {
	a := newAPIEnv(t, "")
	ctx := context.Background()
	acc := accounts.New(a.store, a.clock.Now)
	a.createShow("s")
	sh, _ := a.store.GetShow(ctx, "s")
	e := a.createEpisode("s", map[string]any{"title": "Cells"})
	signIn := func(email string, role accounts.Role) ([]*http.Cookie, string) {
		m, _, err := acc.SetMember(ctx, sh.ID, email, role)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := acc.UpdateUser(ctx, m.User.ID, accounts.UserPatch{Name: ptr("Person " + string(role))}); err != nil {
			t.Fatal(err)
		}
		tok, err := acc.CreateToken(ctx, accounts.TokenSpec{Name: string(role), UserID: m.User.ID})
		if err != nil {
			t.Fatal(err)
		}
		rec := adminRequest(a.h, http.MethodPost, "/admin/signin", url.Values{"token": {tok}}, nil)
		cookies := rec.Result().Cookies()
		page := adminRequest(a.h, http.MethodGet, "/admin/", nil, cookies)
		return cookies, csrfInput.FindStringSubmatch(page.Body.String())[1]
	}
	viewer, _ := signIn("vera@example.edu", accounts.Viewer)
	owner, csrf := signIn("olga@example.edu", accounts.Owner)

	page := adminRequest(a.h, http.MethodGet, "/admin/shows/s/", nil, viewer).Body.String()
	if strings.Contains(page, "Upload an episode") || strings.Contains(page, "Delete the show") || strings.Contains(page, "Edit show") ||
		!strings.Contains(page, "Signed in as Person viewer") {
		t.Errorf("the viewer's show page offers what they may not do, or does not name them")
	}
	ep := adminRequest(a.h, http.MethodGet, fmt.Sprintf("/admin/shows/s/episodes/%d/", e.ID), nil, viewer).Body.String()
	if strings.Contains(ep, "Publish now") || strings.Contains(ep, "Delete the episode") {
		t.Errorf("the viewer's episode page offers publishing or deletion")
	}
	if page := adminRequest(a.h, http.MethodGet, "/admin/shows/s/", nil, owner).Body.String(); !strings.Contains(page, "Upload an episode") || !strings.Contains(page, "Delete the show") {
		t.Errorf("the owner's show page lacks upload or delete")
	}
	if page := adminRequest(a.h, http.MethodGet, "/admin/shows/s/members", nil, viewer).Body.String(); strings.Contains(page, "Invite someone") || !strings.Contains(page, "olga@example.edu") {
		t.Errorf("the viewer's members page offers inviting, or lacks a member")
	}

	rec := adminRequest(a.h, http.MethodPost, "/admin/shows/s/members", url.Values{"csrf": {csrf}, "email": {"new@example.edu"}, "role": {"contributor"}}, owner)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), testBase+accounts.InvitationPath) {
		t.Fatalf("inviting from the members page: %d, no link shown", rec.Code)
	}
	rec = adminRequest(a.h, http.MethodPost, "/admin/shows/s/members/remove", url.Values{"csrf": {csrf}, "email": {"olga@example.edu"}}, owner)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "last owner") {
		t.Errorf("removing the last owner from the page: %d", rec.Code)
	}
	audit := adminRequest(a.h, http.MethodGet, "/admin/shows/s/audit", nil, viewer).Body.String()
	for _, want := range []string{"member.set", "new@example.edu", "Person owner", "episode.create", "cells"} {
		if !strings.Contains(audit, want) {
			t.Errorf("the activity page lacks %q", want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
