package accounts

import (
	"context"

	"github.com/lyssna/lyssna/episodes"
)

// Principal is who a request acts for: a person, and the limits of the
// token or session they came with.
type Principal struct {
	UserID int64
	Email  string
	Name   string // the display name
	Admin  bool
	// Via is how they came: the token's name, or "session".
	Via string
	// TokenShowID, when not 0, limits the principal to that show.
	TokenShowID int64
	// ReadOnly limits the principal to reading.
	ReadOnly bool
}

// Actor is the principal as the audit trail records it.
func (p *Principal) Actor() episodes.Actor {
	return episodes.Actor{UserID: p.UserID, Name: p.Name, Via: p.Via}
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p, and p as the actor of the writes
// made with it (episodes.WithActor).
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return episodes.WithActor(context.WithValue(ctx, principalKey{}, p), p.Actor())
}

// PrincipalFrom returns the principal ctx carries, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
