package episodes

import (
	"context"
	"fmt"
)

// EpisodeByGUID returns the show's episode with exactly this guid (case and
// whitespace count), or ErrNotFound; imports use it to add only new items.
func (s *Store) EpisodeByGUID(ctx context.Context, showID int64, guid string) (*Episode, error) {
	return s.getEpisode(ctx, s.db, "show_id = $1 AND guid = $2", showID, guid)
}

// EpisodeGUIDs returns the guids of every episode of the show.
func (s *Store) EpisodeGUIDs(ctx context.Context, showID int64) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT guid FROM episodes WHERE show_id = $1`, showID)
	if err != nil {
		return nil, fmt.Errorf("episodes: list guids of show %d: %w", showID, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, fmt.Errorf("episodes: list guids of show %d: %w", showID, err)
		}
		out[g] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("episodes: list guids of show %d: %w", showID, err)
	}
	return out, nil
}
