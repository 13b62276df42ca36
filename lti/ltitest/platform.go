// Package ltitest plays an LTI 1.3 platform (an LMS such as Canvas or
// Moodle) in process, for tests: its own RSA key published as a JWKS over
// httptest, and an authorization endpoint that answers the tool's login
// redirect with the form post of a signed id_token, as real platforms do.
// Tests of the lti package and of the whole site launch Lyssna through it.
package ltitest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/lyssna/lyssna/lti"
)

// Platform is the in-process LMS.
type Platform struct {
	t            testing.TB
	srv          *httptest.Server
	ClientID     string
	DeploymentID string

	mu  sync.Mutex
	key *rsa.PrivateKey
	kid string
	// message says what the next id_token launches (its claims, which a test
	// may change) and signer the key it is signed with (nil: the platform's).
	message func(claims map[string]any)
	signer  *rsa.PrivateKey
}

// New starts a platform; it stops when the test ends.
func New(t testing.TB) *Platform {
	p := &Platform{t: t, key: NewKey(t), kid: "lms-key-1", ClientID: "10000000000042", DeploymentID: "1:course-deploy"}
	m := http.NewServeMux()
	m.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: p.kid, Algorithm: "RS256", Use: "sig"}}})
	})
	m.HandleFunc("GET /auth", p.authorize)
	p.srv = httptest.NewServer(m)
	t.Cleanup(p.srv.Close)
	return p
}

// NewKey makes an RSA key.
func NewKey(t testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// URL is the platform's base URL, also its issuer.
func (p *Platform) URL() string { return p.srv.URL }

// Registration is what a Lyssna admin registers for this platform.
func (p *Platform) Registration() *lti.Platform {
	return &lti.Platform{Issuer: p.URL(), ClientID: p.ClientID, DeploymentIDs: []string{p.DeploymentID},
		AuthURL: p.URL() + "/auth", TokenURL: p.URL() + "/token", JWKSURL: p.URL() + "/jwks", Name: "Test LMS"}
}

// Next sets what the next launches carry and the key they are signed with
// (nil: the platform's own).
func (p *Platform) Next(msg func(claims map[string]any), signer *rsa.PrivateKey) {
	p.mu.Lock()
	p.message, p.signer = msg, signer
	p.mu.Unlock()
}

// RotateKey gives the platform a new signing key under a new key ID.
func (p *Platform) RotateKey(k *rsa.PrivateKey, kid string) {
	p.mu.Lock()
	p.key, p.kid = k, kid
	p.mu.Unlock()
}

// authorize is the platform's OIDC authorization endpoint: it checks the
// tool's request as a platform would and answers with an auto-posting form
// carrying the id_token and the state.
func (p *Platform) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k, want := range map[string]string{"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
		"prompt": "none", "client_id": p.ClientID, "login_hint": "student-7"} {
		if q.Get(k) != want {
			http.Error(w, fmt.Sprintf("auth: %s=%q, want %q", k, q.Get(k), want), http.StatusBadRequest)
			return
		}
	}
	now := time.Now()
	claims := map[string]any{
		"iss": p.URL(), "aud": p.ClientID, "azp": p.ClientID, "sub": "student-7",
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": q.Get("nonce"),
		"https://purl.imsglobal.org/spec/lti/claim/version":       "1.3.0",
		"https://purl.imsglobal.org/spec/lti/claim/deployment_id": p.DeploymentID,
		"https://purl.imsglobal.org/spec/lti/claim/roles":         []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"},
		"https://purl.imsglobal.org/spec/lti/claim/context":       map[string]any{"id": "c-1", "title": "Memory 101"},
	}
	p.mu.Lock()
	msg, signer, kid := p.message, p.signer, p.kid
	if signer == nil {
		signer = p.key
	}
	p.mu.Unlock()
	if msg != nil {
		msg(claims)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: signer, KeyID: kid}}, nil)
	if err != nil {
		p.t.Error(err)
		return
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		p.t.Error(err)
		return
	}
	fmt.Fprintf(w, `<form method="post" action="%s"><input type="hidden" name="id_token" value="%s"><input type="hidden" name="state" value="%s"></form>`,
		html.EscapeString(q.Get("redirect_uri")), tok, html.EscapeString(q.Get("state")))
}

// DeepLinkingRequest makes the next launch an instructor's Deep Linking
// request that takes resource links and links, several at once.
func DeepLinkingRequest(returnURL string) func(map[string]any) {
	return func(c map[string]any) {
		c["https://purl.imsglobal.org/spec/lti/claim/message_type"] = "LtiDeepLinkingRequest"
		c["https://purl.imsglobal.org/spec/lti/claim/roles"] = []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"}
		c["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = map[string]any{
			"deep_link_return_url": returnURL, "accept_types": []string{"ltiResourceLink", "link"},
			"accept_presentation_document_targets": []string{"iframe"}, "accept_multiple": true, "data": "opaque-42",
		}
	}
}

// ResourceLinkRequest makes the next launch a student's launch of a resource
// link with the custom parameters.
func ResourceLinkRequest(custom map[string]string) func(map[string]any) {
	return func(c map[string]any) {
		c["https://purl.imsglobal.org/spec/lti/claim/message_type"] = "LtiResourceLinkRequest"
		c["https://purl.imsglobal.org/spec/lti/claim/resource_link"] = map[string]any{"id": "rl-1"}
		c["https://purl.imsglobal.org/spec/lti/claim/custom"] = custom
	}
}

// Browser is a browser without cookies that does not follow redirects, so
// a test sees each step.
type Browser struct {
	t      testing.TB
	client *http.Client
}

// NewBrowser makes a Browser.
func NewBrowser(t testing.TB) *Browser {
	return &Browser{t: t, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Do sends a request, with form as its url-encoded body when not nil, and
// returns the response (its body read and closed) and the body.
func (b *Browser) Do(method, u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

// Login runs the platform's login initiation at the tool (toolBase/lti/login)
// and the platform's answer to the tool's redirect, and returns the launch
// form the browser would post to the tool.
func (b *Browser) Login(p *Platform, toolBase, target string) (string, url.Values) {
	b.t.Helper()
	resp, body := b.Do(http.MethodPost, toolBase+"/lti/login", url.Values{"iss": {p.URL()}, "login_hint": {"student-7"},
		"target_link_uri": {target}, "lti_message_hint": {"m-1"}, "client_id": {p.ClientID}, "lti_deployment_id": {p.DeploymentID}})
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("login: status %d, want 302: %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, p.URL()+"/auth?") {
		b.t.Fatalf("login redirects to %s, want the platform's auth URL", loc)
	}
	if u, _ := url.Parse(loc); u.Query().Get("redirect_uri") != toolBase+"/lti/launch" || u.Query().Get("lti_message_hint") != "m-1" {
		b.t.Fatalf("auth request lacks redirect_uri or lti_message_hint: %s", loc)
	}
	resp, body = b.Do(http.MethodGet, loc, nil)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("platform auth: %d %s", resp.StatusCode, body)
	}
	return FormOf(b.t, body)
}

var (
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	actionRE = regexp.MustCompile(`<form[^>]* action="([^"]+)"`)
)

// FormOf reads the first form of a page: its action and hidden fields.
func FormOf(t testing.TB, body string) (string, url.Values) {
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
