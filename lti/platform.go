package lti

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// Platform is an LMS registered with Lyssna: Canvas, Moodle or any LTI 1.3
// platform, known by its issuer and the client ID it gave the tool.
type Platform struct {
	ID            int64
	Issuer        string
	ClientID      string
	DeploymentIDs []string
	AuthURL       string // the platform's OIDC authorization endpoint
	TokenURL      string // its OAuth 2 token endpoint (for LTI Advantage services)
	JWKSURL       string // its public keys
	Name          string // optional, for people
	CreatedAt     time.Time
}

// Label is the platform's name, or its issuer when it has none.
func (p *Platform) Label() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Issuer
}

// HasDeployment reports whether id is one of the platform's deployments.
func (p *Platform) HasDeployment(id string) bool {
	return id != "" && slices.Contains(p.DeploymentIDs, id)
}

// Validate checks a registration before it is stored: every URL absolute
// (https, or http for a loopback test platform), the IDs present.
func (p *Platform) Validate() error {
	p.Issuer = strings.TrimSpace(p.Issuer)
	p.ClientID = strings.TrimSpace(p.ClientID)
	p.Name = strings.TrimSpace(p.Name)
	if p.Issuer == "" {
		return &episodes.Error{Field: "issuer", Message: "give the platform's issuer (iss), e.g. https://canvas.instructure.com"}
	}
	if err := checkURL("issuer", p.Issuer); err != nil {
		return err
	}
	if p.ClientID == "" || len(p.ClientID) > 255 {
		return &episodes.Error{Field: "client_id", Message: "give the client ID the platform assigned to Lyssna (1 to 255 characters)"}
	}
	var deps []string
	for _, d := range p.DeploymentIDs {
		if d = strings.TrimSpace(d); d != "" && !slices.Contains(deps, d) {
			deps = append(deps, d)
		}
	}
	if len(deps) == 0 {
		return &episodes.Error{Field: "deployment_id", Message: "give at least one deployment ID (Canvas shows it on the app's Deployment Id; Moodle on the tool's details)"}
	}
	p.DeploymentIDs = deps
	for _, u := range []struct{ field, v string }{{"auth_url", p.AuthURL}, {"token_url", p.TokenURL}, {"jwks_url", p.JWKSURL}} {
		if err := checkURL(u.field, strings.TrimSpace(u.v)); err != nil {
			return err
		}
	}
	p.AuthURL, p.TokenURL, p.JWKSURL = strings.TrimSpace(p.AuthURL), strings.TrimSpace(p.TokenURL), strings.TrimSpace(p.JWKSURL)
	if len(p.Name) > 200 {
		return &episodes.Error{Field: "name", Message: "keep the name under 200 characters"}
	}
	return nil
}

// checkURL accepts an absolute https URL, or http on a loopback host (a
// platform under test).
func checkURL(field, v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return &episodes.Error{Field: field, Message: fmt.Sprintf("%s must be an absolute https:// URL, got %q", field, v)}
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return &episodes.Error{Field: field, Message: fmt.Sprintf("%s must use https:// (plain http is only for a platform on this machine), got %q", field, v)}
	}
	return nil
}

func loopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// Platforms are the registered platforms, in the database every replica shares.
type Platforms struct {
	db  *sql.DB
	now func() time.Time
}

// NewPlatforms keeps the registrations in db (the tables of migration 00150).
func NewPlatforms(db *sql.DB, now func() time.Time) *Platforms {
	if now == nil {
		now = time.Now
	}
	return &Platforms{db: db, now: now}
}

