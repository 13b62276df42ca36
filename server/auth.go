package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// AdminTokenName is the name under which BootstrapAdminToken stores LYSSNA_ADMIN_TOKEN.
const AdminTokenName = "admin"

// ErrAdminTokenRevoked is BootstrapAdminToken's answer for a token that was
// revoked: it is not stored again.
var ErrAdminTokenRevoked = errors.New("the token in LYSSNA_ADMIN_TOKEN was revoked; it is not stored again (unset it, or set a new secret)")

// minTokenLen is the shortest secret accepted as a token (config enforces the same for the admin token).
const minTokenLen = 16

// BootstrapAdminToken stores token's hash under the name "admin" when the
// instance has no tokens yet, so a fresh install can be driven by
// LYSSNA_ADMIN_TOKEN; it reports whether it did. An empty token does nothing;
// a token revoked before is not stored again (ErrAdminTokenRevoked).
// Two replicas starting at once are safe: the loser's insert is a conflict,
// which counts as done.
func BootstrapAdminToken(ctx context.Context, store *episodes.Store, token string) (bool, error) {
	if token == "" {
		return false, nil
	}
	if len(token) < minTokenLen {
		return false, fmt.Errorf("server: the admin token must be at least %d characters", minTokenLen)
	}
	hash := episodes.HashToken(token)
	// A revoked admin token stays revoked, whatever LYSSNA_ADMIN_TOKEN says.
	if revoked, err := store.TokenRevoked(ctx, hash); err != nil || revoked {
		if err == nil {
			err = ErrAdminTokenRevoked
		}
		return false, fmt.Errorf("server: bootstrap admin token: %w", err)
	}
	n, err := store.CountTokens(ctx)
	if err != nil {
		return false, fmt.Errorf("server: bootstrap admin token: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	err = store.CreateToken(ctx, AdminTokenName, hash)
	if errors.Is(err, episodes.ErrConflict) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("server: bootstrap admin token: %w", err)
	}
	return true, nil
}

// requireToken lets a request through only with "Authorization: Bearer
// TOKEN" naming a stored token that is good (not expired, its person
// enabled), with its person as the request's principal and actor, and
// answers 401 JSON otherwise; a token over
// its rate limit (per replica) gets 429 with Retry-After. The secret
// is hashed before the lookup, so the database compares hashes and the
// time a lookup takes says nothing about the secret.
func (h *handler) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lyssna"`)
			writeError(w, http.StatusUnauthorized, codeUnauthorized,
				"this endpoint needs an API token: send Authorization: Bearer TOKEN (create one with `lyssna token create --name NAME`)", "")
			return
		}
		hash := episodes.HashToken(token)
		p, err := h.accounts.Authenticate(r.Context(), token)
		if err != nil {
			if !errors.Is(err, accounts.ErrBadToken) {
				h.respondError(w, r, err)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="lyssna", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, codeUnauthorized,
				"the API token is not valid (unknown, revoked or expired, or its person disabled); `lyssna token list` shows the tokens", "")
			return
		}
		if ok, wait := h.apiLimit.allow(hash); !ok {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeError(w, http.StatusTooManyRequests, codeRateLimited,
				fmt.Sprintf("too many requests with this token; try again in %d s", secs), "")
			return
		}
		next.ServeHTTP(w, r.WithContext(accounts.WithPrincipal(r.Context(), p)))
	})
}
