package episodes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// EpisodeRef is just enough of an episode to name and link it: what a
// previous/next link needs.
type EpisodeRef struct {
	ID        int64
	Slug      string
	Title     string
	PublishAt time.Time
}

// publicWhere selects the show's episodes public at $2; $1 is the show id.
// It is Episode.IsPublic in SQL: published rows whatever their time (so
// replicas with different clocks agree), scheduled ones once due.
const publicWhere = `show_id = $1 AND (status = 'published' OR (status = 'scheduled' AND publish_at <= $2))`

// visibleIn is the SQL list of episode visibilities a listing up to the
// visibility upTo shows: public ones only for a public listing, unlisted
// ones too on an unlisted show's page, all with a grant.
func visibleIn(upTo string) string {
	switch visibilityRank(upTo) {
	case 0:
		return `('public')`
	case 1:
		return `('public', 'unlisted')`
	}
	return `('public', 'unlisted', 'private')`
}

// PublicNeighbours returns the public episodes next to ep in the order of
// the feed and the pages (newest first: publish time, then id): prev is the
// one just older than ep, next the one just newer; either is nil at an end.
// ep itself need not be public (its publish time and id place it), but an
// episode never scheduled has no place and no neighbours. Episodes that are
// not public at now (drafts, unpublished, scheduled later) are skipped.
//
// Only episodes of visibility public are listed: VisibleNeighbours takes
// more.
func (s *Store) PublicNeighbours(ctx context.Context, showID int64, ep *Episode, now time.Time) (prev, next *EpisodeRef, err error) {
	return s.VisibleNeighbours(ctx, showID, ep, now, VisibilityPublic)
}

