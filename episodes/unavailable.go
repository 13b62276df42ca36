package episodes

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// RetryAfterSeconds is the Retry-After of a 503 answered because the
// database did not answer in time.
const RetryAfterSeconds = 5

// Every PostgreSQL connection gets these bounds unless the database URL sets
// them: a statement waits at most statementTimeout (a lock held elsewhere, a
// database under strain) and a connection attempt at most connectTimeout, so
// no request waits on the database for ever. SQLite's bound is its
// busy_timeout.
const (
	statementTimeout = "30000" // milliseconds, PostgreSQL's statement_timeout
	connectTimeout   = "10"    // seconds, libpq's connect_timeout
)

// withPostgresTimeouts adds statement_timeout and connect_timeout to a
// PostgreSQL URL that does not set them.
func withPostgresTimeouts(databaseURL string) string {
	base, query, _ := strings.Cut(databaseURL, "?")
	params := query
	add := func(key, value string) {
		for _, kv := range strings.Split(query, "&") {
			if k, _, _ := strings.Cut(kv, "="); k == key {
				return
			}
		}
		if params != "" {
			params += "&"
		}
		params += key + "=" + value
	}
	add("statement_timeout", statementTimeout)
	add("connect_timeout", connectTimeout)
	return base + "?" + params
}

// IsUnavailable reports whether err means the database did not answer in
// time or could not be reached (a statement timeout, a refused or lost
// connection, a server shutting down, SQLite still locked after its busy
// timeout, a deadline passed): an outage to answer with 503 and Retry-After,
// not a bug.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57014", // query_canceled: statement_timeout
			pgErr.Code == "55P03",                // lock_not_available
			pgErr.Code == "53300",                // too_many_connections
			strings.HasPrefix(pgErr.Code, "57P"), // shutting down, cannot connect now
			strings.HasPrefix(pgErr.Code, "08"):  // connection exceptions
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	return sqliteBusy(err)
}
