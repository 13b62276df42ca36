package episodes

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ListOptions pages through a show's episodes, newest first.
type ListOptions struct {
	Limit    int       // page size; 0 means DefaultListLimit, capped at MaxListLimit
	Cursor   string    // the cursor a previous call returned; empty for the first page
	PublicAt time.Time // when not zero, only episodes public at this time
}

// Page sizes for ListEpisodes.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

// maxSlugAttempts bounds the retries when concurrent creators race for a slug.
const maxSlugAttempts = 20

const episodeColumns = `id, show_id, slug, guid, title, notes, season, number, type, explicit,
	audio_key, audio_size, audio_type, audio_duration_ms, audio_sha256, audio_bitrate, image_key,
	status, publish_at, published_at, discussion_url, created_at, updated_at, sort_at, image_width, image_height, namespace, visibility,
	image_renditions`

func setEpisodeDefaults(e *Episode) {
	normalizeLicense(&e.Extras.License)
	e.ImageRenditions = currentRenditions(e.ImageKey, e.ImageRenditions)
	if e.Type == "" {
		e.Type = EpisodeFull
	}
	if e.Visibility == "" {
		e.Visibility = VisibilityPublic
	}
	setPeopleDefaults(e.Guests, RoleGuest)
	for i := range e.References {
		e.References[i].DOI = NormalizeDOI(e.References[i].DOI)
	}
}

// sortAt is the time an episode sorts by, newest first: its publish time
// when it has one, else its creation time.
func sortAt(e *Episode) time.Time {
	if e.PublishAt != nil {
		return *e.PublishAt
	}
	return e.CreatedAt
}

// CreateEpisode validates e and stores it as a draft with all its learning
// materials, setting ID, Slug (from the title when empty, made unique in the
// show with -2, -3, ...), GUID (a random UUID when empty), Status (draft),
// Type (full when empty), CreatedAt and UpdatedAt. A given slug or guid that
// is taken is ErrConflict; a missing show is ErrNotFound.
func (s *Store) CreateEpisode(ctx context.Context, e *Episode) error {
	setEpisodeDefaults(e)
	e.Status = StatusDraft
	e.PublishAt, e.PublishedAt = nil, nil
	if e.GUID == "" {
		e.GUID = uuid.NewString()
	}
	if err := e.Validate(); err != nil {
		return err
	}
	given := e.Slug != ""
	base := e.Slug
	if !given {
		base = Slugify(e.Title)
	}
	now := s.clock()
	e.CreatedAt, e.UpdatedAt = now, now
	for attempt := 0; ; attempt++ {
		err := s.inTx(ctx, func(tx *txn) error {
			if err := s.bumpShow(ctx, tx, e.ShowID); err != nil {
				return err
			}
			if given {
				e.Slug = base
			} else {
				slug, err := s.freeSlug(ctx, tx, e.ShowID, base)
				if err != nil {
					return err
				}
				e.Slug = slug
			}
			id, err := s.insertEpisode(ctx, tx, e)
			if err != nil {
				return err
			}
			e.ID = id
			if err := s.writeMaterials(ctx, tx, e); err != nil {
				return err
			}
			if err := s.Audit(ctx, tx, e.ShowID, AuditEpisodeCreate, e.Slug, nil); err != nil {
				return err
			}
			return s.moveMedia(ctx, tx, e.ShowID, nil, mediaKeys(e), true)
		})
		if err == nil {
			return nil
		}
		if c, ok := uniqueViolation(err); ok && c == "episodes_show_slug_key" && !given && attempt < maxSlugAttempts {
			continue // another writer took the slug between our look and our insert
		}
		e.ID = 0
		if !given {
			e.Slug = ""
		}
		if _, ok := uniqueViolation(err); ok {
			return conflict(err, "create episode", map[string]string{"slug": base, "guid": e.GUID})
		}
		return err
	}
}

