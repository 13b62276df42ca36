package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/accounts"
)

// TestPeopleAPI: people, members and the audit trail through the API, on
// both databases; every answer is checked against docs/openapi.yaml.
func TestPeopleAPI(t *testing.T) {
	eachDatabase(t, func(t *testing.T, a *apiEnv) {
		ctx := context.Background()
		acc := accounts.New(a.store, a.clock.Now)
		var me struct {
			ID    int64  `json:"id"`
			Email string `json:"email"`
			Admin bool   `json:"admin"`
			Token string `json:"token"`
		}
		want(t, a.json(http.MethodGet, "/api/v1/me", nil), http.StatusOK, &me)
		if !me.Admin || me.Token != AdminTokenName {
			t.Errorf("me = %+v", me)
		}

		var created struct {
			User       userJSON       `json:"user"`
			Invitation invitationJSON `json:"invitation"`
		}
		want(t, a.json(http.MethodPost, "/api/v1/users", map[string]any{"email": "Owen@Example.edu", "name": "Owen"}), http.StatusCreated, &created)
		if created.User.Email != "owen@example.edu" || !strings.HasPrefix(created.Invitation.URL, testBase+accounts.InvitationPath) {
			t.Fatalf("created %+v", created)
		}
		secret := strings.TrimPrefix(created.Invitation.URL, testBase+accounts.InvitationPath)
		if _, err := acc.AcceptInvitation(ctx, secret, "owens own password"); err != nil {
			t.Fatalf("the link of POST /api/v1/users: %v", err)
		}
		wantError(t, a.json(http.MethodPost, "/api/v1/users", map[string]any{"email": "OWEN@example.edu", "name": "Again"}), http.StatusConflict, "conflict", "email")

		a.createShow("s")
		want(t, a.json(http.MethodPut, "/api/v1/shows/s/members/owen@example.edu", map[string]any{"role": "owner"}), http.StatusOK, nil)
		var put struct {
			memberJSON
			Invitation *invitationJSON `json:"invitation"`
		}
		want(t, a.json(http.MethodPut, "/api/v1/shows/s/members/new@example.edu", map[string]any{"role": "contributor"}), http.StatusOK, &put)
		if put.Role != "contributor" || put.Invitation == nil {
			t.Errorf("inviting a new person: %+v", put)
		}
		wantError(t, a.json(http.MethodPut, "/api/v1/shows/s/members/new@example.edu", map[string]any{"role": "boss"}), http.StatusBadRequest, "invalid", "role")
		var list struct {
			Members []memberJSON `json:"members"`
		}
		want(t, a.json(http.MethodGet, "/api/v1/shows/s/members", nil), http.StatusOK, &list)
		if len(list.Members) != 2 || list.Members[0].Email != "owen@example.edu" || list.Members[0].Role != "owner" {
			t.Errorf("members %+v", list.Members)
		}
		wantError(t, a.json(http.MethodDelete, "/api/v1/shows/s/members/owen@example.edu", nil), http.StatusConflict, "conflict", "role")
		want(t, a.json(http.MethodDelete, "/api/v1/shows/s/members/new@example.edu", nil), http.StatusNoContent, nil)

		// The only admin cannot disable themselves.
		wantError(t, a.json(http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", me.ID), map[string]any{"disabled": true}), http.StatusConflict, "conflict", "")
		// Disabling a person stops their token at once.
		tok, err := acc.CreateToken(ctx, accounts.TokenSpec{Name: "owen", UserID: created.User.ID})
		if err != nil {
			t.Fatal(err)
		}
		as := func(method, path string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			a.h.ServeHTTP(rec, req)
			return rec
		}
		want(t, as(http.MethodGet, "/api/v1/shows/s"), http.StatusOK, nil)
		want(t, a.json(http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", created.User.ID), map[string]any{"disabled": true}), http.StatusOK, nil)
		wantError(t, as(http.MethodGet, "/api/v1/shows/s"), http.StatusUnauthorized, "unauthorized", "")

		// The audit trail, a page at a time, names who did what.
		e := a.createEpisode("s", map[string]any{"title": "Cells"})
		want(t, a.json(http.MethodPatch, fmt.Sprintf("/api/v1/shows/s/episodes/%d", e.ID), map[string]any{"title": "Cells, again", "notes": "New"}), http.StatusOK, nil)
		var page struct {
			Events     []auditEventJSON `json:"events"`
			NextCursor *string          `json:"next_cursor"`
		}
		want(t, a.json(http.MethodGet, "/api/v1/shows/s/audit?limit=2", nil), http.StatusOK, &page)
		if len(page.Events) != 2 || page.NextCursor == nil || page.Events[0].Action != "episode.update" || page.Events[1].Action != "episode.create" {
			t.Fatalf("first page %+v", page)
		}
		if ch := fmt.Sprint(page.Events[0].Detail["changed"]); ch != "[title notes]" || page.Events[0].Actor.Name != "admin" || page.Events[0].Actor.Via != AdminTokenName {
			t.Errorf("edit recorded as %+v (changed %s)", page.Events[0], ch)
		}
		seen := len(page.Events)
		for page.NextCursor != nil {
			cur := *page.NextCursor
			page.NextCursor = nil
			want(t, a.json(http.MethodGet, "/api/v1/shows/s/audit?limit=2&cursor="+cur, nil), http.StatusOK, &page)
			seen += len(page.Events)
		}
		if seen != 6 { // show.create, 3 member changes, episode.create, episode.update
			t.Errorf("%d events in all, want 6", seen)
		}
		wantError(t, a.json(http.MethodGet, "/api/v1/shows/s/audit?cursor=x", nil), http.StatusBadRequest, "invalid", "cursor")
	})
}
