package server

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// who may use a route, as the permission matrix expects it. These are
// written out here, not taken from accounts.Decide, so the test checks the
// rule instead of repeating it.
type rightClass string

const (
	public    rightClass = "public"    // anyone, signed in or not
	signedIn  rightClass = "signedIn"  // any person signed in
	read      rightClass = "read"      // viewer and up, read-only tokens too
	draft     rightClass = "draft"     // contributor and up
	edit      rightClass = "edit"      // editor and up
	publish   rightClass = "publish"   // editor and up
	del       rightClass = "del"       // owner
	members   rightClass = "members"   // owner
	adminOnly rightClass = "adminOnly" // instance admins
	account   rightClass = "account"   // any person signed in, but not with a read-only or show-limited token
)

// mayUse lists, per class, the principals that get through (admin is an
// instance admin with no role in the show; readonly, othershow and expired
// are tokens of the show's owner).
var mayUse = map[rightClass][]string{
	public:    {"owner", "editor", "contributor", "viewer", "admin", "anonymous", "disabled", "expired", "readonly", "othershow"},
	signedIn:  {"owner", "editor", "contributor", "viewer", "admin", "readonly", "othershow"},
	read:      {"owner", "editor", "contributor", "viewer", "admin", "readonly"},
	draft:     {"owner", "editor", "contributor", "admin"},
	edit:      {"owner", "editor", "admin"},
	publish:   {"owner", "editor", "admin"},
	del:       {"owner", "admin"},
	members:   {"owner", "admin"},
	adminOnly: {"admin"},
	account:   {"owner", "editor", "contributor", "viewer", "admin"},
}

// principals of the matrix; the last three are refused as not signed in.
var principals = []string{"owner", "editor", "contributor", "viewer", "admin", "readonly", "othershow", "anonymous", "disabled", "expired"}

