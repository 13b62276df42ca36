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
	"strings"
	"syscall"
	"time"

	"github.com/lyssna/lyssna/config"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/server"
)

// Server timeouts. There is deliberately no ReadTimeout or WriteTimeout: they
// bound the whole request or answer, so they would cut off a large upload on
// a slow line or a long media download (a podcast app may take many minutes
// to fetch an episode). Slow clients are bounded instead by ReadHeaderTimeout
// (no request without its headers in time: slowloris) and IdleTimeout
// (keep-alive connections doing nothing are closed); the upload handlers cap
// bodies with LYSSNA_MAX_UPLOAD_SIZE.
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
	logger := newLogger(cfg, c.stderr)

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := ensureDataDir(cfg); err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	bucket, closeBucket, err := openBucket(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeBucket.Close()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (LYSSNA_LISTEN): %w", cfg.Listen, err)
	}
	listenURL := config.BaseURLFor(ln.Addr().String())
	baseURL := cfg.BaseURL
	if cfg.Source("LYSSNA_BASE_URL") == config.SourceDerived {
		baseURL = listenURL // the real port, when LYSSNA_LISTEN asked for port 0
	}

	handler := server.New(server.Deps{
		Store:         store,
		Bucket:        bucket,
		Links:         links.New(baseURL),
		Logger:        logger,
		Now:           time.Now,
		MaxUploadSize: cfg.MaxUploadSize,
		MediaDelivery: cfg.MediaDelivery,
		MediaBaseURL:  cfg.MediaBaseURL,
		AdminToken:    cfg.AdminToken,
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	fmt.Fprintf(c.stdout, "Lyssna is listening on %s/\n", listenURL)
	if baseURL != listenURL {
		fmt.Fprintf(c.stdout, "Public base URL: %s/\n", baseURL)
	}
	logger.Info("serving", "listen", ln.Addr().String(), "base_url", baseURL,
		"database", databaseKind(cfg.DatabaseURL), "storage", cfg.Storage, "version", version)

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

// ensureDataDir creates the data directory, where SQLite and filesystem media live.
func ensureDataDir(cfg *config.Config) error {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("create the data directory (LYSSNA_DATA_DIR): %w", err)
	}
	return nil
}

// databaseKind names the database for the log without its credentials.
func databaseKind(url string) string {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return "postgres"
	}
	return "sqlite"
}
