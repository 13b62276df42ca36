package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lyssna/lyssna/episodes"
)

// maxJSONBody caps every JSON request body (and the "episode" part of an
// upload). The largest legal episode (100 kB of notes, hundreds of list
// items) fits well inside it.
const maxJSONBody = 1 << 20

// Error codes of request errors, beside those in errors.go.
const (
	codeUnauthorized     = "unauthorized"
	codeTooLarge         = "too_large"
	codeUnsupportedMedia = "unsupported_media_type"
	codeMalformed        = "malformed"
)

// requestError is a problem with the request itself (its encoding, size or
// content type), as opposed to a domain error that respondError maps.
type requestError struct {
	status  int
	code    string
	message string
	field   string
}

func (e *requestError) Error() string { return "server: " + e.message }

// writeJSON writes v as a JSON answer with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	// Our own types always encode; a write error means the client has gone.
	_ = json.NewEncoder(w).Encode(v)
}

// hasJSONType reports whether the request says its body is JSON.
func hasJSONType(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// readJSON decodes the request's JSON body into v: 415 unless the body is
// declared as application/json, 413 over maxJSONBody, 400 for malformed
// JSON, invalid UTF-8, a wrong type or an unknown field, naming it.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := jsonBody(w, r)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// jsonBody is the request body capped at maxJSONBody, or a 415 error
// unless the body is declared as application/json.
func jsonBody(w http.ResponseWriter, r *http.Request) (io.Reader, error) {
	if !hasJSONType(r) {
		return nil, &requestError{http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			fmt.Sprintf("Content-Type %q is not accepted here; send the body as application/json", r.Header.Get("Content-Type")), ""}
	}
	return http.MaxBytesReader(w, r.Body, maxJSONBody), nil
}

// decodeJSON decodes exactly one JSON object from at most maxJSONBody bytes
// of body into v, rejecting unknown fields. Errors are *requestError values
// that name the line, column or field at fault.
func decodeJSON(body io.Reader, v any) error {
	data, err := io.ReadAll(io.LimitReader(body, maxJSONBody+1))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || len(data) > maxJSONBody {
		return &requestError{http.StatusRequestEntityTooLarge, codeTooLarge,
			fmt.Sprintf("the JSON body is larger than the %d byte (1 MiB) limit; send big files as uploads", maxJSONBody), ""}
	}
	if err != nil {
		return fmt.Errorf("server: read request body: %w", err)
	}
	malformed := func(format string, args ...any) error {
		return &requestError{http.StatusBadRequest, codeMalformed, fmt.Sprintf(format, args...), ""}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return malformed("the body is empty; send a JSON object")
	}
	if !utf8.Valid(data) {
		line, col := lineCol(data, invalidUTF8Offset(data))
		return malformed("the body is not valid UTF-8 (line %d, column %d); send UTF-8 JSON", line, col)
	}
	if json.Valid(data) {
		if name := unknownField(data, reflect.TypeOf(v), ""); name != "" {
			return &episodes.Error{Field: name, Message: "is not a known field (or cannot be set here); see docs/api.md for the fields"}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // unknownField has named any; this only keeps the decoder strict
	err = dec.Decode(v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var val *episodes.Error
	switch {
	case err == nil:
	case errors.As(err, &val):
		return err // from a field's own decoder
	case errors.As(err, &syn):
		line, col := lineCol(data, int(syn.Offset))
		return malformed("malformed JSON at line %d, column %d: %s", line, col, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("malformed JSON: the body ends in the middle of a value")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return malformed("the body must be a JSON object, not %s", typ.Value)
		}
		return &episodes.Error{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonTypeName(typ.Type.String()), typ.Value)}
	default:
		return malformed("malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed("the body holds more than one JSON value; send exactly one object")
	}
	return nil
}

// jsonTypeName names a Go type the way a JSON client thinks of it.
func jsonTypeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"), strings.HasPrefix(goType, "uint"):
		return "a number"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case goType == "time.Time":
		return "an RFC 3339 time string"
	}
	return "an object"
}

func invalidUTF8Offset(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int) (line, col int) {
	offset = min(max(offset, 0), len(data))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = offset - bytes.LastIndexByte(before, '\n')
	return line, col
}

// opt is a JSON field whose presence matters (PATCH): set is true when the
// field was in the body, even as null (which sets the zero value).
type opt[T any] struct {
	set bool
	v   T
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *opt[T]) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		var zero T
		o.v = zero
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // the outer decoder's setting does not reach in here
	return dec.Decode(&o.v)
}

// elemType is T, for unknownField.
func (o *opt[T]) elemType() reflect.Type { return reflect.TypeFor[T]() }

func (o opt[T]) to(dst *T) {
	if o.set {
		*dst = o.v
	}
}

// readOnly is a field the server sets; it is accepted in no request.
type readOnly struct{ set bool }

// UnmarshalJSON implements json.Unmarshaler.
func (r *readOnly) UnmarshalJSON([]byte) error {
	r.set = true
	return nil
}

// readOnlyField names a read-only field and says how to change it instead.
type readOnlyField struct {
	name string
	sent readOnly
	hint string
}

// checkReadOnly returns an *episodes.Error for the first read-only field sent.
func checkReadOnly(fields []readOnlyField) error {
	for _, f := range fields {
		if f.sent.set {
			return &episodes.Error{Field: f.name, Message: "is read-only; " + f.hint}
		}
	}
	return nil
}

// unknownField names the first key in the JSON value data that the Go type t
// has no field for ("nickname", "owner.nickname", "chapters[2].colour"),
// walking nested objects and lists as encoding/json would fill them (keys
// match without regard to case). It returns "" when every key is known, and
// leaves values of the wrong shape to the decoder.
func unknownField(data []byte, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if o, ok := reflect.New(t).Interface().(interface{ elemType() reflect.Type }); ok {
		t = o.elemType() // opt[T] holds a T
	} else if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return "" // readOnly and other types that read themselves
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return ""
		}
		fields := map[string]reflect.Type{}
		for _, f := range reflect.VisibleFields(t) { // with those of embedded structs
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.IsExported() && !f.Anonymous && name != "-" && name != "" {
				fields[strings.ToLower(name)] = f.Type
			}
		}
		keys := slices.Sorted(maps.Keys(obj))
		for _, k := range keys {
			ft, ok := fields[strings.ToLower(k)]
			if !ok {
				return joinField(path, k)
			}
			if name := unknownField(obj[k], ft, joinField(path, k)); name != "" {
				return name
			}
		}
	case reflect.Slice:
		var items []json.RawMessage
		if json.Unmarshal(data, &items) != nil {
			return ""
		}
		for i, item := range items {
			if name := unknownField(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); name != "" {
				return name
			}
		}
	}
	return ""
}

func joinField(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