// permissionMatrix names, for every route of the API and the producer UI
// ("METHOD /path/template" as the route table has it), who may use it.
// A route missing here fails TestPermissionMatrix: add it with its class,
// and give it the same action in server/routes.go (h.may).
var permissionMatrix = map[string]rightClass{
	// API
	"GET /api/v1/me":                                                    signedIn,
	"GET /api/v1/users":                                                 adminOnly,
	"POST /api/v1/users":                                                adminOnly,
	"PATCH /api/v1/users/{id}":                                          adminOnly,
	"DELETE /api/v1/users/{id}":                                         adminOnly,
	"GET /api/v1/shows/{show}/members":                                  read,
	"GET /api/v1/shows/{show}/listeners":                                edit,
	"POST /api/v1/shows/{show}/listeners":                               edit,
	"DELETE /api/v1/shows/{show}/listeners/{id}":                        edit,
	"GET /admin/shows/{show}/listeners/":                                edit,
	"HEAD /admin/shows/{show}/listeners/":                               edit,
	"POST /admin/shows/{show}/listeners/":                               edit,
	"POST /admin/shows/{show}/listeners/{id}/revoke":                    edit,
	"PUT /api/v1/shows/{show}/members/{email}":                          members,
	"DELETE /api/v1/shows/{show}/members/{email}":                       members,
	"GET /api/v1/shows/{show}/audit":                                    read,
	"GET /api/v1/shows":                                                 signedIn,
	"POST /api/v1/shows":                                                adminOnly,
	"GET /api/v1/shows/{show}":                                          read,
	"PATCH /api/v1/shows/{show}":                                        edit,
	"DELETE /api/v1/shows/{show}":                                       del,
	"PUT /api/v1/shows/{show}/artwork":                                  edit,
	"DELETE /api/v1/shows/{show}/artwork":                               edit,
	"GET /api/v1/shows/{show}/episodes":                                 read,
	"POST /api/v1/shows/{show}/episodes":                                draft,
	"GET /api/v1/shows/{show}/episodes/{episode}":                       read,
	"PATCH /api/v1/shows/{show}/episodes/{episode}":                     draft,
	"DELETE /api/v1/shows/{show}/episodes/{episode}":                    del,
	"PUT /api/v1/shows/{show}/episodes/{episode}/audio":                 draft,
	"PUT /api/v1/shows/{show}/episodes/{episode}/artwork":               draft,
	"DELETE /api/v1/shows/{show}/episodes/{episode}/artwork":            draft,
	"POST /api/v1/shows/{show}/episodes/{episode}/publish":              publish,
	"POST /api/v1/shows/{show}/episodes/{episode}/unpublish":            publish,
	"PUT /api/v1/shows/{show}/episodes/{episode}/transcripts/{lang}":    draft,
	"DELETE /api/v1/shows/{show}/episodes/{episode}/transcripts/{lang}": draft,
	"GET /api/v1/shows/{show}/stats":                                    read,
	"GET /api/v1/shows/{show}/notifications":                            read,
	"GET /api/v1/shows/{show}/episodes/{episode}/stats":                 read,
	"GET /api/v1/shows/{show}/export":                                   read,
	"PUT /api/v1/shows/{show}/episodes/{episode}/alternates/{name}":     draft,
	"DELETE /api/v1/shows/{show}/episodes/{episode}/alternates/{name}":  draft,
	"GET /api/v1/networks":                                              signedIn,
	"POST /api/v1/networks":                                             adminOnly,
	"GET /api/v1/networks/{network}":                                    signedIn,
	"PATCH /api/v1/networks/{network}":                                  adminOnly,
	"DELETE /api/v1/networks/{network}":                                 adminOnly,
	"PUT /api/v1/networks/{network}/shows/{show}":                       edit,
	"DELETE /api/v1/networks/{network}/shows/{show}":                    edit,
	"POST /api/v1/imports":                                              adminOnly,
	"GET /api/v1/imports/{id}":                                          adminOnly,

	// Producer UI
	"GET /admin/static/{file}":                                              public,
	"HEAD /admin/static/{file}":                                             public,
	"GET /admin/signin":                                                     public,
	"HEAD /admin/signin":                                                    public,
	"POST /admin/signin":                                                    public,
	"POST /admin/signout":                                                   signedIn,
	"POST /admin/signin/oidc":                                               public,
	"GET /admin/signin/oidc/callback":                                       public,
	"GET /admin/invitations/{secret}":                                       public,
	"HEAD /admin/invitations/{secret}":                                      public,
	"POST /admin/invitations/{secret}":                                      public,
	"POST /admin/invitations/{secret}/oidc":                                 public,
	"GET /admin/password-reset":                                             public,
	"HEAD /admin/password-reset":                                            public,
	"POST /admin/password-reset":                                            public,
	"GET /admin/account":                                                    signedIn,
	"HEAD /admin/account":                                                   signedIn,
	"POST /admin/account/name":                                              account,
	"POST /admin/account/password":                                          account,
	"POST /admin/account/sessions/{id}/revoke":                              signedIn,
	"POST /admin/account/tokens":                                            account,
	"POST /admin/account/tokens/revoke":                                     account,
	"GET /admin/":                                                           signedIn,
	"HEAD /admin/":                                                          signedIn,
	"GET /admin/imports/new":                                                adminOnly,
	"HEAD /admin/imports/new":                                               adminOnly,
	"POST /admin/imports":                                                   adminOnly,
	"POST /admin/imports/archive":                                           adminOnly,
	"GET /admin/imports/{id}.json":                                          adminOnly,
	"HEAD /admin/imports/{id}.json":                                         adminOnly,
	"GET /admin/imports/{id}":                                               adminOnly,
	"HEAD /admin/imports/{id}":                                              adminOnly,
	"GET /admin/shows/new":                                                  adminOnly,
	"HEAD /admin/shows/new":                                                 adminOnly,
	"POST /admin/shows/new":                                                 adminOnly,
	"GET /admin/shows/{show}/":                                              read,
	"HEAD /admin/shows/{show}/":                                             read,
	"GET /admin/shows/{show}/edit":                                          edit,
	"HEAD /admin/shows/{show}/edit":                                         edit,
	"POST /admin/shows/{show}/edit":                                         edit,
	"POST /admin/shows/{show}/artwork":                                      edit,
	"POST /admin/shows/{show}/artwork/delete":                               edit,
	"GET /admin/shows/{show}/delete":                                        del,
	"HEAD /admin/shows/{show}/delete":                                       del,
	"POST /admin/shows/{show}/delete":                                       del,
	"POST /admin/shows/{show}/episodes":                                     draft,
	"GET /admin/shows/{show}/episodes/{episode}/":                           read,
	"HEAD /admin/shows/{show}/episodes/{episode}/":                          read,
	"POST /admin/shows/{show}/episodes/{episode}/":                          draft,
	"POST /admin/shows/{show}/episodes/{episode}/audio":                     draft,
	"POST /admin/shows/{show}/episodes/{episode}/artwork":                   draft,
	"POST /admin/shows/{show}/episodes/{episode}/artwork/delete":            draft,
	"GET /admin/shows/{show}/episodes/{episode}/delete":                     del,
	"HEAD /admin/shows/{show}/episodes/{episode}/delete":                    del,
	"POST /admin/shows/{show}/episodes/{episode}/delete":                    del,
	"POST /admin/shows/{show}/episodes/{episode}/transcripts":               draft,
	"POST /admin/shows/{show}/episodes/{episode}/transcripts/{lang}/delete": draft,
	"POST /admin/shows/{show}/episodes/{episode}/alternates":                draft,
	"POST /admin/shows/{show}/episodes/{episode}/alternates/{name}/delete":  draft,
	"POST /admin/shows/{show}/episodes/{episode}/publish":                   publish,
	"GET /admin/networks/":                                                  signedIn,
	"HEAD /admin/networks/":                                                 signedIn,
	"GET /admin/networks/new":                                               adminOnly,
	"HEAD /admin/networks/new":                                              adminOnly,
	"POST /admin/networks/new":                                              adminOnly,
	"GET /admin/networks/{network}/":                                        signedIn,
	"HEAD /admin/networks/{network}/":                                       signedIn,
	"POST /admin/networks/{network}/":                                       adminOnly,
	"GET /admin/networks/{network}/delete":                                  adminOnly,
	"HEAD /admin/networks/{network}/delete":                                 adminOnly,
	"POST /admin/networks/{network}/delete":                                 adminOnly,
	"POST /admin/networks/{network}/shows/{show}":                           edit,
	"POST /admin/networks/{network}/shows/{show}/remove":                    edit,
	"GET /admin/lti/":                                                       adminOnly,
	"HEAD /admin/lti/":                                                      adminOnly,
	"POST /admin/lti/":                                                      adminOnly,
	"POST /admin/lti/{id}/delete":                                           adminOnly,
	"POST /admin/shows/{show}/episodes/{episode}/unpublish":                 publish,
	"GET /admin/shows/{show}/members":                                       read,
	"HEAD /admin/shows/{show}/members":                                      read,
	"POST /admin/shows/{show}/members":                                      members,
	"POST /admin/shows/{show}/members/remove":                               members,
	"GET /admin/shows/{show}/audit":                                         read,
	"HEAD /admin/shows/{show}/audit":                                        read,
	"GET /admin/shows/{show}/stats/":                                        read,
	"HEAD /admin/shows/{show}/stats/":                                       read,
	"GET /admin/shows/{show}/stats.csv":                                     read,
	"HEAD /admin/shows/{show}/stats.csv":                                    read,
	"GET /admin/shows/{show}/episodes/{episode}/stats/":                     read,
	"HEAD /admin/shows/{show}/episodes/{episode}/stats/":                    read,
	"GET /admin/shows/{show}/episodes/{episode}/stats.csv":                  read,
	"HEAD /admin/shows/{show}/episodes/{episode}/stats.csv":                 read,
}

