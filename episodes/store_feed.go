package episodes

import (
	"context"
	"fmt"
	"time"
)

// feedWhere is publicWhere for a feed: public episodes with audio (an item
// without an enclosure is no episode to a podcast app) whose visibility is
// upTo or more open. Every column it tests is in
// episodes_show_publish_order_idx (audio_key since migration 00200,
// visibility since 00240), so that a paged feed counts and skips in that
// index alone.
func feedWhere(upTo string) string {
	return publicWhere + ` AND audio_key IS NOT NULL AND audio_key <> '' AND visibility IN ` + visibleIn(upTo)
}

// feedCount and feedPage are VisibleFeedPage's statements;
// TestFeedPageQueryPlans checks that they read the index alone. feedPage
// picks its page's ids in the index first: PostgreSQL would otherwise read
// the table row of every episode its OFFSET skips.
func feedCount(upTo string) string {
	return `SELECT COUNT(*) FROM episodes WHERE ` + feedWhere(upTo)
}

func feedPage(upTo string) string {
	return `SELECT ` + episodeColumns + ` FROM episodes WHERE id IN (
		SELECT id FROM episodes WHERE ` + feedWhere(upTo) + ` ORDER BY publish_at DESC, id DESC LIMIT $3 OFFSET $4)
		ORDER BY publish_at DESC, id DESC`
}

// PublicFeedPage is VisibleFeedPage over the episodes of visibility public:
// a page of a public show's shared feed.
func (s *Store) PublicFeedPage(ctx context.Context, showID int64, now time.Time, offset, limit int) ([]*Episode, int, error) {
	return s.VisibleFeedPage(ctx, showID, now, VisibilityPublic, offset, limit)
}

// VisibleFeedPage returns up to limit of the show's episodes that a feed
// lists at now (public, with audio, of visibility upTo or more open), newest
// publish time first then highest id, skipping the first offset, with all
// their materials; and how many the feed lists in all. It is one page of a
// paged feed (RFC 5005): its cost follows limit, not the size of the show.
// A shared feed passes its show's EffectiveVisibility as upTo: an unlisted
// show's feed lists its unlisted episodes, a public show's does not, and
// neither lists private ones. Counting and paging over exactly the episodes
// the feed shows keeps every page but the last full and rel="last" true.
func (s *Store) VisibleFeedPage(ctx context.Context, showID int64, now time.Time, upTo string, offset, limit int) ([]*Episode, int, error) {
	if offset < 0 || limit <= 0 {
		return nil, 0, fmt.Errorf("episodes: public feed page: offset %d must not be negative and limit %d must be positive", offset, limit)
	}
	var total int
	if err := s.reads.QueryRowContext(ctx, feedCount(upTo), showID, s.t(now)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("episodes: count the feed's episodes: %w", err)
	}
	if offset >= total {
		return nil, total, nil
	}
	eps, err := s.queryEpisodes(ctx, s.reads, feedPage(upTo), showID, s.t(now), limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("episodes: public feed page: %w", err)
	}
	return eps, total, nil
}
