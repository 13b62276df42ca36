package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/feed"
)

// publisherGet answers GET and HEAD /{network}/publisher.xml, a network's
// publisher feed, built from the database on each request (a network's
// row and its shows' rows: small), with an ETag so that a client's copy is
// revalidated with a 304.
func (h *handler) publisherGet(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	n, err := h.Store.GetNetwork(ctx, mux.Vars(r)["network"])
	if err != nil {
		h.publisherError(w, r, err)
		return
	}
	shows, err := h.Store.NetworkShows(ctx, n.ID)
	if err != nil {
		h.publisherError(w, r, err)
		return
	}
	body, modified, err := feed.BuildPublisher(n, shows, h.Links)
	if err != nil {
		h.publisherError(w, r, err)
		return
	}
	sum := sha256.Sum256(body)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	http.ServeContent(w, r, "", modified, bytes.NewReader(body))
}

func (h *handler) publisherError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, episodes.ErrNotFound) {
		http.Error(w, "404 no network here: check the publisher feed's URL", http.StatusNotFound)
		return
	}
	h.requestLogger(r).LogAttrs(r.Context(), slog.LevelError, "publisher feed failed", slog.Any("error", err))
	http.Error(w, "500 internal error; the server log has the details under request id "+requestID(r.Context()), http.StatusInternalServerError)
}
