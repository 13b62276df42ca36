package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSignIn(t *testing.T) {
	e := newEnv(t, false)
	t.Run("pages need a session", func(t *testing.T) {
		c := e.client(t)
		p := c.get("/admin/shows/new")
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/signin?next=%2Fadmin%2Fshows%2Fnew" {
			t.Fatalf("GET without session: %d %q", p.status, p.header.Get("Location"))
		}
	})
	t.Run("bad token", func(t *testing.T) {
		c := e.client(t)
		p := c.post("/admin/signin", url.Values{"token": {"wrong"}})
		if p.status != http.StatusUnauthorized || !strings.Contains(text(p.byID("token-error")), "not valid") {
			t.Fatalf("bad token: %d %q", p.status, text(p.doc))
		}
		if len(c.http.Jar.Cookies(mustURL(e.srv.URL+"/admin/"))) != 0 {
			t.Error("a bad token got a cookie")
		}
	})
	t.Run("good token then sign out", func(t *testing.T) {
		c := e.client(t)
		p := c.post("/admin/signin", url.Values{"token": {testToken}, "next": {"/admin/shows/new"}})
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/shows/new" {
			t.Fatalf("good token: %d %q", p.status, p.header.Get("Location"))
		}
		if p := c.get("/admin/shows/new"); p.status != http.StatusOK {
			t.Fatalf("signed in GET: %d", p.status)
		}
		if p := c.post("/admin/signout", nil); p.status != http.StatusSeeOther {
			t.Fatalf("sign out: %d", p.status)
		}
		if p := c.get("/admin/"); p.status != http.StatusSeeOther {
			t.Fatalf("after sign-out GET: %d, want a redirect to sign in", p.status)
		}
	})
	t.Run("next never leaves admin", func(t *testing.T) {
		c := e.client(t)
		p := c.post("/admin/signin", url.Values{"token": {testToken}, "next": {"//evil.example/admin/"}})
		if loc := p.header.Get("Location"); loc != "/admin/" {
			t.Fatalf("next=//evil.example: Location %q", loc)
		}
	})
	t.Run("expiry and revocation end sessions", func(t *testing.T) {
		c := e.client(t)
		c.signIn()
		e.clock.Add(sessionTTL + time.Second)
		if p := c.get("/admin/"); p.status != http.StatusSeeOther {
			t.Fatalf("expired session: %d", p.status)
		}
		c.signIn()
		if err := e.store.RevokeToken(context.Background(), "producer"); err != nil {
			t.Fatal(err)
		}
		if p := c.get("/admin/"); p.status != http.StatusSeeOther {
			t.Fatalf("revoked token's session: %d", p.status)
		}
	})
	t.Run("forged cookie", func(t *testing.T) {
		// Whatever a reader of the database sees (the token's hash, the
		// session's stored hash, a cookie signed with a key derived from the
		// token hash as sessions once were) signs no one in.
		e := newEnv(t, false)
		c := e.client(t)
		c.signIn()
		u := mustURL(e.srv.URL + "/admin/")
		db := e.store.DB()
		var values []string
		for _, q := range []string{`SELECT hash FROM tokens`, `SELECT id_hash FROM sessions`} {
			rows, err := db.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var v string
				rows.Scan(&v)
				values = append(values, v, v[:43])
			}
			rows.Close()
		}
		if len(values) < 4 {
			t.Fatalf("read %d values from the tokens and sessions tables", len(values))
		}
		for _, v := range values {
			f := e.client(t)
			f.http.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: v, Path: "/admin/"}})
			if p := f.get("/admin/"); p.status != http.StatusSeeOther {
				t.Fatalf("cookie %q from the database: %d, want a redirect to sign in", v, p.status)
			}
		}
		if p := c.get("/admin/"); p.status != http.StatusOK {
			t.Fatalf("the real session: %d", p.status)
		}
	})
	t.Run("sign-out ends the session on the server", func(t *testing.T) {
		e := newEnv(t, false)
		c := e.client(t)
		c.signIn()
		u := mustURL(e.srv.URL + "/admin/")
		kept := c.http.Jar.Cookies(u)[0]
		if p := c.post("/admin/signout", nil); p.status != http.StatusSeeOther {
			t.Fatalf("sign out: %d", p.status)
		}
		// The old cookie, replayed, is no longer a session.
		replay := e.client(t)
		replay.http.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: kept.Value, Path: "/admin/"}})
		if p := replay.get("/admin/"); p.status != http.StatusSeeOther {
			t.Fatalf("replayed cookie after sign-out: %d, want a redirect to sign in", p.status)
		}
	})
}

