package main

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lyssna/lyssna/config"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
)

// runRestore puts a backup written by `lyssna backup` back: the database
// file (checked before it replaces anything) and the media files it holds.
// serve must be stopped meanwhile. With --check it only verifies the backup.
func runRestore(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("restore")
	from := fs.String("from", "", "read the backup from `FILE`")
	force := fs.Bool("force", false, "replace an existing database (stop serve first)")
	check := fs.Bool("check", false, "only verify the backup (readable, complete, the database intact) and change nothing")
	cfg, err := c.loadConfig(fs, "restore", args)
	if err != nil {
		return err
	}
	if *from == "" {
		return usageError{errors.New("lyssna restore: say which backup with --from FILE")}
	}
	if episodes.IsPostgres(cfg.DatabaseURL) && !*check {
		return usageError{errors.New("lyssna restore: LYSSNA_DATABASE_URL is PostgreSQL; restore a pg_dump with pg_restore (docs/operations.md)")}
	}
	dbPath := episodes.SQLiteFile(cfg.DatabaseURL)
	if dbPath == "" && !*check {
		return usageError{errors.New("lyssna restore: LYSSNA_DATABASE_URL names no SQLite file to restore into")}
	}
	work := dbPath + ".restore"
	mediaDir := filepath.Join(cfg.DataDir, "media")
	if *check {
		dir, err := os.MkdirTemp("", "lyssna-check-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		work, mediaDir = filepath.Join(dir, "lyssna.db"), filepath.Join(dir, "media")
	} else {
		if _, err := os.Stat(dbPath); err == nil && !*force {
			return fmt.Errorf("%s exists; stop serve and add --force to replace it with the backup", dbPath)
		}
		if err := os.MkdirAll(filepath.Dir(dbPath), 0o750); err != nil {
			return fmt.Errorf("create the database's directory: %w", err)
		}
	}
	f, err := os.Open(*from)
	if err != nil {
		return err
	}
	defer f.Close()
	removeDB(work)
	defer removeDB(work)
	m, files, err := readBackup(tar.NewReader(f), work, mediaDir, cfg.Storage == config.StorageFilesystem || *check)
	if err != nil {
		return fmt.Errorf("%s: %w", *from, err)
	}
	// countShows opens it, which runs the migrations (a backup from an older
	// release is upgraded), and checks it whole before it replaces anything.
	shows, err := countShows(ctx, work)
	if err != nil {
		return fmt.Errorf("%s: %w", *from, err)
	}
	if shows != m.Shows {
		return fmt.Errorf("%s: the database holds %d shows, the manifest says %d", *from, shows, m.Shows)
	}
	summary := fmt.Sprintf("%d shows, %d media files, written %s by Lyssna %s", shows, files, m.Created.Format(time.RFC3339), m.Version)
	if *check {
		fmt.Fprintf(c.stdout, "%s is a good backup: %s.\n", *from, summary)
		return nil
	}
	removeDB(dbPath) // with its -wal and -shm, which belong to the old database
	if err := os.Rename(work, dbPath); err != nil {
		return fmt.Errorf("put the database in place: %w", err)
	}
	fmt.Fprintf(c.stdout, "Restored %s into %s: %s.\n", *from, dbPath, summary)
	return nil
}

// readBackup reads the manifest, writes the database to dbPath and the media
// files under mediaDir (an object already there is kept: keys are never
// reused), and returns the manifest and the media count.
func readBackup(tr *tar.Reader, dbPath, mediaDir string, wantMedia bool) (backupManifest, int, error) {
	var m backupManifest
	hdr, err := tr.Next()
	if err != nil || hdr.Name != backupManifestName {
		return m, 0, fmt.Errorf("not a Lyssna backup (no %s first): %v", backupManifestName, err)
	}
	if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&m); err != nil || m.Format != backupFormat {
		return m, 0, fmt.Errorf("unreadable backup manifest (format %d, want %d): %v", m.Format, backupFormat, err)
	}
	if m.Media && !wantMedia {
		return m, 0, errors.New("the backup holds media files but LYSSNA_STORAGE is not filesystem; restore into a filesystem set-up and copy DATA_DIR/media into the bucket")
	}
	sawDB, files := false, 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, files, fmt.Errorf("cut short: %w", err)
		}
		switch key, isMedia := strings.CutPrefix(hdr.Name, backupMediaDir); {
		case hdr.Name == backupDBName:
			if err := writeNew(dbPath, tr, hdr.Size); err != nil {
				return m, files, err
			}
			sawDB = true
		case isMedia && hdr.Typeflag == tar.TypeReg:
			// An object at KEY, or the filesystem bucket's sidecar at .meta/KEY.
			if storage.ValidateKey(strings.TrimPrefix(key, ".meta/")) != nil || !filepath.IsLocal(filepath.FromSlash(key)) {
				return m, files, fmt.Errorf("refusing the media entry %q: not a valid key", hdr.Name)
			}
			path := filepath.Join(mediaDir, filepath.FromSlash(key))
			if fi, err := os.Stat(path); err == nil && fi.Size() == hdr.Size {
				files++
				continue
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				return m, files, err
			}
			if err := writeNew(path, tr, hdr.Size); err != nil {
				return m, files, err
			}
			files++
		default:
			return m, files, fmt.Errorf("unexpected entry %q", hdr.Name)
		}
	}
	if !sawDB {
		return m, files, fmt.Errorf("no %s in it", backupDBName)
	}
	return m, files, nil
}

// writeNew writes exactly size bytes from r to path through a temp file.
func writeNew(path string, r io.Reader, size int64) error {
	if err := writeFile(path, r, size); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fmt.Errorf("cut short: %s ends early", filepath.Base(path))
		}
		return err
	}
	return nil
}

func writeFile(path string, r io.Reader, size int64) error {
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = io.CopyN(f, r, size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// removeDB removes a SQLite database file with its WAL and shared memory.
func removeDB(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
}