// multipartUI are the UI forms that stream a multipart body (their CSRF
// token is a multipart field).
var multipartUI = []string{
	"/admin/shows/{show}/artwork", "/admin/shows/{show}/episodes", "/admin/shows/{show}/episodes/{episode}/audio",
	"/admin/shows/{show}/episodes/{episode}/artwork", "/admin/shows/{show}/episodes/{episode}/transcripts",
	"/admin/imports/archive",
	"/admin/shows/{show}/episodes/{episode}/alternates",
}

// matrixRoutes walks the route table: every route of /api/ and /admin/,
// as "METHOD /template", and whether it names an action (h.may).
func matrixRoutes(t *testing.T, h *handler) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	err := h.routes().Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || !(strings.HasPrefix(tpl, "/api/") || strings.HasPrefix(tpl, "/admin/")) {
			return nil
		}
		methods, err := route.GetMethods()
		if err != nil {
			if route.GetHandler() == nil {
				return nil // a subrouter's prefix
			}
			methods = []string{"ANY"}
		}
		_, named := h.actions[route]
		for _, m := range methods {
			out[m+" "+tpl] = named
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPermissionMatrix: every API route and UI action, for every role (and
// no sign-in, a disabled person, an expired token, a read-only token, a
// token limited to another show), gets through exactly when the matrix
// says, and is refused otherwise: 401 (API) or the sign-in page / 403 (UI)
// without a valid sign-in, 403 with a reason for a lack of rights.
func TestPermissionMatrix(t *testing.T) {
	a := newAPIEnv(t, "")
	ctx := context.Background()
	acc := accounts.New(a.store, a.clock.Now)

	// Every route has an action in the route table and an entry here.
	routes := matrixRoutes(t, &handler{Deps: withParts(t, a.deps)})
	var keys []string
	for key, named := range routes {
		if !named {
			t.Errorf("route %s names no action in server/routes.go: register it as h.may(accounts.<Action>, ...HandleFunc(...)); without one it is refused to everybody", key)
		}
		if _, ok := permissionMatrix[key]; !ok {
			t.Errorf("route %s has no entry in permissionMatrix (server/permissions_test.go). Add\n\t%q: read, // or public, signedIn, draft, edit, publish, del, members, adminOnly\nsaying who may use it, matching its h.may action in server/routes.go", key, key)
		}
		keys = append(keys, key)
	}
	for key := range permissionMatrix {
		if _, ok := routes[key]; !ok {
			t.Errorf("permissionMatrix has %s, which the route table no longer has; delete the entry", key)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// The cast: a show s with a member of each role, an admin (the env's
	// token), and the owner's tokens limited in each way.
	a.createShow("s")
	a.createShow("other")
	s, err := a.store.GetShow(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.store.GetShow(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	members := map[string]accounts.Role{"owner": accounts.Owner, "editor": accounts.Editor, "contributor": accounts.Contributor,
		"viewer": accounts.Viewer, "disabled": accounts.Editor}
	users := map[string]int64{}
	tokens := map[string]string{"admin": a.token}
	for name, role := range members {
		m, _, err := acc.SetMember(ctx, s.ID, name+"@example.edu", role)
		if err != nil {
			t.Fatal(err)
		}
		users[name] = m.User.ID
		if tokens[name], err = acc.CreateToken(ctx, accounts.TokenSpec{Name: name, UserID: m.User.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := acc.SetMember(ctx, other.ID, "owner@example.edu", accounts.Owner); err != nil {
		t.Fatal(err)
	}
	for name, spec := range map[string]accounts.TokenSpec{
		"readonly":  {ReadOnly: true},
		"othershow": {ShowID: other.ID},
		"expired":   {TTL: time.Hour},
	} {
		spec.Name, spec.UserID = name, users["owner"]
		var err error
		if tokens[name], err = acc.CreateToken(ctx, spec); err != nil {
			t.Fatal(err)
		}
	}
	// UI sessions, signed in with those tokens while they were good.
	cookies := map[string][]*http.Cookie{}
	csrf := map[string]string{}
	for name, tok := range tokens {
		rec := adminRequest(a.h, http.MethodPost, "/admin/signin", url.Values{"token": {tok}}, nil)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("%s signs in: %d %s", name, rec.Code, rec.Body.String())
		}
		cookies[name] = rec.Result().Cookies()
		page := adminRequest(a.h, http.MethodGet, "/admin/", nil, cookies[name])
		m := csrfInput.FindStringSubmatch(page.Body.String())
		if m == nil {
			t.Fatalf("%s: no CSRF token on /admin/ (%d)", name, page.Code)
		}
		csrf[name] = m[1]
	}
	yes := true
	if _, err := acc.UpdateUser(ctx, users["disabled"], accounts.UserPatch{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	a.clock.Add(2 * time.Hour) // the expired token lapses; sessions last 12 hours

	sort.Strings(keys)
	// Signing out ends the session the other cells use: last.
	keys = append(slices.DeleteFunc(keys, func(k string) bool { return k == "POST /admin/signout" }), "POST /admin/signout")
	n := 0
	for _, key := range keys {
		method, tpl, _ := strings.Cut(key, " ")
		class := permissionMatrix[key]
		for _, who := range principals {
			path := a.matrixPath(t, acc, tpl, class, users)
			allowed := slices.Contains(mayUse[class], who)
			var rec *httptest.ResponseRecorder
			if strings.HasPrefix(tpl, "/api/") {
				rec = matrixAPI(a, method, path, tokens[who])
			} else {
				rec = matrixUI(a, method, path, slices.Contains(multipartUI, tpl), cookies[who], csrf[who])
			}
			n++
			loc := rec.Header().Get("Location")
			toSignIn := rec.Code == http.StatusSeeOther && strings.HasPrefix(loc, "/admin/signin?next=")
			switch {
			case allowed && (rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden || toSignIn || rec.Code >= 500):
				t.Errorf("%s as %s: %d %s%s, want it let through (matrix: %s)", key, who, rec.Code, loc, firstLine(rec), class)
			case allowed:
			case strings.HasPrefix(tpl, "/api/") && slices.Contains([]string{"anonymous", "disabled", "expired"}, who):
				if rec.Code != http.StatusUnauthorized {
					t.Errorf("%s as %s: %d%s, want 401", key, who, rec.Code, firstLine(rec))
				}
			case !strings.HasPrefix(tpl, "/api/") && slices.Contains([]string{"anonymous", "disabled", "expired"}, who):
				if (method == http.MethodGet || method == http.MethodHead) && !toSignIn || method == http.MethodPost && rec.Code != http.StatusForbidden {
					t.Errorf("%s as %s: %d %s, want the sign-in page (GET) or 403 (POST)", key, who, rec.Code, loc)
				}
			default:
				if rec.Code != http.StatusForbidden {
					t.Errorf("%s as %s: %d%s, want 403 (matrix: %s)", key, who, rec.Code, firstLine(rec), class)
				}
			}
		}
	}
	t.Logf("%d routes × %d principals = %d requests", len(keys), len(principals), n)
}

// matrixPath fills a route template for one request: the show s, and a
// new draft with audio for an episode route (a request may publish or
// delete it); a show-deleting route gets a show of its own, with the same
// members.
func (a *apiEnv) matrixPath(t *testing.T, acc *accounts.Store, tpl string, class rightClass, users map[string]int64) string {
	t.Helper()
	ctx := context.Background()
	show := "s"
	episode := ""
	if class == del && !strings.Contains(tpl, "{episode}") {
		sh := &episodes.Show{Slug: uniqueSlug(), Title: "Gone", Language: "en", Hosts: []episodes.Person{{Name: "H"}}}
		sh.GUID = episodes.PodcastGUID("https://example.com/" + sh.Slug)
		if err := a.store.CreateShow(ctx, sh); err != nil {
			t.Fatal(err)
		}
		show = sh.Slug
		for name, role := range map[string]accounts.Role{"owner": accounts.Owner, "editor": accounts.Editor,
			"contributor": accounts.Contributor, "viewer": accounts.Viewer} {
			if _, _, err := acc.SetMember(ctx, sh.ID, name+"@example.edu", role); err != nil {
				t.Fatal(err)
			}
		}
	}
	if strings.Contains(tpl, "{episode}") {
		sh, err := a.store.GetShow(ctx, show)
		if err != nil {
			t.Fatal(err)
		}
		e := &episodes.Episode{ShowID: sh.ID, Title: "Draft"}
		if err := a.store.CreateEpisode(ctx, e); err != nil {
			t.Fatal(err)
		}
		a.giveAudio(show, e.ID)
		episode = fmt.Sprint(e.ID)
	}
	return strings.NewReplacer("{show}", show, "{episode}", episode, "{lang}", "en", "{file}", "admin.css", "{id}", "999999", "{email}", "nobody@example.edu", "{name}", "sv", "{network}", "no-network").Replace(tpl)
}

var slugCounter int

func uniqueSlug() string {
	slugCounter++
	return fmt.Sprintf("gone-%d", slugCounter)
}

func matrixAPI(a *apiEnv, method, path, token string) *httptest.ResponseRecorder {
	var body *strings.Reader
	if method == http.MethodGet || method == http.MethodHead || method == http.MethodDelete {
		body = strings.NewReader("")
	} else {
		body = strings.NewReader("{}")
	}
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return rec
}

func matrixUI(a *apiEnv, method, path string, multi bool, cookies []*http.Cookie, csrf string) *httptest.ResponseRecorder {
	if method != http.MethodPost {
		return adminRequest(a.h, method, path, nil, cookies)
	}
	if !multi {
		return adminRequest(a.h, method, path, url.Values{"csrf": {csrf}}, cookies)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf", csrf)
	mw.Close()
	req := httptest.NewRequest(method, path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for _, c := range cookies {
		req.AddCookie(c)
	}
	req.RemoteAddr = "192.0.2.9:4444"
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return rec
}

func firstLine(rec *httptest.ResponseRecorder) string {
	b, _, _ := strings.Cut(rec.Body.String(), "\n")
	if len(b) > 200 {
		b = b[:200]
	}
	return " " + b
}

// TestRightsBeyondRoutes: what the matrix's routes cannot show alone. A
// contributor may edit a draft but not an episode that has been published;
// the list of shows holds only the shows a person may see; a refusal says
// why.
func TestRightsBeyondRoutes(t *testing.T) {
	a := newAPIEnv(t, "")
	ctx := context.Background()
	acc := accounts.New(a.store, a.clock.Now)
	a.createShow("s")
	a.createShow("hidden")
	s, _ := a.store.GetShow(ctx, "s")
	m, _, err := acc.SetMember(ctx, s.ID, "cleo@example.edu", accounts.Contributor)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := acc.CreateToken(ctx, accounts.TokenSpec{Name: "cleo", UserID: m.User.ID})
	if err != nil {
		t.Fatal(err)
	}
	as := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, req)
		return rec
	}
	var list struct {
		Shows []showJSON `json:"shows"`
	}
	want(t, as(http.MethodGet, "/api/v1/shows", ""), http.StatusOK, &list)
	if len(list.Shows) != 1 || list.Shows[0].Slug != "s" {
		t.Errorf("a contributor of s lists %+v, want only s", list.Shows)
	}
	var e episodeJSON
	want(t, as(http.MethodPost, "/api/v1/shows/s/episodes", `{"title": "Draft"}`), http.StatusCreated, &e)
	path := fmt.Sprintf("/api/v1/shows/s/episodes/%d", e.ID)
	want(t, as(http.MethodPatch, path, `{"title": "Better draft"}`), http.StatusOK, nil)
	a.giveAudio("s", e.ID)
	msg := wantError(t, as(http.MethodPost, path+"/publish", "{}"), http.StatusForbidden, "forbidden", "")
	if !strings.Contains(msg, "contributor") {
		t.Errorf("refusal %q does not say why", msg)
	}
	want(t, a.json(http.MethodPost, path+"/publish", nil), http.StatusOK, nil) // the admin publishes
	wantError(t, as(http.MethodPatch, path, `{"title": "Changed after publishing"}`), http.StatusForbidden, "forbidden", "")
	wantError(t, as(http.MethodDelete, path, ""), http.StatusForbidden, "forbidden", "")
	wantError(t, as(http.MethodGet, "/api/v1/shows/hidden", ""), http.StatusForbidden, "forbidden", "")
}
