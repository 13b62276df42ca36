// Package links owns Lyssna's public URL scheme: every absolute URL that a feed,
// a page or an API answer hands out is built here from the public base URL.
package links

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/lyssna/lyssna/episodes"
)

// IsReserved reports whether a first path segment is one Lyssna routes
// itself (episodes.ReservedSlug, the one list), so no show may take it.
func IsReserved(segment string) bool { return episodes.ReservedSlug(segment) }

// Builder makes absolute URLs under one public base URL.
type Builder struct {
	base string // without a trailing slash
	op3  bool   // enclosures go through https://op3.dev/e/
	push push   // the feed's WebSub hubs and Podping flag (push.go)
	// sign, when set, turns a path into a signed path carrying a grant to
	// private content (package access); every URL but Base is signed.
	sign func(path string) string
}

// Signed returns b with every URL's path passed through sign (a grant's
// Sign: /p/{grant}/{signature}{path}), for the feeds, pages and embeds of
// someone holding a grant. OP3 is off for them: a signed URL is not for a
// third party to see.
func (b Builder) Signed(sign func(path string) string) Builder {
	b.sign, b.op3 = sign, false
	return b
}

// IsSigned reports whether b signs its URLs (see Signed).
func (b Builder) IsSigned() bool { return b.sign != nil }

// url is base + path, signed when b signs.
func (b Builder) url(path string) string {
	if b.sign != nil {
		path = b.sign(path)
	}
	return b.base + path
}

// New returns a Builder for the public base URL (say "https://pod.example.org").
func New(baseURL string) Builder {
	return Builder{base: strings.TrimRight(baseURL, "/")}
}

// Base is the public base URL without a trailing slash.
func (b Builder) Base() string { return b.base }

// ShowPage is the listener page of a show.
func (b Builder) ShowPage(showSlug string) string {
	return b.url(showPath(showSlug))
}

func showPath(showSlug string) string { return "/" + url.PathEscape(showSlug) + "/" }

func episodePath(showSlug, episodeSlug string) string {
	return showPath(showSlug) + url.PathEscape(episodeSlug) + "/"
}

// Feed is a show's RSS feed.
func (b Builder) Feed(showSlug string) string {
	return b.url(showPath(showSlug) + "feed.xml")
}

// ShowEmbed is the embeddable player of a show's latest episodes.
func (b Builder) ShowEmbed(showSlug string) string {
	return b.url(showPath(showSlug) + "embed")
}

// EpisodeEmbed is the embeddable player of an episode.
func (b Builder) EpisodeEmbed(showSlug, episodeSlug string) string {
	return b.url(episodePath(showSlug, episodeSlug) + "embed")
}

// OEmbed is the oEmbed endpoint answering for the page at pageURL.
func (b Builder) OEmbed(pageURL string) string {
	return b.base + "/oembed?format=json&url=" + url.QueryEscape(pageURL)
}

// FeedPage is page n of a show's paged feed (RFC 5005): the feed itself
// for page 1, feed.xml?page=n after it.
func (b Builder) FeedPage(showSlug string, n int) string {
	if n <= 1 {
		return b.Feed(showSlug)
	}
	return b.Feed(showSlug) + "?page=" + strconv.Itoa(n)
}

// PublisherFeed is a network's publisher feed.
func (b Builder) PublisherFeed(networkSlug string) string {
	return b.base + "/" + url.PathEscape(networkSlug) + "/publisher.xml"
}

// EpisodePage is the listener page of an episode.
func (b Builder) EpisodePage(showSlug, episodeSlug string) string {
	return b.url(episodePath(showSlug, episodeSlug))
}

// StudyGuide is the printable study guide of an episode.
func (b Builder) StudyGuide(showSlug, episodeSlug string) string {
	return b.url(episodePath(showSlug, episodeSlug) + "study-guide")
}

// Chapters is the Podcast Index JSON chapters file of an episode.
func (b Builder) Chapters(showSlug, episodeSlug string) string {
	return b.url(episodePath(showSlug, episodeSlug) + "chapters.json")
}

// Media is the stable URL of a stored object (audio, artwork, transcript).
// An empty key gives an empty URL.
func (b Builder) Media(key string) string {
	if key == "" {
		return ""
	}
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return b.url("/media/" + strings.Join(parts, "/"))
}

// WithOP3 returns b with enclosure URLs prefixed by the OP3 open podcast
// prefix analytics service (https://op3.dev), which counts a download and
// redirects to the URL it wraps.
func (b Builder) WithOP3(on bool) Builder {
	b.op3 = on
	return b
}

// Enclosure is the URL a feed gives for an episode's audio: Media(key),
// behind https://op3.dev/e/ (the URL without its scheme) when OP3 is on.
func (b Builder) Enclosure(key string) string {
	u := b.Media(key)
	if !b.op3 || u == "" {
		return u
	}
	_, rest, _ := strings.Cut(u, "://")
	return "https://op3.dev/e/" + rest
}

// ShowImage is the show's artwork URL, empty when it has none.
func (b Builder) ShowImage(s *episodes.Show) string { return b.Media(s.ImageKey) }

// EpisodeImage is the episode's artwork URL, falling back to the show's.
func (b Builder) EpisodeImage(s *episodes.Show, e *episodes.Episode) string {
	if e.ImageKey != "" {
		return b.Media(e.ImageKey)
	}
	return b.ShowImage(s)
}

// Srcset is an HTML srcset of a picture (w pixels wide, 0 when not
// known) and its renditions, smallest first, so that a page's <img> loads
// the smallest that fills it; "" when the picture has no renditions.
func (b Builder) Srcset(key string, w int, rs []episodes.Rendition) string {
	if key == "" || len(rs) == 0 {
		return ""
	}
	var parts []string
	for i := len(rs) - 1; i >= 0; i-- {
		parts = append(parts, b.Media(rs[i].Key)+" "+strconv.Itoa(rs[i].Width)+"w")
	}
	if w > 0 {
		parts = append(parts, b.Media(key)+" "+strconv.Itoa(w)+"w")
	}
	return strings.Join(parts, ", ")
}

// ShowImageSrcset is Srcset of the show's artwork.
func (b Builder) ShowImageSrcset(s *episodes.Show) string {
	return b.Srcset(s.ImageKey, s.ImageWidth, s.ImageRenditions)
}

// EpisodeImageSrcset is Srcset of the episode's artwork, falling back to
// the show's.
func (b Builder) EpisodeImageSrcset(s *episodes.Show, e *episodes.Episode) string {
	if e.ImageKey != "" {
		return b.Srcset(e.ImageKey, e.ImageWidth, e.ImageRenditions)
	}
	return b.ShowImageSrcset(s)
}

// ShowLink is the show's website: the producer's link, else the show page.
func (b Builder) ShowLink(s *episodes.Show) string {
	if s.Link != "" {
		return s.Link
	}
	return b.ShowPage(s.Slug)
}
