// Package lti owns Lyssna as an LTI 1.3 tool: the registered platforms
// (Canvas, Moodle, any LMS), the tool's own signing keys (sealed with
// LYSSNA_SECRET, rotatable, published at /lti/jwks), the IMS Security
// Framework flow (OIDC third-party login initiation, the id_token checked
// against the platform's keys, state and single-use nonce kept in the
// database so any replica answers any step), resource link launches that
// grant the player of a show or episode (private ones too) inside the
// course, and Deep Linking 2.0: a picker page whose choice goes back to the
// platform as a signed LtiDeepLinkingResponse.
package lti

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// Store is what the tool reads of shows and episodes.
type Store interface {
	GetShow(ctx context.Context, slug string) (*episodes.Show, error)
	GetShowByID(ctx context.Context, id int64) (*episodes.Show, error)
	GetEpisode(ctx context.Context, showID int64, idOrSlug string) (*episodes.Episode, error)
	ListShows(ctx context.Context) ([]*episodes.Show, error)
	PublicEpisodes(ctx context.Context, showID int64, now time.Time) ([]*episodes.Episode, error)
}

// Player renders the embed player of an episode that an LTI launch
// grants, whatever the show's visibility, as a page that g.FrameAncestors
// may frame. The listener pages provide it (the embed player, with its
// chapters, captions and transcript); the tool's page frames it above the
// episode's study questions and references. Without one the tool plays the
// audio itself.
type Player interface {
	ServeGranted(w http.ResponseWriter, r *http.Request, g Granted)
}

// Granted is what a launch grants, for a Player.
type Granted struct {
	Show    *episodes.Show
	Episode *episodes.Episode // the episode to play; nil: the show's latest
	Until   time.Time         // when the grant ends
	// FrameAncestors are the origins that may frame the page: the
	// platform's and this server's own.
	FrameAncestors []string
}

// Deps are what the tool needs.
type Deps struct {
	DB      *sql.DB // the database the store uses (migration 00150's tables)
	Store   Store
	BaseURL string // the public base URL (LYSSNA_BASE_URL)
	// Secret seals the tool's private keys (LYSSNA_SECRET); without it
	// every LTI route answers 503 saying so.
	Secret string
	// MediaURL is the public URL of a stored object, for the tool's own player.
	MediaURL func(key string) string
	// Player, when set, renders granted players instead of the tool's own page.
	Player Player
	// FrameOrigins are extra origins that may frame LTI pages
	// (LYSSNA_EMBED_ORIGINS), beside each platform's own.
	FrameOrigins []string
	// HTTPClient fetches platforms' keys; nil means one with a 10 s timeout.
	HTTPClient *http.Client
	Now        func() time.Time // nil means time.Now
	Logger     *slog.Logger     // nil means slog.Default()
}

// Handler serves the LTI routes; server mounts them under /lti/.
type Handler struct {
	d         Deps
	base      string
	Platforms *Platforms
	Keys      *Keys
	flows     *flows
	remote    *platformKeys
	pages     *pages
}

