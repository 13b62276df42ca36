package episodes

import (
	"errors"
	"fmt"
	"net/http"
)

// Kind says what sort of failure an *Error is. The API answers each kind
// with one HTTP status (Status, the one table); the producer UI shows the
// message beside the field.
type Kind int

// The kinds of Error. The zero Kind is Invalid, so &Error{Field, Message}
// is a value that breaks a rule.
const (
	// Invalid: a value breaks a rule (400); Field names it.
	Invalid Kind = iota
	// NotFound: the show, episode, transcript or artwork does not exist (404).
	NotFound
	// Conflict: a slug, guid or file is already taken, or the change clashes
	// with the thing's state (409).
	Conflict
	// TooLarge: a file or body is over its limit; the message names it (413).
	TooLarge
	// Unsupported: a file or body of a type that is not accepted (415).
	Unsupported
	// Malformed: a file of an accepted type that cannot be read (422).
	Malformed
	// Forbidden: the caller may not do this (403).
	Forbidden
	// Unavailable: a part the request needs is down; try again later (503).
	Unavailable
)

// kindTable is the one table of kinds: the code clients branch on and the
// HTTP status the API answers with.
var kindTable = [...]struct {
	code   string
	status int
}{
	Invalid:     {"invalid", http.StatusBadRequest},
	NotFound:    {"not_found", http.StatusNotFound},
	Conflict:    {"conflict", http.StatusConflict},
	TooLarge:    {"too_large", http.StatusRequestEntityTooLarge},
	Unsupported: {"unsupported_media_type", http.StatusUnsupportedMediaType},
	Malformed:   {"malformed", http.StatusUnprocessableEntity},
	Forbidden:   {"forbidden", http.StatusForbidden},
	Unavailable: {"unavailable", http.StatusServiceUnavailable},
}

// Code is the kind's name in API answers ("invalid", "not_found", ...).
func (k Kind) Code() string {
	if int(k) < 0 || int(k) >= len(kindTable) {
		return "internal"
	}
	return kindTable[k].code
}

// Status is the HTTP status the API answers the kind with.
func (k Kind) Status() int {
	if int(k) < 0 || int(k) >= len(kindTable) {
		return http.StatusInternalServerError
	}
	return kindTable[k].status
}

// String implements fmt.Stringer.
func (k Kind) String() string { return k.Code() }

// Error is Lyssna's one domain error: what kind of failure, the field of the
// request it belongs to (in the API's JSON names: "owner.email",
// "references[2].doi", "audio", "image"; empty when none), and a message a
// producer can act on. The message is shown to clients as it is; Err, the
// cause, is only for the log. Both the API and the producer UI answer an
// *Error the same way, so a rule is written once, where the thing it
// concerns is owned.
type Error struct {
	Kind    Kind
	Field   string
	Message string
	Err     error
}

// Error implements error.
func (e *Error) Error() string {
	msg := e.Message
	if e.Kind == Invalid && e.Field != "" {
		msg = "invalid " + e.Field + ": " + msg
	}
	if e.Err != nil {
		return "episodes: " + msg + ": " + e.Err.Error()
	}
	return "episodes: " + msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) and errors.Is(err, ErrConflict) true
// for errors of those kinds.
func (e *Error) Is(target error) bool {
	return (target == ErrNotFound && e.Kind == NotFound) || (target == ErrConflict && e.Kind == Conflict)
}

// Public is the message as a client should read it: for an invalid field
// "invalid FIELD: MESSAGE", for every other kind the message itself.
func (e *Error) Public() string {
	if e.Kind == Invalid && e.Field != "" {
		return "invalid " + e.Field + ": " + e.Message
	}
	return e.Message
}

// AsError finds the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Errorf returns an *Error of the kind for the field with a formatted message.
func Errorf(kind Kind, field, format string, args ...any) *Error {
	return &Error{Kind: kind, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Errors the Store returns (as *Error of kind NotFound or Conflict); test
// them with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// notFound is the NotFound *Error naming what is missing.
func notFound(format string, args ...any) *Error {
	return Errorf(NotFound, "", format, args...)
}
