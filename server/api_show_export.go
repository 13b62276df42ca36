package server

import (
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/lyssna/lyssna/imports"
)

// apiShowExport streams the show as a zip archive: GET
// /api/v1/shows/{show}/export. It holds the feed as published, show.json
// (the show and every episode with its learning materials) and every
// media file, transcript and picture; POST /api/v1/imports takes it back.
func (h *handler) apiShowExport(w http.ResponseWriter, r *http.Request) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	// The feed exactly as apps get it, from the feed cache.
	req := httptest.NewRequestWithContext(r.Context(), http.MethodGet, "/"+s.Slug+"/feed.xml", nil)
	rec := httptest.NewRecorder()
	if err := h.Feeds.Serve(rec, req, s.Slug); err != nil || rec.Code != http.StatusOK {
		writeError(w, http.StatusInternalServerError, codeInternal, "the show's feed cannot be built; the server log says why", "")
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(s.Slug, `"`, "")+`-export.zip"`)
	if err := imports.Export(r.Context(), h.Store, h.Bucket, s, rec.Body.Bytes(), w); err != nil {
		// Headers are out: the broken zip is the client's sign; log once.
		h.requestLogger(r).Error("export failed", "show", s.Slug, "error", err)
	}
}
