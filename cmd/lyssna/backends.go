package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/lyssna/lyssna/config"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/filesystem"
	"github.com/lyssna/lyssna/storage/s3"
)

// openStore creates the data directory (where SQLite and filesystem media
// live, and uploads are spooled) and opens the database named by the
// configuration, running migrations, with the connection pool it sets.
func openStore(ctx context.Context, cfg *config.Config) (*episodes.Store, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create the data directory (LYSSNA_DATA_DIR): %w", err)
	}
	store, err := episodes.Open(ctx, cfg.DatabaseURL, time.Now)
	if err != nil {
		return nil, fmt.Errorf("open the database (LYSSNA_DATABASE_URL): %w", err)
	}
	store.SetPool(episodes.Pool{MaxOpen: cfg.DBMaxOpenConns, MaxIdle: cfg.DBMaxIdleConns, MaxLifetime: cfg.DBConnMaxLifetime})
	return store, nil
}

// openBucket opens the media bucket: DATA_DIR/media on the filesystem, or S3.
// The returned closer releases it.
func openBucket(ctx context.Context, cfg *config.Config) (storage.Bucket, io.Closer, error) {
	switch cfg.Storage {
	case config.StorageS3:
		b, err := s3.New(ctx, s3.Options{
			Endpoint:  cfg.S3Endpoint,
			Region:    cfg.S3Region,
			Bucket:    cfg.S3Bucket,
			Prefix:    cfg.S3Prefix,
			AccessKey: cfg.S3AccessKey,
			SecretKey: cfg.S3SecretKey,
			PathStyle: cfg.S3PathStyle,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("open the S3 bucket (LYSSNA_S3_*): %w", err)
		}
		return b, nopCloser{}, nil
	default:
		dir := filepath.Join(cfg.DataDir, "media")
		b, err := filesystem.New(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("open the media directory: %w", err)
		}
		return b, b, nil
	}
}

// nopCloser is the closer of a backend that holds nothing to release.
type nopCloser struct{}

func (nopCloser) Close() error { return nil }