// freeSlug picks base, or base-N with the smallest free N >= 2, inside tx.
func (s *Store) freeSlug(ctx context.Context, tx *txn, showID int64, base string) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT slug FROM episodes WHERE show_id = $1 AND (slug = $2 OR slug LIKE $3)`,
		showID, base, base+"-%")
	if err != nil {
		return "", fmt.Errorf("episodes: look up slugs: %w", err)
	}
	defer rows.Close()
	taken, used := false, map[int]bool{}
	for rows.Next() {
		var slug string
		if err := rows.Scan(&slug); err != nil {
			return "", fmt.Errorf("episodes: look up slugs: %w", err)
		}
		if slug == base {
			taken = true
			continue
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(slug, base+"-")); err == nil {
			used[n] = true
		}
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("episodes: look up slugs: %w", err)
	}
	if !taken {
		return base, nil
	}
	n := 2
	for used[n] {
		n++
	}
	return base + "-" + strconv.Itoa(n), nil
}

func audioArgs(a *Audio) []any {
	if a == nil {
		return []any{nil, 0, "", 0, "", 0}
	}
	return []any{a.Key, a.Size, a.ContentType, a.DurationMS, a.SHA256, a.Bitrate}
}

func (s *Store) insertEpisode(ctx context.Context, tx *txn, e *Episode) (int64, error) {
	args := []any{e.ShowID, e.Slug, e.GUID, e.Title, e.Notes, e.Season, e.Number, e.Type, e.Explicit}
	args = append(args, audioArgs(e.Audio)...)
	args = append(args, e.ImageKey, e.Status, s.tp(e.PublishAt), s.tp(e.PublishedAt), s.t(sortAt(e)),
		e.DiscussionURL, s.t(e.CreatedAt), s.t(e.UpdatedAt), e.ImageWidth, e.ImageHeight, e.Visibility)
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO episodes (show_id, slug, guid, title, notes, season, number, type, explicit,
		audio_key, audio_size, audio_type, audio_duration_ms, audio_sha256, audio_bitrate, image_key,
		status, publish_at, published_at, sort_at, discussion_url, created_at, updated_at, image_width, image_height, visibility)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
		RETURNING id`, args...).Scan(&id)
	if err != nil {
		if _, ok := uniqueViolation(err); ok {
			return 0, err // the caller decides between a retry and ErrConflict
		}
		return 0, fmt.Errorf("episodes: insert episode: %w", err)
	}
	return id, nil
}

