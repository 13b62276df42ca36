package lti_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/lti"
)

// testLMS plays an LTI 1.3 platform in process: its own RSA key published
// as a JWKS, and an authorization endpoint that answers Lyssna's redirect
// with the form post of a signed id_token, as Canvas and Moodle do.
type testLMS struct {
	t        *testing.T
	srv      *httptest.Server
	key      *rsa.PrivateKey
	kid      string
	clientID string
	deploy   string

	mu sync.Mutex
	// message says what the next id_token launches: its LTI claims, which
	// a test may change, and the key it is signed with.
	message func(claims map[string]any)
	signer  *rsa.PrivateKey
}

func newLMS(t *testing.T) *testLMS {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	l := &testLMS{t: t, key: key, kid: "lms-key-1", clientID: "10000000000042", deploy: "1:course-deploy"}
	m := http.NewServeMux()
	m.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		defer l.mu.Unlock()
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &l.key.PublicKey, KeyID: l.kid, Algorithm: "RS256", Use: "sig"}}})
	})
	m.HandleFunc("GET /auth", l.authorize)
	l.srv = httptest.NewServer(m)
	t.Cleanup(l.srv.Close)
	return l
}

func (l *testLMS) issuer() string { return l.srv.URL }

// authorize is the platform's OIDC authorization endpoint: it checks the
// tool's request as a platform would and answers with an auto-posting form
// carrying the id_token and the state.
func (l *testLMS) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k, want := range map[string]string{"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
		"prompt": "none", "client_id": l.clientID, "login_hint": "student-7"} {
		if q.Get(k) != want {
			http.Error(w, fmt.Sprintf("auth: %s=%q, want %q", k, q.Get(k), want), http.StatusBadRequest)
			return
		}
	}
	now := time.Now()
	claims := map[string]any{
		"iss": l.issuer(), "aud": l.clientID, "azp": l.clientID, "sub": "student-7",
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": q.Get("nonce"),
		"https://purl.imsglobal.org/spec/lti/claim/version":       "1.3.0",
		"https://purl.imsglobal.org/spec/lti/claim/deployment_id": l.deploy,
		"https://purl.imsglobal.org/spec/lti/claim/roles":         []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"},
		"https://purl.imsglobal.org/spec/lti/claim/context":       map[string]any{"id": "c-1", "title": "Memory 101"},
	}
	l.mu.Lock()
	msg, signer, kid := l.message, l.signer, l.kid
	if signer == nil {
		signer = l.key
	}
	l.mu.Unlock()
	msg(claims)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: signer, KeyID: kid}}, nil)
	if err != nil {
		l.t.Error(err)
		return
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		l.t.Error(err)
		return
	}
	fmt.Fprintf(w, `<form method="post" action="%s"><input type="hidden" name="id_token" value="%s"><input type="hidden" name="state" value="%s"></form>`,
		html.EscapeString(q.Get("redirect_uri")), tok, html.EscapeString(q.Get("state")))
}

// next sets what the next launches carry.
func (l *testLMS) next(msg func(map[string]any), signer *rsa.PrivateKey) {
	l.mu.Lock()
	l.message, l.signer = msg, signer
	l.mu.Unlock()
}

// site is Lyssna's LTI routes over a real store, as server mounts them.
type site struct {
	srv    *httptest.Server
	store  *episodes.Store
	tool   *lti.Handler
	client *http.Client
	show   *episodes.Show
	ep     *episodes.Episode
	clock  *testenv.Clock
}

func newSite(t *testing.T, secret string) *site {
	return newSiteOn(t, "sqlite:"+filepath.Join(t.TempDir(), "lyssna.db"), secret)
}

