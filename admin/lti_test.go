package admin

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLTIPlatformsPage: a producer registers an LMS platform in the UI (a
// mistake shown beside its field), sees it listed with the URLs to give the
// LMS admin, and removes it; signed out, the page asks for a sign-in.
func TestLTIPlatformsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	anon := e.client(t)
	if p := anon.get("/admin/lti/"); p.status != http.StatusSeeOther {
		t.Fatalf("signed out: %d, want a redirect to sign in", p.status)
	}
	c := e.client(t)
	c.signIn()
	p := c.get("/admin/lti/")
	if p.status != http.StatusOK || !strings.Contains(p.body, e.srv.URL+"/lti/canvas.json") || !strings.Contains(p.body, "LYSSNA_SECRET") {
		t.Fatalf("page: %d, want the tool URLs and the missing-secret warning:\n%s", p.status, p.body)
	}
	form := url.Values{"name": {"Uni Canvas"}, "issuer": {"https://canvas.instructure.com"}, "client_id": {"10000000000042"},
		"deployment_id": {"1:abc, 2:def"}, "auth_url": {"http://sso.example.org/auth"},
		"token_url": {"https://sso.canvaslms.com/login/oauth2/token"}, "jwks_url": {"https://sso.canvaslms.com/api/lti/security/jwks"}}
	p = c.post("/admin/lti/", form)
	if p.status != http.StatusBadRequest || !strings.Contains(p.fieldError(t, "auth_url"), "https://") {
		t.Fatalf("plain-http auth URL: %d, want 400 with the error beside auth_url:\n%s", p.status, p.body)
	}
	form.Set("auth_url", "https://sso.canvaslms.com/api/lti/authorize_redirect")
	if p = c.post("/admin/lti/", form); p.status != http.StatusSeeOther {
		t.Fatalf("register: %d\n%s", p.status, p.body)
	}
	ps, err := e.h.lti.List(t.Context())
	if err != nil || len(ps) != 1 || strings.Join(ps[0].DeploymentIDs, " ") != "1:abc 2:def" {
		t.Fatalf("stored: %+v %v", ps, err)
	}
	p = c.get("/admin/lti/?done=added")
	if !strings.Contains(p.body, "Uni Canvas") || !strings.Contains(p.body, "2:def") || !strings.Contains(p.body, "is registered") {
		t.Errorf("list lacks the platform:\n%s", p.body)
	}
	if p = c.post("/admin/lti/"+itoa(ps[0].ID)+"/delete", url.Values{"csrf": {"forged"}}); p.status != http.StatusForbidden {
		t.Errorf("remove without the CSRF token: %d, want 403", p.status)
	}
	if p = c.post("/admin/lti/"+itoa(ps[0].ID)+"/delete", nil); p.status != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", p.status, p.body)
	}
	if ps, _ := e.h.lti.List(t.Context()); len(ps) != 0 {
		t.Errorf("after remove: %d platforms", len(ps))
	}
}
