package server

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/admin"
	"github.com/lyssna/lyssna/feed"
	"github.com/lyssna/lyssna/imports"
	"github.com/lyssna/lyssna/uploads"
	"github.com/lyssna/lyssna/web"
)

// withParts builds, for a test, the parts cmd/lyssna builds from deps'
// store, bucket and links: the upload pipeline (spooling under a temp
// directory), the feed cache listening to the store, the listener pages and
// the producer UI. Parts deps already has are kept.
func withParts(t testing.TB, deps Deps) Deps {
	t.Helper()
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.MediaDelivery == "" {
		deps.MediaDelivery = DeliveryProxy
	}
	var err error
	if deps.Signer == nil {
		if deps.Signer, err = access.NewSigner([]byte("test secret of the server tests")); err != nil {
			t.Fatal(err)
		}
	}
	if deps.Uploads == nil {
		// Under $TMPDIR (which upload tests point at their own temp
		// directory), where leftovers looks for stray temp files.
		deps.Uploads, err = uploads.New(uploads.Deps{Store: deps.Store, Bucket: deps.Bucket, TempDir: filepath.Join(os.TempDir(), "lyssna-uploads"),
			Now: deps.Now, Logger: deps.Logger})
		if err != nil {
			t.Fatal(err)
		}
	}
	if deps.Imports == nil {
		deps.Imports, err = imports.New(imports.Deps{Store: deps.Store, Uploads: deps.Uploads, Bucket: deps.Bucket,
			Fetcher: imports.NewFetcher(imports.Limits{}, true, ""), Logger: deps.Logger, Now: deps.Now})
		if err != nil {
			t.Fatal(err)
		}
	}
	if deps.Feeds == nil {
		deps.Feeds = feed.NewCache(deps.Store, deps.Links, deps.Now, feed.Options{Logger: deps.Logger})
		deps.Store.Listen(deps.Feeds.Changed)
	}
	if deps.Pages == nil {
		deps.Pages, err = web.New(web.Deps{Store: deps.Store, Bucket: deps.Bucket, Links: deps.Links, Now: deps.Now, Logger: deps.Logger,
			EmbedOrigins: deps.EmbedOrigins})
		if err != nil {
			t.Fatal(err)
		}
		deps.Store.Listen(deps.Pages.Changed)
	}
	if deps.Admin == nil {
		deps.Admin, err = admin.New(admin.Deps{Store: deps.Store, Bucket: deps.Bucket, Uploads: deps.Uploads, Links: deps.Links,
			Now: deps.Now, Logger: deps.Logger, SecureCookies: strings.HasPrefix(deps.Links.Base(), "https://"), Signer: deps.Signer, Imports: deps.Imports})
		if err != nil {
			t.Fatal(err)
		}
	}
	return deps
}

// serve is New over withParts(deps), every API answer checked against
// docs/openapi.yaml (checkOpenAPI).
func serve(t testing.TB, deps Deps) http.Handler {
	t.Helper()
	h, err := New(withParts(t, deps))
	if err != nil {
		t.Fatal(err)
	}
	return checkOpenAPI(t, h)
}

// TestNewRefusesMissingParts: the server builds no fallback for a part.
func TestNewRefusesMissingParts(t *testing.T) {
	deps, _ := realDeps(t)
	full := withParts(t, deps)
	if _, err := New(full); err != nil {
		t.Fatalf("New with every part: %v", err)
	}
	for name, drop := range map[string]func(*Deps){
		"Uploads": func(d *Deps) { d.Uploads = nil },
		"Feeds":   func(d *Deps) { d.Feeds = nil },
		"Pages":   func(d *Deps) { d.Pages = nil },
		"Admin":   func(d *Deps) { d.Admin = nil },
		"Store":   func(d *Deps) { d.Store = nil },
	} {
		d := full
		drop(&d)
		if _, err := New(d); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("New without %s: %v, want an error naming it", name, err)
		}
	}
}

// firstOf is the deps of realDeps, without its log.
func firstOf(deps Deps, _ *syncBuffer) Deps { return deps }
