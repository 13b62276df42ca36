package admin

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/net/html"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/internal/htmltest"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/lti"
	"github.com/lyssna/lyssna/storage/filesystem"
	"github.com/lyssna/lyssna/uploads"
)

const testToken = "lys_test-secret-token-0123456789"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is an admin UI over a real SQLite store and filesystem bucket.
type env struct {
	srv         *httptest.Server
	store       *episodes.Store
	bucket      *filesystem.Bucket
	clock       *clock
	h           *Handler
	mu          sync.Mutex
	invalidated []int64 // the shows the store announced changes of
}

// newEnv starts the UI; opts may add dependencies (an identity provider,
// mail), given the server's base URL.
func newEnv(t *testing.T, secure bool, opts ...func(d *Deps, base string)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{clock: &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}}
	dir := t.TempDir()
	var err error
	e.store, err = episodes.Open(ctx, episodestest.SQLiteAt(t, filepath.Join(dir, "lyssna.db")), e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.store.Close() })
	e.bucket, err = filesystem.New(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := uploads.New(uploads.Deps{Store: e.store, Bucket: e.bucket, TempDir: filepath.Join(dir, "tmp"), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateToken(ctx, "producer", episodes.HashToken(testToken)); err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	e.srv = httptest.NewServer(r)
	t.Cleanup(e.srv.Close)
	base := e.srv.URL
	if secure {
		base = "https://pod.example.org"
	}
	d := Deps{
		Store: e.store, Bucket: e.bucket, Uploads: in, Links: links.New(base), Now: e.clock.Now,
		SecureCookies: secure, LTI: lti.NewPlatforms(e.store.DB(), e.clock.Now), Signer: testSigner(t),
	}
	for _, o := range opts {
		o(&d, base)
	}
	e.h, err = New(d)
	e.store.Listen(func(c episodes.Change) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.invalidated = append(e.invalidated, c.ShowID)
	})
	if err != nil {
		t.Fatal(err)
	}
	mountRoutes(r, e.h)
	return e
}

func (e *env) invalidations() []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int64(nil), e.invalidated...)
}

// client is a browser: a cookie jar, redirects not followed.
type client struct {
	t    testing.TB
	e    *env
	http *http.Client
	csrf string
}

func (e *env) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// resp is a fetched and parsed answer.
type resp struct {
	status int
	header http.Header
	body   string
	doc    *html.Node
}

func (c *client) do(req *http.Request) resp {
	c.t.Helper()
	req.RemoteAddr = "192.0.2.1:1234"
	hr, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer hr.Body.Close()
	b, err := io.ReadAll(hr.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(string(b)))
	if err != nil {
		c.t.Fatal(err)
	}
	p := resp{status: hr.StatusCode, header: hr.Header, body: string(b), doc: doc}
	if in := p.find(func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "csrf" }); in != nil {
		c.csrf = attr(in, "value")
	}
	return p
}

func (c *client) get(path string) resp {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.e.srv.URL+path, nil)
	return c.do(req)
}

