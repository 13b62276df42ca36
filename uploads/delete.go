package uploads

import (
	"context"
	"fmt"

	"github.com/lyssna/lyssna/episodes"
)

// DeleteEpisode deletes ep from the store. Its audio, artwork and transcript
// objects answer 404 at once (the store withdraws them in the same
// transaction) and stay in the bucket, released, until the sweep deletes
// them after the retention.
func (in *Ingester) DeleteEpisode(ctx context.Context, ep *episodes.Episode) error {
	if err := in.Store.DeleteEpisode(ctx, ep.ID); err != nil {
		return fmt.Errorf("uploads: delete episode: %w", err)
	}
	return nil
}