func newSiteOn(t *testing.T, databaseURL, secret string) *site {
	ctx := context.Background()
	clock := testenv.NewClock(time.Now())
	st, err := episodes.Open(ctx, databaseURL, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := &site{store: st, clock: clock}
	r := mux.NewRouter()
	s.srv = httptest.NewServer(r)
	t.Cleanup(s.srv.Close)
	s.tool, err = lti.New(lti.Deps{DB: st.DB(), Store: st, BaseURL: s.srv.URL, Secret: secret, Now: clock.Now,
		MediaURL: func(key string) string { return s.srv.URL + "/media/" + key },
		Logger:   slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	r.HandleFunc("/lti/login", s.tool.Login).Methods(http.MethodGet, http.MethodPost)
	r.HandleFunc("/lti/launch", s.tool.Launch).Methods(http.MethodPost)
	r.HandleFunc("/lti/jwks", s.tool.JWKS).Methods(http.MethodGet)
	r.HandleFunc("/lti/canvas.json", s.tool.CanvasConfig).Methods(http.MethodGet)
	r.HandleFunc("/lti/deep-link/{id}", s.tool.DeepLinkPicker).Methods(http.MethodGet)
	r.HandleFunc("/lti/deep-link/{id}", s.tool.DeepLinkRespond).Methods(http.MethodPost)
	r.HandleFunc("/lti/play/{grant}", s.tool.Play).Methods(http.MethodGet)
	r.HandleFunc("/lti/play/{grant}/embed", s.tool.PlayEmbed).Methods(http.MethodGet)
	s.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	s.show = &episodes.Show{Slug: "memory-seminar", Title: "Memory Seminar", Description: "For the enrolled cohort only.",
		Language: "en", Author: "Ana Lind", Categories: []episodes.Category{{Category: "Education"}},
		GUID: episodes.PodcastGUID(s.srv.URL + "/memory-seminar/feed.xml")}
	if err := st.CreateShow(ctx, s.show); err != nil {
		t.Fatal(err)
	}
	s.ep = &episodes.Episode{ShowID: s.show.ID, Title: "Spaced repetition", Notes: "Notes.",
		StudyQuestions: []string{"Why does spacing beat cramming?"},
		References:     []episodes.Reference{{Authors: []string{"Ebbinghaus, H."}, Year: 1885, Title: "Über das Gedächtnis"}},
		Audio:          &episodes.Audio{Key: "episodes/spaced.mp3", Size: 4800, ContentType: "audio/mpeg", DurationMS: 5000, SHA256: strings.Repeat("b", 64)}}
	if err := st.CreateEpisode(ctx, s.ep); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, s.ep.ID, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	older := &episodes.Episode{ShowID: s.show.ID, Title: "Interleaving", StudyQuestions: []string{"When does mixing topics help?"},
		Audio: &episodes.Audio{Key: "episodes/interleaving.mp3", Size: 4800, ContentType: "audio/mpeg", DurationMS: 5000, SHA256: strings.Repeat("c", 64)}}
	if err := st.CreateEpisode(ctx, older); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, older.ID, time.Now().Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *site) register(t *testing.T, l *testLMS) {
	t.Helper()
	_, err := s.tool.Platforms.Save(context.Background(), &lti.Platform{Issuer: l.issuer(), ClientID: l.clientID,
		DeploymentIDs: []string{l.deploy}, AuthURL: l.srv.URL + "/auth", TokenURL: l.srv.URL + "/token", JWKSURL: l.srv.URL + "/jwks", Name: "Test LMS"})
	if err != nil {
		t.Fatal(err)
	}
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
var actionRE = regexp.MustCompile(`<form[^>]* action="([^"]+)"`)

// formOf reads the first form of a page: its action and hidden fields.
func formOf(t *testing.T, body string) (string, url.Values) {
	t.Helper()
	m := actionRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form in:\n%s", body)
	}
	v := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(body, -1) {
		v.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	return html.UnescapeString(m[1]), v
}

func (s *site) do(t *testing.T, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// loginAndAuthorize runs the login initiation and the platform's answer,
// returning the launch form the browser would post to Lyssna.
func (s *site) loginAndAuthorize(t *testing.T, l *testLMS, target string) (string, url.Values) {
	t.Helper()
	resp, body := s.do(t, http.MethodPost, s.srv.URL+"/lti/login", url.Values{"iss": {l.issuer()}, "login_hint": {"student-7"},
		"target_link_uri": {target}, "lti_message_hint": {"m-1"}, "client_id": {l.clientID}, "lti_deployment_id": {l.deploy}})
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("login: status %d, want 302: %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, l.srv.URL+"/auth?") {
		t.Fatalf("login redirects to %s, want the platform's auth URL", loc)
	}
	if u, _ := url.Parse(loc); u.Query().Get("redirect_uri") != s.srv.URL+"/lti/launch" || u.Query().Get("lti_message_hint") != "m-1" {
		t.Fatalf("auth request lacks redirect_uri or lti_message_hint: %s", loc)
	}
	resp, body = s.do(t, http.MethodGet, loc, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("platform auth: %d %s", resp.StatusCode, body)
	}
	return formOf(t, body)
}

func deepLinkingRequest(returnURL string) func(map[string]any) {
	return func(c map[string]any) {
		c["https://purl.imsglobal.org/spec/lti/claim/message_type"] = "LtiDeepLinkingRequest"
		c["https://purl.imsglobal.org/spec/lti/claim/roles"] = []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"}
		c["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = map[string]any{
			"deep_link_return_url": returnURL, "accept_types": []string{"ltiResourceLink", "link"},
			"accept_presentation_document_targets": []string{"iframe"}, "accept_multiple": true, "data": "opaque-42",
		}
	}
}

func resourceLinkRequest(custom map[string]string) func(map[string]any) {
	return func(c map[string]any) {
		c["https://purl.imsglobal.org/spec/lti/claim/message_type"] = "LtiResourceLinkRequest"
		c["https://purl.imsglobal.org/spec/lti/claim/resource_link"] = map[string]any{"id": "rl-1"}
		c["https://purl.imsglobal.org/spec/lti/claim/custom"] = custom
	}
}

// TestDeepLinkingThenLaunch runs the whole flow against the in-process
// platform: login initiation, a Deep Linking launch, the picker, the signed
// response (verified by the platform with Lyssna's /lti/jwks), then the
// launch of the returned resource link, which shows the episode's player
// with its study questions and references, framed by the platform only.
func TestDeepLinkingThenLaunch(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		deepLinkingThenLaunch(t, newSite(t, "a-test-secret-of-at-least-32-characters"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		deepLinkingThenLaunch(t, newSiteOn(t, testenv.Postgres(t), "a-test-secret-of-at-least-32-characters"))
	})
}

func deepLinkingThenLaunch(t *testing.T, s *site) {
	l := newLMS(t)
	s.register(t, l)
	returnURL := l.srv.URL + "/deep-link-return"

	l.next(deepLinkingRequest(returnURL), nil)
	action, form := s.loginAndAuthorize(t, l, s.srv.URL+"/lti/launch")
	resp, body := s.do(t, http.MethodPost, action, form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), s.srv.URL+"/lti/deep-link/") {
		t.Fatalf("deep linking launch: %d %s, want 303 to the picker: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	picker := resp.Header.Get("Location")
	resp, body = s.do(t, http.MethodGet, picker, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Memory Seminar") || !strings.Contains(body, `value="memory-seminar/`+s.ep.Slug+`"`) {
		t.Fatalf("picker: %d, want the show and its episode:\n%s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors "+l.srv.URL) {
		t.Errorf("picker CSP %q does not let the platform frame it", csp)
	}

	resp, body = s.do(t, http.MethodPost, picker, url.Values{"item": {"memory-seminar/" + s.ep.Slug}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("pick: %d %s", resp.StatusCode, body)
	}
	action, form = formOf(t, body)
	if action != returnURL || form.Get("JWT") == "" {
		t.Fatalf("pick posts to %s with %v, want the JWT to %s", action, form, returnURL)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+l.srv.URL) {
		t.Errorf("auto-post CSP %q does not allow posting to the platform", csp)
	}

	// The platform checks the response against the tool's published keys.
	resp, body = s.do(t, http.MethodGet, s.srv.URL+"/lti/jwks", nil)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(body), &set); err != nil || resp.StatusCode != http.StatusOK || len(set.Keys) != 1 {
		t.Fatalf("jwks: %d %v %s", resp.StatusCode, err, body)
	}
	if set.Keys[0].IsPublic() != true || strings.Contains(body, `"d"`) {
		t.Fatalf("jwks publishes private parts: %s", body)
	}
	tok, err := jwt.ParseSigned(form.Get("JWT"), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("the response's kid %q is not in /lti/jwks", tok.Headers[0].KeyID)
	}
	var std jwt.Claims
	var dl struct {
		MessageType  string            `json:"https://purl.imsglobal.org/spec/lti/claim/message_type"`
		Version      string            `json:"https://purl.imsglobal.org/spec/lti/claim/version"`
		DeploymentID string            `json:"https://purl.imsglobal.org/spec/lti/claim/deployment_id"`
		Data         string            `json:"https://purl.imsglobal.org/spec/lti-dl/claim/data"`
		Items        []lti.ContentItem `json:"https://purl.imsglobal.org/spec/lti-dl/claim/content_items"`
	}
	if err := tok.Claims(keys[0].Key, &std, &dl); err != nil {
		t.Fatalf("the platform cannot verify the response with /lti/jwks: %v", err)
	}
	if err := std.Validate(jwt.Expected{Issuer: l.clientID, AnyAudience: jwt.Audience{l.issuer()}}); err != nil {
		t.Errorf("response claims: %v", err)
	}
	if dl.MessageType != "LtiDeepLinkingResponse" || dl.Version != "1.3.0" || dl.DeploymentID != l.deploy || dl.Data != "opaque-42" {
		t.Errorf("response LTI claims: %+v", dl)
	}
	if len(dl.Items) != 2 || dl.Items[0].Type != "ltiResourceLink" || dl.Items[1].Type != "link" {
		t.Fatalf("content items: %+v, want a resource link and a link fallback", dl.Items)
	}
	link := dl.Items[0]
	if link.Custom["lyssna_show"] != "memory-seminar" || link.Custom["lyssna_episode"] != s.ep.Slug || !strings.HasPrefix(link.URL, s.srv.URL+"/lti/launch") {
		t.Errorf("resource link: %+v", link)
	}
	if fb := dl.Items[1]; fb.Iframe == nil || fb.Iframe.Src != s.srv.URL+"/memory-seminar/"+s.ep.Slug+"/embed" {
		t.Errorf("fallback: %+v, want an iframe of the embed player", fb)
	}
	// One pick per picker.
	if resp, _ := s.do(t, http.MethodPost, picker, url.Values{"item": {"memory-seminar/"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("second pick: %d, want 404", resp.StatusCode)
	}

	// A student launches the link the course now holds.
	l.next(resourceLinkRequest(link.Custom), nil)
	action, form = s.loginAndAuthorize(t, l, link.URL)
	resp, body = s.do(t, http.MethodPost, action, form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), s.srv.URL+"/lti/play/") {
		t.Fatalf("resource link launch: %d %s: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, body = s.do(t, http.MethodGet, resp.Header.Get("Location"), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("player: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{"Spaced repetition", "Why does spacing beat cramming?", "Über das Gedächtnis", `<audio`, "/media/episodes/spaced.mp3"} {
		if !strings.Contains(body, want) {
			t.Errorf("player lacks %q:\n%s", want, body)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors "+l.srv.URL) || strings.Contains(csp, "frame-ancestors *") {
		t.Errorf("player CSP %q: want framing by the platform only", csp)
	}
	// A grant of one episode plays that episode only.
	resp, body = s.do(t, http.MethodGet, resp.Request.URL.String()+"?episode=interleaving", nil)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "When does mixing topics help?") {
		t.Errorf("an episode's grant played another episode: %d", resp.StatusCode)
	}

	// A link to the whole show plays its latest episode and lists the others.
	l.next(resourceLinkRequest(map[string]string{"lyssna_show": "memory-seminar"}), nil)
	action, form = s.loginAndAuthorize(t, l, s.srv.URL+"/lti/launch?show=memory-seminar")
	resp, body = s.do(t, http.MethodPost, action, form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("show link launch: %d %s", resp.StatusCode, body)
	}
	play := resp.Header.Get("Location")
	resp, body = s.do(t, http.MethodGet, play, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Why does spacing beat cramming?") || !strings.Contains(body, "?episode=interleaving") {
		t.Fatalf("show player: %d, want the latest episode and a link to the other:\n%s", resp.StatusCode, body)
	}
	if resp, body = s.do(t, http.MethodGet, play+"?episode=interleaving", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "When does mixing topics help?") {
		t.Errorf("show player, other episode: %d\n%s", resp.StatusCode, body)
	}
}

// TestLaunchRefusals are the launches a tool must refuse, each with a 4xx
// page saying why.
func TestLaunchRefusals(t *testing.T) {
	t.Parallel()
	s := newSite(t, "a-test-secret-of-at-least-32-characters")
	l := newLMS(t)
	s.register(t, l)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ok := resourceLinkRequest(map[string]string{"lyssna_show": "memory-seminar"})
	with := func(k string, v any) func(map[string]any) {
		return func(c map[string]any) { ok(c); c[k] = v }
	}
	for _, tc := range []struct {
		name   string
		msg    func(map[string]any)
		signer *rsa.PrivateKey
		tamper func(url.Values)
		status int
		title  string
	}{
		{"wrong issuer", with("iss", "https://evil.example"), nil, nil, http.StatusUnauthorized, "Wrong issuer"},
		{"expired token", func(c map[string]any) {
			ok(c)
			c["iat"], c["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-30*time.Minute).Unix()
		}, nil, nil, http.StatusUnauthorized, "Expired launch"},
		{"bad signature", ok, other, nil, http.StatusUnauthorized, "Bad signature"},
		{"unknown deployment", with("https://purl.imsglobal.org/spec/lti/claim/deployment_id", "9:other"), nil, nil, http.StatusForbidden, "Unknown deployment"},
		{"wrong audience", func(c map[string]any) { ok(c); c["aud"], c["azp"] = "someone-else", "someone-else" }, nil, nil, http.StatusUnauthorized, "Wrong audience"},
		{"state mismatch", ok, nil, func(v url.Values) { v.Set("state", "not-the-state") }, http.StatusBadRequest, "State mismatch"},
		{"nonce mismatch", with("nonce", "guessed"), nil, nil, http.StatusUnauthorized, "Nonce mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l.next(tc.msg, tc.signer)
			action, form := s.loginAndAuthorize(t, l, s.srv.URL+"/lti/launch")
			if tc.tamper != nil {
				tc.tamper(form)
			}
			resp, body := s.do(t, http.MethodPost, action, form)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.title) {
				t.Fatalf("status %d, want %d with %q:\n%s", resp.StatusCode, tc.status, tc.title, body)
			}
			if resp.Header.Get("Location") != "" {
				t.Errorf("a refused launch redirects to %s", resp.Header.Get("Location"))
			}
		})
	}

	t.Run("replayed nonce", func(t *testing.T) {
		l.next(ok, nil)
		action, form := s.loginAndAuthorize(t, l, s.srv.URL+"/lti/launch")
		if resp, body := s.do(t, http.MethodPost, action, form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("first launch: %d %s", resp.StatusCode, body)
		}
		// The same form again, say from a second replica: the nonce is used.
		resp, body := s.do(t, http.MethodPost, action, form)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Launch already used") {
			t.Fatalf("replay: %d, want 401 Launch already used:\n%s", resp.StatusCode, body)
		}
	})

	t.Run("platform rotated its key", func(t *testing.T) {
		// A token signed with a key the cached set lacks makes Lyssna fetch
		// the set again, at most every 10 s, so made-up key IDs cannot make
		// it hammer the platform.
		rotated, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		l.mu.Lock()
		l.key, l.kid = rotated, "lms-key-2"
		l.mu.Unlock()
		launch := func() int {
			l.next(ok, nil)
			action, form := s.loginAndAuthorize(t, l, s.srv.URL+"/lti/launch")
			resp, _ := s.do(t, http.MethodPost, action, form)
			return resp.StatusCode
		}
		if got := launch(); got != http.StatusUnauthorized {
			t.Fatalf("new key within 10 s of the last fetch: %d, want 401", got)
		}
		s.clock.Add(11 * time.Second)
		if got := launch(); got != http.StatusSeeOther {
			t.Fatalf("new key after 10 s: %d, want the set fetched again and the launch accepted", got)
		}
	})

	t.Run("unknown platform", func(t *testing.T) {
		resp, body := s.do(t, http.MethodPost, s.srv.URL+"/lti/login", url.Values{"iss": {"https://nobody.example"},
			"login_hint": {"x"}, "target_link_uri": {s.srv.URL + "/lti/launch"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Unknown platform") {
			t.Fatalf("login from an unregistered issuer: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("unknown deployment at login", func(t *testing.T) {
		resp, body := s.do(t, http.MethodGet, s.srv.URL+"/lti/login?"+url.Values{"iss": {l.issuer()}, "client_id": {l.clientID},
			"login_hint": {"x"}, "target_link_uri": {s.srv.URL + "/lti/launch"}, "lti_deployment_id": {"nope"}}.Encode(), nil)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Unknown deployment") {
			t.Fatalf("login with an unregistered deployment: %d %s", resp.StatusCode, body)
		}
	})
}

// TestCanvasConfigAndNoSecret: /lti/canvas.json names the tool's URLs and
// the three Deep Linking placements; without LYSSNA_SECRET the LTI routes
// answer 503 saying what to set.
func TestCanvasConfigAndNoSecret(t *testing.T) {
	t.Parallel()
	s := newSite(t, "")
	resp, body := s.do(t, http.MethodGet, s.srv.URL+"/lti/canvas.json", nil)
	var cfg struct {
		OIDC       string `json:"oidc_initiation_url"`
		Target     string `json:"target_link_uri"`
		JWK        string `json:"public_jwk_url"`
		Scopes     []string
		Extensions []struct {
			Platform string
			Settings struct {
				Placements []struct {
					Placement   string
					MessageType string `json:"message_type"`
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &cfg); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("canvas.json: %d %v %s", resp.StatusCode, err, body)
	}
	if cfg.OIDC != s.srv.URL+"/lti/login" || cfg.Target != s.srv.URL+"/lti/launch" || cfg.JWK != s.srv.URL+"/lti/jwks" || cfg.Scopes == nil {
		t.Errorf("canvas.json URLs: %+v", cfg)
	}
	var places []string
	for _, p := range cfg.Extensions[0].Settings.Placements {
		if p.MessageType != "LtiDeepLinkingRequest" {
			t.Errorf("placement %s has message type %s", p.Placement, p.MessageType)
		}
		places = append(places, p.Placement)
	}
	if strings.Join(places, " ") != "editor_button link_selection assignment_selection" {
		t.Errorf("placements: %v", places)
	}
	for _, path := range []string{"/lti/jwks", "/lti/login?iss=x"} {
		resp, body = s.do(t, http.MethodGet, s.srv.URL+path, nil)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "LYSSNA_SECRET") {
			t.Errorf("%s without a secret: %d %s", path, resp.StatusCode, body)
		}
	}
}