// writeMaterials replaces the episode's child rows (chapters and learning
// materials), keeping each list's order in a position column.
func (s *Store) writeMaterials(ctx context.Context, tx *txn, e *Episode) error {
	extras, err := json.Marshal(e.Extras)
	if err != nil {
		return fmt.Errorf("episodes: encode the namespace tags: %w", err)
	}
	renditions, err := encodeRenditions(e.ImageRenditions)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE episodes SET namespace = $1, image_renditions = $2 WHERE id = $3`, string(extras), renditions, e.ID); err != nil {
		return fmt.Errorf("episodes: write the namespace tags of episode %d: %w", e.ID, err)
	}
	for _, table := range []string{"episode_takeaways", "episode_study_questions", "episode_references",
		"episode_guests", "episode_chapters", "episode_transcripts", "episode_alternates"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE episode_id = $1`, e.ID); err != nil {
			return fmt.Errorf("episodes: clear %s: %w", table, err)
		}
	}
	exec := func(what, q string, args ...any) error {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return conflict(err, "write "+what, nil)
		}
		return nil
	}
	for i, t := range e.Takeaways {
		if err := exec("takeaway", `INSERT INTO episode_takeaways (episode_id, position, body) VALUES ($1, $2, $3)`, e.ID, i, t); err != nil {
			return err
		}
	}
	for i, q := range e.StudyQuestions {
		if err := exec("study question", `INSERT INTO episode_study_questions (episode_id, position, body) VALUES ($1, $2, $3)`, e.ID, i, q); err != nil {
			return err
		}
	}
	for i, r := range e.References {
		authors, err := json.Marshal(r.Authors)
		if err != nil {
			return fmt.Errorf("episodes: encode reference authors: %w", err)
		}
		if r.Authors == nil {
			authors = []byte("[]")
		}
		if err := exec("reference", `INSERT INTO episode_references (episode_id, position, authors, year, title, container, publisher, url, doi, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			e.ID, i, string(authors), r.Year, r.Title, r.Container, r.Publisher, r.URL, r.DOI, r.Note); err != nil {
			return err
		}
	}
	for i, g := range e.Guests {
		if err := exec("guest", `INSERT INTO episode_guests (episode_id, position, name, role, person_group, href, img, bio)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, e.ID, i, g.Name, g.Role, g.Group, g.Href, g.Img, g.Bio); err != nil {
			return err
		}
	}
	for i, c := range e.Chapters {
		if err := exec("chapter", `INSERT INTO episode_chapters (episode_id, position, start_ms, title, url, img)
			VALUES ($1, $2, $3, $4, $5, $6)`, e.ID, i, c.StartMS, c.Title, c.URL, c.Img); err != nil {
			return err
		}
	}
	for i, t := range e.Transcripts {
		if err := exec(t.Language, `INSERT INTO episode_transcripts (episode_id, position, language, format, object_key, translated_from)
			VALUES ($1, $2, $3, $4, $5, $6)`, e.ID, i, t.Language, t.Format, t.Key, t.TranslatedFrom); err != nil {
			return err
		}
	}
	for i, a := range e.Alternates {
		if err := exec("alternate enclosure", `INSERT INTO episode_alternates (episode_id, position, object_key, content_type, size,
			duration_ms, bitrate, sha256, language, title, name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			e.ID, i, a.Key, a.ContentType, a.Size, a.DurationMS, a.Bitrate, a.SHA256, a.Language, a.Title, a.Name); err != nil {
			return err
		}
	}
	return nil
}

// GetEpisode returns the show's episode by id (all digits) or slug, with all
// its materials, or ErrNotFound.
func (s *Store) GetEpisode(ctx context.Context, showID int64, idOrSlug string) (*Episode, error) {
	if id, err := strconv.ParseInt(idOrSlug, 10, 64); err == nil {
		return s.getEpisode(ctx, s.reads, "show_id = $1 AND id = $2", showID, id)
	}
	return s.getEpisode(ctx, s.reads, "show_id = $1 AND slug = $2", showID, idOrSlug)
}

// getEpisodeByID returns any show's episode by id.
func (s *Store) getEpisodeByID(ctx context.Context, q querier, id int64) (*Episode, error) {
	return s.getEpisode(ctx, q, "id = $1", id)
}

func (s *Store) getEpisode(ctx context.Context, q querier, where string, args ...any) (*Episode, error) {
	eps, err := s.queryEpisodes(ctx, q, `SELECT `+episodeColumns+` FROM episodes WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	if len(eps) == 0 {
		return nil, notFound("there is no episode %q", fmt.Sprint(args[len(args)-1]))
	}
	return eps[0], nil
}

// EpisodeByAudioKey returns the episode whose audio is the object key, or
// ErrNotFound; download statistics use it to learn what a media URL is.
func (s *Store) EpisodeByAudioKey(ctx context.Context, key string) (*Episode, error) {
	return s.getEpisode(ctx, s.reads, "audio_key = $1", key)
}

// FindEpisodeByAudioSHA256 returns the show's first episode whose audio has
// the given SHA-256 (hex), or ErrNotFound; uploads use it to spot duplicates.
func (s *Store) FindEpisodeByAudioSHA256(ctx context.Context, showID int64, sha string) (*Episode, error) {
	eps, err := s.queryEpisodes(ctx, s.db, `SELECT `+episodeColumns+` FROM episodes
		WHERE show_id = $1 AND audio_sha256 = $2 AND audio_key IS NOT NULL ORDER BY id LIMIT 1`, showID, strings.ToLower(sha))
	if err != nil {
		return nil, err
	}
	if len(eps) == 0 || sha == "" {
		return nil, notFound("there is no episode with audio sha256 %s", sha)
	}
	return eps[0], nil
}

// cursor is a position in the newest-first order: the last row's sort time and id.
type cursor struct {
	At time.Time `json:"t"`
	ID int64     `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID <= 0 {
		return c, &Error{Field: "cursor", Message: "is not a cursor this API returned; start again without one"}
	}
	return c, nil
}

// ListEpisodes returns one page of the show's episodes, newest first (by
// publish time, or creation time for episodes never scheduled, then id), and
// the opaque cursor of the next page ("" on the last page). A bad cursor is a
// *Error for field "cursor".
func (s *Store) ListEpisodes(ctx context.Context, showID int64, opts ListOptions) ([]*Episode, string, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	where := []string{"show_id = $1"}
	args := []any{showID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if opts.Cursor != "" {
		c, err := decodeCursor(opts.Cursor)
		if err != nil {
			return nil, "", err
		}
		t := arg(s.t(c.At))
		where = append(where, "(sort_at < "+t+" OR (sort_at = "+t+" AND id < "+arg(c.ID)+"))")
	}
	if !opts.PublicAt.IsZero() {
		where = append(where, "(status = 'published' OR (status = 'scheduled' AND publish_at <= "+arg(s.t(opts.PublicAt))+"))")
	}
	q := `SELECT ` + episodeColumns + ` FROM episodes WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY sort_at DESC, id DESC LIMIT ` + arg(limit+1)
	eps, err := s.queryEpisodes(ctx, s.db, q, args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(eps) > limit {
		eps = eps[:limit]
		last := eps[limit-1]
		next = encodeCursor(cursor{At: sortAt(last), ID: last.ID})
	}
	return eps, next, nil
}

// PublicEpisodes returns every episode of the show that is public at now,
// newest publish time first, with all materials.
func (s *Store) PublicEpisodes(ctx context.Context, showID int64, now time.Time) ([]*Episode, error) {
	return s.queryEpisodes(ctx, s.db, `SELECT `+episodeColumns+` FROM episodes
		WHERE `+publicWhere+` ORDER BY publish_at DESC, id DESC`, showID, s.t(now))
}

// PromoteDue turns the show's scheduled episodes whose time has come by now
// into published ones, bumping the show's version and moving its changed_at
// to their publish time, and reports how many it promoted. A feed cache
// calls it when a scheduled time arrives: the first replica whose clock gets
// there writes the row, and every other replica then reads the same row
// (within its check interval), so replicas whose clocks differ still build
// the same feed. Two replicas promoting at once promote each episode once.
func (s *Store) PromoteDue(ctx context.Context, showID int64, now time.Time) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *txn) error {
		var latest dbTime
		err := tx.QueryRowContext(ctx, `SELECT MAX(publish_at) FROM episodes
			WHERE show_id = $1 AND status = 'scheduled' AND publish_at <= $2`, showID, s.t(now)).Scan(&latest)
		if err != nil || !latest.Valid {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE episodes SET status = 'published', published_at = COALESCE(published_at, publish_at)
			WHERE show_id = $1 AND status = 'scheduled' AND publish_at <= $2`, showID, s.t(latest.Time))
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		if n = int(m); n == 0 {
			return nil // another replica was first
		}
		if err := s.Audit(ctx, tx, showID, AuditEpisodePublish, "", map[string]any{"scheduled": n}); err != nil {
			return err
		}
		return s.bumpShowAt(ctx, tx, showID, latest.Time)
	})
	if err != nil {
		return 0, fmt.Errorf("episodes: promote scheduled episodes of show %d: %w", showID, err)
	}
	return n, nil
}

