package server

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestMethodNotAllowed: a wrong method gets 405 with Allow naming the
// methods the path takes, and under /api/ the documented JSON error.
func TestMethodNotAllowed(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("talks")
	for _, c := range []struct {
		method, path, allow string
		json                bool
	}{
		{http.MethodPut, "/api/v1/shows", "GET, POST", true},
		{http.MethodPost, "/api/v1/shows/talks", "GET, PATCH, DELETE", true},
		{http.MethodPost, "/healthz", "GET, HEAD", false},
		{http.MethodDelete, "/media/audio/1/a.mp3", "GET, HEAD", false},
	} {
		rec := a.do(c.method, c.path, "", nil)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != c.allow {
			t.Errorf("%s %s = %d Allow %q, want 405 Allow %q", c.method, c.path, rec.Code, rec.Header().Get("Allow"), c.allow)
		}
		var body errorBody
		err := json.Unmarshal(rec.Body.Bytes(), &body)
		if c.json && (err != nil || body.Error.Code != codeMethodNotAllowed) {
			t.Errorf("%s %s: body %q, want the JSON error %q", c.method, c.path, rec.Body.String(), codeMethodNotAllowed)
		}
	}
}
