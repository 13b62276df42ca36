package lti

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// The size of the frame the content items ask for.
const (
	frameWidth  = 720
	frameHeight = 420
)

// launchDeepLinking records a verified Deep Linking request and sends the
// instructor to the picker.
func (h *Handler) launchDeepLinking(w http.ResponseWriter, r *http.Request, p *Platform, c *Claims) {
	s := c.DeepLinking
	if s == nil || checkURL("deep_link_return_url", s.ReturnURL) != nil {
		h.fail(w, r, h.frameOrigins(p), refuse(http.StatusBadRequest, "Incomplete Deep Linking request",
			"The platform sent no usable deep_link_return_url, so Lyssna has nowhere to send the pick."))
		return
	}
	d := deepLink{PlatformID: p.ID, DeploymentID: c.DeploymentID, ReturnURL: s.ReturnURL, Data: s.Data,
		AcceptTypes: s.AcceptTypes, AcceptMultiple: bool(s.AcceptMultiple)}
	if !d.accepts("ltiResourceLink") && !d.accepts("link") && !d.accepts("html") {
		h.fail(w, r, h.frameOrigins(p, s.ReturnURL), refuse(http.StatusBadRequest, "Nothing Lyssna can add here",
			"This place in the course accepts "+strings.Join(s.AcceptTypes, ", ")+"; Lyssna adds LTI resource links, links or HTML."))
		return
	}
	d.FrameOrigins = h.frameOrigins(p, s.ReturnURL)
	id, err := h.flows.startDeepLink(r.Context(), d)
	if err != nil {
		h.fail(w, r, d.FrameOrigins, internal(err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, h.deepLinkURL(id), http.StatusSeeOther)
}

type pickerShow struct {
	Show     *episodes.Show
	Episodes []*episodes.Episode
}

// DeepLinkPicker serves GET /lti/deep-link/{id}: the picker of a Deep
// Linking request, listing every show (private ones too: the course's
// launch will grant them) with its published episodes.
func (h *Handler) DeepLinkPicker(w http.ResponseWriter, r *http.Request) {
	if !h.enabled(w, r) {
		return
	}
	id := mux.Vars(r)["id"]
	d, err := h.flows.findDeepLink(r.Context(), id, false)
	if errors.Is(err, errNoDeepLink) {
		h.fail(w, r, nil, refuse(http.StatusNotFound, "This picker has expired",
			"A picker lives an hour and adds one pick; open Lyssna from the course's editor or module list again."))
		return
	}
	if err != nil {
		h.fail(w, r, nil, internal(err))
		return
	}
	shows, err := h.d.Store.ListShows(r.Context())
	if err != nil {
		h.fail(w, r, d.FrameOrigins, internal(err))
		return
	}
	var list []pickerShow
	for _, s := range shows {
		eps, err := h.d.Store.PublicEpisodes(r.Context(), s.ID, h.d.Now())
		if err != nil {
			h.fail(w, r, d.FrameOrigins, internal(err))
			return
		}
		list = append(list, pickerShow{Show: s, Episodes: eps})
	}
	h.pages.render(w, r, http.StatusOK, "picker.html", map[string]any{"Shows": list, "Action": h.deepLinkURL(id)}, d.FrameOrigins, "")
}

// DeepLinkRespond serves POST /lti/deep-link/{id}: the instructor's pick,
// answered with a page that posts the signed LtiDeepLinkingResponse back to
// the platform's deep_link_return_url. The request is used up by it.
func (h *Handler) DeepLinkRespond(w http.ResponseWriter, r *http.Request) {
	if !h.enabled(w, r) {
		return
	}
	item := r.PostFormValue("item")
	showSlug, epSlug, _ := strings.Cut(item, "/")
	if showSlug == "" {
		h.fail(w, r, nil, refuse(http.StatusBadRequest, "Nothing picked", "Pick a show or an episode, then press “Add to the course”."))
		return
	}
	ctx := r.Context()
	show, err := h.d.Store.GetShow(ctx, showSlug)
	if errors.Is(err, episodes.ErrNotFound) {
		h.fail(w, r, nil, refuse(http.StatusBadRequest, "No such show", "The show “"+showSlug+"” is not on this server; pick another."))
		return
	}
	if err != nil {
		h.fail(w, r, nil, internal(err))
		return
	}
	var ep *episodes.Episode
	if epSlug != "" {
		ep, err = h.d.Store.GetEpisode(ctx, show.ID, epSlug)
		if errors.Is(err, episodes.ErrNotFound) || (err == nil && (ep.Slug != epSlug || !ep.IsPublic(h.d.Now()))) {
			h.fail(w, r, nil, refuse(http.StatusBadRequest, "No such episode", "The episode “"+epSlug+"” is not published; pick another."))
			return
		}
		if err != nil {
			h.fail(w, r, nil, internal(err))
			return
		}
	}
	d, err := h.flows.findDeepLink(ctx, mux.Vars(r)["id"], true)
	if errors.Is(err, errNoDeepLink) {
		h.fail(w, r, nil, refuse(http.StatusNotFound, "This picker has expired",
			"A picker lives an hour and adds one pick; open Lyssna from the course's editor or module list again."))
		return
	}
	if err != nil {
		h.fail(w, r, nil, internal(err))
		return
	}
	p, err := h.Platforms.Get(ctx, d.PlatformID)
	if err != nil {
		h.fail(w, r, d.FrameOrigins, internal(err))
		return
	}
	token, err := h.signDeepLinkResponse(r, p, d, h.contentItems(d, show, ep))
	if err != nil {
		h.fail(w, r, d.FrameOrigins, internal(err))
		return
	}
	h.pages.render(w, r, http.StatusOK, "autopost.html", map[string]any{
		"Title": "Adding to the course", "Action": d.ReturnURL, "Fields": map[string]string{"JWT": token},
		"Message": "Sending your pick back to the course…",
	}, d.FrameOrigins, origin(d.ReturnURL))
}

// contentItems are what a pick becomes: an LTI resource link that launches
// the player (private shows included), and, when the platform takes more
// than one item or no resource links, a link that frames the public embed
// player as a fallback.
func (h *Handler) contentItems(d *deepLink, show *episodes.Show, ep *episodes.Episode) []ContentItem {
	title, custom := show.Title, map[string]string{"lyssna_show": show.Slug}
	target := h.launchURL() + "?show=" + urlQuery(show.Slug)
	embed := h.base + "/" + show.Slug + "/embed"
	if ep != nil {
		title = ep.Title + " · " + show.Title
		custom["lyssna_episode"] = ep.Slug
		target += "&episode=" + urlQuery(ep.Slug)
		embed = h.base + "/" + show.Slug + "/" + ep.Slug + "/embed"
	}
	var items []ContentItem
	if d.accepts("ltiResourceLink") {
		items = append(items, ContentItem{Type: "ltiResourceLink", Title: title, URL: target, Custom: custom,
			Iframe: &Iframe{Width: frameWidth, Height: frameHeight}})
	}
	if len(items) == 0 || d.AcceptMultiple {
		fallback := &Iframe{Src: embed, Width: frameWidth, Height: frameHeight}
		switch {
		case d.accepts("link"):
			items = append(items, ContentItem{Type: "link", Title: title, URL: embed, Iframe: fallback})
		case d.accepts("html"):
			items = append(items, ContentItem{Type: "html", Title: title, HTML: iframeHTML(embed, title)})
		}
	}
	return items
}

// signDeepLinkResponse signs the response JWT with the tool's current key:
// issued by the tool's client ID, for the platform's issuer, alive five
// minutes.
func (h *Handler) signDeepLinkResponse(r *http.Request, p *Platform, d *deepLink, items []ContentItem) (string, error) {
	key, err := h.Keys.Current(r.Context())
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key.Key, KeyID: key.KeyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	now := h.d.Now()
	std := jwt.Claims{Issuer: p.ClientID, Audience: jwt.Audience{p.Issuer}, IssuedAt: jwt.NewNumericDate(now),
		Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute))}
	dl := deepLinkResponse{Nonce: accounts.NewID(), MessageType: MessageDeepLinkingResponse, Version: Version,
		DeploymentID: d.DeploymentID, ContentItems: items, Data: d.Data}
	return jwt.Signed(signer).Claims(std).Claims(dl).Serialize()
}
