// Package server owns Lyssna's HTTP surface: the one route table, the
// middleware every request passes (request IDs, access log, panic recovery),
// health checks, and the single place where domain errors become HTTP answers.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/storage"
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
	// MediaDelivery is DeliveryProxy (stream through Lyssna; the default when
	// empty) or DeliveryRedirect (302 to MediaBaseURL or a presigned URL).
	MediaDelivery string
	// MediaBaseURL is an optional public or CDN base in front of the bucket.
	MediaBaseURL string
	// AdminToken is an optional bootstrap API token with full rights.
	AdminToken string
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
}

// New returns the whole HTTP handler: the route table wrapped in the middleware.
func New(deps Deps) http.Handler {
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
	}
	return h.middleware(h.routes())
}