// NextScheduled returns the earliest publish time after after of a scheduled
// episode of the show, so caches know when the feed changes next.
func (s *Store) NextScheduled(ctx context.Context, showID int64, after time.Time) (time.Time, bool, error) {
	var t dbTime
	err := s.db.QueryRowContext(ctx, `SELECT MIN(publish_at) FROM episodes
		WHERE show_id = $1 AND status = 'scheduled' AND publish_at > $2`, showID, s.t(after)).Scan(&t)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("episodes: next scheduled: %w", err)
	}
	return t.Time, t.Valid, nil
}

// queryEpisodes runs an episodes query and loads every row's materials.
func (s *Store) queryEpisodes(ctx context.Context, q querier, query string, args ...any) ([]*Episode, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("episodes: query episodes: %w", err)
	}
	var eps []*Episode
	for rows.Next() {
		e, err := s.scanEpisode(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("episodes: read episode: %w", err)
		}
		eps = append(eps, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("episodes: query episodes: %w", err)
	}
	if err := s.loadMaterials(ctx, q, eps); err != nil {
		return nil, err
	}
	return eps, nil
}

func (s *Store) scanEpisode(r rowScanner) (*Episode, error) {
	var e Episode
	var a Audio
	var audioKey sql.NullString
	var publishAt, publishedAt, created, updated, sorted dbTime
	var extras, renditions string
	err := r.Scan(&e.ID, &e.ShowID, &e.Slug, &e.GUID, &e.Title, &e.Notes, &e.Season, &e.Number, &e.Type, &e.Explicit,
		&audioKey, &a.Size, &a.ContentType, &a.DurationMS, &a.SHA256, &a.Bitrate, &e.ImageKey,
		&e.Status, &publishAt, &publishedAt, &e.DiscussionURL, &created, &updated, &sorted, &e.ImageWidth, &e.ImageHeight, &extras, &e.Visibility,
		&renditions)
	if err != nil {
		return nil, err
	}
	if e.ImageRenditions, err = decodeRenditions(renditions); err != nil {
		return nil, fmt.Errorf("decode episode %d: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(extras), &e.Extras); err != nil {
		return nil, fmt.Errorf("decode the namespace tags of episode %d: %w", e.ID, err)
	}
	if audioKey.Valid {
		a.Key = audioKey.String
		e.Audio = &a
	}
	e.PublishAt, e.PublishedAt = publishAt.Ptr(), publishedAt.Ptr()
	e.CreatedAt, e.UpdatedAt = created.Time, updated.Time
	// A scheduled episode first became public at its publish time, even
	// though nothing was written then.
	if e.PublishedAt == nil && e.IsPublic(s.clock()) {
		t := *e.PublishAt
		e.PublishedAt = &t
	}
	return &e, nil
}

// loadMaterials fills in the chapters and learning materials of eps: one
// query per batch of episodes, reading all six child tables at once.
func (s *Store) loadMaterials(ctx context.Context, q querier, eps []*Episode) error {
	const batch = 500
	for start := 0; start < len(eps); start += batch {
		part := eps[start:min(start+batch, len(eps))]
		byID := make(map[int64]*Episode, len(part))
		ph := make([]string, len(part))
		args := make([]any, len(part))
		for i, e := range part {
			byID[e.ID] = e
			ph[i] = "$" + strconv.Itoa(i+1)
			args[i] = e.ID
		}
		if err := loadMaterialRows(ctx, q, materialsQuery(strings.Join(ph, ", ")), args, byID); err != nil {
			return err
		}
	}
	return nil
}

// Kinds of child rows in materialsQuery.
const (
	kindTakeaway = iota
	kindStudyQuestion
	kindReference
	kindGuest
	kindChapter
	kindTranscript
	kindAlternate
	// kindLastMaterial is the last kind of materialsQuery; a query that
	// unites rows of its own with it numbers them after.
	kindLastMaterial = kindAlternate
)

// materialsQuery reads every child row of the episodes with the ids in
// (a list of placeholders) as one result: kind, episode id, position, seven
// text columns and one number, each table's columns in the order
// loadMaterialRows reads them. It has no ORDER BY: sorting the union in the
// database cost more than the round trips it saves, so loadMaterialRows
// sorts the rows itself.
func materialsQuery(in string) string {
	where := " WHERE episode_id IN (" + in + ")"
	return `SELECT 0, episode_id, position, body, '', '', '', '', '', '', 0 FROM episode_takeaways` + where + `
		UNION ALL SELECT 1, episode_id, position, body, '', '', '', '', '', '', 0 FROM episode_study_questions` + where + `
		UNION ALL SELECT 2, episode_id, position, authors, title, container, publisher, url, doi, note, year FROM episode_references` + where + `
		UNION ALL SELECT 3, episode_id, position, name, role, person_group, href, img, bio, '', 0 FROM episode_guests` + where + `
		UNION ALL SELECT 4, episode_id, position, title, url, img, '', '', '', '', start_ms FROM episode_chapters` + where + `
		UNION ALL SELECT 5, episode_id, position, language, format, object_key, translated_from, '', '', '', 0 FROM episode_transcripts` + where + `
		UNION ALL SELECT 6, episode_id, position, object_key, content_type, sha256, language, title, name,
			CAST(duration_ms AS TEXT) || ' ' || CAST(bitrate AS TEXT), size FROM episode_alternates` + where
}

// materialRow is one row of materialsQuery.
type materialRow struct {
	kind, pos int
	id, n     int64
	t         [7]string
}

func loadMaterialRows(ctx context.Context, q querier, query string, args []any, byID map[int64]*Episode) error {
	_, err := loadMaterialRowsWith(ctx, q, query, args, byID)
	return err
}

// loadMaterialRowsWith is loadMaterialRows for a query that unites more
// rows of its own with the materials: the rows of a kind past kindLastMaterial
// are returned, not applied.
func loadMaterialRowsWith(ctx context.Context, q querier, query string, args []any, byID map[int64]*Episode) ([]materialRow, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("episodes: load materials: %w", err)
	}
	var mrs, extra []materialRow
	for rows.Next() {
		var r materialRow
		if err := rows.Scan(&r.kind, &r.id, &r.pos, &r.t[0], &r.t[1], &r.t[2], &r.t[3], &r.t[4], &r.t[5], &r.t[6], &r.n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("episodes: load materials: %w", err)
		}
		if r.kind > kindLastMaterial {
			extra = append(extra, r)
			continue
		}
		mrs = append(mrs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("episodes: load materials: %w", err)
	}
	slices.SortFunc(mrs, func(a, b materialRow) int {
		return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.kind, b.kind), cmp.Compare(a.pos, b.pos))
	})
	for _, r := range mrs {
		e, t := byID[r.id], r.t
		if e == nil {
			continue
		}
		switch r.kind {
		case kindTakeaway:
			e.Takeaways = append(e.Takeaways, t[0])
		case kindStudyQuestion:
			e.StudyQuestions = append(e.StudyQuestions, t[0])
		case kindReference:
			ref := Reference{Title: t[1], Container: t[2], Publisher: t[3], URL: t[4], DOI: t[5], Note: t[6], Year: int(r.n)}
			if err := json.Unmarshal([]byte(t[0]), &ref.Authors); err != nil {
				return nil, fmt.Errorf("episodes: load reference authors of episode %d: %w", r.id, err)
			}
			if len(ref.Authors) == 0 {
				ref.Authors = nil
			}
			e.References = append(e.References, ref)
		case kindGuest:
			e.Guests = append(e.Guests, Person{Name: t[0], Role: t[1], Group: t[2], Href: t[3], Img: t[4], Bio: t[5]})
		case kindChapter:
			e.Chapters = append(e.Chapters, Chapter{Title: t[0], URL: t[1], Img: t[2], StartMS: r.n})
		case kindTranscript:
			e.Transcripts = append(e.Transcripts, Transcript{Language: t[0], Format: t[1], Key: t[2], TranslatedFrom: t[3]})
		case kindAlternate:
			d, b, _ := strings.Cut(t[6], " ") // duration and bitrate
			dur, _ := strconv.ParseInt(d, 10, 64)
			br, _ := strconv.Atoi(b)
			e.Alternates = append(e.Alternates, AlternateEnclosure{
				Audio:    Audio{Key: t[0], ContentType: t[1], SHA256: t[2], Size: r.n, DurationMS: dur, Bitrate: br},
				Language: t[3], Title: t[4], Name: t[5],
			})
		}
	}
	return extra, nil
}

