package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// PostgresURLEnv names the variable that points the tests at a PostgreSQL server.
const PostgresURLEnv = "LYSSNA_TEST_POSTGRES_URL"

// Postgres returns a database URL for a schema of its own on the test server
// named by LYSSNA_TEST_POSTGRES_URL; the schema is dropped when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		Missing(t, "%s is not set; point it at a PostgreSQL server, e.g. %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
			PostgresURLEnv, PostgresURLEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", base)
	if err != nil {
		Missing(t, "%s=%q is not a usable URL: %v", PostgresURLEnv, base, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		Missing(t, "PostgreSQL at %s=%q does not answer: %v (start it, e.g. pg_ctlcluster 15 main start)", PostgresURLEnv, base, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "lyssna_test_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("testenv: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("testenv: drop schema %s: %v", schema, err)
		}
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testenv: parse %s: %v", PostgresURLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
