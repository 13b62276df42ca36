package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// apiRoute is one method on one API path template of the route table.
type apiRoute struct{ method, path string }

// apiRoutes walks the route table and returns every API route.
func apiRoutes(t *testing.T, h *handler) []apiRoute {
	t.Helper()
	var out []apiRoute
	err := h.routes().Walk(func(route *mux.Route, router *mux.Router, ancestors []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || !strings.HasPrefix(tpl, "/api/") {
			return nil
		}
		methods, err := route.GetMethods()
		if err != nil {
			return nil // the subrouter's prefix itself
		}
		for _, m := range methods {
			out = append(out, apiRoute{m, tpl})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 10 {
		t.Fatalf("found only %d API routes: %v", len(out), out)
	}
	return out
}

var pathVarRE = regexp.MustCompile(`\{[^}]+\}`)

// TestAPIAuth proves that every API route answers 401 JSON without a
// token, with a wrong or revoked one and with a malformed header.
func TestAPIAuth(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	revoked := accounts.NewSecret()
	ctx := context.Background()
	if err := a.store.CreateToken(ctx, "gone", episodes.HashToken(revoked)); err != nil {
		t.Fatal(err)
	}
	if err := a.store.RevokeToken(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{
		"none":     "",
		"wrong":    "Bearer " + accounts.NewSecret(),
		"revoked":  "Bearer " + revoked,
		"basic":    "Basic " + a.token,
		"empty":    "Bearer ",
		"no space": "Bearer" + a.token,
	}
	routes := apiRoutes(t, &handler{Deps: withParts(t, a.deps)})
	for _, rt := range routes {
		path := pathVarRE.ReplaceAllStringFunc(rt.path, func(v string) string {
			if x, ok := map[string]string{"{show}": "s", "{episode}": "1", "{lang}": "en", "{email}": "a@example.edu"}[v]; ok {
				return x
			}
			return "1" // {id} and the like
		})
		for name, hdr := range headers {
			req := httptest.NewRequest(rt.method, path, strings.NewReader(`{"title": "x"}`))
			req.Header.Set("Content-Type", "application/json")
			if hdr != "" {
				req.Header.Set("Authorization", hdr)
			}
			rec := httptest.NewRecorder()
			a.h.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") ||
				!strings.Contains(rec.Body.String(), `"code":"unauthorized"`) {
				t.Errorf("%s %s with %s token: %d %q %s", rt.method, path, name, rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String())
			}
		}
	}
	// Nothing was changed by the refused requests.
	if s, err := a.store.GetShow(ctx, "s"); err != nil || s.Title != "Show s" {
		t.Errorf("show after refused writes: %+v, %v", s, err)
	}
	// The valid token passes the gate (what follows is the handler's business).
	for _, rt := range routes {
		path := pathVarRE.ReplaceAllString(rt.path, "x")
		req := httptest.NewRequest(rt.method, path, nil)
		req.Header.Set("Authorization", "bearer "+a.token)
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, req)
		if rec.Code == http.StatusUnauthorized {
			t.Errorf("%s %s with a valid token: 401", rt.method, path)
		}
	}
}

func TestBootstrapAdminToken(t *testing.T) {
	a := newAPIEnv(t, "") // bootstraps one token
	ctx := context.Background()
	if ok, err := BootstrapAdminToken(ctx, a.store, accounts.NewSecret()); ok || err != nil {
		t.Errorf("second bootstrap = %v, %v; want nothing done on an instance with tokens", ok, err)
	}
	if tokens, _ := a.store.ListTokens(ctx); len(tokens) != 1 || tokens[0].Name != AdminTokenName {
		t.Errorf("tokens %+v, want only admin", tokens)
	}
	if _, err := a.store.TokenByHash(ctx, episodes.HashToken(a.token)); err != nil {
		t.Errorf("the admin token's hash is not stored: %v", err)
	}
	fresh := newAPIEnv(t, "")
	if err := fresh.store.RevokeToken(ctx, AdminTokenName); err != nil {
		t.Fatal(err)
	}
	if ok, err := BootstrapAdminToken(ctx, fresh.store, "short"); ok || err == nil {
		t.Errorf("a 5-character admin token: %v, %v; want an error", ok, err)
	}
	if ok, err := BootstrapAdminToken(ctx, fresh.store, ""); ok || err != nil {
		t.Errorf("no admin token: %v, %v; want nothing done", ok, err)
	}
	if n, _ := fresh.store.CountTokens(ctx); n != 0 {
		t.Errorf("%d tokens after refused bootstraps", n)
	}
	one, two := accounts.NewSecret(), accounts.NewSecret()
	if one == two || !strings.HasPrefix(one, "lys_") || len(one) < 40 || len(episodes.HashToken(one)) != 64 || episodes.HashToken(one) == episodes.HashToken(two) {
		t.Error("tokens are not random or hashes not hex SHA-256")
	}
}
