package lti

import (
	"encoding/json"
	"net/http"
	"net/url"
)

// JWKS serves GET /lti/jwks: the tool's public keys, the current one and
// those retired less than KeyRetention ago. The first request makes the
// first key.
func (h *Handler) JWKS(w http.ResponseWriter, r *http.Request) {
	if !h.enabled(w, r) {
		return
	}
	if _, err := h.Keys.Current(r.Context()); err != nil {
		h.fail(w, r, []string{}, internal(err))
		return
	}
	set, err := h.Keys.JWKS(r.Context())
	if err != nil {
		h.fail(w, r, []string{}, internal(err))
		return
	}
	writeJSON(w, r, set)
}

// CanvasConfig serves GET /lti/canvas.json: the JSON a Canvas admin pastes
// (or points to by URL) to make a developer key for Lyssna, with the
// editor button, link selection and assignment selection placements, each
// a Deep Linking request.
func (h *Handler) CanvasConfig(w http.ResponseWriter, r *http.Request) {
	type placement struct {
		Placement      string `json:"placement"`
		MessageType    string `json:"message_type"`
		TargetLinkURI  string `json:"target_link_uri"`
		Text           string `json:"text"`
		IconURL        string `json:"icon_url,omitempty"`
		SelectionWidth int    `json:"selection_width"`
		SelectionHigh  int    `json:"selection_height"`
	}
	var places []placement
	for _, p := range []string{"editor_button", "link_selection", "assignment_selection"} {
		places = append(places, placement{Placement: p, MessageType: MessageDeepLinking, TargetLinkURI: h.launchURL(),
			Text: "Lyssna podcast", SelectionWidth: 800, SelectionHigh: 600})
	}
	writeJSON(w, r, map[string]any{
		"title":               "Lyssna",
		"description":         "Podcast episodes with their study questions and references, played inside the course (private shows too).",
		"oidc_initiation_url": h.loginURL(),
		"target_link_uri":     h.launchURL(),
		"public_jwk_url":      h.jwksURL(),
		"scopes":              []string{},
		"custom_fields":       map[string]string{},
		"extensions": []map[string]any{{
			"platform":      "canvas.instructure.com",
			"domain":        hostOf(h.base),
			"privacy_level": "anonymous",
			"settings": map[string]any{
				"text":       "Lyssna podcast",
				"placements": places,
			},
		}},
	})
}

func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "500 internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method != http.MethodHead {
		_, _ = w.Write(append(b, '\n'))
	}
}
