package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/lyssna/lyssna/config"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/imports"
	"github.com/lyssna/lyssna/internal/site"
	"github.com/lyssna/lyssna/metrics"
	"github.com/lyssna/lyssna/server"
	"github.com/lyssna/lyssna/stats"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/uploads"
)

// Server timeouts. There is deliberately no ReadTimeout or WriteTimeout: they
// bound the whole request or answer, so they would cut off a large upload on
// a slow line or a long media download (a podcast app may take many minutes
// to fetch an episode). Slow clients are bounded instead by ReadHeaderTimeout
// (no request without its headers in time: slowloris) and IdleTimeout
// (keep-alive connections doing nothing are closed), and every request body by
// the server's body guard: an idle deadline moved on with each read
// (LYSSNA_BODY_IDLE_TIMEOUT) and a cap of LYSSNA_MAX_UPLOAD_SIZE.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

func runServe(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("serve")
	cfg, err := c.loadConfig(fs, "serve", args)
	if err != nil {
		return err
	}
	// The access log is one line per request: batch the writes (flushed
	// every logFlushInterval, at once for warnings and errors, and on return).
	logOut := newLogBuffer(c.stderr, logFlushInterval)
	defer logOut.Close()
	logger := newLogger(cfg, logOut)

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	store, err := openStore(ctx, cfg, true, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	bucket, closeBucket, err := openBucket(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeBucket.Close()
	reg := metrics.NewRegistry()
	m := metrics.New(reg)
	m.WatchDB(store.DB())
	bucket = m.Bucket(bucket)
	if _, err := server.BootstrapAdminToken(ctx, store, cfg.AdminToken); errors.Is(err, server.ErrAdminTokenRevoked) {
		logger.Warn("LYSSNA_ADMIN_TOKEN was revoked and is not stored again; unset it or set a new secret")
	} else if err != nil {
		return fmt.Errorf("create the admin token (LYSSNA_ADMIN_TOKEN): %w", err)
	}
	ingester, err := startUploads(ctx, cfg, store, bucket, logger, m)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (LYSSNA_LISTEN): %w", cfg.Listen, err)
	}
	listenURL := config.BaseURLFor(ln.Addr().String())
	baseURL := cfg.BaseURL
	if cfg.Source("LYSSNA_BASE_URL") == config.SourceDerived {
		baseURL = listenURL // the real port, when LYSSNA_LISTEN asked for port 0
	}
	counter, stopStats, err := startStats(ctx, cfg, store, baseURL, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopStats()
	if counter != nil {
		m.WatchDownloads(counter.Metrics)
	}

	queue := newQueue(cfg, store, logger)
	lb := feedLinks(cfg, baseURL)
	feedItems := site.NewFeedItems(cfg.CacheSize) // the feed cache's and the notifier's
	notifier, err := newNotifier(cfg, store, queue, lb, feedItems, logger)
	if err != nil {
		ln.Close()
		return err
	}
	importer, err := imports.New(imports.Deps{Store: store, Uploads: ingester, Bucket: bucket, Logger: logger,
		Fetcher: imports.NewFetcher(imports.Limits{}, cfg.ImportAllowPrivate, ""), TempDir: ingester.TempDir})
	if err != nil {
		ln.Close()
		return err
	}
	provider, err := signInProvider(cfg, store.DB(), baseURL)
	if err != nil {
		ln.Close()
		return err
	}
	sender, err := mailSender(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	secret, err := serverSecret(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	handler, err := site.Build(site.Parts{
		Store: store, Bucket: bucket, Uploads: ingester, Links: lb,
		Logger: logger, Now: time.Now, CacheSize: cfg.CacheSize, FeedItems: feedItems, Jobs: queue, Secret: secret, Imports: importer, OIDC: provider, Mail: sender,
		Notifier: notifier,
		Server: server.Deps{
			BodyIdleTimeout: cfg.BodyIdleTimeout,
			TrustedProxies:  cfg.TrustedProxies,
			APIRate:         cfg.APIRateLimit,
			APIBurst:        int(10 * cfg.APIRateLimit),
			MediaDelivery:   cfg.MediaDelivery,
			MediaBaseURL:    cfg.MediaBaseURL,
			Stats:           counter,
			Metrics:         m,
			MetricsHandler:  m.Handler(),
			MetricsToken:    cfg.MetricsToken,
			EmbedOrigins:    cfg.EmbedOrigins,
		},
	})
	if err != nil {
		return err
	}
	defer startJobs(ctx, queue, notifier)() // after Build: every kind is registered
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	if cfg.MetricsListen != "" {
		stopMetrics, err := serveMetrics(cfg.MetricsListen, m.Handler(), logger)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}

	fmt.Fprintf(c.stdout, "Lyssna is listening on %s/\n", listenURL)
	if baseURL != listenURL {
		fmt.Fprintf(c.stdout, "Public base URL: %s/\n", baseURL)
	}
	database, _ := describeDatabase(cfg.DatabaseURL) // without credentials
	logger.Info("serving", "listen", ln.Addr().String(), "base_url", baseURL,
		"database", database, "storage", cfg.Storage, "version", version)

	if err := serveUntil(ctx, srv, ln, cfg.ShutdownTimeout, logger); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// serveUntil serves on ln until ctx ends, then shuts down gracefully: it
// stops accepting, lets in-flight requests finish for up to timeout, and then
// closes whatever is left.
func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener, timeout time.Duration, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down; waiting for requests in flight", "timeout", timeout)
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serr)
	}
	if err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: requests still running after %s (LYSSNA_SHUTDOWN_TIMEOUT) were cut off: %w", timeout, err)
	}
	return nil
}

// serveMetrics serves /metrics alone on addr (LYSSNA_METRICS_LISTEN), without
// a token: the address is meant to be private. The returned func closes it.
func serveMetrics(addr string, h http.Handler, logger *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (LYSSNA_METRICS_LISTEN): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics listener stopped", "listen", addr, "error", err)
		}
	}()
	logger.Info("serving metrics", "listen", ln.Addr().String())
	return func() { srv.Close() }, nil
}

