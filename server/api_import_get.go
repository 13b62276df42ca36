package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/imports"
)

// apiImportGet answers an import's progress: GET /api/v1/imports/{id}.
func (h *handler) apiImportGet(w http.ResponseWriter, r *http.Request) {
	if h.Imports == nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "imports are not set up on this server", "")
		return
	}
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusNotFound, codeNotFound, "there is no import "+strconv.Quote(mux.Vars(r)["id"]), "")
		return
	}
	job, err := h.Imports.Get(r.Context(), id)
	if errors.Is(err, imports.ErrNotFound) {
		writeError(w, http.StatusNotFound, codeNotFound, "there is no import "+strconv.FormatInt(id, 10), "")
		return
	}
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, importJSON(job))
}

type importErrorJSON struct {
	GUID    string `json:"guid"`
	Message string `json:"message"`
}

type importBody struct {
	ID          int64             `json:"id"`
	State       string            `json:"state"`
	Source      string            `json:"source"`
	FeedURL     string            `json:"feed_url,omitempty"`
	Show        string            `json:"show"`
	ItemsTotal  int               `json:"items_total"`
	ItemsDone   int               `json:"items_done"`
	ItemsFailed int               `json:"items_failed"`
	Errors      []importErrorJSON `json:"errors"`
	Warnings    []string          `json:"warnings"`
	Message     string            `json:"message"`
	CreatedAt   string            `json:"created_at"`
	UpdatedAt   string            `json:"updated_at"`
}

func importJSON(j *imports.Import) importBody {
	out := importBody{ID: j.ID, State: j.State, Source: j.Source, FeedURL: j.FeedURL, Show: j.Slug,
		ItemsTotal: j.ItemsTotal, ItemsDone: j.ItemsDone, ItemsFailed: j.ItemsFailed, Message: j.Message,
		Errors: []importErrorJSON{}, Warnings: j.Warnings,
		CreatedAt: j.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: j.UpdatedAt.UTC().Format(time.RFC3339)}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	for _, e := range j.Errors {
		out.Errors = append(out.Errors, importErrorJSON{GUID: e.GUID, Message: e.Message})
	}
	return out
}