func TestSignInRateLimit(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	// Successful sign-ins do not count.
	for i := range 2 * signInBurst {
		if p := c.post("/admin/signin", url.Values{"token": {testToken}}); p.status != http.StatusSeeOther {
			t.Fatalf("good sign-in %d: %d", i+1, p.status)
		}
	}
	for i := range signInBurst {
		if p := c.post("/admin/signin", url.Values{"token": {"wrong"}}); p.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, p.status)
		}
	}
	p := c.post("/admin/signin", url.Values{"token": {testToken}})
	if p.status != http.StatusTooManyRequests || !strings.Contains(text(p.doc), "Too many failed sign-ins") || p.header.Get("Retry-After") == "" {
		t.Fatalf("attempt %d: %d %q", signInBurst+1, p.status, text(p.doc))
	}
	e.clock.Add(signInWindow + time.Second)
	if p := c.post("/admin/signin", url.Values{"token": {testToken}}); p.status != http.StatusSeeOther {
		t.Fatalf("after the window: %d", p.status)
	}
}

func TestCookieFlags(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newEnv(t, secure)
		req, _ := http.NewRequest("POST", e.srv.URL+"/admin/signin", strings.NewReader(url.Values{"token": {testToken}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := (&http.Transport{}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cs := resp.Cookies()
		if len(cs) != 1 {
			t.Fatalf("secure=%v: %d cookies", secure, len(cs))
		}
		ck := cs[0]
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != secure || ck.Path != "/admin/" {
			t.Errorf("secure=%v: cookie %+v; want HttpOnly, SameSite=Lax, Secure=%v, Path=/admin/", secure, ck, secure)
		}
		if ck.MaxAge != int(sessionTTL.Seconds()) {
			t.Errorf("secure=%v: Max-Age %d, want %d", secure, ck.MaxAge, int(sessionTTL.Seconds()))
		}
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	form := url.Values{"slug": {"csrf-show"}, "title": {"T"}, "language": {"en"}}
	for name, token := range map[string][]string{"missing": nil, "wrong": {"0123abcd"}, "empty": {""}} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		if token != nil {
			f["csrf"] = token
		} else {
			f["csrf"] = []string{""}
		}
		if p := c.post("/admin/shows/new", f); p.status != http.StatusForbidden {
			t.Errorf("%s CSRF token: %d, want 403", name, p.status)
		}
	}
	// Another session's token does not work either.
	other := e.client(t)
	other.signIn()
	f := url.Values{"csrf": {other.csrf}}
	for k, v := range form {
		f[k] = v
	}
	if other.csrf == c.csrf {
		t.Fatal("two sessions share a CSRF token")
	}
	if p := c.post("/admin/shows/new", f); p.status != http.StatusForbidden {
		t.Errorf("another session's CSRF token: %d, want 403", p.status)
	}
	if shows, _ := e.store.ListShows(context.Background()); len(shows) != 0 {
		t.Errorf("%d shows were created by rejected forms", len(shows))
	}
	if p := c.post("/admin/shows/new", form); p.status != http.StatusSeeOther {
		t.Errorf("right CSRF token: %d, want 303\n%s", p.status, text(p.doc))
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
