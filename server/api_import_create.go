package server

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/lyssna/lyssna/imports"
)

// importRequest is the body of POST /api/v1/imports.
type importRequest struct {
	FeedURL string `json:"feed_url"`
	Slug    string `json:"slug"`
}

// apiImportCreate queues an import: POST /api/v1/imports with
// {"feed_url","slug"} (a new show, or a re-sync of a show imported from
// that feed), or with a Lyssna export zip as the body (?slug= names the
// new show; default the exported one). 202 with the import resource; the
// work runs as a job.
func (h *handler) apiImportCreate(w http.ResponseWriter, r *http.Request) {
	if h.Imports == nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "imports are not set up on this server", "")
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var job *imports.Import
	var err error
	switch ct {
	case "application/zip":
		job, err = h.Imports.StartArchive(r.Context(), r.Body, r.URL.Query().Get("slug"))
	default:
		var req importRequest
		if err := readJSON(w, r, &req); err != nil {
			h.respondError(w, r, err)
			return
		}
		job, err = h.Imports.StartFeed(r.Context(), req.FeedURL, req.Slug)
	}
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/imports/"+strconv.FormatInt(job.ID, 10))
	writeJSON(w, http.StatusAccepted, importJSON(job))
}
