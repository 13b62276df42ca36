package server

import (
	"net/http"

	"github.com/lyssna/lyssna/episodes"
)

// apiShowCreate creates a show: POST /api/v1/shows. Its podcast:guid comes
// from the feed URL unless an imported show brings its own guid.
func (h *handler) apiShowCreate(w http.ResponseWriter, r *http.Request) {
	var p showPatch
	if err := readJSON(w, r, &p); err != nil {
		h.respondError(w, r, err)
		return
	}
	var s episodes.Show
	if err := p.apply(&s); err != nil {
		h.respondError(w, r, err)
		return
	}
	if s.GUID == "" && episodes.ValidSlug(s.Slug) {
		s.GUID = episodes.PodcastGUID(h.Links.Feed(s.Slug))
	}
	if err := h.Store.CreateShow(r.Context(), &s); err != nil {
		h.respondError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/shows/"+s.Slug)
	writeJSON(w, http.StatusCreated, h.showJSON(&s))
}
