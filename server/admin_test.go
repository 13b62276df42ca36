package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/links"
)

// adminRequest sends a request to the producer UI with the cookies given
// and, for a form, its values.
func adminRequest(h http.Handler, method, path string, form url.Values, cookies []*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	req.RemoteAddr = "192.0.2.9:4444"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestAdminMounted drives the producer UI through the whole server: the
// route table sends /admin/... to it ahead of the show pages, sign-in works
// with an API token, and its writes reach the feed at once (the clock
// stands still, so only the server's invalidation can refresh the feed).
func TestAdminMounted(t *testing.T) {
	a := newAPIEnv(t, "")

	rec := adminRequest(a.h, http.MethodGet, "/admin", nil, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/admin/" {
		t.Errorf("GET /admin: %d to %q, want 303 to /admin/", rec.Code, rec.Header().Get("Location"))
	}
	rec = adminRequest(a.h, http.MethodGet, "/admin/signin", nil, nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(rec.Body.String(), `name="token"`) {
		t.Errorf("GET /admin/signin: %d %q, want 200 with the sign-in form", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, path := range []string{"/admin/", "/admin/shows/new", "/admin/shows/s/"} {
		rec := adminRequest(a.h, http.MethodGet, path, nil, nil)
		if want := "/admin/signin?next=" + url.QueryEscape(path); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
			t.Errorf("GET %s without a session: %d to %q, want 303 to %q", path, rec.Code, rec.Header().Get("Location"), want)
		}
	}
	if rec := adminRequest(a.h, http.MethodGet, "/admin/static/admin.css", nil, nil); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("GET /admin/static/admin.css: %d %q, want 200 text/css", rec.Code, rec.Header().Get("Content-Type"))
	}

	rec = adminRequest(a.h, http.MethodPost, "/admin/signin", url.Values{"token": {a.token}}, nil)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusSeeOther || len(cookies) != 1 {
		t.Fatalf("sign in: %d with cookies %v, want 303 and a session cookie\n%s", rec.Code, cookies, rec.Body.String())
	}
	if cookies[0].Secure {
		t.Error("the session cookie is Secure on an http:// base URL; browsers would not send it back")
	}

	a.createShow("s")
	e := a.createEpisode("s", map[string]any{"title": "First light"})
	a.giveAudio("s", e.ID)
	want(t, a.json(http.MethodPost, "/api/v1/shows/s/episodes/first-light/publish", nil), http.StatusOK, nil)
	feed := get(t, a.h, http.MethodGet, "/s/feed.xml")
	if !strings.Contains(feed.Body.String(), "First light") {
		t.Fatalf("the published episode is missing from the feed: %d %s", feed.Code, feed.Body.String())
	}
	episodePage := fmt.Sprintf("/admin/shows/s/episodes/%d/", e.ID) // the admin UI names episodes by ID
	rec = adminRequest(a.h, http.MethodGet, episodePage, nil, cookies)
	m := csrfInput.FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusOK || m == nil {
		t.Fatalf("episode page with a session: %d, CSRF token %v", rec.Code, m)
	}
	rec = adminRequest(a.h, http.MethodPost, episodePage+"unpublish", url.Values{"csrf": {m[1]}}, cookies)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("unpublish in the admin UI: %d\n%s", rec.Code, rec.Body.String())
	}
	if feed := get(t, a.h, http.MethodGet, "/s/feed.xml"); strings.Contains(feed.Body.String(), "<item>") {
		t.Error("the feed still lists the episode unpublished in the admin UI")
	}

	t.Run("https base URL", func(t *testing.T) {
		deps := a.deps
		deps.Links = links.New("https://pod.example.org")
		rec := adminRequest(serve(t, deps), http.MethodPost, "/admin/signin", url.Values{"token": {a.token}}, nil)
		if cookies := rec.Result().Cookies(); rec.Code != http.StatusSeeOther || len(cookies) != 1 || !cookies[0].Secure {
			t.Errorf("sign in: %d with cookies %v, want 303 and a Secure session cookie", rec.Code, cookies)
		}
	})
}
