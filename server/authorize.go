package server

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// may records the action a route of the API or the producer UI does; the
// route table names one for each, and authorize asks accounts.Authorize
// (the one rule of rights) before the route's handler runs. A route of
// /api/v1 or /admin without an action is refused, so a route cannot be
// added without deciding who may use it (and TestPermissionMatrix fails
// until it has an entry there too).
func (h *handler) may(a accounts.Action, rt *mux.Route) *mux.Route {
	h.actions[rt] = a
	return rt
}

// actionOf returns the action of r's route.
func (h *handler) actionOf(r *http.Request) (accounts.Action, bool) {
	rt := mux.CurrentRoute(r)
	if rt == nil {
		return "", false
	}
	a, ok := h.actions[rt]
	return a, ok
}

// authorize is the one enforcement point, for the API and the producer UI:
// it finds the route's action and the show of the path, and lets the
// request through only when the principal (set by requireToken or the UI's
// session) may. A Draft action on an episode that has been scheduled or
// public needs Edit. A show or episode that does not exist is left to the
// handler's 404.
func (h *handler) authorize(ui bool) mux.MiddlewareFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a, ok := h.actionOf(r)
			if !ok {
				tmpl, _ := mux.CurrentRoute(r).GetPathTemplate()
				h.Logger.Error("route without a permission rule", "method", r.Method, "route", tmpl)
				h.refuse(w, r, ui, &episodes.Error{Kind: episodes.Forbidden,
					Message: "this route has no permission rule (server/routes.go must name its action with h.may); it is refused until it has one"})
				return
			}
			if a == accounts.Public {
				next.ServeHTTP(w, r)
				return
			}
			p := accounts.PrincipalFrom(r.Context())
			if p == nil {
				if ui {
					h.Admin.NotSignedIn(w, r)
				} else { // requireToken answers before this; kept closed should it not
					writeError(w, http.StatusUnauthorized, codeUnauthorized, "sign in first", "")
				}
				return
			}
			var showID int64
			if slug := mux.Vars(r)["show"]; slug != "" && a.ShowAction() {
				sh, err := h.Store.GetShow(r.Context(), slug)
				if errors.Is(err, episodes.ErrNotFound) {
					next.ServeHTTP(w, r)
					return
				}
				if err != nil {
					h.fail(w, r, ui, err)
					return
				}
				showID = sh.ID
				if ep := mux.Vars(r)["episode"]; ep != "" && a == accounts.Draft {
					e, err := h.Store.GetEpisode(r.Context(), sh.ID, ep)
					if err != nil && !errors.Is(err, episodes.ErrNotFound) {
						h.fail(w, r, ui, err)
						return
					}
					if e != nil && (e.Status != episodes.StatusDraft || e.PublishedAt != nil) {
						a = accounts.Edit // a contributor edits drafts only
					}
				}
			}
			if err := h.accounts.Authorize(r.Context(), p, a, showID); err != nil {
				h.fail(w, r, ui, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// fail answers err for the API or the UI.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, ui bool, err error) {
	if de, ok := episodes.AsError(err); ok && de.Kind == episodes.Forbidden {
		h.refuse(w, r, ui, de)
		return
	}
	if ui {
		h.Admin.Fail(w, r, err)
		return
	}
	h.respondError(w, r, err)
}

// refuse answers 403 with why.
func (h *handler) refuse(w http.ResponseWriter, r *http.Request, ui bool, de *episodes.Error) {
	if ui {
		h.Admin.Refuse(w, r, de.Public())
		return
	}
	writeError(w, http.StatusForbidden, de.Kind.Code(), de.Public(), "")
}
