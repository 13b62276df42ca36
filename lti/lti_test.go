package lti_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/lti"
	"github.com/lyssna/lyssna/lti/ltitest"
)

// site is Lyssna's LTI routes over a real store, as server mounts them.
type site struct {
	srv   *httptest.Server
	store *episodes.Store
	tool  *lti.Handler
	show  *episodes.Show
	ep    *episodes.Episode
	clock *testenv.Clock
}

func newSite(t *testing.T, secret string) *site {
	return newSiteOn(t, episodestest.SQLite(t), secret)
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

func (s *site) register(t *testing.T, l *ltitest.Platform) {
	t.Helper()
	if _, err := s.tool.Platforms.Save(context.Background(), l.Registration()); err != nil {
		t.Fatal(err)
	}
}

func (s *site) do(t *testing.T, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	return ltitest.NewBrowser(t).Do(method, u, form)
}

func (s *site) loginAndAuthorize(t *testing.T, l *ltitest.Platform, target string) (string, url.Values) {
	t.Helper()
	return ltitest.NewBrowser(t).Login(l, s.srv.URL, target)
}

var (
	formOf              = ltitest.FormOf
	deepLinkingRequest  = ltitest.DeepLinkingRequest
	resourceLinkRequest = ltitest.ResourceLinkRequest
)

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
	l := ltitest.New(t)
	s.register(t, l)
	returnURL := l.URL() + "/deep-link-return"

	l.Next(deepLinkingRequest(returnURL), nil)
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
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors "+l.URL()) {
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
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+l.URL()) {
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
	if err := std.Validate(jwt.Expected{Issuer: l.ClientID, AnyAudience: jwt.Audience{l.URL()}}); err != nil {
		t.Errorf("response claims: %v", err)
	}
	if dl.MessageType != "LtiDeepLinkingResponse" || dl.Version != "1.3.0" || dl.DeploymentID != l.DeploymentID || dl.Data != "opaque-42" {
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
	l.Next(resourceLinkRequest(link.Custom), nil)
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
	if !strings.Contains(csp, "frame-ancestors "+l.URL()) || strings.Contains(csp, "frame-ancestors *") {
		t.Errorf("player CSP %q: want framing by the platform only", csp)
	}
	// A grant of one episode plays that episode only.
	resp, body = s.do(t, http.MethodGet, resp.Request.URL.String()+"?episode=interleaving", nil)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "When does mixing topics help?") {
		t.Errorf("an episode's grant played another episode: %d", resp.StatusCode)
	}

	// A link to the whole show plays its latest episode and lists the others.
	l.Next(resourceLinkRequest(map[string]string{"lyssna_show": "memory-seminar"}), nil)
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
	l := ltitest.New(t)
	s.register(t, l)
	other := ltitest.NewKey(t)
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
			l.Next(tc.msg, tc.signer)
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
		l.Next(ok, nil)
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
		rotated := ltitest.NewKey(t)
		l.RotateKey(rotated, "lms-key-2")
		launch := func() int {
			l.Next(ok, nil)
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
		resp, body := s.do(t, http.MethodGet, s.srv.URL+"/lti/login?"+url.Values{"iss": {l.URL()}, "client_id": {l.ClientID},
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
