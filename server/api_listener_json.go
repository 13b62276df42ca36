package server

import (
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// listenerJSON is a listener key as the API answers it. Its feed URLs are
// made again from the server's secret on every answer; none is stored.
type listenerJSON struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	Email        string     `json:"email"`
	FeedURL      string     `json:"feed_url"`
	FeedURLQuery string     `json:"feed_url_query"`
	Active       bool       `json:"active"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    *time.Time `json:"expires_at"`
	RevokedAt    *time.Time `json:"revoked_at"`
	LastUsedAt   *time.Time `json:"last_used_at"`
}

func (h *handler) listenerJSON(show *episodes.Show, k *episodes.ListenerKey) listenerJSON {
	path, query := h.Signer.PersonalFeed(h.Links, show.Slug, k)
	return listenerJSON{ID: k.ID, Name: k.Name, Email: k.Email, FeedURL: path, FeedURLQuery: query,
		Active: k.Active(h.Now()), CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt, LastUsedAt: k.LastUsedAt}
}

// listenersJSON is a list of listener keys.
type listenersJSON struct {
	Listeners []listenerJSON `json:"listeners"`
}

// listenerCreate is the body of POST .../listeners in JSON.
type listenerCreate struct {
	Name      string     `json:"name"`
	Email     string     `json:"email"`
	ExpiresAt *time.Time `json:"expires_at"`
}