// Save registers p, or, when its issuer and client ID are registered
// already, updates that registration's URLs and name and adds its
// deployments. It returns the stored registration.
func (s *Platforms) Save(ctx context.Context, p *Platform) (*Platform, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("lti: save platform: %w", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM lti_platforms WHERE issuer = $1 AND client_id = $2`, p.Issuer, p.ClientID).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = tx.QueryRowContext(ctx, `INSERT INTO lti_platforms (issuer, client_id, auth_url, token_url, jwks_url, name, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			p.Issuer, p.ClientID, p.AuthURL, p.TokenURL, p.JWKSURL, p.Name, s.now().Unix()).Scan(&id)
	case err == nil:
		_, err = tx.ExecContext(ctx, `UPDATE lti_platforms SET auth_url = $1, token_url = $2, jwks_url = $3,
			name = CASE WHEN $4 = '' THEN name ELSE $4 END WHERE id = $5`,
			p.AuthURL, p.TokenURL, p.JWKSURL, p.Name, id)
	}
	if err != nil {
		return nil, fmt.Errorf("lti: save platform: %w", err)
	}
	for _, d := range p.DeploymentIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO lti_deployments (platform_id, deployment_id) VALUES ($1, $2)
			ON CONFLICT DO NOTHING`, id, d); err != nil {
			return nil, fmt.Errorf("lti: save deployment: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("lti: save platform: %w", err)
	}
	return s.Get(ctx, id)
}

// Get returns the registration with the ID, or a NotFound *episodes.Error.
func (s *Platforms) Get(ctx context.Context, id int64) (*Platform, error) {
	ps, err := s.query(ctx, `WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, &episodes.Error{Kind: episodes.NotFound, Message: fmt.Sprintf("no LTI platform has the ID %d; `lyssna lti list` shows them", id)}
	}
	return ps[0], nil
}

// Find returns the registration of issuer; clientID may be empty when the
// issuer has only one. It answers a NotFound *episodes.Error for an
// unregistered issuer, and an Invalid one when clientID is needed.
func (s *Platforms) Find(ctx context.Context, issuer, clientID string) (*Platform, error) {
	ps, err := s.query(ctx, `WHERE issuer = $1`, issuer)
	if err != nil {
		return nil, err
	}
	var match []*Platform
	for _, p := range ps {
		if clientID == "" || p.ClientID == clientID {
			match = append(match, p)
		}
	}
	switch {
	case len(match) == 1:
		return match[0], nil
	case len(match) > 1:
		return nil, &episodes.Error{Field: "client_id", Message: "this issuer has several registrations here and the platform sent no client_id; ask its admin to send client_id in the login initiation"}
	case len(ps) > 0:
		return nil, &episodes.Error{Kind: episodes.NotFound, Field: "client_id", Message: fmt.Sprintf("the platform %s is registered, but not with the client ID %q; register it with `lyssna lti add`", issuer, clientID)}
	}
	return nil, &episodes.Error{Kind: episodes.NotFound, Field: "iss", Message: fmt.Sprintf("no LTI platform with the issuer %q is registered here; an admin registers it with `lyssna lti add` (see docs/lms.md)", issuer)}
}

// List returns every registration, oldest first.
func (s *Platforms) List(ctx context.Context) ([]*Platform, error) { return s.query(ctx, "") }

// Remove deletes a registration (its deployments, logins in flight and
// Deep Linking requests with it).
func (s *Platforms) Remove(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM lti_platforms WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("lti: remove platform: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &episodes.Error{Kind: episodes.NotFound, Message: fmt.Sprintf("no LTI platform has the ID %d; `lyssna lti list` shows them", id)}
	}
	return nil
}

func (s *Platforms) query(ctx context.Context, where string, args ...any) ([]*Platform, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, issuer, client_id, auth_url, token_url, jwks_url, name, created_at
		FROM lti_platforms `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("lti: list platforms: %w", err)
	}
	defer rows.Close()
	var ps []*Platform
	byID := map[int64]*Platform{}
	for rows.Next() {
		p := &Platform{}
		var created int64
		if err := rows.Scan(&p.ID, &p.Issuer, &p.ClientID, &p.AuthURL, &p.TokenURL, &p.JWKSURL, &p.Name, &created); err != nil {
			return nil, fmt.Errorf("lti: read platform: %w", err)
		}
		p.CreatedAt = time.Unix(created, 0).UTC()
		ps = append(ps, p)
		byID[p.ID] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lti: list platforms: %w", err)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	drows, err := s.db.QueryContext(ctx, `SELECT platform_id, deployment_id FROM lti_deployments ORDER BY deployment_id`)
	if err != nil {
		return nil, fmt.Errorf("lti: list deployments: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var id int64
		var d string
		if err := drows.Scan(&id, &d); err != nil {
			return nil, fmt.Errorf("lti: read deployment: %w", err)
		}
		if p := byID[id]; p != nil {
			p.DeploymentIDs = append(p.DeploymentIDs, d)
		}
	}
	return ps, drows.Err()
}
