package server

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestAPIRateLimit: a token past its burst gets 429 with Retry-After, in
// JSON.
func TestAPIRateLimit(t *testing.T) {
	a := newAPIEnv(t, "")
	a.deps.APIRate, a.deps.APIBurst = 1, 3
	a.h = serve(t, a.deps)
	for i := 0; i < 3; i++ {
		if rec := a.do(http.MethodGet, "/api/v1/shows", "", nil); rec.Code != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, rec.Code)
		}
	}
	rec := a.do(http.MethodGet, "/api/v1/shows", "", nil)
	wait, _ := strconv.Atoi(rec.Header().Get("Retry-After"))
	if rec.Code != http.StatusTooManyRequests || wait < 1 {
		t.Fatalf("4th request: %d Retry-After %q, want 429 with a wait", rec.Code, rec.Header().Get("Retry-After"))
	}
	wantError(t, rec, http.StatusTooManyRequests, codeRateLimited, "")
}

// TestTokenLimiter: a bucket refills at the rate, up to the burst.
func TestTokenLimiter(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	l := newTokenLimiter(2, 2, func() time.Time { return now })
	for i := 0; i < 2; i++ {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d refused", i+1)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("3rd request: %v, wait %s; want refused for 500ms", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Error("another token was held back")
	}
	now = now.Add(wait)
	if ok, _ := l.allow("a"); !ok {
		t.Error("refused after the wait")
	}
	now = now.Add(time.Hour)
	for i := 0; i < 3; i++ {
		if ok, _ := l.allow("a"); ok != (i < 2) {
			t.Errorf("after an hour, request %d: %v; the burst caps the refill at 2", i+1, ok)
		}
	}
}

func TestTokenLimiterBounded(t *testing.T) {
	now := time.Now()
	l := newTokenLimiter(1, 1, func() time.Time { return now })
	for i := 0; i < 3*maxLimitedKeys; i++ {
		l.allow(strconv.Itoa(i))
	}
	if n := len(l.buckets); n > maxLimitedKeys {
		t.Errorf("%d buckets kept, want at most %d", n, maxLimitedKeys)
	}
}
