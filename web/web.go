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
	GetEpisode(ctx context.Context, showID int64, idOrSlug string) (*episodes.Episode, error)
	ListShows(ctx context.Context) ([]*episodes.Show, error)
	// PublicNeighbours and PublicEpisodePage list public episodes in the
	// feed's order: newest publish time first, then highest id.
	PublicNeighbours(ctx context.Context, showID int64, ep *episodes.Episode, now time.Time) (prev, next *episodes.EpisodeRef, err error)
	PublicEpisodePage(ctx context.Context, showID int64, now time.Time, offset, limit int) ([]*episodes.Episode, int, error)
}

// Deps are the Handler's dependencies.
type Deps struct {
	Store  Store
	Bucket storage.Bucket // transcripts are read from here
	Links  links.Builder
	Now    func() time.Time // nil means time.Now
	Logger *slog.Logger     // nil means slog.Default()
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
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	var err error
	if h.static, err = kit.LoadAssets(staticFS, "static"); err != nil {
		return nil, err
	}
	h.pages, err = kit.ParsePages(templateFS, "templates", []string{"base.html"},
		[]string{"home.html", "show.html", "episode.html", "study_guide.html", "error.html"}, h.funcs(),
		kit.Options{CSP: contentSecurityPolicy, Referrer: "strict-origin-when-cross-origin", Logger: h.log, Prefix: "web"})
	if err != nil {
		return nil, err
	}
	return h, nil
}
