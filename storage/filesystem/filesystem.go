// Package filesystem is the storage backend that keeps objects as plain files
// under one directory, confined to it with os.Root. Each write goes to a temp
// file that is synced and renamed into place, so an object appears whole or
// not at all. The content type lives in a small sidecar file under .meta/.
//
// Each key is a path under the root, so unlike S3 a key cannot also be a
// folder of other keys: with "a/b" stored, Put("a") fails (and the reverse).
// Keys made by the server (a hash plus a file name) never collide this way.
package filesystem

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lyssna/lyssna/storage"
)

const (
	tmpDir  = ".tmp"  // temp files of writes under way, renamed into place
	metaDir = ".meta" // one sidecar per object, at the object's key
	// staleTemp is the age after which New removes a leftover temp file (a
	// write cut short by a crash).
	staleTemp = 24 * time.Hour
	// maxCachedTypes bounds the in-memory copy of the sidecars' content types.
	maxCachedTypes = 4096
)

// Bucket stores objects as files under a root directory. It is safe for
// concurrent use by one process.
type Bucket struct {
	dir  string
	root *os.Root
	// locks serialise the two renames of a write with readers of the same
	// key, so data and content type always belong to the same write.
	locks [64]sync.RWMutex
	seed  maphash.Seed
	types typeCache
}

// typeCache remembers the content type of objects recently opened, so that
// serving one (a podcast app asks for many Ranges of the same file) opens the
// object alone and not its sidecar too. An entry is used only while the file
// still has the size and modification time it had when the sidecar was read:
// a key written again, by this process or another one, has a new mtime.
type typeCache struct {
	mu sync.Mutex
	m  map[string]cachedType
}

type cachedType struct {
	size        int64
	modTime     time.Time
	contentType string
}

// get returns the cached content type of key for a file of this size and mtime.
func (c *typeCache) get(key string, size int64, modTime time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.size != size || !e.modTime.Equal(modTime) {
		return "", false
	}
	return e.contentType, true
}

// put remembers key's content type, evicting an arbitrary entry when full.
func (c *typeCache) put(key string, size int64, modTime time.Time, contentType string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]cachedType)
	}
	if _, ok := c.m[key]; !ok && len(c.m) >= maxCachedTypes {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[key] = cachedType{size: size, modTime: modTime, contentType: contentType}
}

