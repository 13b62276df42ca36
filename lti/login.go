package lti

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// Login serves GET and POST /lti/login: the platform's OIDC third-party
// login initiation. It finds the registered platform, records a state and a
// nonce in the database (any replica answers the launch that follows), and
// redirects the browser to the platform's authorization endpoint, which
// answers with a form post of the signed id_token to /lti/launch.
func (h *Handler) Login(w http.ResponseWriter, r *http.Request) {
	if !h.enabled(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, nil, refuse(http.StatusBadRequest, "Unreadable login request", "The platform's login initiation could not be read: "+err.Error()))
		return
	}
	iss, hint, target := r.Form.Get("iss"), r.Form.Get("login_hint"), r.Form.Get("target_link_uri")
	if iss == "" || hint == "" || target == "" {
		h.fail(w, r, nil, refuse(http.StatusBadRequest, "Incomplete login request",
			"An LTI 1.3 login initiation needs iss, login_hint and target_link_uri; start the tool from the course again, or ask the platform's admin to check the registration."))
		return
	}
	if !strings.HasPrefix(target, h.base+"/lti/") {
		h.fail(w, r, nil, refuse(http.StatusBadRequest, "Wrong target link",
			"The target_link_uri "+target+" is not a Lyssna LTI URL of this server ("+h.launchURL()+"); ask the platform's admin to fix the tool's target link URI."))
		return
	}
	p, err := h.Platforms.Find(r.Context(), iss, r.Form.Get("client_id"))
	var de *episodes.Error
	if errors.As(err, &de) {
		h.fail(w, r, nil, refuse(http.StatusBadRequest, "Unknown platform", de.Message))
		return
	}
	if err != nil {
		h.fail(w, r, nil, internal(err))
		return
	}
	origins := h.frameOrigins(p)
	if dep := r.Form.Get("lti_deployment_id"); dep != "" && !p.HasDeployment(dep) {
		h.fail(w, r, origins, refuse(http.StatusForbidden, "Unknown deployment",
			"The deployment "+dep+" of "+p.Label()+" is not registered here; an admin adds it with `lyssna lti add --deployment-id`."))
		return
	}
	nonce := accounts.NewID()
	state, err := h.flows.startLogin(r.Context(), login{PlatformID: p.ID, Nonce: nonce, TargetLinkURI: target})
	if err != nil {
		h.fail(w, r, origins, internal(err))
		return
	}
	u, err := url.Parse(p.AuthURL)
	if err != nil {
		h.fail(w, r, origins, internal(err))
		return
	}
	q := u.Query()
	q.Set("scope", "openid")
	q.Set("response_type", "id_token")
	q.Set("response_mode", "form_post")
	q.Set("prompt", "none")
	q.Set("client_id", p.ClientID)
	q.Set("redirect_uri", h.launchURL())
	q.Set("login_hint", hint)
	q.Set("state", state)
	q.Set("nonce", nonce)
	if m := r.Form.Get("lti_message_hint"); m != "" {
		q.Set("lti_message_hint", m)
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u.String(), http.StatusFound)
}
