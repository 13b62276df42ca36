package episodes

import (
	"context"
	"fmt"
	"time"
)

// feedWhere is publicWhere for a feed: public episodes with audio (an item
// without an enclosure is no episode to a podcast app). Every column it
// tests is in episodes_show_publish_order_idx (audio_key since migration
// 00200), so that a paged feed counts and skips in that index alone.
const feedWhere = publicWhere + ` AND audio_key IS NOT NULL AND audio_key <> ''`

// feedCount and feedPage are PublicFeedPage's statements;
// TestFeedPageQueryPlans checks that they do. feedPage picks its page's ids in the index first: PostgreSQL would
// otherwise read the table row of every episode its OFFSET skips.
const (
	feedCount = `SELECT COUNT(*) FROM episodes WHERE ` + feedWhere
	feedPage  = `SELECT ` + episodeColumns + ` FROM episodes WHERE id IN (
		SELECT id FROM episodes WHERE ` + feedWhere + ` ORDER BY publish_at DESC, id DESC LIMIT $3 OFFSET $4)
		ORDER BY publish_at DESC, id DESC`
)

// PublicFeedPage returns up to limit of the show's episodes that a feed
// lists at now (public, with audio), newest publish time first then highest
// id, skipping the first offset, with all their materials; and how many the
// feed lists in all. It is one page of a paged feed (RFC 5005): its cost
// follows limit, not the size of the show.
func (s *Store) PublicFeedPage(ctx context.Context, showID int64, now time.Time, offset, limit int) ([]*Episode, int, error) {
	if offset < 0 || limit <= 0 {
		return nil, 0, fmt.Errorf("episodes: public feed page: offset %d must not be negative and limit %d must be positive", offset, limit)
	}
	var total int
	if err := s.reads.QueryRowContext(ctx, feedCount, showID, s.t(now)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("episodes: count the feed's episodes: %w", err)
	}
	if offset >= total {
		return nil, total, nil
	}
	eps, err := s.queryEpisodes(ctx, s.reads, feedPage, showID, s.t(now), limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("episodes: public feed page: %w", err)
	}
	return eps, total, nil
}
