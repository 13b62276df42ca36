package server

import (
	"net/http"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// apiEpisodePublish publishes an episode: POST
// /api/v1/shows/{show}/episodes/{episode}/publish with an optional body
// {"at": "RFC 3339 time", "new_date": bool, "reschedule": bool}. A future
// time schedules it; a past or absent time publishes it now, keeping the
// original publication date of an episode that was public before unless
// new_date is true. Scheduling a public episode needs reschedule (else 409).
func (h *handler) apiEpisodePublish(w http.ResponseWriter, r *http.Request) {
	var opts episodes.PublishOptions
	if r.ContentLength != 0 {
		var body struct {
			At         opt[string] `json:"at"`
			NewDate    opt[bool]   `json:"new_date"`
			Reschedule opt[bool]   `json:"reschedule"`
		}
		if err := readJSON(w, r, &body); err != nil {
			h.respondError(w, r, err)
			return
		}
		if body.At.v != "" {
			t, err := time.Parse(time.RFC3339, body.At.v)
			if err != nil {
				h.respondError(w, r, &episodes.Error{Field: "at",
					Message: "is not an RFC 3339 time; give one like 2026-05-01T09:00:00Z or 2026-05-01T11:00:00+02:00"})
				return
			}
			if t.After(h.Now()) {
				opts.At = t
			}
		}
		opts.NewDate, opts.Reschedule = body.NewDate.v, body.Reschedule.v
	}
	s, e, ok := h.episodeFromPath(w, r)
	if !ok {
		return
	}
	e, err := h.Store.PublishWith(r.Context(), e.ID, opts)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.episodeJSON(s, e))
}