// VisibleNeighbours is PublicNeighbours over the episodes whose visibility is
// upTo or more open (VisibilityPrivate: all of them).
func (s *Store) VisibleNeighbours(ctx context.Context, showID int64, ep *Episode, now time.Time, upTo string) (prev, next *EpisodeRef, err error) {
	if ep.PublishAt == nil {
		return nil, nil, nil
	}
	// One round trip for both: the older neighbour, then the newer one.
	// Each half walks episodes_show_publish_order_idx from ep's place and
	// stops at the first public row. The older half has no "publish_at <=
	// now" (with it SQLite takes that as the range's end and walks from the
	// newest episode down): its bound is ep's place, or now when ep is not
	// due yet, which keeps it at or before now.
	at, id := normTime(*ep.PublishAt), ep.ID
	if n := normTime(now); at.After(n) {
		at, id = n, math.MaxInt64
	}
	rows, err := s.reads.QueryContext(ctx, `SELECT 'prev', id, slug, title, publish_at FROM (
			SELECT id, slug, title, publish_at FROM episodes
			WHERE show_id = $1 AND status IN ('published', 'scheduled') AND (publish_at, id) < ($5, $6) AND visibility IN `+visibleIn(upTo)+`
			ORDER BY publish_at DESC, id DESC LIMIT 1) AS older
		UNION ALL
		SELECT 'next', id, slug, title, publish_at FROM (
			SELECT id, slug, title, publish_at FROM episodes
			WHERE `+publicWhere+` AND (publish_at, id) > ($3, $4) AND visibility IN `+visibleIn(upTo)+`
			ORDER BY publish_at, id LIMIT 1) AS newer`,
		showID, s.t(now), s.t(*ep.PublishAt), ep.ID, s.t(at), id)
	if err != nil {
		return nil, nil, fmt.Errorf("episodes: neighbours of episode %d: %w", ep.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var which string
		var r EpisodeRef
		var at dbTime
		if err := rows.Scan(&which, &r.ID, &r.Slug, &r.Title, &at); err != nil {
			return nil, nil, fmt.Errorf("episodes: neighbours of episode %d: %w", ep.ID, err)
		}
		r.PublishAt = at.Time
		if which == "prev" {
			prev = &r
		} else {
			next = &r
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("episodes: neighbours of episode %d: %w", ep.ID, err)
	}
	return prev, next, nil
}

// PublicEpisodePage returns up to limit of the show's episodes public at
// now, skipping the first offset, in the order of PublicEpisodes (newest
// publish time first, then highest id), and how many episodes are public in
// all. It is the light query for a list page: each episode has its own
// fields (title, notes, audio, times...) but no chapters, learning materials
// or transcripts. limit is capped at MaxListLimit. Only episodes of
// visibility public are listed: VisibleEpisodePage takes more.
func (s *Store) PublicEpisodePage(ctx context.Context, showID int64, now time.Time, offset, limit int) ([]*Episode, int, error) {
	return s.VisibleEpisodePage(ctx, showID, now, VisibilityPublic, offset, limit)
}

// VisibleEpisodePage is PublicEpisodePage over the episodes whose visibility
// is upTo or more open (VisibilityPrivate: all of them).
func (s *Store) VisibleEpisodePage(ctx context.Context, showID int64, now time.Time, upTo string, offset, limit int) ([]*Episode, int, error) {
	where := publicWhere + ` AND visibility IN ` + visibleIn(upTo)
	if offset < 0 || limit < 0 {
		return nil, 0, fmt.Errorf("episodes: public episode page: offset %d and limit %d must not be negative", offset, limit)
	}
	limit = min(limit, MaxListLimit)
	var total int
	if err := s.reads.QueryRowContext(ctx, `SELECT COUNT(*) FROM episodes WHERE `+where, showID, s.t(now)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("episodes: count public episodes: %w", err)
	}
	if offset >= total || limit == 0 {
		return nil, total, nil
	}
	rows, err := s.reads.QueryContext(ctx, `SELECT `+episodeColumns+` FROM episodes WHERE `+where+`
		ORDER BY publish_at DESC, id DESC LIMIT $3 OFFSET $4`, showID, s.t(now), limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("episodes: public episode page: %w", err)
	}
	defer rows.Close()
	var eps []*Episode
	for rows.Next() {
		e, err := s.scanEpisode(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("episodes: read episode: %w", err)
		}
		eps = append(eps, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("episodes: public episode page: %w", err)
	}
	return eps, total, nil
}

// EpisodeView is what an episode's public page shows: the show, the episode
// with its materials, its public neighbours and the show's next scheduled
// publish time (when the neighbours may change without a write).
type EpisodeView struct {
	Show       *Show
	Episode    *Episode // nil when the show has no episode with that slug
	Prev, Next *EpisodeRef
	// NextScheduled is the earliest publish time after now of a scheduled
	// episode of the show; zero when none is scheduled.
	NextScheduled time.Time
}

// Kinds of the neighbour rows PublicEpisodeView adds to materialsQuery.
const (
	kindPrev = kindLastMaterial + 1 + iota
	kindNext
)

// rowScanFunc is a rowScanner made of a function.
type rowScanFunc func(dest ...any) error

func (f rowScanFunc) Scan(dest ...any) error { return f(dest...) }

// PublicEpisodeView reads an episode page's data in two queries: the show,
// the episode and the show's next scheduled time in one row, then the
// episode's materials and its neighbours (as PublicNeighbours) in one
// result. The episode is returned whatever its status; whether listeners
// may see it is the caller's (Episode.IsPublic). A show that does not exist
// is ErrNotFound; an episode that does not is a view without Episode (a
// third query then reads the show). The neighbours are listed episodes:
// public ones, and unlisted ones of an unlisted show (GrantedEpisodeView
// takes them all).
func (s *Store) PublicEpisodeView(ctx context.Context, showSlug, episodeSlug string, now time.Time) (*EpisodeView, error) {
	return s.episodeView(ctx, showSlug, episodeSlug, now, false)
}

// GrantedEpisodeView is PublicEpisodeView for a request holding a grant to
// the show: private and unlisted episodes are neighbours too.
func (s *Store) GrantedEpisodeView(ctx context.Context, showSlug, episodeSlug string, now time.Time) (*EpisodeView, error) {
	return s.episodeView(ctx, showSlug, episodeSlug, now, true)
}

func (s *Store) episodeView(ctx context.Context, showSlug, episodeSlug string, now time.Time, all bool) (*EpisodeView, error) {
	listed := ` AND (visibility = 'public' OR (visibility = 'unlisted' AND EXISTS (
				SELECT 1 FROM shows WHERE id = $2 AND visibility = 'unlisted')))`
	if all {
		listed = ""
	}
	v := &EpisodeView{}
	var next dbTime
	row := s.reads.QueryRowContext(ctx, `SELECT sh.*, ep.*, (SELECT MIN(publish_at) FROM episodes
			WHERE show_id = sh.id AND status = 'scheduled' AND publish_at > $3)
		FROM (SELECT `+showColumns+` FROM shows WHERE slug = $1) AS sh
		JOIN (SELECT `+episodeColumns+` FROM episodes) AS ep ON ep.show_id = sh.id AND ep.slug = $2`,
		showSlug, episodeSlug, s.t(now))
	// scanEpisode and scanShow each scan their own columns: nest them so
	// that the one row is scanned once, into both.
	var showErr error
	e, err := s.scanEpisode(rowScanFunc(func(epDest ...any) error {
		v.Show, showErr = scanShow(rowScanFunc(func(showDest ...any) error {
			return row.Scan(append(append(showDest, epDest...), &next)...)
		}))
		return showErr
	}))
	if errors.Is(err, sql.ErrNoRows) {
		if v.Show, err = s.GetShow(ctx, showSlug); err != nil {
			return nil, err
		}
		return v, nil
	}
	if err != nil {
		return nil, fmt.Errorf("episodes: episode page %s/%s: %w", showSlug, episodeSlug, err)
	}
	v.Episode, v.NextScheduled = e, next.Time

	// The materials, then the older and the newer public neighbour, as
	// PublicNeighbours finds them; an episode never scheduled has none.
	query, args := materialsQuery("$1"), []any{e.ID}
	if e.PublishAt != nil {
		at, id := normTime(*e.PublishAt), e.ID
		if n := normTime(now); at.After(n) {
			at, id = n, math.MaxInt64
		}
		query += `
		UNION ALL SELECT ` + strconv.Itoa(kindPrev) + `, id, 0, slug, title, '', '', '', '', '', 0 FROM (
			SELECT id, slug, title FROM episodes
			WHERE show_id = $2 AND status IN ('published', 'scheduled') AND (publish_at, id) < ($5, $6)` + listed + `
			ORDER BY publish_at DESC, id DESC LIMIT 1) AS older
		UNION ALL SELECT ` + strconv.Itoa(kindNext) + `, id, 0, slug, title, '', '', '', '', '', 0 FROM (
			SELECT id, slug, title FROM episodes
			WHERE show_id = $2 AND (status = 'published' OR (status = 'scheduled' AND publish_at <= $3))
				AND (publish_at, id) > ($4, $7)` + listed + `
			ORDER BY publish_at, id LIMIT 1) AS newer`
		args = append(args, e.ShowID, s.t(now), s.t(*e.PublishAt), s.t(at), id, e.ID)
	}
	extra, err := loadMaterialRowsWith(ctx, s.reads, query, args, map[int64]*Episode{e.ID: e})
	if err != nil {
		return nil, err
	}
	for _, r := range extra {
		ref := &EpisodeRef{ID: r.id, Slug: r.t[0], Title: r.t[1]}
		switch r.kind {
		case kindPrev:
			v.Prev = ref
		case kindNext:
			v.Next = ref
		}
	}
	return v, nil
}
