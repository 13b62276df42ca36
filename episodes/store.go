package episodes

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/lyssna/lyssna/internal/dbtime"
)

//go:embed migrations
var migrationsFS embed.FS

type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// Store keeps shows, episodes and tokens in SQLite or PostgreSQL. It is safe
// for concurrent use, and several Stores (processes) may share one
// PostgreSQL database: unique constraints, not application checks, guard
// slugs and guids.
type Store struct {
	db      *sql.DB
	reads   querier    // the hot read paths' queries: cached statements on SQLite, db on PostgreSQL
	cache   *stmtCache // nil on PostgreSQL
	dialect dialect
	now     func() time.Time

	listenMu  sync.RWMutex
	listeners []func(Change) // told of each committed change (Listen)
	locks     sync.Mutex     // TryLock's on SQLite
}

// Open connects to databaseURL and runs the embedded migrations.
// "postgres://..." and "postgresql://..." use PostgreSQL (pgx); anything else
// is an SQLite file: "sqlite:PATH", "file:PATH" or a plain path. SQLite runs
// with foreign keys on, WAL and a busy timeout. now is the clock (time.Now
// when nil); scheduled publishing and all stored times come from it.
func Open(ctx context.Context, databaseURL string, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	s := &Store{now: now}
	var err error
	if IsPostgres(databaseURL) {
		s.dialect = dialectPostgres
		s.db, err = sql.Open("pgx", withPostgresTimeouts(databaseURL))
	} else {
		var dsn string
		dsn, err = sqliteDSN(databaseURL)
		if err == nil {
			s.db, err = sql.Open("sqlite", dsn)
		}
		if err == nil && strings.Contains(dsn, ":memory:") {
			s.db.SetMaxOpenConns(1) // every connection would get its own empty database
		} else if err == nil {
			// database/sql keeps 2 idle connections by default: under
			// concurrent page views it opened and closed SQLite connections
			// all the time, each running its pragmas and preparing its
			// statements again (a fifth of the episode page's CPU).
			s.db.SetMaxIdleConns(sqliteIdleConns)
			s.db.SetConnMaxIdleTime(time.Minute)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("episodes: open database: %w", err)
	}
	if err := s.connectAndMigrate(ctx, databaseURL); err != nil {
		s.db.Close()
		return nil, err
	}
	s.reads = s.db
	s.SetPool(DefaultPool())
	if s.dialect == dialectSQLite {
		s.cache = newStmtCache(s.db)
		s.reads = s.cache
	}
	return s, nil
}

// IsPostgres reports whether databaseURL selects PostgreSQL (else SQLite).
func IsPostgres(databaseURL string) bool {
	return strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://")
}

// SQLiteFile is the file a SQLite database URL ("sqlite:PATH", "file:PATH"
// or "PATH") names; "" for PostgreSQL and for an in-memory database.
func SQLiteFile(databaseURL string) string {
	if IsPostgres(databaseURL) {
		return ""
	}
	path, _ := sqliteParts(databaseURL)
	if path == ":memory:" {
		return ""
	}
	return path
}

// sqliteParts splits a SQLite database URL into its path and its options.
func sqliteParts(databaseURL string) (path, query string) {
	p := strings.TrimPrefix(databaseURL, "sqlite://")
	p = strings.TrimPrefix(p, "sqlite:")
	p = strings.TrimPrefix(p, "file:")
	path, query, _ = strings.Cut(p, "?")
	return path, query
}

// sqliteIdleConns is how many SQLite connections stay open between queries
// (for a minute at most): about as many as page views running at once.
const sqliteIdleConns = 64

// sqliteDSN turns "sqlite:PATH", "file:PATH" or "PATH" into a modernc DSN
// with the pragmas every connection needs. Write transactions start
// IMMEDIATE so concurrent writers wait on busy_timeout instead of failing
// with SQLITE_BUSY when a read lock cannot be upgraded.
func sqliteDSN(databaseURL string) (string, error) {
	path, query := sqliteParts(databaseURL)
	if path == "" {
		return "", errors.New("empty SQLite path; give sqlite:PATH or a postgres:// URL")
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("bad SQLite options %q: %w", query, err)
	}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout(10000)")
	if path != ":memory:" {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	if q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode(), nil
}

// migrate applies the dialect's embedded goose migrations. On PostgreSQL a
// session advisory lock (keyed by the schema, so tests in separate schemas
// do not wait on each other) lets several processes Open at once: one
// migrates, the others wait and then find nothing to do.
func (s *Store) migrate(ctx context.Context, db *sql.DB) error {
	dir, gd := "migrations/sqlite", goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.dialect == dialectPostgres {
		dir, gd = "migrations/postgres", goose.DialectPostgres
		var schema string
		if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return fmt.Errorf("episodes: read current schema: %w", err)
		}
		h := fnv.New64a()
		h.Write([]byte("lyssna-episodes:" + schema))
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 300))
		if err != nil {
			return fmt.Errorf("episodes: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	sub, err := fs.Sub(migrationsFS, dir)
	if err != nil {
		return fmt.Errorf("episodes: migrations: %w", err)
	}
	// Each part of the project numbers its migrations in its own range, so a
	// database may already have a higher version than a migration added later.
	opts = append(opts, goose.WithAllowOutofOrder(true))
	p, err := goose.NewProvider(gd, db, sub, opts...)
	if err != nil {
		return fmt.Errorf("episodes: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("episodes: migrate database: %w", err)
	}
	return nil
}

// connectAndMigrate connects and migrates. SQLite has no session lock: several
// processes opening one new file race to switch it to WAL and to migrate it,
// and the losers may get SQLITE_BUSY at once (a lock upgrade that would
// deadlock does not wait on busy_timeout). Each migration runs in its own
// transaction, so a loser rolls back cleanly and, asked again a little
// later, finds the work done.
func (s *Store) connectAndMigrate(ctx context.Context, databaseURL string) error {
	for attempt := 1; ; attempt++ {
		migrating := false
		err := s.db.PingContext(ctx)
		if err != nil {
			err = fmt.Errorf("episodes: connect to database: %w", err)
		} else {
			migrating = true
			err = s.migrateOnce(ctx, databaseURL)
		}
		retry := sqliteBusy(err) || (migrating && attempt < 5)
		if err == nil || s.dialect == dialectPostgres || attempt == 20 || !retry {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("episodes: open database: %w", ctx.Err())
		case <-time.After(time.Duration(min(attempt, 10)) * 50 * time.Millisecond):
		}
	}
}

// migrateOnce migrates. On PostgreSQL it does so over connections of its
// own, without the statement_timeout every other query gets: a migration
// that rebuilds an index over millions of rows may rightly run for minutes.
func (s *Store) migrateOnce(ctx context.Context, databaseURL string) error {
	if s.dialect != dialectPostgres {
		return s.migrate(ctx, s.db)
	}
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return fmt.Errorf("episodes: open database for migrations: %w", err)
	}
	defer db.Close()
	return s.migrate(ctx, db)
}

// sqliteBusy reports whether err is SQLite's "database is locked".
func sqliteBusy(err error) bool {
	var sqErr *sqlite.Error
	return errors.As(err, &sqErr) && sqErr.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Close closes the database.
func (s *Store) Close() error {
	if s.cache != nil {
		s.cache.Close()
	}
	return s.db.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("episodes: ping database: %w", err)
	}
	return nil
}

// DB returns the underlying database handle, for health checks and tools.
func (s *Store) DB() *sql.DB { return s.db }

// clock returns now in UTC at microsecond precision, the finest both
// databases keep, so a value written equals the value read back.
func (s *Store) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

func normTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// sqliteTimeLayout is fixed-width, so SQLite's text order is time order.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000000Z"

// t converts a time to the value the dialect stores.
func (s *Store) t(tm time.Time) any {
	if s.dialect == dialectSQLite {
		return normTime(tm).Format(sqliteTimeLayout)
	}
	return normTime(tm)
}

// tp is t for an optional time.
func (s *Store) tp(tm *time.Time) any {
	if tm == nil {
		return nil
	}
	return s.t(*tm)
}

// dbTime scans a time from either database.
type dbTime = dbtime.Time

// constraintNames maps each unique constraint to what a conflict message
// says clashed, and the field it belongs to.
var constraintNames = map[string]struct{ msg, field string }{
	"shows_slug_key":                   {"is taken by another show; choose another", "slug"},
	"shows_guid_key":                   {"belongs to another show already; a show's guid must be unique", "guid"},
	"episodes_show_slug_key":           {"is taken by another episode of the show; choose another", "slug"},
	"episodes_guid_key":                {"belongs to another episode already; an episode's guid must be unique", "guid"},
	"episode_transcripts_language_key": {"the episode already has a transcript in this language", "language"},
	"tokens_name_key":                  {"a token with this name already exists", "name"},
	"tokens_hash_key":                  {"a token with this hash already exists", ""},
	"episodes_show_audio_sha256_key":   {"is already the audio of another episode in the show", "audio"},
	"media_objects_pkey":               {"the media object is already recorded", ""},
}

// sqliteUniqueColumns maps SQLite's "UNIQUE constraint failed: t.a, t.b" to constraint names.
var sqliteUniqueColumns = map[string]string{
	"shows.slug":                      "shows_slug_key",
	"shows.guid":                      "shows_guid_key",
	"episodes.show_id, episodes.slug": "episodes_show_slug_key",
	"episodes.guid":                   "episodes_guid_key",
	"episode_transcripts.episode_id, episode_transcripts.language": "episode_transcripts_language_key",
	"tokens.name": "tokens_name_key",
	"tokens.hash": "tokens_hash_key",
	"episodes.show_id, episodes.audio_sha256": "episodes_show_audio_sha256_key",
	"media_objects.key":                       "media_objects_pkey",
}

var sqliteUniqueRE = regexp.MustCompile(`UNIQUE constraint failed: ([a-z_., ]+)`)

// uniqueViolation returns the name of the unique constraint err violated.
func uniqueViolation(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if pgErr.Code == "23505" {
			return pgErr.ConstraintName, true
		}
		return "", false
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		if sqErr.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE && sqErr.Code() != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			return "", false
		}
		m := sqliteUniqueRE.FindStringSubmatch(sqErr.Error())
		if m == nil {
			return "", true
		}
		return sqliteUniqueColumns[strings.TrimSpace(m[1])], true
	}
	return "", false
}