// UpdateEpisode replaces the episode with e.ID and all its materials by e in
// one transaction, and bumps the show's version. GUID, ShowID, Status,
// PublishAt, PublishedAt and CreatedAt keep their stored values (use Publish
// and Unpublish for the status); an empty Slug keeps the stored slug, and a
// slug cannot change once the episode has been public (Error
// "slug"); the same ImageKey with no size keeps the stored ImageWidth and
// ImageHeight. e gets the stored values back.
func (s *Store) UpdateEpisode(ctx context.Context, e *Episode) error {
	setEpisodeDefaults(e)
	return s.inTx(ctx, func(tx *txn) error {
		old, err := s.getEpisodeByID(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		if e.GUID != "" && e.GUID != old.GUID {
			return invalid("guid", "cannot change once the episode exists; it stays %q", old.GUID)
		}
		e.ShowID, e.GUID, e.Status, e.PublishAt, e.PublishedAt, e.CreatedAt =
			old.ShowID, old.GUID, old.Status, old.PublishAt, old.PublishedAt, old.CreatedAt
		if e.Slug == "" {
			e.Slug = old.Slug
		}
		if e.ImageKey == old.ImageKey && e.ImageWidth == 0 && e.ImageHeight == 0 {
			e.ImageWidth, e.ImageHeight = old.ImageWidth, old.ImageHeight // the same picture keeps its size
		}
		if e.ImageKey == old.ImageKey && e.ImageRenditions == nil {
			e.ImageRenditions = old.ImageRenditions // and its renditions
		}
		if e.Slug != old.Slug && old.PublishedAt != nil {
			return &Error{Field: "slug", Message: fmt.Sprintf("cannot change once the episode has been published; it stays %q", old.Slug)}
		}
		if err := e.Validate(); err != nil {
			return err
		}
		if err := s.Audit(ctx, tx, e.ShowID, AuditEpisodeUpdate, e.Slug, map[string]any{"changed": changedFields(old, e)}); err != nil {
			return err
		}
		return s.writeEpisode(ctx, tx, e)
	})
}

// writeEpisode stores every column of e (by id) and its materials, and bumps
// the show's version, inside tx.
func (s *Store) writeEpisode(ctx context.Context, tx *txn, e *Episode) error {
	if err := s.bumpShow(ctx, tx, e.ShowID); err != nil {
		return err
	}
	before, err := s.storedMediaKeys(ctx, tx, e.ID)
	if err != nil {
		return err
	}
	e.UpdatedAt = s.clock()
	args := []any{e.Slug, e.Title, e.Notes, e.Season, e.Number, e.Type, e.Explicit}
	args = append(args, audioArgs(e.Audio)...)
	args = append(args, e.ImageKey, e.Status, s.tp(e.PublishAt), s.tp(e.PublishedAt), s.t(sortAt(e)),
		e.DiscussionURL, s.t(e.UpdatedAt), e.ImageWidth, e.ImageHeight, e.ID, e.Visibility)
	_, err = tx.ExecContext(ctx, `UPDATE episodes SET slug = $1, title = $2, notes = $3, season = $4, number = $5,
		type = $6, explicit = $7, audio_key = $8, audio_size = $9, audio_type = $10, audio_duration_ms = $11,
		audio_sha256 = $12, audio_bitrate = $13, image_key = $14, status = $15, publish_at = $16, published_at = $17,
		sort_at = $18, discussion_url = $19, updated_at = $20, image_width = $21, image_height = $22, visibility = $24 WHERE id = $23`, args...)
	if err != nil {
		return conflict(err, fmt.Sprintf("update episode %d", e.ID), map[string]string{"slug": e.Slug, "guid": e.GUID})
	}
	if err := s.writeMaterials(ctx, tx, e); err != nil {
		return err
	}
	// An unpublished episode's media answer 404 at once; replaced audio,
	// artwork or transcripts keep answering at their old URLs until the
	// retention, removed ones do not.
	return s.moveMedia(ctx, tx, e.ShowID, before, mediaKeys(e), e.Status != StatusUnpublished)
}

// DeleteEpisode deletes an episode with its materials and bumps its show's
// version. Its media objects are withdrawn at once (/media/ answers 404) and
// released, for the sweep to delete after the retention.
func (s *Store) DeleteEpisode(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *txn) error {
		keys, err := s.storedMediaKeys(ctx, tx, id)
		if err != nil {
			return err
		}
		var showID int64
		var slug string
		err = tx.QueryRowContext(ctx, `DELETE FROM episodes WHERE id = $1 RETURNING show_id, slug`, id).Scan(&showID, &slug)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("there is no episode with id %d (it may have been deleted)", id)
		}
		if err != nil {
			return fmt.Errorf("episodes: delete episode %d: %w", id, err)
		}
		if err := s.bumpShow(ctx, tx, showID); err != nil {
			return err
		}
		if err := s.Audit(ctx, tx, showID, AuditEpisodeDelete, slug, nil); err != nil {
			return err
		}
		return s.moveMedia(ctx, tx, showID, keys, nil, false)
	})
}