func (c *typeCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

var (
	_ storage.IncompleteAborter = (*Bucket)(nil)
	_ storage.Bucket            = (*Bucket)(nil)
	_ storage.Opener            = (*Bucket)(nil)
)

// New opens (creating it if needed) the directory root as a bucket.
func New(root string) (*Bucket, error) {
	if root == "" {
		return nil, errors.New("filesystem: no directory given")
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("filesystem: create %s: %w", root, err)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("filesystem: open %s: %w", root, err)
	}
	for _, d := range []string{tmpDir, metaDir} {
		if err := r.MkdirAll(d, 0o755); err != nil {
			r.Close()
			return nil, fmt.Errorf("filesystem: create %s: %w", path.Join(root, d), err)
		}
	}
	b := &Bucket{dir: root, root: r, seed: maphash.MakeSeed()}
	b.removeStaleTemps()
	return b, nil
}

// Close releases the root directory.
func (b *Bucket) Close() error { return b.root.Close() }

func (b *Bucket) lock(key string) *sync.RWMutex {
	return &b.locks[maphash.String(b.seed, key)%uint64(len(b.locks))]
}

func (b *Bucket) removeStaleTemps() {
	b.AbortIncomplete(context.Background(), "", time.Now().Add(-staleTemp))
}

// AbortIncomplete removes the temp files of writes cut short (by a crash)
// that have not been written to since before cutoff, whatever their key:
// a temp file does not name it, so prefix is not looked at. A write under
// way keeps its file's modification time fresh.
func (b *Bucket) AbortIncomplete(ctx context.Context, prefix string, cutoff time.Time) (int, error) {
	entries, err := fs.ReadDir(b.root.FS(), tmpDir)
	if err != nil {
		return 0, fmt.Errorf("filesystem: list temp files: %w", err)
	}
	n := 0
	var errs []error
	for _, e := range entries {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		fi, err := e.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := b.root.Remove(path.Join(tmpDir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("filesystem: remove temp file: %w", err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

type meta struct {
	ContentType string `json:"content_type"`
}

// Put writes r to a temp file, syncs it, and renames it and its sidecar into
// place; on any error, including ctx ending, nothing is left behind.
func (b *Bucket) Put(ctx context.Context, key, contentType string, r io.Reader) (storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("filesystem: put: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("filesystem: put %q: %w", key, err)
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	data, err := b.writeTemp(func(f *os.File) error {
		_, err := io.Copy(&writeback{f: f}, storage.ContextReader(ctx, r))
		return err
	})
	if err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("filesystem: put %q: %w", key, err)
	}
	defer b.root.Remove(data) // a no-op once renamed
	mj, _ := json.Marshal(meta{ContentType: contentType})
	side, err := b.writeTemp(func(f *os.File) error {
		_, err := f.Write(mj)
		return err
	})
	if err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("filesystem: put %q: %w", key, err)
	}
	defer b.root.Remove(side)
	if err := ctx.Err(); err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("filesystem: put %q: %w", key, err)
	}

	l := b.lock(key)
	l.Lock()
	defer l.Unlock()
	metaKey := path.Join(metaDir, key)
	for _, d := range []string{path.Dir(key), path.Dir(metaKey)} {
		if err := b.root.MkdirAll(d, 0o755); err != nil {
			return storage.ObjectInfo{}, fmt.Errorf("filesystem: put %q: %w", key, err)
		}
	}
	if err := b.root.Rename(data, key); err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("filesystem: put %q: %w", key, err)
	}
	if err := b.root.Rename(side, metaKey); err != nil {
		b.root.Remove(key)
		return storage.ObjectInfo{}, fmt.Errorf("filesystem: put %q: %w", key, err)
	}
	b.syncDir(path.Dir(key))
	b.syncDir(path.Dir(metaKey))
	fi, err := b.root.Stat(key)
	if err != nil {
		b.types.forget(key)
		return storage.ObjectInfo{}, fmt.Errorf("filesystem: put %q: %w", key, err)
	}
	b.types.put(key, fi.Size(), fi.ModTime(), contentType)
	return info(key, contentType, fi), nil
}

// writeTemp creates a temp file, fills it with write, syncs and closes it,
// and returns its name within the root; on error it removes the file.
func (b *Bucket) writeTemp(write func(*os.File) error) (string, error) {
	var rnd [12]byte
	rand.Read(rnd[:])
	name := path.Join(tmpDir, hex.EncodeToString(rnd[:]))
	f, err := b.root.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return "", err
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.root.Remove(name)
		return "", err
	}
	return name, nil
}

// writebackEvery is how many written bytes of a Put start their writeback.
const writebackEvery = 8 << 20

// writeback writes to f and starts the writeback of each writebackEvery
// bytes as they are written: an object streamed in while it is uploaded
// (uploads) is then mostly on disk when its last byte arrives, and the
// Sync that makes it durable no longer waits for the whole file.
type writeback struct {
	f          *os.File
	off, start int64 // bytes written; the first not yet handed to writeback
}

func (w *writeback) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.start >= writebackEvery {
		startWriteback(w.f, w.start, w.off-w.start)
		w.start = w.off
	}
	return n, err
}

// syncDir makes a rename in dir durable; failure only weakens durability.
func (b *Bucket) syncDir(dir string) {
	if d, err := b.root.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Open opens the object for random access; the caller closes it.
func (b *Bucket) Open(ctx context.Context, key string) (io.ReadSeekCloser, storage.ObjectInfo, error) {
	f, inf, err := b.open(ctx, key)
	if err != nil {
		return nil, storage.ObjectInfo{}, fmt.Errorf("filesystem: open %q: %w", key, err)
	}
	return f, inf, nil
}

func (b *Bucket) open(ctx context.Context, key string) (*os.File, storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	l := b.lock(key)
	l.RLock()
	defer l.RUnlock()
	f, err := b.root.Open(key)
	if err != nil {
		return nil, storage.ObjectInfo{}, notFound(err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = storage.ErrNotFound
	}
	if err != nil {
		f.Close()
		return nil, storage.ObjectInfo{}, err
	}
	ct, ok := b.types.get(key, fi.Size(), fi.ModTime())
	if !ok {
		ct = b.contentType(key)
		b.types.put(key, fi.Size(), fi.ModTime(), ct)
	}
	return f, info(key, ct, fi), nil
}

// Get opens the whole object; the caller closes it.
func (b *Bucket) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	f, inf, err := b.open(ctx, key)
	if err != nil {
		return nil, storage.ObjectInfo{}, fmt.Errorf("filesystem: get %q: %w", key, err)
	}
	return f, inf, nil
}

// GetRange opens length bytes from offset (length < 0 reads to the end); a
// range past the end reads nothing.
func (b *Bucket) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, storage.ObjectInfo, error) {
	if offset < 0 {
		return nil, storage.ObjectInfo{}, fmt.Errorf("filesystem: get %q: negative offset %d", key, offset)
	}
	f, inf, err := b.open(ctx, key)
	if err != nil {
		return nil, storage.ObjectInfo{}, fmt.Errorf("filesystem: get %q: %w", key, err)
	}
	if length < 0 {
		length = inf.Size
	}
	return rangeFile{io.NewSectionReader(f, offset, length), f}, inf, nil
}

type rangeFile struct {
	io.Reader
	io.Closer
}

// Stat describes the object without reading it.
func (b *Bucket) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	f, inf, err := b.open(ctx, key)
	if err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("filesystem: stat %q: %w", key, err)
	}
	f.Close()
	return inf, nil
}

