package episodes

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Actor is who makes a change: a person (by id and display name) and how
// they came (a token's name, "session", "cli"). The HTTP edge puts the
// signed-in person in the request's context (WithActor); every write of the
// Store records it in the audit trail within its own transaction, so no
// write, an import's included, goes unrecorded.
type Actor struct {
	UserID int64
	Name   string
	Via    string
}

type actorKey struct{}

// WithActor returns ctx carrying a as the actor of the writes made with it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor ctx carries; without one it is the system
// (scheduled publishing, the command line without a person named).
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok && a.Name != "" {
		return a
	}
	return Actor{Name: "system"}
}

// Audit actions as recorded. Packages that write outside the Store (members,
// tokens, users in accounts) record theirs with Store.Audit.
const (
	AuditShowCreate      = "show.create"
	AuditShowUpdate      = "show.update"
	AuditShowDelete      = "show.delete"
	AuditEpisodeCreate   = "episode.create"
	AuditEpisodeUpdate   = "episode.update"
	AuditEpisodeDelete   = "episode.delete"
	AuditEpisodePublish  = "episode.publish"
	AuditEpisodeSchedule = "episode.schedule"
	AuditEpisodeUnpub    = "episode.unpublish"
)

// AuditEvent is one recorded write.
type AuditEvent struct {
	ID        int64
	At        time.Time
	ShowID    int64 // 0 for instance-wide events (users, tokens without a show)
	ActorID   int64 // 0 for the system
	ActorName string
	Via       string
	Action    string
	Target    string         // the episode's slug, a member's email, a token's name, ...
	Detail    map[string]any // e.g. "changed": the fields an edit changed
}

// Execer is what both *sql.DB and *sql.Tx offer for writing.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Audit records a write by ctx's actor with q, which should be the
// transaction making the write, so the record and the write commit together.
func (s *Store) Audit(ctx context.Context, q Execer, showID int64, action, target string, detail map[string]any) error {
	a := ActorFrom(ctx)
	var d string
	if len(detail) > 0 {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("episodes: audit %s: %w", action, err)
		}
		d = string(b)
	}
	var show, actor any
	if showID != 0 {
		show = showID
	}
	if a.UserID != 0 {
		actor = a.UserID
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO audit_events (at, show_id, actor_id, actor_name, via, action, target, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, s.clock().UnixMicro(), show, actor, a.Name, a.Via, action, target, d); err != nil {
		return fmt.Errorf("episodes: audit %s: %w", action, err)
	}
	return nil
}

// AuditPage returns up to limit events of a show, newest first, starting
// after the cursor (an event ID as a string; "" for the newest), and the
// cursor of the next page ("" when there is none).
func (s *Store) AuditPage(ctx context.Context, showID int64, cursor string, limit int) ([]AuditEvent, string, error) {
	before := int64(1<<63 - 1)
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return nil, "", &Error{Field: "cursor", Message: "is not a cursor this API gave out; start again without it"}
		}
		before = n
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, COALESCE(show_id, 0), COALESCE(actor_id, 0), actor_name, via, action, target, detail
		FROM audit_events WHERE show_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, showID, before, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("episodes: read audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var e AuditEvent
		var at int64
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.ShowID, &e.ActorID, &e.ActorName, &e.Via, &e.Action, &e.Target, &detail); err != nil {
			return nil, "", fmt.Errorf("episodes: read audit: %w", err)
		}
		e.At = time.UnixMicro(at).UTC()
		if detail != "" {
			_ = json.Unmarshal([]byte(detail), &e.Detail) // written by Audit: always an object
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("episodes: read audit: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = strconv.FormatInt(out[limit-1].ID, 10)
	}
	return out, next, nil
}

// changedFields names the exported fields whose values differ between two
// values of one struct type, leaving out bookkeeping (IDs, versions, times
// the store sets); an edit's audit record lists them.
func changedFields(before, after any) []string {
	a, b := reflect.Indirect(reflect.ValueOf(before)), reflect.Indirect(reflect.ValueOf(after))
	var out []string
	for i := 0; i < a.NumField(); i++ {
		f := a.Type().Field(i)
		switch f.Name {
		case "ID", "ShowID", "Version", "CreatedAt", "UpdatedAt", "ChangedAt", "Status", "PublishAt", "PublishedAt":
			continue
		}
		if !f.IsExported() {
			continue
		}
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			out = append(out, snakeCase(f.Name))
		}
	}
	return out
}

// snakeCase turns a Go field name into the API's name for it (ImageKey ->
// image_key, DiscussionURL -> discussion_url).
func snakeCase(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		if unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
