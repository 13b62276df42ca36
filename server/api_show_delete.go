package server

import "net/http"

// apiShowDelete deletes a show with all its episodes: DELETE
// /api/v1/shows/{show}. Its media objects stay in the bucket.
func (h *handler) apiShowDelete(w http.ResponseWriter, r *http.Request) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	if err := h.Store.DeleteShow(r.Context(), s.ID); err != nil {
		h.respondError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
