package episodes

import (
	"context"
	"fmt"
	"time"
)

// DueShows returns the ids of the shows with a scheduled episode whose
// publish time has come by now, for a background task that promotes them
// (PromoteDue) so that the change is written, and announced, even when
// nobody asks for the show's feed.
func (s *Store) DueShows(ctx context.Context, now time.Time) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT show_id FROM episodes
		WHERE status = 'scheduled' AND publish_at <= $1 ORDER BY show_id`, s.t(now))
	if err != nil {
		return nil, fmt.Errorf("episodes: find shows with episodes due: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("episodes: find shows with episodes due: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("episodes: find shows with episodes due: %w", err)
	}
	return ids, nil
}
