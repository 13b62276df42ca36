// Package site is the wiring of the whole product: it builds every part the
// server serves (the feed cache, registered with the store's change
// announcements; the listener pages; the producer UI) over a store, a
// bucket and the upload pipeline, and hands them, finished, to server.New.
// lyssna serve, the profiling server and the browser tests all build the
// site through it, so they serve what production serves.
package site

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/accounts/oidc"
	"github.com/lyssna/lyssna/admin"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/feed"
	"github.com/lyssna/lyssna/imports"
	"github.com/lyssna/lyssna/internal/mail"
	"github.com/lyssna/lyssna/jobs"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/lti"
	"github.com/lyssna/lyssna/notify"
	"github.com/lyssna/lyssna/server"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/uploads"
	"github.com/lyssna/lyssna/web"
)

// Parts are what the site is built over, and its settings.
type Parts struct {
	Store   *episodes.Store
	Bucket  storage.Bucket
	Uploads *uploads.Ingester
	Links   links.Builder
	Logger  *slog.Logger
	Now     func() time.Time

	// Jobs is the durable job queue; parts register their kinds of job on
	// it while Build runs, and the caller runs it (Queue.Run) afterwards.
	// nil runs no background jobs.
	Jobs *jobs.Queue
	// OIDC, when set, offers sign-in with an identity provider; Mail, when
	// set, sends invitation and password-reset links.
	OIDC *oidc.Provider
	Mail *mail.Sender
	// Notifier notifies apps of feed changes; the API and the producer UI
	// show its last notifications. nil: none.
	Notifier *notify.Notifier

	// Imports runs imports of shows as jobs on Jobs (Build registers the
	// kind); nil answers the import API with 503.
	Imports *imports.Importer

	// CacheSize bounds the feed and page caches in bytes (a quarter for
	// rendered pages, the rest for the feed cache); 0 is feed.DefaultMaxBytes.
	CacheSize int64
	// FeedItems is the feed cache's per-episode item cache, made by
	// NewFeedItems with the same CacheSize, and shared with the notifier's
	// digest of a feed (feed.PublicContent). nil: the feed cache makes its
	// own.
	FeedItems *feed.ItemCache
	// Secret signs listener keys' URLs and embed grants (LYSSNA_SECRET);
	// empty makes a random one for this process (tests), which no other
	// replica or restart shares.
	Secret []byte
	// Server holds the server's settings and optional parts (media delivery,
	// body guard, trusted proxies, metrics, download stats); Build fills in
	// the parts above and the ones it builds. "" MediaDelivery is
	// server.DeliveryProxy.
	Server server.Deps
}

// NewFeedItems makes the feed cache's per-episode item cache for a site
// whose caches get size bytes (Parts.CacheSize): its share of the
// feed cache's. lyssna serve makes it before the site, to share it with
// the notifier.
func NewFeedItems(size int64) *feed.ItemCache {
	size = cacheSize(size)
	return feed.NewItemCache(feed.ItemBytes(size - size/4))
}

// cacheSize is Parts.CacheSize, feed.DefaultMaxBytes for 0.
func cacheSize(size int64) int64 {
	if size <= 0 {
		return feed.DefaultMaxBytes
	}
	return size
}

// Build builds every part and the server over them.
func Build(p Parts) (http.Handler, error) {
	if p.Store == nil || p.Bucket == nil || p.Uploads == nil || p.Logger == nil || p.Now == nil {
		return nil, fmt.Errorf("site: Store, Bucket, Uploads, Logger and Now are required")
	}
	secret := p.Secret
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
	}
	signer, err := access.NewSigner(secret)
	if err != nil {
		return nil, fmt.Errorf("site: LYSSNA_SECRET: %w", err)
	}
	size := cacheSize(p.CacheSize)
	items := p.FeedItems
	if items == nil {
		items = NewFeedItems(p.CacheSize)
	}
	feeds := feed.NewCache(p.Store, p.Links, p.Now, feed.Options{Logger: p.Logger, MaxBytes: size - size/4, Items: items})
	p.Store.Listen(feeds.Changed)
	pages, err := web.New(web.Deps{Store: p.Store, Bucket: p.Bucket, Links: p.Links, Now: p.Now, Logger: p.Logger,
		CacheBytes: size / 4, EmbedOrigins: p.Server.EmbedOrigins})
	if err != nil {
		return nil, fmt.Errorf("site: build the listener pages: %w", err)
	}
	p.Store.Listen(pages.Changed)
	tool, err := lti.New(lti.Deps{DB: p.Store.DB(), Store: p.Store, BaseURL: p.Links.Base(), Secret: string(secret),
		MediaURL: p.Links.Media, Now: p.Now, Logger: p.Logger,
		Player: ltiPlayer{pages: pages, signer: signer}, FrameOrigins: p.Server.EmbedOrigins})
	if err != nil {
		return nil, fmt.Errorf("site: build the LTI tool: %w", err)
	}
	adm, err := admin.New(admin.Deps{Store: p.Store, Bucket: p.Bucket, Uploads: p.Uploads, Links: p.Links,
		Now: p.Now, Logger: p.Logger, LTI: tool.Platforms, LTISecret: tool.Keys.Enabled(), SecureCookies: strings.HasPrefix(p.Links.Base(), "https://"),
		OIDC: p.OIDC, Mail: p.Mail, Notifier: p.Notifier, Signer: signer, Imports: p.Imports})
	if err != nil {
		return nil, fmt.Errorf("site: build the producer UI: %w", err)
	}
	if p.Imports != nil && p.Jobs != nil {
		if err := p.Imports.Register(p.Jobs); err != nil {
			return nil, fmt.Errorf("site: register imports: %w", err)
		}
	}
	d := p.Server
	d.LTI = tool
	d.Imports = p.Imports
	d.Store, d.Bucket, d.Uploads, d.Feeds, d.Pages, d.Admin = p.Store, p.Bucket, p.Uploads, feeds, pages, adm
	d.Links, d.Logger, d.Now, d.Notifier, d.Signer = p.Links, p.Logger, p.Now, p.Notifier, signer
	if d.MediaDelivery == "" {
		d.MediaDelivery = server.DeliveryProxy
	}
	return server.New(d)
}
