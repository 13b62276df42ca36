package filesystem_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/filesystem"
	"github.com/lyssna/lyssna/storage/storagetest"
)

func newBucket(t *testing.T, dir string) *filesystem.Bucket {
	t.Helper()
	b, err := filesystem.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Bucket { return newBucket(t, t.TempDir()) })
}

// TestFilesOnDisk checks the layout operators see: the object is a plain file
// at its key, and failed writes leave no temp files.
func TestFilesOnDisk(t *testing.T) {
	dir := t.TempDir()
	b := newBucket(t, filepath.Join(dir, "new", "root"))
	ctx := t.Context()
	if _, err := b.Put(ctx, "audio/x.mp3", "audio/mpeg", strings.NewReader("ID3 data")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "new", "root", "audio", "x.mp3"))
	if err != nil || string(got) != "ID3 data" {
		t.Fatalf("file at the key = %q, %v", got, err)
	}
	if _, err := b.Put(ctx, "audio/y.mp3", "audio/mpeg", iotestErrReader{}); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	tmp, err := os.ReadDir(filepath.Join(dir, "new", "root", ".tmp"))
	if err != nil || len(tmp) != 0 {
		t.Errorf("temp dir after a failed Put holds %d files (%v)", len(tmp), err)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("broken") }

// TestConfined checks that a symlink planted inside the root cannot lead a
// key outside it.
func TestConfined(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s3cret"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	b := newBucket(t, root)
	if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, _, err := b.Get(ctx, "escape/secret"); err == nil {
		t.Error("Get followed a symlink out of the root")
	}
	if _, err := b.Put(ctx, "escape/planted", "text/plain", strings.NewReader("x")); err == nil {
		t.Error("Put followed a symlink out of the root")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file was written outside the root: %v", err)
	}
}

func TestNewFails(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"", file, filepath.Join(file, "sub")} {
		if _, err := filesystem.New(dir); err == nil {
			t.Errorf("New(%q) succeeded", dir)
		}
	}
}