// conflict turns a unique violation into a Conflict *Error naming the field
// and its value (values maps field names to the values written); other
// errors are wrapped with what failed.
func conflict(err error, what string, values map[string]string) error {
	if c, ok := uniqueViolation(err); ok {
		n, ok := constraintNames[c]
		if !ok {
			n.msg = "a unique value is already taken"
		}
		msg := n.msg
		if v, ok := values[n.field]; ok {
			msg = fmt.Sprintf("%q %s", v, n.msg)
		}
		return &Error{Kind: Conflict, Field: n.field, Message: msg, Err: err}
	}
	return fmt.Errorf("episodes: %s: %w", what, err)
}

// inTx runs fn in a transaction and commits it, or rolls back on error.
// After the commit it announces the shows fn changed (bumpShow).
func (s *Store) inTx(ctx context.Context, fn func(tx *txn) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("episodes: begin transaction: %w", err)
	}
	tx := &txn{Tx: sqlTx}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("episodes: commit: %w", err)
	}
	s.announce(tx.changed...)
	return nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// bumpShow raises a show's version inside tx and moves its changed_at on,
// and marks the show for announcing after the commit; NotFound when it is
// gone. Every write to a show or its episodes calls it.
func (s *Store) bumpShow(ctx context.Context, tx *txn, showID int64) error {
	return s.bumpShowAt(ctx, tx, showID, s.clock())
}

// bumpShowAt is bumpShow with the time of the change given: changed_at
// becomes at, or the whole second after the stored value when that is
// later, so it grows by at least a second with every change whatever the
// writers' clocks say, and a feed's Last-Modified (from it) never repeats
// for different content.
func (s *Store) bumpShowAt(ctx context.Context, tx *txn, showID int64, at time.Time) error {
	var old dbTime
	err := tx.QueryRowContext(ctx, `UPDATE shows SET version = version + 1 WHERE id = $1 RETURNING changed_at`, showID).Scan(&old)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("there is no show with id %d (it may have been deleted)", showID)
	}
	if err != nil {
		return fmt.Errorf("episodes: bump show version: %w", err)
	}
	at = normTime(at)
	if next := old.Time.Truncate(time.Second).Add(time.Second); next.After(at) {
		at = next
	}
	if _, err := tx.ExecContext(ctx, `UPDATE shows SET changed_at = $1 WHERE id = $2`, s.t(at), showID); err != nil {
		return fmt.Errorf("episodes: bump show version: %w", err)
	}
	tx.changed = append(tx.changed, showID)
	return nil
}