// PublishOptions says when Publish makes an episode public.
type PublishOptions struct {
	// At is the publication date: a time after now schedules the episode, a
	// past time backdates it. Zero means now, or the original publication
	// date when the episode has been public before.
	At time.Time
	// NewDate republishes an episode that has been public before with At (or
	// now) as its publication date instead of its original one.
	NewDate bool
	// Reschedule confirms that a public episode is to leave the feed and its
	// page until At; without it, scheduling a public episode is a
	// Conflict *Error.
	Reschedule bool
}

// Publish is PublishWith(ctx, id, PublishOptions{At: at}).
func (s *Store) Publish(ctx context.Context, id int64, at time.Time) (*Episode, error) {
	return s.PublishWith(ctx, id, PublishOptions{At: at})
}

// PublishWith makes the episode public: published when its publication date
// is not after now, else scheduled. It needs audio and a non-empty title
// (Error "audio" or "title"). An episode that has been public
// before keeps its original publication date unless opts gives a new one
// (At or NewDate), so it does not jump above newer episodes in every app;
// PublishedAt and PublishAt then agree, as the API's published_at and the
// feed's pubDate must. Scheduling an episode that is public now takes it out
// of the feed until then, so it needs opts.Reschedule (else a Conflict *Error
// for field "reschedule"). A rescheduled episode that has been public takes
// the new time as its publication date at once, and its slug stays fixed.
func (s *Store) PublishWith(ctx context.Context, id int64, opts PublishOptions) (*Episode, error) {
	now := s.clock()
	var e *Episode
	err := s.inTx(ctx, func(tx *txn) error {
		var err error
		e, err = s.getEpisodeByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if e.Audio == nil {
			return &Error{Field: "audio", Message: "is missing; upload the episode's audio before publishing"}
		}
		if strings.TrimSpace(e.Title) == "" {
			return &Error{Field: "title", Message: "is empty; give the episode a title before publishing"}
		}
		if err := audioStored(ctx, tx, e.Audio.Key); err != nil {
			return err
		}
		newDate := !opts.At.IsZero() || opts.NewDate
		at := normTime(opts.At)
		switch {
		case !newDate && e.PublishedAt != nil && !e.PublishedAt.After(now):
			at = *e.PublishedAt
		case opts.At.IsZero():
			at = normTime(now)
		}
		if at.After(now) && e.IsPublic(now) && !opts.Reschedule {
			return &Error{Kind: Conflict, Field: "reschedule", Message: fmt.Sprintf(
				"the episode is public since %s; scheduling it for %s takes it out of the feed and its page answers “not found” until then. Confirm the reschedule to go ahead, or publish it again to keep it public",
				e.PublishAt.UTC().Format(humanTime), at.UTC().Format(humanTime))}
		}
		e.PublishAt = &at
		action := AuditEpisodePublish
		if at.After(now) {
			action = AuditEpisodeSchedule
			// It becomes public, with this date, when the time comes. One
			// that has been public keeps a publication date (the new one), so
			// its slug stays fixed: its page's address has been out there.
			e.Status = StatusScheduled
			if e.PublishedAt != nil {
				e.PublishedAt = &at
			}
		} else {
			e.Status, e.PublishedAt = StatusPublished, &at
		}
		if err := s.Audit(ctx, tx, e.ShowID, action, e.Slug, map[string]any{"at": at.UTC().Format(time.RFC3339)}); err != nil {
			return err
		}
		return s.writeEpisode(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// humanTime is how messages for producers write a time (always in UTC).
const humanTime = "2 Jan 2006 15:04 UTC"

// Unpublish takes the episode out of feeds and pages (status unpublished);
// its publish times are kept.
func (s *Store) Unpublish(ctx context.Context, id int64) (*Episode, error) {
	var e *Episode
	err := s.inTx(ctx, func(tx *txn) error {
		var err error
		e, err = s.getEpisodeByID(ctx, tx, id)
		if err != nil {
			return err
		}
		// Persist a publication that happened by schedule alone.
		e.Status = StatusUnpublished
		if err := s.Audit(ctx, tx, e.ShowID, AuditEpisodeUnpub, e.Slug, nil); err != nil {
			return err
		}
		return s.writeEpisode(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// audioStored checks, inside a publish, that the audio's object is recorded
// as referenced: not pending, and not claimed by the sweep.
func audioStored(ctx context.Context, tx *txn, key string) error {
	var state string
	err := tx.QueryRowContext(ctx, `SELECT state FROM media_objects WHERE key = $1`, key).Scan(&state)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("episodes: look up the audio object: %w", err)
	}
	if state != MediaReferenced {
		return &Error{Kind: Invalid, Field: "audio", Message: "is missing from storage; upload the episode's audio again before publishing"}
	}
	return nil
}
