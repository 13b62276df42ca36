package episodes

import "time"

// Pool bounds the connections a Store keeps to PostgreSQL. database/sql's
// own defaults (no limit on open connections, two idle) let a burst of page
// views open a session per request: PostgreSQL refuses connections past its
// max_connections ("too many connections"), and each new session costs it a
// process and a fresh plan cache. A bounded pool makes requests queue for a
// connection instead, and keeps the ones it opened.
type Pool struct {
	// MaxOpen is the most connections open at once; requests past it wait.
	MaxOpen int
	// MaxIdle is how many stay open between requests (at most MaxOpen).
	MaxIdle int
	// MaxLifetime closes a connection after this long in use, so that a
	// failover or a pooler's rebalancing is picked up; 0 keeps them forever.
	MaxLifetime time.Duration
}

// DefaultPool is the PostgreSQL pool of a Store unless SetPool changes it:
// three replicas hold at most 75 connections, under PostgreSQL's default
// max_connections of 100 with room for migrations, backups and psql.
func DefaultPool() Pool {
	return Pool{MaxOpen: 25, MaxIdle: 25, MaxLifetime: 30 * time.Minute}
}

// poolIdleTime closes PostgreSQL connections left idle this long, so a quiet
// replica gives its sessions back.
const poolIdleTime = 5 * time.Minute

// SetPool applies p to a PostgreSQL Store's connections; on SQLite, which
// keeps its own pool of file handles, it does nothing.
func (s *Store) SetPool(p Pool) {
	if s.dialect != dialectPostgres {
		return
	}
	s.db.SetMaxOpenConns(p.MaxOpen)
	s.db.SetMaxIdleConns(min(p.MaxIdle, p.MaxOpen))
	s.db.SetConnMaxLifetime(p.MaxLifetime)
	s.db.SetConnMaxIdleTime(poolIdleTime)
}
