package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/transcript"
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

// respondError is the one place where errors become HTTP answers: a request
// error (bad JSON, wrong type, too large) with its own status; a refused
// picture (413, 415 or 422 naming the problem, field "image"); the upload
// pipeline's errors (413 naming the limit, 415 saying what was found, 422 for
// a broken file, 408 for a stalled client, 400 for a cut-off body); not found
// (or a key that cannot exist) -> 404, conflict -> 409 (with its field when
// the domain names one), a validation error ->
// 400 naming the field, a transcript that does not parse -> 400 naming the line, a request its client canceled -> 503 unlogged,
// anything else -> 500, logged here once with the request's details and
// never shown to the client.
func (h *handler) respondError(w http.ResponseWriter, r *http.Request, err error) {
	var rerr *requestError
	var tl *uploads.TooLargeError
	upmsg := func() string {
		return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "uploads: "), "probe: ")
	}
	var verr *episodes.ValidationError
	var perr *transcript.ParseError
	var aerr *uploads.ArtworkError
	var cerr *episodes.ConflictError
	switch {
	case errors.As(err, &rerr):
		writeError(w, rerr.status, rerr.code, rerr.message, rerr.field)
	case errors.As(err, &aerr):
		status, code := artworkStatus(aerr.Problem)
		writeError(w, status, code, aerr.Message, "image")
	case errors.As(err, &tl):
		writeError(w, http.StatusRequestEntityTooLarge, codeTooLarge, upmsg(), "audio")
	case errors.Is(err, uploads.ErrUnsupported):
		writeError(w, http.StatusUnsupportedMediaType, codeUnsupportedMedia, upmsg(), "audio")
	case errors.Is(err, uploads.ErrMalformed):
		writeError(w, http.StatusUnprocessableEntity, codeMalformed,
			upmsg()+"; check that the file plays, or re-encode it as MP3 or M4A", "audio")
	case errors.Is(err, os.ErrDeadlineExceeded):
		writeError(w, http.StatusRequestTimeout, codeTimeout,
			fmt.Sprintf("the upload sent nothing for %s and was cut off; nothing was stored, send it again", uploadIdleTimeout), "")
	case errors.Is(err, uploads.ErrIncomplete):
		writeError(w, http.StatusBadRequest, codeIncomplete, upmsg()+"; nothing was stored, send it again", "")
	case errors.As(err, &perr):
		writeError(w, http.StatusBadRequest, codeInvalid, "invalid transcript: "+perr.Error(), "transcript")
	case errors.As(err, &verr):
		writeError(w, http.StatusBadRequest, codeInvalid, "invalid "+verr.Field+": "+verr.Message, verr.Field)
	case errors.Is(err, episodes.ErrNotFound), errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrInvalidKey):
		writeError(w, http.StatusNotFound, codeNotFound, err.Error(), "")
	case errors.As(err, &cerr):
		writeError(w, http.StatusConflict, codeConflict, cerr.Message, cerr.Field)
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

// artworkStatus is the status and code of a refused picture.
func artworkStatus(p uploads.ArtworkProblem) (int, string) {
	switch p {
	case uploads.ArtworkTooLarge:
		return http.StatusRequestEntityTooLarge, codeTooLarge
	case uploads.ArtworkUnsupported:
		return http.StatusUnsupportedMediaType, codeUnsupportedMedia
	case uploads.ArtworkMalformed:
		return http.StatusUnprocessableEntity, codeMalformed
	}
	return http.StatusUnprocessableEntity, codeInvalid
}
