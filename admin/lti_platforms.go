package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/lti"
)

// ltiPage is the data of the LMS (LTI 1.3) platforms page: the registered
// platforms, the form that adds one, and the URLs to give the LMS admin.
type ltiPage struct {
	page
	Platforms []*lti.Platform
	Form      *formState
	ToolURLs  [][2]string
	Secret    bool // LYSSNA_SECRET is set, so launches work
}

// The LMS platforms are instance-wide: the route table names these pages
// the Settings action, which only instance admins may take.
func (h *Handler) ltiPlatforms(w http.ResponseWriter, r *http.Request, s *session) {
	h.renderLTI(w, r, s, http.StatusOK, newFormState())
}

func (h *Handler) renderLTI(w http.ResponseWriter, r *http.Request, s *session, status int, f *formState) {
	if h.lti == nil {
		h.notFound(w, r, s, "LTI set-up")
		return
	}
	ps, err := h.lti.List(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	base := h.links.Base()
	p := ltiPage{page: h.page("LMS platforms (LTI 1.3)", s, crumb{"Shows", "/admin/"}), Platforms: ps, Form: f,
		Secret: h.ltiSecret,
		ToolURLs: [][2]string{{"Login initiation URL", base + "/lti/login"}, {"Redirect / launch URL", base + "/lti/launch"},
			{"Public keyset (JWKS) URL", base + "/lti/jwks"}, {"Canvas developer key JSON", base + "/lti/canvas.json"}}}
	p.Flash = ltiFlashes[r.URL.Query().Get("done")]
	h.render(w, r, status, "lti.html", p)
}

var ltiFlashes = map[string]string{
	"added":   "The platform is registered. Its courses can now launch Lyssna.",
	"removed": "The platform was removed; its links in courses no longer launch.",
}

// ltiPlatformAdd registers a platform (lti.Platforms.Save, as `lyssna lti
// add` does); a mistake is shown beside its field.
func (h *Handler) ltiPlatformAdd(w http.ResponseWriter, r *http.Request, s *session) {
	if h.lti == nil {
		h.notFound(w, r, s, "LTI set-up")
		return
	}
	f := newFormState()
	for _, k := range []string{"name", "issuer", "client_id", "deployment_id", "auth_url", "token_url", "jwks_url"} {
		f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	p := &lti.Platform{Name: f.Values["name"], Issuer: f.Values["issuer"], ClientID: f.Values["client_id"],
		DeploymentIDs: strings.FieldsFunc(f.Values["deployment_id"], func(c rune) bool { return c == ',' || c == ' ' }),
		AuthURL:       f.Values["auth_url"], TokenURL: f.Values["token_url"], JWKSURL: f.Values["jwks_url"]}
	if _, err := h.lti.Save(r.Context(), p); err != nil {
		if f.setError(err) {
			h.renderLTI(w, r, s, http.StatusBadRequest, f)
			return
		}
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, "/admin/lti/?done=added")
}

// ltiPlatformRemove removes a registration.
func (h *Handler) ltiPlatformRemove(w http.ResponseWriter, r *http.Request, s *session) {
	if h.lti == nil {
		h.notFound(w, r, s, "LTI set-up")
		return
	}
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		h.notFound(w, r, s, "LMS platform")
		return
	}
	if err := h.lti.Remove(r.Context(), id); errors.Is(err, episodes.ErrNotFound) {
		h.notFound(w, r, s, "LMS platform")
		return
	} else if err != nil {
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, "/admin/lti/?done=removed")
}
