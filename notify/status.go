package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/lyssna/lyssna/internal/dbtime"
)

// Status is the last notification of a show to one target.
type Status struct {
	// Kind is WebSub, PubNotify or Podping; URL is the target's endpoint.
	Kind string
	URL  string
	// Version is the show version notified; 0 when the show was never
	// notified to the target (the other fields are then zero too).
	Version int64
	// State is "sent", "retrying" (the last attempt failed, another is
	// due) or "failed" (given up: refused, or out of attempts).
	State    string
	Attempts int
	Error    string    // the last attempt's error; "" when it was sent
	At       time.Time // the last attempt
	SentAt   time.Time // the last success; zero when none
}

// Status returns the show's last notification to each configured target,
// in the order of the settings (hubs, pubnotify, Podping); none when no
// target is configured.
func (n *Notifier) Status(ctx context.Context, showID int64) ([]Status, error) {
	if !n.Enabled() {
		return []Status{}, nil
	}
	rows, err := n.db.QueryContext(ctx, `SELECT target, version, state, attempts, last_error, updated_at, sent_at
		FROM notify_targets WHERE show_id = $1`, showID)
	if err != nil {
		return nil, fmt.Errorf("notify: read the notifications of show %d: %w", showID, err)
	}
	defer rows.Close()
	byName := map[string]Status{}
	for rows.Next() {
		var name string
		var s Status
		var at, sent dbtime.Time
		if err := rows.Scan(&name, &s.Version, &s.State, &s.Attempts, &s.Error, &at, &sent); err != nil {
			return nil, fmt.Errorf("notify: read the notifications of show %d: %w", showID, err)
		}
		s.At, s.SentAt = at.Time, sent.Time
		byName[name] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: read the notifications of show %d: %w", showID, err)
	}
	out := make([]Status, 0, len(n.targets))
	for _, t := range n.targets {
		s := byName[t.name]
		s.Kind, s.URL = t.kind, t.url
		out = append(out, s)
	}
	return out, nil
}
