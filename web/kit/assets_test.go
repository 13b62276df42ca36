package kit

import (
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAssets(t *testing.T) {
	fsys := fstest.MapFS{
		"static/style.css":     {Data: []byte("body { color: black }")},
		"static/app.js":        {Data: []byte("console.log(1)")},
		"static/blob.unknown1": {Data: []byte{0, 1, 2}},
		"static/sub/x.css":     {Data: []byte("ignored")},
		"other/style.css":      {Data: []byte("body { color: red }")},
	}
	s, err := LoadAssets(fsys, "static")
	if err != nil {
		t.Fatal(err)
	}
	other, err := LoadAssets(fsys, "other")
	if err != nil {
		t.Fatal(err)
	}
	styleURL := s.URL("/static/", "style.css")
	if !strings.HasPrefix(styleURL, "/static/style.css?v=") || len(styleURL) <= len("/static/style.css?v=") {
		t.Fatalf("URL(style.css) = %q, want it versioned", styleURL)
	}
	if u := other.URL("/static/", "style.css"); u == styleURL {
		t.Errorf("other bytes got the same version: %q", u)
	}
	if u := s.URL("/static/", "nope.css"); u != "" {
		t.Errorf("URL of an unknown file = %q, want empty", u)
	}
	if u := s.URL("/static/", "sub"); u != "" {
		t.Errorf("URL of a folder = %q, want empty", u)
	}

	serve := func(method, target, name string, header map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		s.Serve(rec, req, name, "no-cache")
		return rec
	}
	rec := serve(http.MethodGet, styleURL, "style.css", nil)
	if rec.Code != http.StatusOK || rec.Body.String() != "body { color: black }" ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") ||
		rec.Header().Get("Cache-Control") != immutable || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET the current version: %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
	etag := rec.Header().Get("ETag")
	for _, target := range []string{"/static/style.css", "/static/style.css?v=old"} {
		if rec := serve(http.MethodGet, target, "style.css", nil); rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: %d with Cache-Control %q, want 200 no-cache", target, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	if rec := serve(http.MethodGet, "/static/style.css", "style.css", map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified {
		t.Errorf("GET with If-None-Match %s: %d, want 304", etag, rec.Code)
	}
	if rec := serve(http.MethodHead, styleURL, "style.css", nil); rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != "21" {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
	if rec := serve(http.MethodGet, "/static/blob.unknown1", "blob.unknown1", nil); rec.Header().Get("Content-Type") != "application/octet-stream" {
		t.Errorf("unknown extension served as %q", rec.Header().Get("Content-Type"))
	}
	if rec := serve(http.MethodGet, "/static/nope.css", "nope.css", nil); rec.Code != http.StatusNotFound {
		t.Errorf("GET an unknown file: %d, want 404", rec.Code)
	}
	if _, err := LoadAssets(fsys, "missing"); err == nil {
		t.Error("Load of a missing folder succeeded")
	}
}

// TestAssetTypesAreMimes: the asset types are those mime.TypeByExtension
// gives (called here, in the test, where loading the system's MIME database
// costs nothing).
func TestAssetTypesAreMimes(t *testing.T) {
	for ext, ct := range assetTypes {
		if want := mime.TypeByExtension(ext); want != "" && ct != want {
			t.Errorf("%s: %q, mime says %q", ext, ct, want)
		}
	}
}
