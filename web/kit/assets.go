package kit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"time"
)

// immutable is the Cache-Control of a request for the current version.
const immutable = "public, max-age=31536000, immutable"

// assetTypes are the content types of static assets by extension (those
// mime.TypeByExtension gives); another is served as application/octet-stream,
// and nosniff. Not mime.TypeByExtension itself: its first call loads the
// system's MIME database, some ten thousand objects that would stay on the
// heap for the garbage collector to mark on every cycle, for two types.
var assetTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".woff2": "font/woff2",
}

// Assets is the files of one folder, read once; it is safe for concurrent use.
type Assets struct {
	files map[string]file
}

// file is one asset with the hash of its content, which versions its URL.
type file struct {
	data        []byte
	contentType string
	hash        string
}

// LoadAssets reads every file directly in dir of fsys (an embed.FS, say), with its
// content type from its extension and its content hash.
func LoadAssets(fsys fs.FS, dir string) (*Assets, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("kit: read asset %s: %w", dir, err)
	}
	s := &Assets{files: map[string]file{}}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("kit: read asset %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(data)
		ct := assetTypes[path.Ext(e.Name())]
		if ct == "" {
			ct = "application/octet-stream"
		}
		s.files[e.Name()] = file{data: data, contentType: ct, hash: hex.EncodeToString(sum[:8])}
	}
	return s, nil
}

// URL is the versioned URL of the file name served under prefix (which ends
// in a slash, such as "https://pod.example.org/static/"), or "" when there
// is no such file.
func (s *Assets) URL(prefix, name string) string {
	f, ok := s.files[name]
	if !ok {
		return ""
	}
	return prefix + name + "?v=" + f.hash
}

// Serve answers a GET or HEAD for the file name: 404 when there is none;
// otherwise the file with its ETag (Range and conditional requests work),
// cached as immutable when the request asks for its current version (the
// URL's v) and with cacheControl when it does not.
func (s *Assets) Serve(w http.ResponseWriter, r *http.Request, name, cacheControl string) {
	f, ok := s.files[name]
	if !ok {
		http.Error(w, "404 no such static file", http.StatusNotFound)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("ETag", `"`+f.hash+`"`)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == f.hash {
		hdr.Set("Cache-Control", immutable)
	} else {
		hdr.Set("Cache-Control", cacheControl)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}
