// Package server owns Lyssna's HTTP surface: the one route table, the
// middleware every request passes (request IDs, access log, panic recovery),
// health checks, and the single place where domain errors become HTTP answers.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lyssna/lyssna/admin"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/feed"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/stats"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/uploads"
	"github.com/lyssna/lyssna/web"
)

// Media delivery modes for Deps.MediaDelivery.
const (
	DeliveryProxy    = "proxy"
	DeliveryRedirect = "redirect"
)

// Deps is everything the handlers need. cmd/lyssna fills it from the
// configuration; tests fill it directly. Add fields here rather than globals.
type Deps struct {
	Store  *episodes.Store
	Bucket storage.Bucket
	Links  links.Builder
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// MaxUploadSize is the largest accepted upload in bytes; 0 means no limit.
	MaxUploadSize int64
	// BodyIdleTimeout is how long any request body may send nothing before
	// it is cut off with a 408 (LYSSNA_BODY_IDLE_TIMEOUT); 0 means bodyguard.DefaultIdle.
	BodyIdleTimeout time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For and Forwarded
	// headers name the client (LYSSNA_TRUSTED_PROXIES); empty trusts none.
	TrustedProxies []netip.Prefix
	// MediaDelivery is DeliveryProxy (stream through Lyssna; the default when
	// empty) or DeliveryRedirect (302 to MediaBaseURL or a presigned URL).
	MediaDelivery string
	// MediaBaseURL is an optional public or CDN base in front of the bucket.
	MediaBaseURL string
	// CacheSize bounds the feed cache in bytes; 0 means feed.DefaultMaxBytes.
	CacheSize int64
	// Metrics, when set, is told about every answered request.
	Metrics RequestObserver
	// MetricsHandler serves /metrics on this listener to requests bearing
	// MetricsToken; /metrics is not routed unless both are set.
	MetricsHandler http.Handler
	MetricsToken   string
	// Uploads is the ingest pipeline; serve builds it spooling under the data
	// directory. Nil builds one spooling under the system temp directory.
	Uploads *uploads.Ingester
	// Stats counts media downloads; nil counts nothing. Its Run is the
	// caller's to start (and stop).
	Stats *stats.Counter
}

// readyCheck is one dependency /readyz asks: the database or the bucket.
type readyCheck struct {
	name string
	ping func(ctx context.Context) error
}

// handler holds the dependencies; every HTTP handler is a method on it.
type handler struct {
	Deps
	checks []readyCheck

	// Built by New from the Deps (nil when Store or Bucket is missing):
	feeds      *feed.Cache    // the per-show feed cache; it listens to the store
	pages      *web.Handler   // the listener pages
	admin      *admin.Handler // the producer web UI
	media      storage.Bucket // Bucket, serving objects with their correct content types
	reports    *stats.Reader  // download statistics for the API
	uploadsErr error          // why Uploads is nil, for the upload handlers to answer
}

// New returns the whole HTTP handler: the route table wrapped in the middleware.
func New(deps Deps) http.Handler {
	h := newHandler(deps)
	return h.middleware(h.routes())
}

// newHandler fills the defaults and builds what the routes need from deps.
func newHandler(deps Deps) *handler {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.MediaDelivery == "" {
		deps.MediaDelivery = DeliveryProxy
	}
	h := &handler{Deps: deps}
	if deps.Store != nil {
		h.checks = append(h.checks, readyCheck{"database", deps.Store.Ping})
	}
	if deps.Bucket != nil {
		h.checks = append(h.checks, readyCheck{"storage", deps.Bucket.Ping})
		h.media = typedMedia(deps.Bucket)
	}
	if deps.Store != nil {
		h.reports = stats.NewReader(deps.Store)
		h.feeds = feed.NewCache(deps.Store, deps.Links, deps.Now, feed.Options{Logger: deps.Logger, MaxBytes: deps.CacheSize})
		deps.Store.Listen(h.feeds.Changed)
		if w, ok := deps.Metrics.(feedCacheWatcher); ok {
			w.WatchFeedCache(h.feeds.Stats)
		}
	}
	if deps.Store != nil && deps.Bucket != nil {
		pages, err := web.New(web.Deps{Store: deps.Store, Bucket: deps.Bucket, Links: deps.Links, Now: deps.Now, Logger: deps.Logger})
		if err != nil {
			// Only a broken build gets here (the templates are embedded):
			// say so loudly and keep /readyz failing rather than panic.
			deps.Logger.Error("listener pages unavailable", "error", err)
			h.checks = append(h.checks, readyCheck{"pages", func(context.Context) error { return err }})
		}
		h.pages = pages
		if h.Uploads, h.uploadsErr = defaultIngester(deps); h.uploadsErr != nil {
			// The API's upload routes answer this error; the admin UI needs
			// the ingester and stays unmounted.
			deps.Logger.Error("uploads and admin UI unavailable", "error", h.uploadsErr)
			return h
		}
		adm, err := admin.New(admin.Deps{
			Store: deps.Store, Bucket: deps.Bucket, Uploads: h.Uploads, Links: deps.Links,
			Now: deps.Now, Logger: deps.Logger,
			SecureCookies: strings.HasPrefix(deps.Links.Base(), "https://"),
		})
		if err != nil {
			// As with the pages: only a broken build gets here.
			deps.Logger.Error("admin UI unavailable", "error", err)
			h.checks = append(h.checks, readyCheck{"admin", func(context.Context) error { return err }})
		}
		h.admin = adm
	} else {
		h.uploadsErr = errors.New("server: uploads need a store and a bucket")
	}
	return h
}

// defaultIngester is deps.Uploads, the pipeline serve built, or when that is
// nil (tests) one spooling under the system temp directory. It is built once
// and shared by the API and the admin UI.
func defaultIngester(deps Deps) (*uploads.Ingester, error) {
	if deps.Uploads != nil {
		return deps.Uploads, nil
	}
	return uploads.New(uploads.Deps{
		Store: deps.Store, Bucket: deps.Bucket, MaxSize: deps.MaxUploadSize, Now: deps.Now, Logger: deps.Logger,
		TempDir: filepath.Join(os.TempDir(), "lyssna-uploads"),
	})
}
