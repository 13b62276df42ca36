package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/jobs"
)

// handle sends one notification job: one change of a show to one target.
func (n *Notifier) handle(ctx context.Context, j *jobs.Job) error {
	var p payload
	if err := j.Decode(&p); err != nil {
		return jobs.Permanent(err)
	}
	t, ok := n.target(p.Target)
	if !ok {
		return nil // the target is no longer configured
	}
	show, err := n.d.Store.GetShowByID(ctx, p.ShowID)
	if errors.Is(err, episodes.ErrNotFound) {
		return nil // deleted: nothing to announce
	}
	if err != nil {
		return fmt.Errorf("notify: load show %d: %w", p.ShowID, err)
	}
	if !t.tells(episodes.EffectiveVisibility(show, nil), show.Block) {
		return nil // the show was closed since: its feed is no longer for t
	}
	// A later change's notification is queued already: it announces this
	// change too.
	var latest int64
	err = n.db.QueryRowContext(ctx, `SELECT notified FROM notify_shows WHERE show_id = $1`, p.ShowID).Scan(&latest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("notify: read notified version of show %d: %w", p.ShowID, err)
	}
	if latest > p.Version {
		return nil
	}
	sendErr := n.send(ctx, t, show)
	if err := n.record(ctx, p, j, sendErr); err != nil {
		n.d.Logger.Warn("notify: unable to record a notification", "show", show.Slug, "target", t.name, "error", err)
	}
	return sendErr
}

func (n *Notifier) target(name string) (target, bool) {
	for _, t := range n.targets {
		if t.name == name {
			return t, true
		}
	}
	return target{}, false
}

// send pings t about the show's feed.
func (n *Notifier) send(ctx context.Context, t target, show *episodes.Show) error {
	feed := n.d.FeedURL(show.Slug)
	var req *http.Request
	var err error
	switch t.kind {
	case WebSub:
		// W3C WebSub has no publish request of its own; hubs take this
		// form post (hub.mode=publish, hub.url=topic), as PubSubHubbub did.
		form := url.Values{"hub.mode": {"publish"}, "hub.url": {feed}}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, t.url, strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	case PubNotify:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, withQuery(t.url, url.Values{"url": {feed}}), nil)
	case Podping:
		medium := show.Medium
		if medium == "" {
			medium = "podcast"
		}
		// Lyssna has no live items, so every change is an update.
		q := url.Values{"url": {feed}, "reason": {"update"}, "medium": {medium}}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, withQuery(t.url, q), nil)
		if err == nil {
			req.Header.Set("Authorization", n.d.Settings.PodpingToken)
		}
	default:
		return jobs.Permanent(fmt.Errorf("notify: unknown target kind %q", t.kind))
	}
	if err != nil {
		return jobs.Permanent(fmt.Errorf("notify: %s: %w", t.name, err))
	}
	req.Header.Set("User-Agent", n.d.UserAgent)
	resp, err := n.d.Client.Do(req)
	if err != nil {
		return fmt.Errorf("notify: %s: %w", t.name, redact(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("notify: %s answered %s: %s", t.name, resp.Status, strings.TrimSpace(string(body)))
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return err
	default: // refused: trying again would be refused again
		return jobs.Permanent(err)
	}
}

// withQuery adds q to the query of base.
func withQuery(base string, q url.Values) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	v := u.Query()
	for k, vs := range q {
		v[k] = vs
	}
	u.RawQuery = v.Encode()
	return u.String()
}

// redact drops the URL from a transport error: it would repeat the feed
// URL and the target's, which the target's name already says.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// record keeps the outcome of an attempt as the show's last notification
// to the target, unless a later change's is recorded already.
func (n *Notifier) record(ctx context.Context, p payload, j *jobs.Job, sendErr error) error {
	state, msg := "sent", ""
	if sendErr != nil {
		msg = sendErr.Error()
		state = "retrying"
		if jobs.IsPermanent(sendErr) || j.Attempts >= j.MaxAttempts {
			state = "failed"
		}
	}
	now := `now()`
	if n.d.Jobs.Dialect() == jobs.SQLite {
		now = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`
	}
	sent := `NULL`
	if sendErr == nil {
		sent = now
	}
	_, err := n.db.ExecContext(ctx, `INSERT INTO notify_targets (show_id, target, version, state, attempts, last_error, updated_at, sent_at)
		VALUES ($1, $2, $3, $4, $5, $6, `+now+`, `+sent+`)
		ON CONFLICT (show_id, target) DO UPDATE SET version = excluded.version, state = excluded.state,
			attempts = excluded.attempts, last_error = excluded.last_error, updated_at = excluded.updated_at,
			sent_at = COALESCE(excluded.sent_at, notify_targets.sent_at)
		WHERE notify_targets.version <= excluded.version`,
		p.ShowID, p.Target, p.Version, state, j.Attempts, msg)
	if err != nil && !isForeignKey(err) {
		return fmt.Errorf("notify: record the notification of show %d to %s: %w", p.ShowID, p.Target, err)
	}
	return nil
}
