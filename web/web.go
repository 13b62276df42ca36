// Package web owns the listener pages: the show page, the episode page with
// its learning materials, and the printable study guide, rendered on the
// server from embedded templates, with an embedded stylesheet and a small
// script that only improves what already works without it.
package web

import (
	"context"
	"embed"
	"errors"
	"log/slog"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/web/kit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Store is what the pages read from episodes.Store.
type Store interface {
	GetShow(ctx context.Context, slug string) (*episodes.Show, error)
	ListShows(ctx context.Context) ([]*episodes.Show, error)
	// PublicEpisodeView reads an episode page's show, episode, neighbours
	// and next scheduled time (two queries).
	PublicEpisodeView(ctx context.Context, showSlug, episodeSlug string, now time.Time) (*episodes.EpisodeView, error)
	// GrantedEpisodeView is PublicEpisodeView for a request with a grant:
	// private and unlisted episodes are neighbours too.
	GrantedEpisodeView(ctx context.Context, showSlug, episodeSlug string, now time.Time) (*episodes.EpisodeView, error)
	// VisibleEpisodePage lists the public episodes (by status) up to a
	// visibility (episodes.VisibilityUnlisted: public and unlisted ones)
	// in the feed's order: newest publish time first, then highest id.
	VisibleEpisodePage(ctx context.Context, showID int64, now time.Time, upTo string, offset, limit int) ([]*episodes.Episode, int, error)
	// NextScheduled and ShowVersion tell the page cache when a show's
	// pages change without a write in this process.
	NextScheduled(ctx context.Context, showID int64, after time.Time) (time.Time, bool, error)
	ShowVersion(ctx context.Context, showID int64) (int64, error)
}

// Deps are the Handler's dependencies.
type Deps struct {
	Store  Store
	Bucket storage.Bucket // transcripts are read from here
	Links  links.Builder
	Now    func() time.Time // nil means time.Now
	Logger *slog.Logger     // nil means slog.Default()
	// CacheBytes bounds the rendered pages kept (pagecache.go); 0 means
	// DefaultPageCacheBytes.
	CacheBytes int64
	// CheckInterval is how long a cached page is served without asking
	// the database whether its show changed on another replica; 0 means
	// one second.
	CheckInterval time.Duration
	// EmbedOrigins may frame the embed player of private content, and of
	// public content when set (LYSSNA_EMBED_ORIGINS); empty: public embeds
	// anywhere, private ones on Lyssna's own pages only.
	EmbedOrigins []string
}

// Handler serves the listener pages.
type Handler struct {
	store       Store
	bucket      storage.Bucket
	links       links.Builder
	now         func() time.Time
	log         *slog.Logger
	pages       *kit.Pages
	static      *kit.Assets
	notes       *kit.Markdown
	transcripts *transcriptCache
	cache       *pageCache
	embed       *kit.Pages // the embed player, with its own layout
	origins     []string   // Deps.EmbedOrigins
}

// New parses the templates and prepares the static files; it fails only when
// the embedded templates are broken or a dependency is missing.
func New(d Deps) (*Handler, error) {
	if d.Store == nil || d.Bucket == nil {
		return nil, errors.New("web: Deps.Store and Deps.Bucket are required")
	}
	if d.Links.Base() == "" {
		return nil, errors.New("web: Deps.Links has no public base URL")
	}
	h := &Handler{
		store:       d.Store,
		bucket:      d.Bucket,
		links:       d.Links,
		now:         d.Now,
		log:         d.Logger,
		notes:       kit.NewMarkdown(),
		transcripts: newTranscriptCache(64),
		origins:     d.EmbedOrigins,
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if d.CacheBytes <= 0 {
		d.CacheBytes = DefaultPageCacheBytes
	}
	if d.CheckInterval <= 0 {
		d.CheckInterval = time.Second
	}
	h.cache = newPageCache(d.CacheBytes, d.CheckInterval, h.now, d.Store.ShowVersion)
	var err error
	if h.static, err = kit.LoadAssets(staticFS, "static"); err != nil {
		return nil, err
	}
	h.pages, err = kit.ParsePages(templateFS, "templates", []string{"base.html"},
		[]string{"home.html", "show.html", "episode.html", "study_guide.html", "error.html"}, nil, h.funcs(),
		kit.Options{CSP: contentSecurityPolicy, Referrer: "strict-origin-when-cross-origin", Logger: h.log, Prefix: "web"})
	if err != nil {
		return nil, err
	}
	// The embed's CSP is set per answer (embedCSP): frame-ancestors
	// depends on the content.
	h.embed, err = kit.ParsePages(templateFS, "templates", []string{"embed_base.html"},
		[]string{"embed.html"}, nil, h.funcs(),
		kit.Options{CSP: embedCSP(nil), Referrer: "strict-origin-when-cross-origin", Logger: h.log, Prefix: "web"})
	if err != nil {
		return nil, err
	}
	return h, nil
}
