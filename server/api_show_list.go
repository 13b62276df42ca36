package server

import (
	"net/http"

	"github.com/lyssna/lyssna/accounts"
)

// apiShowList lists the shows the caller may see, by title: GET /api/v1/shows.
func (h *handler) apiShowList(w http.ResponseWriter, r *http.Request) {
	shows, err := h.Store.ListShows(r.Context())
	if err == nil {
		shows, err = h.accounts.VisibleShows(r.Context(), accounts.PrincipalFrom(r.Context()), shows)
	}
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	out := struct {
		Shows []showJSON `json:"shows"`
	}{Shows: make([]showJSON, 0, len(shows))}
	for _, s := range shows {
		out.Shows = append(out.Shows, h.showJSON(s))
	}
	writeJSON(w, http.StatusOK, out)
}
