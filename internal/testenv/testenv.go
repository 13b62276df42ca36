// Package testenv starts and finds the real services that Lyssna's tests talk
// to: PostgreSQL and an S3-compatible server (versitygw). A test that needs one
// and cannot get it skips with a message saying how to get it, except under
// CI=true, where it fails: CI must never go green by skipping.
package testenv

import (
	"os"
	"testing"
)

// InCI reports whether the tests run under CI, where missing services are failures.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test, or fails it under CI, with a message saying what is
// missing and how to get it.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true and a required service is missing: "+format, args...)
	}
	t.Skipf(format, args...)
}
