package lti

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lyssna/lyssna/accounts"
)

// How long each piece of a flow lives.
const (
	stateTTL    = 10 * time.Minute // from login initiation to launch
	deepLinkTTL = time.Hour        // for the instructor to pick
	grantTTL    = 8 * time.Hour    // a launched player, reloads included
)

// flows keeps the short-lived records of the LTI flows in the database, so
// any replica can answer any step and nothing depends on a cookie (a course
// page frames the tool, and browsers drop third-party cookies in frames).
type flows struct {
	db  *sql.DB
	now func() time.Time
}

// login is a login initiation waiting for its launch.
type login struct {
	PlatformID    int64
	Nonce         string
	TargetLinkURI string
}

// startLogin records a login and returns its state.
func (f *flows) startLogin(ctx context.Context, l login) (string, error) {
	state := accounts.NewID()
	now := f.now().Unix()
	if _, err := f.db.ExecContext(ctx, `DELETE FROM lti_states WHERE expires_at <= $1`, now); err != nil {
		return "", fmt.Errorf("lti: drop expired logins: %w", err)
	}
	if _, err := f.db.ExecContext(ctx, `INSERT INTO lti_states (state_hash, platform_id, nonce, target_link_uri, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, accounts.HashID(state), l.PlatformID, l.Nonce, l.TargetLinkURI, now+int64(stateTTL/time.Second)); err != nil {
		return "", fmt.Errorf("lti: record login: %w", err)
	}
	return state, nil
}

// errNoState means the state names no login in flight.
var errNoState = errors.New("no login in flight has this state")

// findLogin returns the live login of state. It is not used up here: the
// id_token's nonce is, by useNonce.
func (f *flows) findLogin(ctx context.Context, state string) (*login, error) {
	if state == "" || len(state) > 100 {
		return nil, errNoState
	}
	l := &login{}
	err := f.db.QueryRowContext(ctx, `SELECT platform_id, nonce, target_link_uri FROM lti_states
		WHERE state_hash = $1 AND expires_at > $2`, accounts.HashID(state), f.now().Unix()).Scan(&l.PlatformID, &l.Nonce, &l.TargetLinkURI)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoState
	}
	if err != nil {
		return nil, fmt.Errorf("lti: look up login: %w", err)
	}
	return l, nil
}

// useNonce records the nonce of an accepted id_token until it expires; false
// means it was used before (a replayed launch), by this or any replica.
func (f *flows) useNonce(ctx context.Context, platformID int64, nonce string, until time.Time) (bool, error) {
	now := f.now().Unix()
	if _, err := f.db.ExecContext(ctx, `DELETE FROM lti_nonces WHERE expires_at <= $1`, now); err != nil {
		return false, fmt.Errorf("lti: drop expired nonces: %w", err)
	}
	// Keep it at least as long as the state that could carry it lives.
	exp := max(until.Unix(), now+int64(stateTTL/time.Second))
	res, err := f.db.ExecContext(ctx, `INSERT INTO lti_nonces (platform_id, nonce, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, platformID, nonce, exp)
	if err != nil {
		return false, fmt.Errorf("lti: record nonce: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("lti: record nonce: %w", err)
	}
	return n == 1, nil
}

// deepLink is a Deep Linking request waiting for the instructor's pick.
type deepLink struct {
	PlatformID     int64
	DeploymentID   string
	ReturnURL      string
	Data           string
	AcceptTypes    []string
	AcceptMultiple bool
	FrameOrigins   []string
}

// accepts reports whether the platform takes content items of type t.
func (d *deepLink) accepts(t string) bool {
	for _, a := range d.AcceptTypes {
		if a == t {
			return true
		}
	}
	return false
}

func (f *flows) startDeepLink(ctx context.Context, d deepLink) (string, error) {
	id := accounts.NewID()
	now := f.now().Unix()
	if _, err := f.db.ExecContext(ctx, `DELETE FROM lti_deep_links WHERE expires_at <= $1`, now); err != nil {
		return "", fmt.Errorf("lti: drop expired deep links: %w", err)
	}
	if _, err := f.db.ExecContext(ctx, `INSERT INTO lti_deep_links (id_hash, platform_id, deployment_id, return_url, data,
		accept_types, accept_multiple, frame_origins, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		accounts.HashID(id), d.PlatformID, d.DeploymentID, d.ReturnURL, d.Data, strings.Join(d.AcceptTypes, " "),
		d.AcceptMultiple, strings.Join(d.FrameOrigins, " "), now+int64(deepLinkTTL/time.Second)); err != nil {
		return "", fmt.Errorf("lti: record deep link request: %w", err)
	}
	return id, nil
}

// errNoDeepLink means the picker's ID names no live request.
var errNoDeepLink = errors.New("no Deep Linking request waits under this ID")

// findDeepLink returns the live request with the ID; take also uses it up,
// so one pick answers one request.
func (f *flows) findDeepLink(ctx context.Context, id string, take bool) (*deepLink, error) {
	if id == "" || len(id) > 100 {
		return nil, errNoDeepLink
	}
	q := `SELECT platform_id, deployment_id, return_url, data, accept_types, accept_multiple, frame_origins FROM lti_deep_links
		WHERE id_hash = $1 AND expires_at > $2`
	if take {
		q = `DELETE FROM lti_deep_links WHERE id_hash = $1 AND expires_at > $2
		RETURNING platform_id, deployment_id, return_url, data, accept_types, accept_multiple, frame_origins`
	}
	d := &deepLink{}
	var types, origins string
	err := f.db.QueryRowContext(ctx, q, accounts.HashID(id), f.now().Unix()).Scan(&d.PlatformID, &d.DeploymentID, &d.ReturnURL,
		&d.Data, &types, &d.AcceptMultiple, &origins)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoDeepLink
	}
	if err != nil {
		return nil, fmt.Errorf("lti: look up deep link request: %w", err)
	}
	d.AcceptTypes, d.FrameOrigins = strings.Fields(types), strings.Fields(origins)
	return d, nil
}

// grant is what a resource link launch grants: the player of a show, or of
// one episode, inside the launching platform's frames.
type grant struct {
	ShowID       int64
	EpisodeID    int64 // 0: any public-or-private episode of the show
	FrameOrigins []string
	Until        time.Time // set when read
}

func (f *flows) startGrant(ctx context.Context, g grant) (string, error) {
	id := accounts.NewID()
	now := f.now().Unix()
	if _, err := f.db.ExecContext(ctx, `DELETE FROM lti_grants WHERE expires_at <= $1`, now); err != nil {
		return "", fmt.Errorf("lti: drop expired grants: %w", err)
	}
	var ep any
	if g.EpisodeID != 0 {
		ep = g.EpisodeID
	}
	if _, err := f.db.ExecContext(ctx, `INSERT INTO lti_grants (id_hash, show_id, episode_id, frame_origins, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, accounts.HashID(id), g.ShowID, ep, strings.Join(g.FrameOrigins, " "),
		now+int64(grantTTL/time.Second)); err != nil {
		return "", fmt.Errorf("lti: record grant: %w", err)
	}
	return id, nil
}

// errNoGrant means the player URL names no live grant.
var errNoGrant = errors.New("no live launch grants this player")

func (f *flows) findGrant(ctx context.Context, id string) (*grant, error) {
	if id == "" || len(id) > 100 {
		return nil, errNoGrant
	}
	g := &grant{}
	var ep sql.NullInt64
	var origins string
	var until int64
	err := f.db.QueryRowContext(ctx, `SELECT show_id, episode_id, frame_origins, expires_at FROM lti_grants
		WHERE id_hash = $1 AND expires_at > $2`, accounts.HashID(id), f.now().Unix()).Scan(&g.ShowID, &ep, &origins, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoGrant
	}
	if err != nil {
		return nil, fmt.Errorf("lti: look up grant: %w", err)
	}
	g.EpisodeID, g.FrameOrigins, g.Until = ep.Int64, strings.Fields(origins), time.Unix(until, 0).UTC()
	return g, nil
}
