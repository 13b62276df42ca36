package server

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/access"
)

// signedGet answers GET and HEAD /p/{grant}/{sig}/{path...}: a signed URL
// of a listener key's personal feed, or of a page, embed, chapters file or
// media object that a grant opens. The signature is checked over the rest
// of the path, the grant against the store (a revoked or expired key is a
// 401 at once), and then the rest of the path is routed as if asked for
// directly, with the grant in the request's context (access.FromContext):
// the handlers there decide with access.Allows.
func (h *handler) signedGet(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	tok, sig := vars["grant"], vars["sig"]
	prefix := access.PathPrefix + tok + "/" + sig
	escaped := r.URL.EscapedPath()
	rest := strings.TrimPrefix(escaped, prefix)
	if rest == escaped || !signable(rest) {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	g, err := h.Signer.Verify(tok, sig, rest)
	if err != nil {
		h.grantError(w, r, err)
		return
	}
	r, ok := h.withGrant(w, r, g)
	if !ok {
		return
	}
	plain, err := url.PathUnescape(rest)
	if err != nil {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	u := *r.URL // r.URL is shared with the caller's request
	u.Path, u.RawPath = plain, rest
	r.URL = &u
	h.router.ServeHTTP(w, r)
}

// signable reports whether a signed URL may lead to path: the listener
// pages, feeds, chapters, embeds and media; never the API, the producer UI
// or another signed path.
func signable(path string) bool {
	if !strings.HasPrefix(path, "/") || strings.Contains(path, "/../") || strings.HasSuffix(path, "/..") {
		return false
	}
	first, _, _ := strings.Cut(path[1:], "/")
	switch first {
	case "", "api", "admin", "p", "static", "oembed", "healthz", "readyz", "metrics", "lti":
		return false
	}
	return true
}

// withGrant resolves g against the store at the database's clock and
// returns r carrying it; it answers the failure itself (ok false). A
// listener key's use is noted (at most once a minute).
func (h *handler) withGrant(w http.ResponseWriter, r *http.Request, g access.Grant) (*http.Request, bool) {
	g, key, err := access.Resolve(r.Context(), h.Store, g, h.Now())
	if err != nil {
		h.grantError(w, r, err)
		return nil, false
	}
	if key != nil {
		if err := h.Store.TouchListenerKey(r.Context(), key.ID, h.Now()); err != nil {
			h.requestLogger(r).LogAttrs(r.Context(), slog.LevelWarn, "listener key use not noted", slog.Any("error", err))
		}
	}
	return r.WithContext(access.WithGrant(r.Context(), g)), true
}

// keyed lets a handler take a listener key as ?key= (the personal feed's
// query form, and the pages): the key's grant goes into the request's
// context; a bad, revoked or expired key is answered here.
func (h *handler) keyed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("key")
		if tok == "" || access.FromContext(r.Context()) != nil {
			next(w, r)
			return
		}
		g, err := h.Signer.ParseKeyToken(tok)
		if err != nil {
			h.grantError(w, r, err)
			return
		}
		r, ok := h.withGrant(w, r, g)
		if !ok {
			return
		}
		next(w, r)
	}
}

// grantError answers a grant that does not hold: 401 for a revoked or
// expired one (short, never content), 404 for one that was never good.
func (h *handler) grantError(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case errors.Is(err, access.ErrRevoked):
		http.Error(w, "401 this listener key has been revoked; ask the show's producer for a new one", http.StatusUnauthorized)
	case errors.Is(err, access.ErrExpired):
		http.Error(w, "401 this link or listener key has expired; ask the show's producer for a new one", http.StatusUnauthorized)
	case errors.Is(err, access.ErrInvalid):
		http.Error(w, "404 page not found", http.StatusNotFound)
	default:
		h.requestLogger(r).LogAttrs(r.Context(), slog.LevelError, "grant check failed", slog.Any("error", err))
		w.Header().Set("Retry-After", "5")
		http.Error(w, "503 the access check failed; try again in a few seconds", http.StatusServiceUnavailable)
	}
}