// New builds the tool. It fails only on a missing dependency or broken
// embedded templates; a missing secret leaves LTI answering 503.
func New(d Deps) (*Handler, error) {
	if d.DB == nil || d.Store == nil || d.BaseURL == "" || d.MediaURL == nil {
		return nil, errors.New("lti: Deps.DB, Store, BaseURL and MediaURL are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	keys, err := NewKeys(d.DB, d.Secret, d.Now)
	if err != nil {
		return nil, err
	}
	pg, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Handler{
		d:         d,
		base:      strings.TrimRight(d.BaseURL, "/"),
		Platforms: NewPlatforms(d.DB, d.Now),
		Keys:      keys,
		flows:     &flows{db: d.DB, now: d.Now},
		remote:    newPlatformKeys(d.HTTPClient, d.Now),
		pages:     pg,
	}, nil
}

// URLs the tool publishes; docs/lms.md names them.
func (h *Handler) loginURL() string  { return h.base + "/lti/login" }
func (h *Handler) launchURL() string { return h.base + "/lti/launch" }
func (h *Handler) jwksURL() string   { return h.base + "/lti/jwks" }
func (h *Handler) deepLinkURL(id string) string {
	return h.base + "/lti/deep-link/" + url.PathEscape(id)
}
func (h *Handler) playURL(grant, episode string) string {
	return h.withEpisode(h.base+"/lti/play/"+url.PathEscape(grant), episode)
}
func (h *Handler) embedURL(grant, episode string) string {
	return h.withEpisode(h.base+"/lti/play/"+url.PathEscape(grant)+"/embed", episode)
}
func (h *Handler) withEpisode(u, episode string) string {
	if episode != "" {
		u += "?episode=" + url.QueryEscape(episode)
	}
	return u
}

// origin is the scheme://host[:port] of an absolute URL, "" otherwise.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// frameOrigins are the origins that may frame the tool's pages for p: the
// platform's issuer and login host, the origins of URLs from its signed
// launch (the course's host: Canvas's issuer is canvas.instructure.com
// while courses live on school.instructure.com), and LYSSNA_EMBED_ORIGINS.
func (h *Handler) frameOrigins(p *Platform, fromLaunch ...string) []string {
	var out []string
	add := func(o string) {
		if o == "" || o == h.base {
			return
		}
		for _, x := range out {
			if x == o {
				return
			}
		}
		out = append(out, o)
	}
	if p != nil {
		add(origin(p.Issuer))
		add(origin(p.AuthURL))
	}
	for _, u := range fromLaunch {
		add(origin(u))
	}
	for _, o := range h.d.FrameOrigins {
		if o == "*" {
			add(o)
		} else {
			add(origin(o))
		}
	}
	return out
}

// allFrameOrigins are the frame origins of every registered platform, for
// the error pages of a launch whose platform is not known yet.
func (h *Handler) allFrameOrigins(ctx context.Context) []string {
	ps, err := h.Platforms.List(ctx)
	if err != nil {
		return h.frameOrigins(nil)
	}
	var all []string
	seen := map[string]bool{}
	for _, p := range ps {
		for _, o := range h.frameOrigins(p) {
			if !seen[o] {
				seen[o] = true
				all = append(all, o)
			}
		}
	}
	if len(all) == 0 {
		return h.frameOrigins(nil)
	}
	return all
}

// enabled answers 503 when LTI is off (no LYSSNA_SECRET) and says so.
func (h *Handler) enabled(w http.ResponseWriter, r *http.Request) bool {
	if h.Keys.Enabled() {
		return true
	}
	h.fail(w, r, nil, &failure{status: http.StatusServiceUnavailable,
		title: "LTI is not set up on this server",
		msg:   "The server's admin must set LYSSNA_SECRET (or LYSSNA_SECRET_FILE) to a random secret (`openssl rand -base64 32`); docs/lms.md explains."})
	return false
}

// failure is a refused LTI request: its status and what to tell the person.
type failure struct {
	status int
	title  string
	msg    string
	err    error // the cause, for the log only
}

func (f *failure) Error() string { return f.title + ": " + f.msg }

// refuse makes a failure.
func refuse(status int, title, msg string) *failure {
	return &failure{status: status, title: title, msg: msg}
}

// fail answers f as an error page that origins may frame (nil: every
// registered platform's). A 5xx is logged, once, here.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, origins []string, f *failure) {
	if f.status >= 500 {
		h.d.Logger.Error("lti: request failed", "method", r.Method, "path", r.URL.Path, "err", f.err, "status", f.status)
	} else {
		h.d.Logger.Info("lti: request refused", "method", r.Method, "path", r.URL.Path, "reason", f.title, "err", f.err)
	}
	if origins == nil {
		origins = h.allFrameOrigins(r.Context())
	}
	h.pages.render(w, r, f.status, "error.html", map[string]any{"Title": f.title, "Message": f.msg}, origins, "")
}

// internal is a 5xx failure whose cause is only logged.
func internal(err error) *failure {
	if episodes.IsUnavailable(err) {
		return &failure{status: http.StatusServiceUnavailable, title: "Try again in a moment",
			msg: "The database did not answer in time.", err: err}
	}
	return &failure{status: http.StatusInternalServerError, title: "Something went wrong",
		msg: "The launch could not be completed; the server log has the details.", err: err}
}
