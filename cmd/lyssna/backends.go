package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/lyssna/lyssna/config"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/filesystem"
	"github.com/lyssna/lyssna/storage/s3"
)

// openStore opens the database named by the configuration, running
// migrations, with the connection pool it sets. say (nil for none) is told
// which database it is, for the command to tell the person. With create (serve, migrate) a missing SQLite database is
// made, with the data directory; other commands refuse to make one unless
// LYSSNA_DATA_DIR or LYSSNA_DATABASE_URL was given (flag, environment or
// file): run from another folder, the default ./lyssna-data would silently
// be a new, empty database, and a token made there fails with 401.
func openStore(ctx context.Context, cfg *config.Config, create bool, say func(database string)) (*episodes.Store, error) {
	what, file := describeDatabase(cfg.DatabaseURL)
	if file != "" {
		if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) && !create && !databaseGiven(cfg) {
			wd, _ := os.Getwd()
			return nil, fmt.Errorf("there is no database at %s (the default ./lyssna-data is relative to the working directory, %s); "+
				"run this command in the folder where `lyssna serve` runs, or give the data directory with --data-dir or LYSSNA_DATA_DIR "+
				"(or the database with LYSSNA_DATABASE_URL); `lyssna migrate` makes a new database", file, wd)
		}
	}
	if say != nil {
		say(what)
	}
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

// sayDatabase tells the person on stderr which database a command used.
func (c *cli) sayDatabase(what string) {
	fmt.Fprintf(c.stderr, "lyssna: using the %s\n", what)
}

// describeDatabase names the database for a person: the SQLite file's
// absolute path (also returned as file), or the PostgreSQL URL without its
// password.
func describeDatabase(databaseURL string) (what, file string) {
	if episodes.IsPostgres(databaseURL) {
		if u, err := url.Parse(databaseURL); err == nil {
			databaseURL = u.Redacted()
		}
		return "PostgreSQL database " + databaseURL, ""
	}
	file = episodes.SQLiteFile(databaseURL)
	if file == "" {
		return "in-memory SQLite database", ""
	}
	if abs, err := filepath.Abs(file); err == nil {
		file = abs
	}
	return "SQLite database " + file, file
}

// databaseGiven reports whether the database was chosen on purpose: the data
// directory or the database URL set by a flag, the environment or the file.
func databaseGiven(cfg *config.Config) bool {
	for _, name := range []string{"LYSSNA_DATA_DIR", "LYSSNA_DATABASE_URL"} {
		switch cfg.Source(name) {
		case config.SourceFlag, config.SourceEnv, config.SourceFile:
			return true
		}
	}
	return false
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
			// Parts large enough for the biggest upload in S3's 10,000.
			MaxObjectSize: cfg.MaxUploadSize,
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
