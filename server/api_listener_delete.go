package server

import (
	"net/http"
	"strconv"

	"github.com/lyssna/lyssna/episodes"
)

// apiListenerDelete revokes a listener key at once: DELETE
// /api/v1/shows/{show}/listeners/{id} answers 204; its feed and media
// answer 401 from then on.
func (h *handler) apiListenerDelete(w http.ResponseWriter, r *http.Request) {
	show, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(pathVar(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		h.respondError(w, r, episodes.Errorf(episodes.NotFound, "", "there is no listener key %q in this show", pathVar(r, "id")))
		return
	}
	if _, err := h.Store.RevokeListenerKey(r.Context(), show.ID, id); err != nil {
		h.respondError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
