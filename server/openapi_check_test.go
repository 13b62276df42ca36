package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The API's contract is docs/openapi.yaml. Every handler the server tests
// build comes from serve, which checks each /api/v1/ answer against the
// document with kin-openapi: its status is documented for the operation,
// and its headers and JSON body match the schema.

var (
	openAPIOnce   sync.Once
	openAPIRouter routers.Router
	openAPIErr    error
	// openAPIChecked counts the answers checked, for TestOpenAPIChecksAnswers.
	openAPIChecked atomic.Int64
)

// openAPI loads, validates and routes docs/openapi.yaml once.
func openAPI(t testing.TB) routers.Router {
	t.Helper()
	openAPIOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile("../docs/openapi.yaml")
		if err != nil {
			openAPIErr = err
			return
		}
		if openAPIErr = doc.Validate(context.Background()); openAPIErr != nil {
			return
		}
		doc.Servers = nil // match the test requests' paths whatever their host
		openAPIRouter, openAPIErr = gorillamux.NewRouter(doc)
	})
	if openAPIErr != nil {
		t.Fatalf("docs/openapi.yaml: %v", openAPIErr)
	}
	return openAPIRouter
}

// checkOpenAPI wraps h so that each API answer is checked; a mismatch fails t.
func checkOpenAPI(t testing.TB, h http.Handler) http.Handler {
	router := openAPI(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		if rec.Header().Get("Content-Encoding") == "gzip" { // check what the client reads
			zr, err := gzip.NewReader(bytes.NewReader(rec.Body.Bytes()))
			if err != nil {
				t.Errorf("%s %s: a broken gzip answer: %v", r.Method, r.URL.Path, err)
				return
			}
			plain, _ := io.ReadAll(zr)
			rec.Body = bytes.NewBuffer(plain)
			rec.Header().Del("Content-Encoding")
		}
		if err := validateAnswer(router, r, rec); err != nil {
			t.Errorf("%s %s answered %d, which docs/openapi.yaml does not allow: %v\nbody: %.600s", r.Method, r.URL.Path, rec.Code, err, rec.Body.Bytes())
		}
	})
}

// validateAnswer checks one answer against the operation the request matches.
// A request for no documented operation must have been answered 404 or 405.
func validateAnswer(router routers.Router, r *http.Request, rec *httptest.ResponseRecorder) error {
	req := r.Clone(context.Background())
	req.Body = http.NoBody
	route, params, err := router.FindRoute(req)
	if err != nil {
		if rec.Code == http.StatusNotFound || rec.Code == http.StatusMethodNotAllowed {
			openAPIChecked.Add(1)
			return nil
		}
		return err
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return errors.New(schemaProblems(err))
	}
	openAPIChecked.Add(1)
	return nil
}

// schemaProblems lists what err found wrong, one "where: why" each, without
// the schemas kin-openapi would print whole.
func schemaProblems(err error) string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		var multi openapi3.MultiError
		var schema *openapi3.SchemaError
		switch {
		case errors.As(err, &multi):
			for _, e := range multi {
				walk(e)
			}
		case errors.As(err, &schema):
			if inner := schema.Unwrap(); inner != nil && inner != schema {
				var sub *openapi3.SchemaError
				var subMulti openapi3.MultiError
				if errors.As(inner, &subMulti) || errors.As(inner, &sub) {
					walk(inner)
					return
				}
			}
			out = append(out, "/"+strings.Join(schema.JSONPointer(), "/")+": "+schema.Reason)
		default:
			out = append(out, err.Error())
		}
	}
	walk(err)
	return strings.Join(out, "; ")
}

// TestOpenAPICheckCatchesMismatches proves the check fails an answer that
// breaks the document: an undocumented field, a wrong type, an undocumented
// status; and passes one that keeps it.
func TestOpenAPICheckCatchesMismatches(t *testing.T) {
	router := openAPI(t)
	cases := []struct {
		name   string
		status int
		body   string
		ok     bool
	}{
		{"documented", http.StatusOK, `{"slug":"s","title":"T","language":"en","created_at":"2026-11-30T12:00:00Z"}`, true},
		{"undocumented field", http.StatusOK, `{"slug":"s","title":"T","secret_field":1}`, false},
		{"wrong type", http.StatusOK, `{"slug":"s","title":7}`, false},
		{"undocumented status", http.StatusTeapot, `{"error":{"code":"internal","message":"x"}}`, false},
		{"unknown error code", http.StatusNotFound, `{"error":{"code":"nope","message":"x"}}`, false},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/shows/s", nil)
		rec := httptest.NewRecorder()
		rec.Header().Set("Content-Type", "application/json")
		rec.WriteHeader(tc.status)
		rec.WriteString(tc.body)
		err := validateAnswer(router, req, rec)
		if (err == nil) != tc.ok {
			t.Errorf("%s: validateAnswer = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
