package server

import (
	"net/http"
	"strconv"

	"github.com/lyssna/lyssna/episodes"
)

// Page sizes of the episode list.
const (
	defaultEpisodeLimit = 20
	maxEpisodeLimit     = 100
)

// apiEpisodeList answers one page of a show's episodes, newest first: GET
// /api/v1/shows/{show}/episodes?limit=N&cursor=C. next_cursor is empty on
// the last page.
func (h *handler) apiEpisodeList(w http.ResponseWriter, r *http.Request) {
	limit := defaultEpisodeLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxEpisodeLimit {
			h.respondError(w, r, &episodes.Error{Field: "limit",
				Message: strconv.Quote(v) + " is not a page size; use a whole number from 1 to " + strconv.Itoa(maxEpisodeLimit)})
			return
		}
		limit = n
	}
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	eps, next, err := h.Store.ListEpisodes(r.Context(), s.ID, episodes.ListOptions{Limit: limit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	out := struct {
		Episodes   []episodeJSON `json:"episodes"`
		NextCursor string        `json:"next_cursor"`
	}{Episodes: make([]episodeJSON, 0, len(eps)), NextCursor: next}
	for _, e := range eps {
		out.Episodes = append(out.Episodes, h.episodeJSON(s, e))
	}
	writeJSON(w, http.StatusOK, out)
}
