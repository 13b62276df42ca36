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

// TestContentTypeCache checks that opening a known object does not need its
// sidecar, and that the remembered type is dropped when the object is
// deleted or changed on disk (by another process sharing the directory).
func TestContentTypeCache(t *testing.T) {
	root := t.TempDir()
	b := newBucket(t, root)
	ctx := t.Context()
	key := "audio/1/ep.mp3"
	if _, err := b.Put(ctx, key, "audio/mpeg", strings.NewReader("first")); err != nil {
		t.Fatal(err)
	}
	sidecar := filepath.Join(root, ".meta", "audio", "1", "ep.mp3")
	if err := os.Remove(sidecar); err != nil {
		t.Fatal(err)
	}
	stat := func() storage.ObjectInfo {
		t.Helper()
		f, info, err := b.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		return info
	}
	if info := stat(); info.ContentType != "audio/mpeg" || info.Size != 5 {
		t.Errorf("with the sidecar gone, Open = %+v; want the type remembered from Put", info)
	}

	// Another process writes the key again (new size and mtime, new sidecar).
	if err := os.WriteFile(filepath.Join(root, key), []byte("second!"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sidecar, []byte(`{"content_type":"audio/x-m4a"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if info := stat(); info.ContentType != "audio/x-m4a" || info.Size != 7 {
		t.Errorf("after a write on disk, Open = %+v; want the new type and size", info)
	}

	if err := b.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Open(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Open after Delete: %v, want ErrNotFound", err)
	}
	if _, err := b.Put(ctx, key, "text/plain", strings.NewReader("first")); err != nil {
		t.Fatal(err)
	}
	if info := stat(); info.ContentType != "text/plain" {
		t.Errorf("after Delete and Put, Open = %+v; want the new type", info)
	}
}

func BenchmarkOpen(b *testing.B) {
	bucket, err := filesystem.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer bucket.Close()
	ctx := b.Context()
	key := "audio/1/52c531302d68f8d6769d-iery4o.mp3"
	if _, err := bucket.Put(ctx, key, "audio/mpeg", strings.NewReader(strings.Repeat("x", 1<<16))); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		f, _, err := bucket.Open(ctx, key)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
