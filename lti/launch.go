package lti

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/lyssna/lyssna/episodes"
)

// leeway is the clock skew allowed between the platform and Lyssna.
const leeway = time.Minute

// Launch serves POST /lti/launch: the platform's form post of a signed
// id_token and the state of the login initiation. The token is checked
// against the platform's keys and registration (iss, aud, azp, exp, iat,
// nonce, deployment); its nonce is then used up, in the database, so a
// replay fails on every replica. A resource link launch grants its show or
// episode and goes to the player; a Deep Linking request goes to the picker.
func (h *Handler) Launch(w http.ResponseWriter, r *http.Request) {
	if !h.enabled(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, nil, refuse(http.StatusBadRequest, "Unreadable launch", "The platform's launch could not be read: "+err.Error()))
		return
	}
	if e := r.PostForm.Get("error"); e != "" {
		msg := "The platform answered the login with “" + e + "”"
		if d := r.PostForm.Get("error_description"); d != "" {
			msg += ": " + d
		}
		h.fail(w, r, nil, refuse(http.StatusBadRequest, "The platform refused the launch", msg+". Sign in to the course again and retry."))
		return
	}
	p, claims, f := h.verifyLaunch(r.Context(), r.PostForm.Get("id_token"), r.PostForm.Get("state"))
	if f != nil {
		var origins []string
		if p != nil {
			origins = h.frameOrigins(p)
		}
		h.fail(w, r, origins, f)
		return
	}
	switch claims.MessageType {
	case MessageResourceLink:
		h.launchResource(w, r, p, claims)
	case MessageDeepLinking:
		h.launchDeepLinking(w, r, p, claims)
	default:
		h.fail(w, r, h.frameOrigins(p), refuse(http.StatusBadRequest, "Unsupported message",
			"Lyssna answers LtiResourceLinkRequest and LtiDeepLinkingRequest launches, not "+claims.MessageType+"."))
	}
}

// verifyLaunch checks a launch's state and id_token, and uses up its nonce.
// The platform is returned once known, for the frame origins of a refusal.
func (h *Handler) verifyLaunch(ctx context.Context, idToken, state string) (*Platform, *Claims, *failure) {
	if idToken == "" || state == "" {
		return nil, nil, refuse(http.StatusBadRequest, "Incomplete launch",
			"An LTI launch is a form post of id_token and state from the platform; start the tool from the course.")
	}
	l, err := h.flows.findLogin(ctx, state)
	if errors.Is(err, errNoState) {
		return nil, nil, refuse(http.StatusBadRequest, "State mismatch",
			"This launch's state matches no login started here in the last 10 minutes; start the tool from the course again.")
	}
	if err != nil {
		return nil, nil, internal(err)
	}
	p, err := h.Platforms.Get(ctx, l.PlatformID)
	if err != nil {
		var de *episodes.Error
		if errors.As(err, &de) {
			return nil, nil, refuse(http.StatusBadRequest, "Unknown platform", "The platform was removed while the launch was under way.")
		}
		return nil, nil, internal(err)
	}
	tok, err := jwt.ParseSigned(idToken, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return p, nil, refuse(http.StatusBadRequest, "Unreadable id_token", "The id_token is not a JWT signed with RS256: "+err.Error())
	}
	kid := ""
	if len(tok.Headers) > 0 {
		kid = tok.Headers[0].KeyID
	}
	key, err := h.remote.key(ctx, p.JWKSURL, kid)
	if errors.Is(err, errUnknownKey) {
		return p, nil, refuse(http.StatusUnauthorized, "Bad signature",
			"The id_token is signed with a key ("+kid+") that "+p.Label()+" does not publish at "+p.JWKSURL+".")
	}
	if err != nil {
		return p, nil, &failure{status: http.StatusBadGateway, title: "The platform's keys are out of reach",
			msg: "Lyssna could not fetch " + p.Label() + "'s keys from " + p.JWKSURL + " to check the launch; try again, or ask the admin to check the registration's JWKS URL.", err: err}
	}
	var std jwt.Claims
	c := &Claims{}
	if err := tok.Claims(key.Key, &std, c); err != nil {
		return p, nil, refuse(http.StatusUnauthorized, "Bad signature", "The id_token's signature does not verify with "+p.Label()+"'s key.")
	}
	if std.Issuer != p.Issuer {
		return p, nil, refuse(http.StatusUnauthorized, "Wrong issuer",
			"The id_token was issued by “"+std.Issuer+"”, but the login came from “"+p.Issuer+"”.")
	}
	if !slices.Contains(std.Audience, p.ClientID) {
		return p, nil, refuse(http.StatusUnauthorized, "Wrong audience",
			"The id_token is not meant for Lyssna's client ID on "+p.Label()+" ("+p.ClientID+").")
	}
	if (len(std.Audience) > 1 || c.AuthorizedParty != "") && c.AuthorizedParty != p.ClientID {
		return p, nil, refuse(http.StatusUnauthorized, "Wrong authorized party",
			"The id_token's azp is not Lyssna's client ID on "+p.Label()+".")
	}
	if std.Expiry == nil || std.IssuedAt == nil {
		return p, nil, refuse(http.StatusUnauthorized, "Incomplete id_token", "The id_token has no exp or iat.")
	}
	now := h.d.Now()
	if err := std.ValidateWithLeeway(jwt.Expected{Time: now}, leeway); err != nil {
		title := "Expired launch"
		if errors.Is(err, jwt.ErrIssuedInTheFuture) || errors.Is(err, jwt.ErrNotValidYet) {
			title = "Launch from the future"
		}
		return p, nil, refuse(http.StatusUnauthorized, title,
			"The id_token is not valid now ("+err.Error()+"); start the tool from the course again, and check that the platform's clock is right.")
	}
	if c.Nonce == "" || c.Nonce != l.Nonce {
		return p, nil, refuse(http.StatusUnauthorized, "Nonce mismatch",
			"The id_token's nonce is not the one this login sent; start the tool from the course again.")
	}
	if c.Version != Version {
		return p, nil, refuse(http.StatusBadRequest, "Unsupported LTI version", "Lyssna speaks LTI 1.3.0; the launch says “"+c.Version+"”.")
	}
	if !p.HasDeployment(c.DeploymentID) {
		return p, nil, refuse(http.StatusForbidden, "Unknown deployment",
			"The deployment “"+c.DeploymentID+"” of "+p.Label()+" is not registered here; an admin adds it with `lyssna lti add --deployment-id`.")
	}
	fresh, err := h.flows.useNonce(ctx, p.ID, c.Nonce, std.Expiry.Time().Add(leeway))
	if err != nil {
		return p, nil, internal(err)
	}
	if !fresh {
		return p, nil, refuse(http.StatusUnauthorized, "Launch already used",
			"This id_token was used before (a replayed launch); start the tool from the course again.")
	}
	return p, c, nil
}

