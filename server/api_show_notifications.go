package server

import (
	"net/http"
	"time"

	"github.com/lyssna/lyssna/notify"
)

// notificationJSON is a show's last notification to one target.
type notificationJSON struct {
	Target   string  `json:"target"` // websub, pubnotify or podping
	URL      string  `json:"url"`
	Version  int64   `json:"version"`  // 0: never notified
	State    string  `json:"state"`    // sent, retrying, failed; "" when never notified
	Attempts int     `json:"attempts"` // of the last notification
	Error    string  `json:"error"`
	At       *string `json:"at"`      // the last attempt
	SentAt   *string `json:"sent_at"` // the last success
}

func newNotificationJSON(s notify.Status) notificationJSON {
	ts := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		v := t.UTC().Format(time.RFC3339)
		return &v
	}
	return notificationJSON{Target: s.Kind, URL: s.URL, Version: s.Version, State: s.State,
		Attempts: s.Attempts, Error: s.Error, At: ts(s.At), SentAt: ts(s.SentAt)}
}

// apiShowNotifications answers the show's last notification to each
// configured target (WebSub hubs, pubnotify, Podping):
// GET /api/v1/shows/{show}/notifications.
func (h *handler) apiShowNotifications(w http.ResponseWriter, r *http.Request) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	list := []notificationJSON{}
	if h.Notifier != nil {
		st, err := h.Notifier.Status(r.Context(), s.ID)
		if err != nil {
			h.respondError(w, r, err)
			return
		}
		list = mapSlice(st, newNotificationJSON)
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": list})
}
