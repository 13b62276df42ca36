package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
)

// Error codes in JSON error answers; clients branch on these, not on messages.
const (
	codeInvalid          = "invalid"
	codeNotFound         = "not_found"
	codeConflict         = "conflict"
	codeMethodNotAllowed = "method_not_allowed"
	codeInternal         = "internal"
	codeCanceled         = "canceled"
)

// errorBody is the JSON shape of every API error:
// {"error":{"code":"invalid","message":"...","field":"title"}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// writeError writes a JSON error answer; field names the input at fault, if any.
func writeError(w http.ResponseWriter, status int, code, message, field string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	// The body is a fixed shape of strings: encoding cannot fail, and a write
	// error means the client has gone, which nothing here can act on.
	_ = json.NewEncoder(w).Encode(errorBody{errorDetail{Code: code, Message: message, Field: field}})
}

// respondError is the one place where domain errors become HTTP answers:
// not found (or a key that cannot exist) -> 404, conflict -> 409, a
// validation error -> 400 naming the field, a request its client canceled ->
// 503 unlogged, anything else -> 500, logged here once with the request's details
// and never shown to the client.
func (h *handler) respondError(w http.ResponseWriter, r *http.Request, err error) {
	var verr *episodes.ValidationError
	switch {
	case errors.As(err, &verr):
		writeError(w, http.StatusBadRequest, codeInvalid, "invalid "+verr.Field+": "+verr.Message, verr.Field)
	case errors.Is(err, episodes.ErrNotFound), errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrInvalidKey):
		writeError(w, http.StatusNotFound, codeNotFound, err.Error(), "")
	case errors.Is(err, episodes.ErrConflict):
		writeError(w, http.StatusConflict, codeConflict, err.Error(), "")
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away; nobody reads this answer and it is no fault here.
		writeError(w, http.StatusServiceUnavailable, codeCanceled, "request canceled", "")
	default:
		h.requestLogger(r).LogAttrs(r.Context(), slog.LevelError, "request failed", slog.Any("error", err))
		writeError(w, http.StatusInternalServerError, codeInternal,
			"internal error; the server log has the details under request id "+requestID(r.Context()), "")
	}
}