// post sends a form; the session's CSRF token is added unless the form has one.
func (c *client) post(path string, form url.Values) resp {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	req, _ := http.NewRequest("POST", c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// signIn signs in with the test token and loads the shows list for a CSRF token.
func (c *client) signIn() {
	c.t.Helper()
	p := c.post("/admin/signin", url.Values{"token": {testToken}})
	if p.status != http.StatusSeeOther {
		c.t.Fatalf("sign in: status %d\n%s", p.status, p.body)
	}
	if p := c.get("/admin/"); p.status != http.StatusOK {
		c.t.Fatalf("GET /admin/ after sign-in: %d", p.status)
	}
}

func (p resp) find(match func(*html.Node) bool) *html.Node {
	if ns := all(p.doc, match); len(ns) > 0 {
		return ns[0]
	}
	return nil
}

// byID finds the element with the id.
func (p resp) byID(id string) *html.Node {
	return p.find(func(n *html.Node) bool { return attr(n, "id") == id })
}

// fieldError returns the error shown beside the input with the name, after
// checking that the input points at it with aria-describedby.
func (p resp) fieldError(t testing.TB, name string) string {
	t.Helper()
	in := p.find(func(n *html.Node) bool {
		return (n.Data == "input" || n.Data == "textarea" || n.Data == "select") && attr(n, "name") == name
	})
	if in == nil {
		t.Fatalf("no input named %q on the resp", name)
	}
	id := attr(in, "id") + "-error"
	msg := p.byID(id)
	if msg == nil {
		return ""
	}
	if !strings.Contains(" "+attr(in, "aria-describedby")+" ", " "+id+" ") {
		t.Errorf("input %q has aria-describedby %q, which misses its error %q", name, attr(in, "aria-describedby"), id)
	}
	return text(msg)
}

// upload sends a multipart form as a browser does: the fields (the session's
// CSRF token first) and then the file.
func (c *client) upload(path string, fields [][2]string, filename string, data []byte) resp {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	hasCSRF := false
	for _, f := range fields {
		hasCSRF = hasCSRF || f[0] == "csrf"
	}
	if !hasCSRF {
		mw.WriteField("csrf", c.csrf)
	}
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// mustCreateShow creates a show through the form.
func (c *client) mustCreateShow(slug, title string) *episodes.Show {
	c.t.Helper()
	p := c.post("/admin/shows/new", url.Values{"slug": {slug}, "title": {title}, "language": {"en"}, "type": {"episodic"}, "medium": {"podcast"}})
	if p.status != http.StatusSeeOther {
		c.t.Fatalf("create show %s: %d\n%s", slug, p.status, text(p.doc))
	}
	sh, err := c.e.store.GetShow(context.Background(), slug)
	if err != nil {
		c.t.Fatal(err)
	}
	return sh
}

type htmlNode = html.Node

// formOf collects the values a browser would submit from the form with the
// action (buttons excluded).
func formOf(t testing.TB, p resp, action string) url.Values {
	t.Helper()
	form := p.find(func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == action })
	if form == nil {
		t.Fatalf("no form with action %q", action)
	}
	v := url.Values{}
	for _, n := range all(form, func(n *html.Node) bool { return n.Data == "input" || n.Data == "textarea" || n.Data == "select" }) {
		if inTemplate(n) {
			continue
		}
		name := attr(n, "name")
		switch {
		case name == "":
		case n.Data == "textarea":
			v.Set(name, strings.TrimPrefix(text(n), ""))
			if n.FirstChild != nil {
				v.Set(name, n.FirstChild.Data)
			}
		case n.Data == "select":
			val := ""
			for _, o := range all(n, func(o *html.Node) bool { return o.Data == "option" }) {
				if hasAttr(o, "selected") {
					val = attr(o, "value")
				}
			}
			v.Set(name, val)
		case attr(n, "type") == "checkbox":
			if hasAttr(n, "checked") {
				v.Set(name, "on")
			}
		case attr(n, "type") == "file":
		default:
			v.Set(name, attr(n, "value"))
		}
	}
	return v
}

func inTemplate(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Data == "template" {
			return true
		}
	}
	return false
}

func (e *env) mustShow(t testing.TB, slug string) *episodes.Show {
	t.Helper()
	sh, err := e.store.GetShow(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

// The HTML helpers shared with the listener pages' tests.
var (
	attr    = htmltest.Attr
	hasAttr = htmltest.HasAttr
	all     = htmltest.All
	text    = htmltest.Text
)

// mountRoutes mounts the UI as server's route table does (its /admin section).
func mountRoutes(r *mux.Router, h *Handler) {
	r.HandleFunc("/admin", h.Home)
	a := r.PathPrefix("/admin").Subrouter()
	a.HandleFunc("/static/{file}", h.Static).Methods("GET", "HEAD")
	a.HandleFunc("/signin", h.SignInForm).Methods("GET", "HEAD")
	a.HandleFunc("/signin", h.SignIn).Methods("POST")
	a.HandleFunc("/signout", h.SignOut).Methods("POST")
	a.HandleFunc("/signin/oidc", h.SignInOIDC).Methods("POST")
	a.HandleFunc("/signin/oidc/callback", h.SignInOIDCCallback).Methods("GET")
	a.HandleFunc("/invitations/{secret}", h.InvitationForm).Methods("GET", "HEAD")
	a.HandleFunc("/invitations/{secret}", h.InvitationAccept).Methods("POST")
	a.HandleFunc("/invitations/{secret}/oidc", h.InvitationOIDC).Methods("POST")
	a.HandleFunc("/password-reset", h.PasswordResetForm).Methods("GET", "HEAD")
	a.HandleFunc("/password-reset", h.PasswordReset).Methods("POST")
	a.HandleFunc("/account", h.AccountForm).Methods("GET", "HEAD")
	a.HandleFunc("/account/name", h.AccountName).Methods("POST")
	a.HandleFunc("/account/password", h.AccountPassword).Methods("POST")
	a.HandleFunc("/account/sessions/{id}/revoke", h.AccountSessionRevoke).Methods("POST")
	a.HandleFunc("/account/tokens", h.AccountTokenCreate).Methods("POST")
	a.HandleFunc("/account/tokens/revoke", h.AccountTokenRevoke).Methods("POST")
	a.HandleFunc("/shows/{show}/members", h.ShowMembers).Methods("GET", "HEAD")
	a.HandleFunc("/shows/{show}/members", h.ShowMemberSet).Methods("POST")
	a.HandleFunc("/", h.ShowList).Methods("GET", "HEAD")
	a.HandleFunc("/shows/new", h.ShowNewForm).Methods("GET", "HEAD")
	a.HandleFunc("/shows/new", h.ShowCreate).Methods("POST")
	a.HandleFunc("/imports/new", h.ImportNewForm).Methods("GET", "HEAD")
	a.HandleFunc("/imports", h.ImportCreate).Methods("POST")
	a.HandleFunc("/imports/archive", h.ImportArchive).Methods("POST")
	a.HandleFunc("/imports/{id}.json", h.ImportJSON).Methods("GET", "HEAD")
	a.HandleFunc("/imports/{id}", h.ImportProgress).Methods("GET", "HEAD")
	a.HandleFunc("/shows/{show}/", h.ShowView).Methods("GET", "HEAD")
	a.HandleFunc("/shows/{show}/edit", h.ShowEditForm).Methods("GET", "HEAD")
	a.HandleFunc("/shows/{show}/edit", h.ShowUpdate).Methods("POST")
	a.HandleFunc("/shows/{show}/artwork", h.ShowArtwork).Methods("POST")
	a.HandleFunc("/shows/{show}/artwork/delete", h.ShowArtworkDelete).Methods("POST")
	a.HandleFunc("/shows/{show}/delete", h.ShowDeleteForm).Methods("GET", "HEAD")
	a.HandleFunc("/shows/{show}/delete", h.ShowDelete).Methods("POST")
	a.HandleFunc("/shows/{show}/episodes", h.EpisodeUpload).Methods("POST")
	a.HandleFunc("/shows/{show}/episodes/{episode}/", h.EpisodeEditForm).Methods("GET", "HEAD")
	a.HandleFunc("/shows/{show}/episodes/{episode}/", h.EpisodeUpdate).Methods("POST")
	a.HandleFunc("/shows/{show}/episodes/{episode}/audio", h.EpisodeReplaceAudio).Methods("POST")
	a.HandleFunc("/shows/{show}/episodes/{episode}/artwork", h.EpisodeArtwork).Methods("POST")
	a.HandleFunc("/shows/{show}/episodes/{episode}/artwork/delete", h.EpisodeArtworkDelete).Methods("POST")
	a.HandleFunc("/shows/{show}/episodes/{episode}/delete", h.EpisodeDeleteForm).Methods("GET", "HEAD")
	a.HandleFunc("/shows/{show}/episodes/{episode}/delete", h.EpisodeDelete).Methods("POST")
	a.HandleFunc("/shows/{show}/episodes/{episode}/transcripts", h.TranscriptUpload).Methods("POST")
	a.HandleFunc("/shows/{show}/episodes/{episode}/transcripts/{lang}/delete", h.TranscriptDelete).Methods("POST")
	a.HandleFunc("/shows/{show}/episodes/{episode}/alternates", h.AlternateUpload).Methods("POST")
	a.HandleFunc("/shows/{show}/episodes/{episode}/alternates/{name}/delete", h.AlternateDelete).Methods("POST")
	a.HandleFunc("/shows/{show}/episodes/{episode}/publish", h.EpisodePublish).Methods("POST")
	a.HandleFunc("/shows/{show}/episodes/{episode}/unpublish", h.EpisodeUnpublish).Methods("POST")
	a.HandleFunc("/lti/", h.LTIPlatforms).Methods("GET", "HEAD")
	a.HandleFunc("/lti/", h.LTIPlatformAdd).Methods("POST")
	a.HandleFunc("/lti/{id}/delete", h.LTIPlatformRemove).Methods("POST")
	a.HandleFunc("/shows/{show}/listeners/", h.Listeners).Methods("GET", "HEAD")
	a.HandleFunc("/shows/{show}/listeners/", h.ListenerCreate).Methods("POST")
	a.HandleFunc("/shows/{show}/listeners/{id}/revoke", h.ListenerRevoke).Methods("POST")
	a.HandleFunc("/networks/", h.NetworkList).Methods("GET", "HEAD")
	a.HandleFunc("/networks/new", h.NetworkNewForm).Methods("GET", "HEAD")
	a.HandleFunc("/networks/new", h.NetworkCreate).Methods("POST")
	a.HandleFunc("/networks/{network}/", h.NetworkView).Methods("GET", "HEAD")
	a.HandleFunc("/networks/{network}/", h.NetworkUpdate).Methods("POST")
	a.HandleFunc("/networks/{network}/delete", h.NetworkDeleteForm).Methods("GET", "HEAD")
	a.HandleFunc("/networks/{network}/delete", h.NetworkDelete).Methods("POST")
	a.HandleFunc("/networks/{network}/shows/{show}", h.NetworkShowAdd).Methods("POST")
	a.HandleFunc("/networks/{network}/shows/{show}/remove", h.NetworkShowRemove).Methods("POST")
	a.HandleFunc("/shows/{show}/stats/", h.ShowStats).Methods("GET", "HEAD")
	a.HandleFunc("/shows/{show}/stats.csv", h.StatsCSV).Methods("GET", "HEAD")
	a.HandleFunc("/shows/{show}/episodes/{episode}/stats/", h.EpisodeStats).Methods("GET", "HEAD")
	a.HandleFunc("/shows/{show}/episodes/{episode}/stats.csv", h.StatsCSV).Methods("GET", "HEAD")
}
