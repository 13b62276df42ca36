package server

import "net/http"

// apiShowUpdate changes the fields present in the body: PATCH
// /api/v1/shows/{show}. The slug and guid cannot change.
func (h *handler) apiShowUpdate(w http.ResponseWriter, r *http.Request) {
	var p showPatch
	if err := readJSON(w, r, &p); err != nil {
		h.respondError(w, r, err)
		return
	}
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	if err := p.apply(s); err != nil {
		h.respondError(w, r, err)
		return
	}
	if err := h.Store.UpdateShow(r.Context(), s); err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.showJSON(s))
}
