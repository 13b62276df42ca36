package main

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lyssna/lyssna/config"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/web/kit"
)

// A backup is a tar archive: backupManifest first, then backupDBName (a
// VACUUM INTO snapshot), then with --media every media object under
// media/KEY.
const (
	backupManifestName = "lyssna-backup.json"
	backupDBName       = "lyssna.db"
	backupMediaDir     = "media/"
	backupFormat       = 1
)

// backupManifest says what a backup holds; restore checks it first.
type backupManifest struct {
	Format  int       `json:"format"`
	Version string    `json:"lyssna_version"`
	Created time.Time `json:"created"`
	Shows   int       `json:"shows"`
	Media   bool      `json:"media"`
}

// runBackup writes a consistent backup of the SQLite database (and with
// --media the filesystem media) while serve may keep running. For
// PostgreSQL it checks the connection and explains pg_dump instead.
func runBackup(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("backup")
	to := fs.String("to", "", "write the backup to `FILE`, a tar archive (it must not exist)")
	media := fs.Bool("media", false, "also copy the media files (LYSSNA_STORAGE=filesystem: DATA_DIR/media)")
	cfg, err := c.loadConfig(fs, "backup", args)
	if err != nil {
		return err
	}
	if episodes.IsPostgres(cfg.DatabaseURL) {
		return explainPgDump(ctx, c, cfg)
	}
	if *to == "" {
		return usageError{errors.New("lyssna backup: say where with --to FILE")}
	}
	if *media && cfg.Storage != config.StorageFilesystem {
		return usageError{errors.New("lyssna backup: --media copies DATA_DIR/media; with LYSSNA_STORAGE=s3 back the bucket up with the S3 server's own tools (versioning, replication, or a sync to another bucket), see docs/operations.md")}
	}
	if _, err := os.Stat(*to); err == nil {
		return fmt.Errorf("%s exists already; name a new file", *to)
	}
	store, err := openStore(ctx, cfg, false, c.sayDatabase)
	if err != nil {
		return err
	}
	defer store.Close()
	// The snapshot first: media objects are never overwritten and are deleted
	// only long after nothing references them (LYSSNA_SWEEP_GRACE), so every
	// object the snapshot names is still there when the media are copied.
	snap := *to + ".db-partial"
	os.Remove(snap)
	if err := store.Snapshot(ctx, snap); err != nil {
		return err
	}
	defer os.Remove(snap)
	shows, err := countShows(ctx, snap)
	if err != nil {
		return err
	}

	partial := *to + ".partial"
	f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create the backup: %w", err)
	}
	defer os.Remove(partial) // a no-op once renamed
	tw := tar.NewWriter(f)
	manifest := backupManifest{Format: backupFormat, Version: version, Created: time.Now().UTC(), Shows: shows, Media: *media}
	files, bytes, err := writeBackup(ctx, tw, manifest, snap, filepath.Join(cfg.DataDir, "media"))
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write the backup: %w", err)
	}
	if err := os.Rename(partial, *to); err != nil {
		return fmt.Errorf("write the backup: %w", err)
	}
	fmt.Fprintf(c.stdout, "Wrote %s: the database (%d shows)", *to, shows)
	if *media {
		fmt.Fprintf(c.stdout, " and %d media files", files)
	}
	fmt.Fprintf(c.stdout, ", %s in all. Check it with: lyssna restore --from %s --check\n", kit.Size(bytes), *to)
	return nil
}

// countShows counts the shows in the snapshot, for the manifest (restore
// checks it), after checking the snapshot as restore will.
func countShows(ctx context.Context, snap string) (int, error) {
	store, err := episodes.Open(ctx, "sqlite:"+snap, time.Now)
	if err != nil {
		return 0, fmt.Errorf("open the snapshot: %w", err)
	}
	err = store.Check(ctx)
	var shows []*episodes.Show
	if err == nil {
		shows, err = store.ListShows(ctx)
	}
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("check the snapshot: %w", err)
	}
	return len(shows), nil
}

// writeBackup writes the manifest, the snapshot and (when the manifest says
// so) the media files; it returns the media files' count and the bytes written.
func writeBackup(ctx context.Context, tw *tar.Writer, m backupManifest, snap, mediaDir string) (files int, total int64, err error) {
	body, _ := json.MarshalIndent(m, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: backupManifestName, Mode: 0o600, Size: int64(len(body)), ModTime: m.Created, Typeflag: tar.TypeReg}); err != nil {
		return 0, 0, err
	}
	if _, err := tw.Write(body); err != nil {
		return 0, 0, err
	}
	n, err := addFile(tw, snap, backupDBName)
	total += n
	if err != nil || !m.Media {
		return 0, total, err
	}
	err = filepath.WalkDir(mediaDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == mediaDir {
				return nil // no media yet
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, _ := filepath.Rel(mediaDir, path)
		if d.IsDir() {
			if rel == ".tmp" { // the filesystem bucket's writes in progress
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		n, err := addFile(tw, path, backupMediaDir+filepath.ToSlash(rel))
		if errors.Is(err, fs.ErrNotExist) {
			return nil // swept meanwhile: nothing references it
		}
		files++
		total += n
		return err
	})
	return files, total, err
}

// addFile copies one file into the archive under name.
func addFile(tw *tar.Writer, path, name string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return 0, err
	}
	return io.CopyN(tw, f, fi.Size())
}

// explainPgDump checks that the PostgreSQL database answers and says how to
// back it up; it writes no file, so it exits 1 whatever happens.
func explainPgDump(ctx context.Context, c *cli, cfg *config.Config) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	store, err := episodes.Open(ctx, cfg.DatabaseURL, time.Now)
	reach := "The database answers."
	if err == nil {
		err = store.Check(ctx)
		store.Close()
	}
	if err != nil {
		reach = "The database does not answer: " + err.Error()
	}
	fmt.Fprintf(c.stdout, `Lyssna keeps this instance in PostgreSQL, which lyssna backup does not copy:
PostgreSQL's own pg_dump takes a consistent snapshot while Lyssna runs. %s

  pg_dump --format=custom --file=lyssna.dump '%s'
  pg_restore --clean --if-exists --no-owner --dbname='URL' lyssna.dump   # to put it back

Run it from a host that reaches the database, with the password in ~/.pgpass or
PGPASSWORD. The media are in the bucket (LYSSNA_STORAGE=%s): back that up with
its own tools. docs/operations.md has the whole procedure and how to verify it.
`, reach, redactedURL(cfg), cfg.Storage)
	return errors.New("no backup written: for PostgreSQL use pg_dump (above)")
}

// redactedURL is the database URL with its password hidden.
func redactedURL(cfg *config.Config) string {
	var b strings.Builder
	cfg.Dump(&b)
	for _, line := range strings.Split(b.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "LYSSNA_DATABASE_URL="); ok {
			return v
		}
	}
	return "postgres://..."
}
