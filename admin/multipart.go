package admin

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
)

// Errors of reading a streamed form.
var (
	errNotMultipart = errors.New("admin: the form was not sent as multipart/form-data")
	errBadCSRF      = errors.New("admin: missing or wrong CSRF token")
	errNoFile       = errors.New("admin: no file chosen")
	errFieldsLarge  = errors.New("admin: the form's fields are too large")
)

// Caps on the plain fields of a streamed form, read before its file: each
// field's size, how many fields, and their sum.
const (
	maxFieldBytes = 64 << 10
	maxFields     = 32
	maxFormBytes  = 256 << 10
)

// streamFile reads a multipart form up to its file part (named "file")
// without buffering the file: the plain fields before it are returned, and
// the part to read the file from. The CSRF field must come before the file,
// as it does in every admin form; it is checked before any of the file is read.
func streamFile(r *http.Request, s *session) (map[string]string, *multipart.Part, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, errNotMultipart
	}
	fields := map[string]string{}
	total := 0
	for n := 0; ; n++ {
		if n >= maxFields {
			return nil, nil, fmt.Errorf("%w: more than %d fields before the file", errFieldsLarge, maxFields)
		}
		part, err := mr.NextPart()
		if err == io.EOF {
			return fields, nil, errNoFile
		}
		if err != nil {
			return nil, nil, fmt.Errorf("admin: read form: %w", err)
		}
		if part.FormName() == "file" {
			if !s.validCSRF(fields[csrfField]) {
				return nil, nil, errBadCSRF
			}
			if part.FileName() == "" {
				return fields, nil, errNoFile
			}
			return fields, part, nil
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return nil, nil, fmt.Errorf("admin: read form: %w", err)
		}
		if len(b) > maxFieldBytes {
			return nil, nil, fmt.Errorf("%w: field %q is longer than %d bytes", errFieldsLarge, part.FormName(), maxFieldBytes)
		}
		if total += len(b); total > maxFormBytes {
			return nil, nil, fmt.Errorf("%w: the fields before the file are longer than %d bytes", errFieldsLarge, maxFormBytes)
		}
		fields[part.FormName()] = strings.TrimSpace(string(b))
	}
}

// streamError answers the errors of streamFile that are not the file's own:
// 403 for a bad CSRF token, 400 otherwise. It reports whether it answered.
func (h *Handler) streamError(w http.ResponseWriter, r *http.Request, s *session, err error) bool {
	switch {
	case errors.Is(err, errBadCSRF):
		h.forbidden(w, r, s)
	case errors.Is(err, errNotMultipart):
		h.errorPage(w, r, s, http.StatusBadRequest, "The upload could not be read", "Send the form as multipart/form-data, with the file in a field named file.")
	default:
		return false
	}
	return true
}
