package server

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"testing"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
)

// TestDatabaseTimeoutAnswers503: a database that does not answer in time
// (here a table locked elsewhere for longer than the statement timeout) gives
// API calls and listener pages 503 with Retry-After, an outage to retry, not
// a 500 and not a request that waits for ever.
func TestDatabaseTimeoutAnswers503(t *testing.T) {
	ctx := context.Background()
	dbURL := testenv.Postgres(t)
	a := newAPIEnv(t, dbURL+"&statement_timeout=300")
	show := &episodes.Show{Slug: "locked", Title: "Locked", Description: "d", Author: "A", Owner: episodes.Owner{Name: "A", Email: "a@example.org"},
		Language: "en", Categories: []episodes.Category{{Category: "Education"}}, GUID: "6f3d7a0e-1c2b-5e4f-8a9b-0c1d2e3f4a5b"}
	if err := a.store.CreateShow(ctx, show); err != nil {
		t.Fatal(err)
	}
	if rec := a.do(http.MethodGet, "/api/v1/shows/locked/episodes", "", nil); rec.Code != http.StatusOK {
		t.Fatalf("before the lock: %d %s", rec.Code, rec.Body)
	}

	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE "+u.Query().Get("search_path")+".episodes IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}

	for _, path := range []string{"/api/v1/shows/locked/episodes", "/locked/"} {
		res := a.do(http.MethodGet, path, "", nil).Result()
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Errorf("%s with the table locked past the statement timeout: %d, Retry-After %q; want 503 with Retry-After",
				path, res.StatusCode, res.Header.Get("Retry-After"))
		}
	}
}

// TestPostgresTimeoutsByDefault: a PostgreSQL URL that sets no bounds gets
// statement_timeout and connect_timeout; one that sets them keeps its own.
func TestPostgresTimeoutsByDefault(t *testing.T) {
	ctx := context.Background()
	dbURL := testenv.Postgres(t)
	for _, c := range []struct{ url, want string }{
		{dbURL, "30s"},
		{dbURL + "&statement_timeout=1234", "1234ms"},
	} {
		store, err := episodes.Open(ctx, c.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = store.DB().QueryRowContext(ctx, "SHOW statement_timeout").Scan(&got)
		store.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("statement_timeout for %s = %q, want %q", c.url, got, c.want)
		}
	}
}
