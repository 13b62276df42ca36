package server

import (
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"
)

// feedGet answers GET and HEAD /{show}/feed.xml from the feed cache, which
// writes every answer itself (304, gzip, 301 for a moved show, 404).
func (h *handler) feedGet(w http.ResponseWriter, r *http.Request) {
	if err := h.Feeds.Serve(w, r, mux.Vars(r)["show"]); err != nil {
		h.requestLogger(r).LogAttrs(r.Context(), slog.LevelError, "feed failed", slog.Any("error", err))
	}
}
