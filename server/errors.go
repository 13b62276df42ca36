package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/bodyguard"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/uploads"
)

// Error codes in JSON error answers; clients branch on these, not on messages.
const (
	codeInvalid          = "invalid"
	codeNotFound         = "not_found"
	codeConflict         = "conflict"
	codeMethodNotAllowed = "method_not_allowed"
	codeInternal         = "internal"
	codeCanceled         = "canceled"
	codeRateLimited      = "rate_limited"
)

// statusClientGone is what the access log records for a request whose client
// disconnected before the answer (nginx's 499); the client never sees it.
const statusClientGone = 499

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

// respondError is the one place where errors become HTTP answers. A domain
// error (*episodes.Error) answers with its kind's status and code
// (episodes.Kind.Status, the one table), its message and its field. A
// problem with the request itself (*requestError: its encoding, size or
// content type) answers with its own status. A body the guard cut off is 408
// (it stalled) or 413 (past the route's cap); an upload that
// broke off is 400 (the client's doing, not the file's); a request its
// client canceled is 499 in the access log, logged as such at info. Anything else is 500, logged here once
// with the request's details and never shown to the client.
func (h *handler) respondError(w http.ResponseWriter, r *http.Request, err error) {
	var rerr *requestError
	if errors.As(err, &rerr) {
		writeError(w, rerr.status, rerr.code, rerr.message, rerr.field)
		return
	}
	if status, msg, ok := bodyguard.Status(err); ok {
		writeError(w, status, bodyCode(status), msg, "")
		return
	}
	if de, ok := episodes.AsError(err); ok {
		writeError(w, de.Kind.Status(), de.Kind.Code(), de.Public(), de.Field)
		return
	}
	switch {
	case errors.Is(err, uploads.ErrIncomplete):
		writeError(w, http.StatusBadRequest, codeIncomplete, "the upload broke off before the end of the file; nothing was stored, send it again", "")
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrInvalidKey):
		writeError(w, http.StatusNotFound, codeNotFound, "there is nothing stored at this address", "")
	case errors.Is(err, storage.ErrUnavailable) || episodes.IsUnavailable(err) && r.Context().Err() == nil:
		// A part timed out or is down: an outage to log once, and for the
		// client to retry (503 with Retry-After), not a bug (500).
		h.requestLogger(r).LogAttrs(r.Context(), slog.LevelWarn, "request failed: a part is unavailable", slog.Any("error", err))
		w.Header().Set("Retry-After", strconv.Itoa(storage.RetryAfterSeconds))
		writeError(w, http.StatusServiceUnavailable, "unavailable", "a part Lyssna needs did not answer in time; try again in a few seconds", "")
	case errors.Is(context.Cause(r.Context()), context.Canceled):
		// The client went away (whatever error that caused below): nobody
		// reads this answer and it is no fault here. The access log shows
		// 499, nginx's "client closed request", not a 5xx.
		h.requestLogger(r).LogAttrs(r.Context(), slog.LevelInfo, "client went away", slog.Any("error", err))
		writeError(w, statusClientGone, codeCanceled, "request canceled", "")
	default:
		h.requestLogger(r).LogAttrs(r.Context(), slog.LevelError, "request failed", slog.Any("error", err))
		writeError(w, http.StatusInternalServerError, codeInternal,
			"internal error; the server log has the details under request id "+requestID(r.Context()), "")
	}
}

// bodyCode is the error code of a body refused by the guard.
func bodyCode(status int) string {
	if status == http.StatusRequestTimeout {
		return codeTimeout
	}
	return codeTooLarge
}
