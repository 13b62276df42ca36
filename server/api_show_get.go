package server

import "net/http"

// apiShowGet answers one show: GET /api/v1/shows/{show}.
func (h *handler) apiShowGet(w http.ResponseWriter, r *http.Request) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, h.showJSON(s))
}