// sweepInterval is how often serve looks for orphaned objects and temp files.
const sweepInterval = 15 * time.Minute

// startUploads builds the upload pipeline spooling under the data directory,
// removes the temp files a crash may have left there (no upload runs yet), and
// starts the sweeper that deletes the objects done with (released longer
// than LYSSNA_MEDIA_RETENTION ago, or uploads uncommitted for
// LYSSNA_SWEEP_GRACE). The sweeper stops with ctx.
func startUploads(ctx context.Context, cfg *config.Config, store *episodes.Store, bucket storage.Bucket, logger *slog.Logger, obs uploads.Observer) (*uploads.Ingester, error) {
	in, err := uploads.New(uploads.Deps{
		Store: store, Bucket: bucket, TempDir: filepath.Join(cfg.DataDir, "tmp"),
		MaxSize: cfg.MaxUploadSize, Now: time.Now, Logger: logger, Observer: obs,
	})
	if err != nil {
		return nil, fmt.Errorf("prepare uploads under the data directory (LYSSNA_DATA_DIR): %w", err)
	}
	if n, err := in.ClearTemp(); err != nil {
		logger.Warn("uploads: could not remove temp files left by an earlier run", "error", err)
	} else if n > 0 {
		logger.Info("uploads: removed temp files left by an earlier run", "files", n)
	}
	go in.RunSweeper(ctx, sweepInterval, sweepOptions(cfg))
	return in, nil
}

// startStats builds the download counter (nil when LYSSNA_STATS is false)
// with the GeoIP database when one is set, and runs its aggregation until
// the returned stop is called; stop waits for the last round.
func startStats(ctx context.Context, cfg *config.Config, store *episodes.Store, baseURL string, logger *slog.Logger) (*stats.Counter, func(), error) {
	if !cfg.Stats {
		return nil, func() {}, nil
	}
	var geo *stats.GeoIP
	if cfg.GeoIPDB != "" {
		var err error
		if geo, err = stats.OpenGeoIP(cfg.GeoIPDB); err != nil {
			return nil, nil, fmt.Errorf("LYSSNA_GEOIP_DB: %w", err)
		}
	}
	counter, err := stats.New(stats.Deps{Store: store, Logger: logger, GeoIP: geo, PageBase: baseURL})
	if err != nil {
		geo.Close()
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		counter.Run(ctx)
	}()
	return counter, func() {
		cancel()
		<-done
		geo.Close()
	}, nil
}
