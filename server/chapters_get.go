package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/feed"
)

// chaptersMaxAge is the Cache-Control max-age of a chapters file: it changes
// only when the producer edits the chapters, and the ETag revalidates it.
const chaptersMaxAge = "public, max-age=300"

// chaptersGet answers GET and HEAD /{show}/{episode}/chapters.json: the
// Podcast Index JSON chapters file of a public episode that has chapters,
// with an ETag (304 on If-None-Match). Anything else is a 404.
func (h *handler) chaptersGet(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	ctx := r.Context()
	show, err := h.Store.GetShow(ctx, vars["show"])
	if err != nil {
		h.chaptersError(w, r, err)
		return
	}
	slug := vars["episode"]
	ep, err := h.Store.GetEpisode(ctx, show.ID, slug)
	if err != nil {
		h.chaptersError(w, r, err)
		return
	}
	// GetEpisode also takes an ID; the public URL names the episode by slug only.
	if ep.Slug != slug || !ep.IsPublic(h.Now()) || len(ep.Chapters) == 0 || !access.Allows(access.FromContext(ctx), show, ep) {
		http.Error(w, "404 no chapters here: the episode is unknown, not public, or has no chapters", http.StatusNotFound)
		return
	}
	body, err := feed.ChaptersJSON(ep)
	if err != nil {
		h.chaptersError(w, r, err)
		return
	}
	sum := sha256.Sum256(body)
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json+chapters")
	hdr.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	hdr.Set("Cache-Control", chaptersMaxAge)
	if episodes.EffectiveVisibility(show, ep) == episodes.VisibilityPrivate {
		hdr.Set("Cache-Control", "private, no-store")
	}
	hdr.Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers If-None-Match, HEAD and Range; the episode's
	// UpdatedAt dates the file for If-Modified-Since.
	http.ServeContent(w, r, "", ep.UpdatedAt, bytes.NewReader(body))
}

// chaptersError answers a failed lookup: 404 for an unknown show or
// episode, else 500, logged once here.
func (h *handler) chaptersError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, episodes.ErrNotFound) {
		http.Error(w, "404 no chapters here: the show or episode is unknown", http.StatusNotFound)
		return
	}
	h.requestLogger(r).LogAttrs(r.Context(), slog.LevelError, "chapters failed", slog.Any("error", err))
	http.Error(w, "500 internal error; the server log has the details under request id "+requestID(r.Context()), http.StatusInternalServerError)
}
