// Package admin owns the producer web UI under /admin/: signing in with a
// producer token, creating and editing shows and networks, uploading
// episodes with a progress bar, editing their learning materials,
// transcripts and publication, and reading download statistics (charts
// drawn on the server, tables, CSV). Pages are plain HTML forms rendered on
// the server from embedded templates; small scripts only improve what works
// without them.
package admin

import (
	"embed"
	"errors"
	"log/slog"
	"time"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/accounts/oidc"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/imports"
	"github.com/lyssna/lyssna/internal/mail"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/lti"
	"github.com/lyssna/lyssna/notify"
	"github.com/lyssna/lyssna/stats"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/uploads"
	"github.com/lyssna/lyssna/web/kit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are the Handler's dependencies.
type Deps struct {
	Store   *episodes.Store
	Bucket  storage.Bucket
	Uploads *uploads.Ingester
	Links   links.Builder
	Now     func() time.Time // nil means time.Now
	Logger  *slog.Logger     // nil means slog.Default()
	// LTI are the registered LMS platforms, managed on /admin/lti/; nil
	// leaves that page answering 404.
	LTI *lti.Platforms
	// LTISecret says whether LYSSNA_SECRET is set (LTI launches work).
	LTISecret bool
	// SecureCookies marks the session cookie Secure; set it when the public
	// base URL is https.
	SecureCookies bool
	// OIDC, when set, offers "Sign in with <provider>" and accepting an
	// invitation with it.
	OIDC *oidc.Provider
	// Mail, when set, sends invitation and password-reset links; without
	// it the link is shown to pass on.
	Mail *mail.Sender
	// Notifier, when set, shows each show's last notification of a feed
	// change to every target (WebSub, pubnotify, Podping) on its page.
	Notifier *notify.Notifier
	// Signer makes listener keys' feed URLs and producers' preview links
	// of private content (package access).
	Signer *access.Signer
	// Imports, when set, offers importing a show from its feed or an
	// export archive (/admin/imports/); nil leaves those pages answering 404.
	Imports *imports.Importer
}

// Handler serves the producer web UI.
type Handler struct {
	store     *episodes.Store
	bucket    storage.Bucket
	uploads   *uploads.Ingester
	links     links.Builder
	now       func() time.Time
	log       *slog.Logger
	secure    bool
	pages     *kit.Pages
	static    *kit.Assets
	reports   *stats.Reader
	sessions  *accounts.Sessions
	accounts  *accounts.Store
	signIns   *accounts.SignInLimit
	notes     *kit.Markdown
	oidc      *oidc.Provider
	notifier  *notify.Notifier
	mail      *mail.Sender
	mailing   chan struct{} // bounds the reset mails on their way
	lti       *lti.Platforms
	ltiSecret bool
	signer    *access.Signer
	imports   *imports.Importer
}

// New parses the templates; it fails only when a dependency is missing or the
// embedded templates are broken.
func New(d Deps) (*Handler, error) {
	if d.Store == nil || d.Bucket == nil || d.Uploads == nil || d.Signer == nil {
		return nil, errors.New("admin: Deps.Store, Deps.Bucket, Deps.Uploads and Deps.Signer are required")
	}
	if d.Links.Base() == "" {
		return nil, errors.New("admin: Deps.Links has no public base URL")
	}
	h := &Handler{
		store:     d.Store,
		bucket:    d.Bucket,
		uploads:   d.Uploads,
		links:     d.Links,
		now:       d.Now,
		log:       d.Logger,
		secure:    d.SecureCookies,
		notes:     kit.NewMarkdown(),
		reports:   stats.NewReader(d.Store),
		oidc:      d.OIDC,
		notifier:  d.Notifier,
		mail:      d.Mail,
		lti:       d.LTI,
		ltiSecret: d.LTISecret,
		signer:    d.Signer,
		imports:   d.Imports,
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.sessions = accounts.NewSessions(d.Store.DB(), sessionTTL, h.now)
	h.accounts = accounts.New(d.Store, h.now)
	h.mailing = make(chan struct{}, maxMailing)
	h.signIns = accounts.NewSignInLimit(d.Store.DB(), signInBurst, signInWindow, h.now)
	var err error
	if h.static, err = kit.LoadAssets(staticFS, "static"); err != nil {
		return nil, err
	}
	forms, stats := []string{"fields.html"}, []string{"stats_parts.html"}
	h.pages, err = kit.ParsePages(templateFS, "templates", []string{"base.html"},
		[]string{"signin.html", "shows.html", "show_form.html", "show.html", "episode.html", "error.html",
			"stats.html", "episode_stats.html", "confirm.html",
			"invitation.html", "password_reset.html", "account.html", "members.html", "audit.html", "lti.html", "listeners.html", "import_form.html", "import.html",
			"networks.html", "network.html"},
		map[string][]string{"show_form.html": forms, "show.html": forms, "episode.html": forms, "lti.html": forms,
			"import_form.html": forms, "network.html": forms, "stats.html": stats, "episode_stats.html": stats}, h.funcs(),
		kit.Options{CSP: contentSecurityPolicy, Referrer: "same-origin", Logger: h.log, Prefix: "admin"})
	if err != nil {
		return nil, err
	}
	return h, nil
}
