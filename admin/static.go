package admin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"

	"github.com/gorilla/mux"
)

// staticFile is one embedded asset with its content hash, which versions its URL.
type staticFile struct {
	data        []byte
	contentType string
	hash        string
}

func loadStatic() (map[string]staticFile, error) {
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("admin: read static files: %w", err)
	}
	files := map[string]staticFile{}
	for _, e := range entries {
		data, err := fs.ReadFile(staticFS, "static/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("admin: read static file %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(data)
		ct := mime.TypeByExtension(path.Ext(e.Name()))
		if ct == "" {
			ct = "application/octet-stream"
		}
		files[e.Name()] = staticFile{data: data, contentType: ct, hash: hex.EncodeToString(sum[:8])}
	}
	return files, nil
}

// staticURL is the versioned path of an embedded asset.
func (h *Handler) staticURL(name string) string {
	return "/admin/static/" + name + "?v=" + h.static[name].hash
}

func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := h.static[mux.Vars(r)["file"]]
	if !ok {
		http.Error(w, "404 no such static file", http.StatusNotFound)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("ETag", `"`+f.hash+`"`)
	if r.URL.Query().Get("v") == f.hash {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}
