package web

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/transcript"
)

// transcriptCache keeps parsed transcripts by object key. Objects are never
// overwritten (a new upload gets a new key), so an entry never goes stale.
type transcriptCache struct {
	mu      sync.Mutex
	max     int
	entries map[string][]transcript.Paragraph
}

func newTranscriptCache(max int) *transcriptCache {
	return &transcriptCache{max: max, entries: map[string][]transcript.Paragraph{}}
}

// paragraphs reads, parses and groups the transcript t, or takes it from the cache.
func (h *Handler) paragraphs(ctx context.Context, t episodes.Transcript) ([]transcript.Paragraph, error) {
	c := h.transcripts
	c.mu.Lock()
	ps, ok := c.entries[t.Key]
	c.mu.Unlock()
	if ok {
		return ps, nil
	}
	rc, _, err := h.bucket.Get(ctx, t.Key)
	if err != nil {
		return nil, fmt.Errorf("web: read transcript %s: %w", t.Key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, transcript.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("web: read transcript %s: %w", t.Key, err)
	}
	cues, err := transcript.Parse(t.Format, data)
	if err != nil {
		return nil, fmt.Errorf("web: transcript %s: %w", t.Key, err)
	}
	ps = transcript.Paragraphs(cues)
	c.mu.Lock()
	if len(c.entries) >= c.max {
		for k := range c.entries { // drop one at random; transcripts are cheap to re-read
			delete(c.entries, k)
			break
		}
	}
	c.entries[t.Key] = ps
	c.mu.Unlock()
	return ps, nil
}