// launchResource grants the linked show or episode and sends the browser
// to its player.
func (h *Handler) launchResource(w http.ResponseWriter, r *http.Request, p *Platform, c *Claims) {
	showSlug, epSlug := c.custom("lyssna_show"), c.custom("lyssna_episode")
	if showSlug == "" {
		if u, err := url.Parse(c.TargetLinkURI); err == nil {
			showSlug, epSlug = u.Query().Get("show"), u.Query().Get("episode")
		}
	}
	var returnURL string
	if c.LaunchPresentation != nil {
		returnURL = c.LaunchPresentation.ReturnURL
	}
	origins := h.frameOrigins(p, returnURL, c.TargetLinkURI)
	if showSlug == "" {
		h.fail(w, r, origins, refuse(http.StatusNotFound, "No podcast linked",
			"This link names no show. The instructor adds a podcast with the editor's Lyssna button or the Lyssna link selection."))
		return
	}
	show, err := h.d.Store.GetShow(r.Context(), showSlug)
	if errors.Is(err, episodes.ErrNotFound) {
		h.fail(w, r, origins, refuse(http.StatusNotFound, "Podcast not found",
			"The show “"+showSlug+"” this link names is not on this server any more; the instructor can pick another."))
		return
	}
	if err != nil {
		h.fail(w, r, origins, internal(err))
		return
	}
	g := grant{ShowID: show.ID, FrameOrigins: origins}
	if epSlug != "" {
		e, err := h.d.Store.GetEpisode(r.Context(), show.ID, epSlug)
		if errors.Is(err, episodes.ErrNotFound) || (err == nil && (e.Slug != epSlug || !e.IsPublic(h.d.Now()))) {
			h.fail(w, r, origins, refuse(http.StatusNotFound, "Episode not found",
				"The episode “"+epSlug+"” of "+show.Title+" is not published; the instructor can pick another."))
			return
		}
		if err != nil {
			h.fail(w, r, origins, internal(err))
			return
		}
		g.EpisodeID = e.ID
	}
	id, err := h.flows.startGrant(r.Context(), g)
	if err != nil {
		h.fail(w, r, origins, internal(err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, h.playURL(id, ""), http.StatusSeeOther)
}
