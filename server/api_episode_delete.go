package server

import (
	"context"
	"log/slog"
	"net/http"
)

// apiEpisodeDelete deletes an episode with its materials: DELETE
// /api/v1/shows/{show}/episodes/{episode}. Its audio, artwork and
// transcript objects go too, unless something else still uses them.
func (h *handler) apiEpisodeDelete(w http.ResponseWriter, r *http.Request) {
	s, e, ok := h.episodeFromPath(w, r)
	if !ok {
		return
	}
	if err := h.Store.DeleteEpisode(r.Context(), e.ID); err != nil {
		h.respondError(w, r, err)
		return
	}
	h.showChanged(s.ID)
	keys := []string{e.ImageKey}
	if e.Audio != nil {
		keys = append(keys, e.Audio.Key)
	}
	for _, t := range e.Transcripts {
		keys = append(keys, t.Key)
	}
	for _, k := range keys {
		h.deleteUnreferenced(r, k)
	}
	w.WriteHeader(http.StatusNoContent)
}

// deleteUnreferenced deletes the object key from the bucket unless a show or
// episode still refers to it. A failure only leaves an orphan object behind,
// so it is logged, not answered.
func (h *handler) deleteUnreferenced(r *http.Request, key string) {
	if key == "" {
		return
	}
	ctx := context.WithoutCancel(r.Context())
	used, err := h.Store.ObjectReferenced(ctx, key)
	if err == nil && !used {
		err = h.Bucket.Delete(ctx, key)
	}
	if err != nil {
		h.requestLogger(r).LogAttrs(ctx, slog.LevelWarn, "could not delete an unused object",
			slog.String("key", key), slog.Any("error", err))
	}
}
