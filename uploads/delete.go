package uploads

import (
	"context"
	"fmt"

	"github.com/lyssna/lyssna/episodes"
)

// DeleteEpisode deletes ep from the store, then its audio, artwork and
// transcript objects unless something else still refers to them. A failure
// to delete an object is only logged: it leaves an orphan, which the sweep
// removes (under SweptPrefixes).
func (in *Ingester) DeleteEpisode(ctx context.Context, ep *episodes.Episode) error {
	if err := in.Store.DeleteEpisode(ctx, ep.ID); err != nil {
		return fmt.Errorf("uploads: delete episode: %w", err)
	}
	if ep.ImageKey != "" {
		in.deleteUnreferenced(ctx, ep.ImageKey)
	}
	if ep.Audio != nil {
		in.deleteUnreferenced(ctx, ep.Audio.Key)
	}
	for _, t := range ep.Transcripts {
		in.deleteUnreferenced(ctx, t.Key)
	}
	return nil
}

// deleteUnreferenced deletes the object key once nothing in the store refers
// to it, on a fresh context since ctx may end with the request. A failure
// is only logged: the object is harmless and the sweep removes orphans.
func (in *Ingester) deleteUnreferenced(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	used, err := in.Store.ObjectReferenced(ctx, key)
	if err == nil && !used {
		err = in.Bucket.Delete(ctx, key)
	}
	if err != nil {
		in.Logger.WarnContext(ctx, "uploads: could not delete an unreferenced object; the sweep will", "key", key, "error", err)
	}
}
