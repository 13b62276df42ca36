package server

import "net/http"

// apiListenerList lists a show's listener keys, revoked ones included, with
// when each was last used: GET /api/v1/shows/{show}/listeners.
func (h *handler) apiListenerList(w http.ResponseWriter, r *http.Request) {
	show, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	keys, err := h.Store.ListenerKeys(r.Context(), show.ID)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	out := listenersJSON{Listeners: []listenerJSON{}}
	for _, k := range keys {
		out.Listeners = append(out.Listeners, h.listenerJSON(show, k))
	}
	writeJSON(w, http.StatusOK, out)
}
