// Package server owns Lyssna's HTTP surface: the one route table, the
// middleware every request passes (request IDs, access log, panic recovery),
// health checks, and the single place where domain errors become HTTP answers.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/admin"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/feed"
	"github.com/lyssna/lyssna/imports"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/lti"
	"github.com/lyssna/lyssna/notify"
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

// Deps are the finished parts the server serves and its settings.
// internal/site builds every part (and registers the feed cache with the
// store's announcements) for cmd/lyssna; New refuses a missing part rather
// than build a fallback.
type Deps struct {
	Store   *episodes.Store
	Bucket  storage.Bucket
	Uploads *uploads.Ingester // the one ingest pipeline, shared with the producer UI
	Feeds   *feed.Cache       // the feed cache, listening to the store
	Pages   *web.Handler      // the listener pages
	Admin   *admin.Handler    // the producer UI
	Links   links.Builder
	Logger  *slog.Logger
	Now     func() time.Time // the clock

	// BodyIdleTimeout is how long any request body may send nothing before
	// it is cut off with a 408 (LYSSNA_BODY_IDLE_TIMEOUT); 0 means bodyguard.DefaultIdle.
	BodyIdleTimeout time.Duration
	// APIRate and APIBurst limit the requests of each API token in this
	// replica (a sustained rate per second and a burst); 0 means the
	// defaults, 20 a second and 200 at once (LYSSNA_API_RATE_LIMIT).
	APIRate  float64
	APIBurst int
	// TrustedProxies are the proxies whose X-Forwarded-For and Forwarded
	// headers name the client (LYSSNA_TRUSTED_PROXIES); empty trusts none.
	TrustedProxies []netip.Prefix
	// MediaDelivery is DeliveryProxy (stream through Lyssna) or
	// DeliveryRedirect (302 to MediaBaseURL or a presigned URL).
	MediaDelivery string
	// MediaBaseURL is an optional public or CDN base in front of the bucket.
	MediaBaseURL string
	// Metrics, when set, is told about every answered request.
	Metrics RequestObserver
	// MetricsHandler serves /metrics on this listener to requests bearing
	// MetricsToken; /metrics is not routed unless both are set.
	MetricsHandler http.Handler
	MetricsToken   string
	// LTI is the LTI 1.3 tool; nil leaves /lti/ unrouted.
	LTI *lti.Handler
	// Signer signs and checks the grants of listener keys and embeds
	// (access.Signer over LYSSNA_SECRET).
	Signer *access.Signer
	// EmbedOrigins may frame embeds of private content
	// (LYSSNA_EMBED_ORIGINS).
	EmbedOrigins []string
	// Stats counts media downloads; nil counts nothing. Its Run is the
	// caller's to start (and stop).
	Stats *stats.Counter
	// Imports queues and reports imports of shows; nil answers 503 on
	// /api/v1/imports.
	Imports *imports.Importer
	// Notifier reports the shows' notifications of feed changes (WebSub,
	// pubnotify, Podping); nil reports none. Its Run is the caller's.
	Notifier *notify.Notifier
}

// readyCheck is one dependency /readyz asks: the database or the bucket.
type readyCheck struct {
	name string
	ping func(ctx context.Context) error
}

// handler holds the dependencies; every HTTP handler is a method on it.
type handler struct {
	Deps
	checks   []readyCheck
	media    storage.Bucket                 // Bucket, serving objects with their correct content types
	reports  *stats.Reader                  // download statistics for the API
	router   *mux.Router                    // the route table, for the Allow header of a 405
	apiLimit *tokenLimiter                  // requests per API token, in this replica
	accounts *accounts.Store                // people, roles, tokens: who may do what
	actions  map[*mux.Route]accounts.Action // each API and UI route's action (may)
}

// New returns the whole HTTP handler: the route table behind compress and
// the hot routes (hot.go), wrapped in the middleware. It fails when a part
// is missing.
func New(deps Deps) (http.Handler, error) {
	h, err := newHandler(deps)
	if err != nil {
		return nil, err
	}
	table := h.routes()
	return h.middleware(h.hot(), compress(table)), nil
}

// newHandler checks that every part is there.
func newHandler(deps Deps) (*handler, error) {
	var missing []string
	for name, absent := range map[string]bool{
		"Store": deps.Store == nil, "Bucket": deps.Bucket == nil, "Uploads": deps.Uploads == nil,
		"Feeds": deps.Feeds == nil, "Pages": deps.Pages == nil, "Admin": deps.Admin == nil,
		"Logger": deps.Logger == nil, "Now": deps.Now == nil, "Links": deps.Links.Base() == "",
		"Signer": deps.Signer == nil,
	} {
		if absent {
			missing = append(missing, name)
		}
	}
	if deps.MediaDelivery != DeliveryProxy && deps.MediaDelivery != DeliveryRedirect {
		missing = append(missing, "MediaDelivery")
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("server: missing parts: %s", strings.Join(missing, ", "))
	}
	h := &handler{Deps: deps, media: typedMedia(deps.Bucket), reports: stats.NewReader(deps.Store),
		apiLimit: newTokenLimiter(deps.APIRate, deps.APIBurst, time.Now),
		accounts: accounts.New(deps.Store, deps.Now)}
	h.checks = []readyCheck{{"database", deps.Store.Ping}, {"storage", deps.Bucket.Ping}}
	if w, ok := deps.Metrics.(feedCacheWatcher); ok {
		w.WatchFeedCache(deps.Feeds.Stats)
	}
	return h, nil
}
