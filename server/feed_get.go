package server

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/feed"
)

// feedGet answers GET and HEAD /{show}/feed.xml from the feed cache, which
// writes every answer itself (304, gzip, 301 for a moved show, 404). A
// request with a grant (a listener key's signed URL or ?key=) gets its
// personal feed instead, built for it alone.
func (h *handler) feedGet(w http.ResponseWriter, r *http.Request) {
	h.serveFeed(w, r, mux.Vars(r)["show"])
}

// serveFeed answers a GET or HEAD of the feed of the show with slug.
func (h *handler) serveFeed(w http.ResponseWriter, r *http.Request, slug string) {
	if g := access.FromContext(r.Context()); g != nil {
		h.personalFeed(w, r, slug, g)
		return
	}
	if err := h.Feeds.Serve(w, r, slug); err != nil {
		h.requestLogger(r).LogAttrs(r.Context(), slog.LevelError, "feed failed", slog.Any("error", err))
	}
}

// personalFeed answers a grant holder's feed: every public-status episode
// of the show, private and unlisted ones too, with each URL signed for the
// grant, itunes:block and podcast:block set. It is built per request and
// never stored in the shared feed cache, so no key's feed reaches another.
func (h *handler) personalFeed(w http.ResponseWriter, r *http.Request, slug string, g *access.Grant) {
	ctx := r.Context()
	show, err := h.Store.GetShow(ctx, slug)
	if err == nil && show.ID != g.ShowID {
		err = episodes.ErrNotFound // a key opens its own show only
	}
	if errors.Is(err, episodes.ErrNotFound) {
		http.Error(w, "feed: no show here for this key; check the feed URL", http.StatusNotFound)
		return
	}
	if err != nil {
		h.personalFeedError(w, r, err)
		return
	}
	now := h.Now()
	eps, err := h.Store.PublicEpisodes(ctx, show.ID, now)
	if err != nil {
		h.personalFeedError(w, r, err)
		return
	}
	body, err := feed.Build(show, eps, h.Links.Signed(g.Sign), now)
	if err != nil {
		h.personalFeedError(w, r, err)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/rss+xml; charset=utf-8")
	hdr.Set("Cache-Control", "private, no-store")
	hdr.Set("X-Robots-Tag", "noindex")
	http.ServeContent(w, r, "", show.ChangedAt, bytes.NewReader(body))
}

func (h *handler) personalFeedError(w http.ResponseWriter, r *http.Request, err error) {
	h.requestLogger(r).LogAttrs(r.Context(), slog.LevelError, "personal feed failed", slog.Any("error", err))
	w.Header().Set("Retry-After", "10")
	http.Error(w, "feed: the feed is unavailable right now; try again shortly", http.StatusServiceUnavailable)
}