// Delete removes the object and its sidecar; a missing key is not an error.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := storage.ValidateKey(key); err != nil {
		return fmt.Errorf("filesystem: delete: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filesystem: delete %q: %w", key, err)
	}
	l := b.lock(key)
	l.Lock()
	defer l.Unlock()
	b.types.forget(key)
	if fi, err := b.root.Lstat(key); err == nil && fi.IsDir() {
		return nil // a directory of other keys, not an object
	}
	for _, name := range []string{key, path.Join(metaDir, key)} {
		if err := b.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("filesystem: delete %q: %w", key, err)
		}
	}
	return nil
}

// List calls fn for every object whose key starts with prefix, in key order.
// Listed objects carry no content type (use Stat for it), as on S3.
func (b *Bucket) List(ctx context.Context, prefix string, fn func(storage.ObjectInfo) error) error {
	// Start in the deepest directory the prefix names whole.
	dir := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		dir = prefix[:i]
		if storage.ValidateKey(dir) != nil {
			return nil // no stored key can have this prefix
		}
	}
	if err := b.walk(ctx, dir, prefix, fn); err != nil {
		return fmt.Errorf("filesystem: list %q: %w", prefix, err)
	}
	return nil
}

// walk visits dir in key order: a directory "a" sorts as "a/", so "a-b"
// comes before "a/b" exactly as the keys compare.
func (b *Bucket) walk(ctx context.Context, dir, prefix string, fn func(storage.ObjectInfo) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := dir
	if name == "" {
		name = "."
	}
	entries, err := fs.ReadDir(b.root.FS(), name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil
	}
	if err != nil {
		return err
	}
	sortKey := func(e fs.DirEntry) string {
		if e.IsDir() {
			return e.Name() + "/"
		}
		return e.Name()
	}
	slices.SortFunc(entries, func(x, y fs.DirEntry) int { return strings.Compare(sortKey(x), sortKey(y)) })
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue // temp files, sidecars and anything not made by Put
		}
		key := path.Join(dir, e.Name())
		switch {
		case e.IsDir():
			k := key + "/"
			if strings.HasPrefix(k, prefix) || strings.HasPrefix(prefix, k) {
				if err := b.walk(ctx, key, prefix, fn); err != nil {
					return err
				}
			}
		case e.Type().IsRegular() && strings.HasPrefix(key, prefix):
			fi, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted meanwhile
			}
			if err != nil {
				return err
			}
			if err := fn(info(key, "", fi)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Ping checks that the root is still a usable directory.
func (b *Bucket) Ping(ctx context.Context) error {
	if _, err := b.root.Stat(tmpDir); err != nil {
		return fmt.Errorf("filesystem: %s is not usable: %w", b.dir, err)
	}
	return nil
}

func (b *Bucket) contentType(key string) string {
	raw, err := b.root.ReadFile(path.Join(metaDir, key))
	var m meta
	if err != nil || json.Unmarshal(raw, &m) != nil || m.ContentType == "" {
		return "" // storage.Serve falls back to the key's extension
	}
	return m.ContentType
}

func info(key, contentType string, fi fs.FileInfo) storage.ObjectInfo {
	mt := fi.ModTime()
	return storage.ObjectInfo{
		Key:         key,
		Size:        fi.Size(),
		ContentType: contentType,
		ModTime:     mt,
		// A rename replaces the file, so size and mtime change with the content.
		ETag: strconv.FormatInt(fi.Size(), 16) + "-" + strconv.FormatInt(mt.UnixNano(), 16),
	}
}

func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("%w: %w", storage.ErrNotFound, err)
	}
	return err
}
