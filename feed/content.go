package feed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
)

// Content is what a show's shared feed says, in the form package notify
// compares to decide whether apps are told of a change: a write that
// leaves the feed as it was (a draft's edit, a show's time zone) must not
// reach WebSub hubs, Podcast Index or Podping.
type Content struct {
	// ShowID and Version are the show's, and the version the feed was
	// built at.
	ShowID  int64
	Version int64
	// Visibility is the show's (EffectiveVisibility) and Blocked its
	// block (every directory asked to leave it out): who may hear of it.
	Visibility string
	Blocked    bool
	// Hash digests the feed's content (contentHash); "" when the show has
	// no shared feed (a private one answers 404).
	Hash string
}

// PublicContent builds the first page of the show's shared feed, the page
// podcast apps poll, and digests it. Like the Cache, it first promotes the
// show's scheduled episodes whose time has come. A show that moved away
// (NewFeedURL) is digested as its move. episodes.ErrNotFound says the show
// is gone. It builds through items, the item cache the feed Cache builds
// through (Options.Items), so that a digest after an edit encodes the
// changed episodes only, as the Cache's rebuild does, and the rebuild then
// finds them; nil renders and encodes every episode of the page (for a
// 10,000-episode show without feed_limit, hundreds of megabytes of garbage
// per digest).
func PublicContent(ctx context.Context, src Source, lb links.Builder, items *ItemCache, slug string, now time.Time) (Content, error) {
	show, err := loadShow(ctx, src, slug, now)
	if err != nil {
		return Content{}, err
	}
	c := Content{ShowID: show.ID, Version: show.Version, Visibility: episodes.EffectiveVisibility(show, nil), Blocked: show.Block}
	switch {
	case c.Visibility == episodes.VisibilityPrivate:
		return c, nil
	case show.NewFeedURL != "":
		sum := sha256.Sum256([]byte("moved to " + show.NewFeedURL))
		c.Hash = hex.EncodeToString(sum[:])
		return c, nil
	}
	eps, pg, _, err := listPage(ctx, src, show, now, 1)
	if err != nil {
		return Content{}, err
	}
	parts, _, err := buildParts(show, eps, lb, now, items, pg)
	if err != nil {
		return Content{}, err
	}
	c.Hash = contentHash(parts...)
	return c, nil
}

// contentHash digests a built feed, given as the parts that make it one
// after the other (buildParts), without its channel's lastBuildDate and
// pubDate. build derives both from the latest write to the show or to a
// listed episode, and such a write may change nothing else in the feed (a
// show's time zone, a published episode's producer-only fields); a change
// that does shows in the other elements. An item's pubDate is kept. The
// two come early in the channel, before any text a producer wrote, so the
// first of each is the channel's. The digest is of the feed's bytes as one
// (the parts are not copied together for it): the same feed gives the same
// digest in parts or whole, as long as no part cuts an "<item>" tag.
func contentHash(parts ...[]byte) string {
	h := sha256.New()
	var head []byte // the feed before its first item: the channel's part, small
	for i, p := range parts {
		before, after, found := bytes.Cut(p, []byte("<item>"))
		if head == nil {
			head = before[:len(before):len(before)] // appending must not write into p
		} else {
			head = append(head, before...)
		}
		if found {
			writeHead(h, head)
			h.Write([]byte("<item>"))
			h.Write(after)
			for _, rest := range parts[i+1:] {
				h.Write(rest)
			}
			return hex.EncodeToString(h.Sum(nil))
		}
	}
	writeHead(h, head)
	return hex.EncodeToString(h.Sum(nil))
}

// writeHead writes the feed's part before its first item to h, without the
// channel's lastBuildDate and pubDate.
func writeHead(h hash.Hash, head []byte) {
	for _, name := range []string{"lastBuildDate", "pubDate"} {
		open, end := []byte("<"+name+">"), []byte("</"+name+">")
		i := bytes.Index(head, open)
		if i < 0 {
			continue
		}
		j := bytes.Index(head[i:], end)
		if j < 0 {
			continue
		}
		h.Write(head[:i])
		head = head[i+j+len(end):]
	}
	h.Write(head)
}
