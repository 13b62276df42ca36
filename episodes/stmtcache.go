package episodes

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statement cache. The hot read paths use a
// handful of fixed query texts; a text that arrives once the cache is full
// runs unprepared, as it would without the cache.
const maxCachedStmts = 64

// stmtCache is a querier that prepares each query text once and reuses it
// (database/sql prepares it again on each pooled connection that runs it).
// modernc's SQLite driver otherwise parses and plans the SQL on every
// query, which was a fifth of the episode page's CPU; pgx already keeps
// prepared statements per connection, so PostgreSQL Stores do not use it.
type stmtCache struct {
	db    *sql.DB
	stmts sync.Map   // query text -> *sql.Stmt
	mu    sync.Mutex // guards n and done, and serialises Prepare and Close
	n     int
	done  bool
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db} }

// stmt returns the prepared statement for query, preparing it on first use;
// nil when the cache is full or closed, or preparing failed (the caller
// then runs the query unprepared and meets the same error there).
func (c *stmtCache) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := c.stmts.Load(query); ok {
		return st.(*sql.Stmt)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts.Load(query); ok {
		return st.(*sql.Stmt)
	}
	if c.done || c.n >= maxCachedStmts {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.stmts.Store(query, st)
	c.n++
	return st
}

// QueryContext runs query through its prepared statement.
func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query through its prepared statement.
func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

// ExecContext runs query unprepared: writes are not on the hot paths.
func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.db.ExecContext(ctx, query, args...)
}

// Close closes every cached statement; later queries run unprepared.
func (c *stmtCache) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	c.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		c.stmts.Delete(k)
		return true
	})
}
