package server

import (
	"mime"
	"net/http"

	"github.com/lyssna/lyssna/episodes"
)

// apiListenerCreate makes listener keys of a show: POST
// /api/v1/shows/{show}/listeners with a JSON object {"name", "email"?,
// "expires_at"?} answers 201 with the key; with a text/csv body (name,
// email, expires_at a line) it makes them all or none and answers 201 with
// {"listeners": [...]}.
func (h *handler) apiListenerCreate(w http.ResponseWriter, r *http.Request) {
	show, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "text/csv" {
		keys, err := episodes.ParseListenerCSV(http.MaxBytesReader(w, r.Body, 1<<20))
		if err == nil {
			err = h.Store.CreateListenerKeys(r.Context(), show.ID, keys)
		}
		if err != nil {
			h.respondError(w, r, err)
			return
		}
		out := listenersJSON{Listeners: []listenerJSON{}}
		for _, k := range keys {
			out.Listeners = append(out.Listeners, h.listenerJSON(show, k))
		}
		writeJSON(w, http.StatusCreated, out)
		return
	}
	var in listenerCreate
	if err := readJSON(w, r, &in); err != nil {
		h.respondError(w, r, err)
		return
	}
	k := &episodes.ListenerKey{Name: in.Name, Email: in.Email, ExpiresAt: in.ExpiresAt}
	if err := h.Store.CreateListenerKeys(r.Context(), show.ID, []*episodes.ListenerKey{k}); err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, h.listenerJSON(show, k))
}
