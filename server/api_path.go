package server

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
)

// pathVar is a variable of the matched route, such as {show}.
func pathVar(r *http.Request, name string) string { return mux.Vars(r)[name] }

// ---- Lookups shared by the handlers ----

// showFromPath loads the show named by {show}; on failure it has answered.
func (h *handler) showFromPath(w http.ResponseWriter, r *http.Request) (*episodes.Show, bool) {
	s, err := h.Store.GetShow(r.Context(), pathVar(r, "show"))
	if err != nil {
		h.respondError(w, r, err)
		return nil, false
	}
	return s, true
}

// episodeFromPath loads the show and the episode (id or slug) named by the
// path; on failure it has answered.
func (h *handler) episodeFromPath(w http.ResponseWriter, r *http.Request) (*episodes.Show, *episodes.Episode, bool) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return nil, nil, false
	}
	e, err := h.Store.GetEpisode(r.Context(), s.ID, pathVar(r, "episode"))
	if err != nil {
		h.respondError(w, r, err)
		return nil, nil, false
	}
	return s, e, true
}
