package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/imports"
)

// The import pages: a form that starts an import of a show from its feed
// (or from a Lyssna export archive) through the same imports functions the
// API uses, and a page that follows the import while it runs. Importing is
// an instance admin's action (accounts.CreateShow), as in the API.

// importRefresh is how often, in seconds, the progress page reloads itself
// when scripts are off; with them, admin.js polls the JSON more often.
const importRefresh = 3

// importFormPage is the data of the import form.
type importFormPage struct {
	page
	Feed    *formState
	Archive *formState
}

func (h *Handler) importFormPage(s *session, feed, archive *formState) importFormPage {
	if feed == nil {
		feed = newFormState()
	}
	if archive == nil {
		archive = newFormState()
	}
	return importFormPage{page: h.page("Import a show", s, crumb{"Shows", "/admin/"}), Feed: feed, Archive: archive}
}

// importNewForm serves the import form.
func (h *Handler) importNewForm(w http.ResponseWriter, r *http.Request, s *session) {
	if h.imports == nil {
		h.importsOff(w, r, s)
		return
	}
	h.render(w, r, http.StatusOK, "import_form.html", h.importFormPage(s, nil, nil))
}

// importCreate starts an import of a feed: the import's own checks (a
// feed URL, a free slug or a re-sync, no import under way) are shown
// beside their fields with the API's messages.
func (h *Handler) importCreate(w http.ResponseWriter, r *http.Request, s *session) {
	if h.imports == nil {
		h.importsOff(w, r, s)
		return
	}
	f := newFormState()
	f.Values["feed_url"] = strings.TrimSpace(r.PostFormValue("feed_url"))
	f.Values["slug"] = strings.TrimSpace(r.PostFormValue("slug"))
	job, err := h.imports.StartFeed(r.Context(), f.Values["feed_url"], f.Values["slug"])
	if err != nil {
		if !f.setError(err) {
			h.serverError(w, r, err)
			return
		}
		h.render(w, r, f.status(), "import_form.html", h.importFormPage(s, f, nil))
		return
	}
	seeOther(w, r, importURL(job.ID))
}

// importArchive starts an import of a Lyssna export archive, streamed from
// the form into imports.StartArchive (which spools and checks it).
func (h *Handler) importArchive(w http.ResponseWriter, r *http.Request, s *session) {
	if h.imports == nil {
		h.importsOff(w, r, s)
		return
	}
	fields, part, err := streamFile(r, s)
	if h.streamError(w, r, s, err) {
		return
	}
	f := newFormState()
	f.Values["archive_slug"] = fields["archive_slug"]
	fail := func(status int, msg string) {
		f.Err = &episodes.Error{Field: "archive", Message: msg}
		h.render(w, r, status, "import_form.html", h.importFormPage(s, nil, f))
	}
	switch {
	case errors.Is(err, errNoFile):
		fail(http.StatusBadRequest, "Choose the zip file that lyssna export (or a show's Export) wrote.")
		return
	case err != nil:
		status, msg := uploadFailure(err)
		if status >= 500 {
			h.serverError(w, r, err)
			return
		}
		fail(status, msg)
		return
	}
	job, err := h.imports.StartArchive(r.Context(), part, f.Values["archive_slug"])
	if err != nil {
		de, ok := episodes.AsError(err)
		if !ok {
			h.serverError(w, r, err)
			return
		}
		field := "archive"
		if de.Field == "slug" {
			field = "archive_slug"
		}
		f.Err = &episodes.Error{Kind: de.Kind, Field: field, Message: de.Message}
		h.render(w, r, f.status(), "import_form.html", h.importFormPage(s, nil, f))
		return
	}
	seeOther(w, r, importURL(job.ID))
}

// importPage is the data of an import's progress page.
type importPage struct {
	page
	Import   *imports.Import
	Finished bool
	Percent  int
	ShowURL  string // the new show's admin page, once it exists
	PageURL  string
	JSONURL  string
}

// importProgress serves an import's progress page.
func (h *Handler) importProgress(w http.ResponseWriter, r *http.Request, s *session) {
	job, ok := h.loadImport(w, r, s)
	if !ok {
		return
	}
	p := importPage{page: h.page("Import into "+job.Slug, s, crumb{"Shows", "/admin/"}), Import: job,
		Finished: finished(job), PageURL: importURL(job.ID), JSONURL: importURL(job.ID) + ".json"}
	if job.ItemsTotal > 0 {
		p.Percent = (job.ItemsDone + job.ItemsFailed) * 100 / job.ItemsTotal
	}
	if job.ShowID != 0 {
		p.ShowURL = "/admin/shows/" + job.Slug + "/"
	}
	if !p.Finished {
		p.Refresh = importRefresh // without scripts; admin.js polls instead
	}
	h.render(w, r, http.StatusOK, "import.html", p)
}

// importStatus is an import's progress as the page's script reads it.
type importStatus struct {
	ID          int64               `json:"id"`
	State       string              `json:"state"`
	Finished    bool                `json:"finished"`
	Show        string              `json:"show"`
	ShowURL     string              `json:"show_url,omitempty"`
	ItemsTotal  int                 `json:"items_total"`
	ItemsDone   int                 `json:"items_done"`
	ItemsFailed int                 `json:"items_failed"`
	Errors      []importStatusError `json:"errors"`
	Message     string              `json:"message"`
}

type importStatusError struct {
	GUID    string `json:"guid"`
	Message string `json:"message"`
}

// importJSON serves an import's progress as JSON, for the page's script.
func (h *Handler) importJSON(w http.ResponseWriter, r *http.Request, s *session) {
	job, ok := h.loadImport(w, r, s)
	if !ok {
		return
	}
	out := importStatus{ID: job.ID, State: job.State, Finished: finished(job), Show: job.Slug, ItemsTotal: job.ItemsTotal,
		ItemsDone: job.ItemsDone, ItemsFailed: job.ItemsFailed, Message: job.Message, Errors: []importStatusError{}}
	if job.ShowID != 0 {
		out.ShowURL = "/admin/shows/" + job.Slug + "/"
	}
	for _, e := range job.Errors {
		out.Errors = append(out.Errors, importStatusError{GUID: e.GUID, Message: e.Message})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		h.log.DebugContext(r.Context(), "admin: write import progress", "error", err)
	}
}

// loadImport finds the import named in the path, answering 404 itself.
func (h *Handler) loadImport(w http.ResponseWriter, r *http.Request, s *session) (*imports.Import, bool) {
	if h.imports == nil {
		h.importsOff(w, r, s)
		return nil, false
	}
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r, s, "import")
		return nil, false
	}
	job, err := h.imports.Get(r.Context(), id)
	if errors.Is(err, imports.ErrNotFound) {
		h.notFound(w, r, s, "import")
		return nil, false
	}
	if err != nil {
		h.serverError(w, r, err)
		return nil, false
	}
	return job, true
}

func (h *Handler) importsOff(w http.ResponseWriter, r *http.Request, s *session) {
	h.errorPage(w, r, s, http.StatusNotFound, "Imports are not set up",
		"This server runs without the importer, so shows cannot be imported here. Ask its operator.")
}

func finished(job *imports.Import) bool {
	return job.State == imports.StateDone || job.State == imports.StateFailed
}

func importURL(id int64) string { return "/admin/imports/" + strconv.FormatInt(id, 10) }

// canImport says whether the page offers the import link.
func (h *Handler) canImport(r *http.Request, s *session) bool {
	return h.imports != nil && h.can(r.Context(), s, accounts.CreateShow, nil)
}
