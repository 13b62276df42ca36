// Package feed owns a show's RSS feed: building it (Apple's iTunes tags plus
// the Podcast Index namespace), the JSON chapters file, and serving the feed
// from cached bytes that are rebuilt only when the show changes.
package feed

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eduncan911/podcast"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
)

// Namespaces declared on the rss element.
const (
	nsITunes  = "http://www.itunes.com/dtds/podcast-1.0.dtd"
	nsPodcast = "https://podcastindex.org/namespace/1.0"
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
)

// rss is the document root. It replaces podcast.Podcast.Encode, whose wrapper
// cannot carry our extra namespaces or our channel type.
type rss struct {
	XMLName   xml.Name `xml:"rss"`
	Version   string   `xml:"version,attr"`
	ITunesNS  string   `xml:"xmlns:itunes,attr"`
	PodcastNS string   `xml:"xmlns:podcast,attr"`
	AtomNS    string   `xml:"xmlns:atom,attr"`
	ContentNS string   `xml:"xmlns:content,attr"`
	Channel   *channel
}

// channel extends podcast.Podcast with what it lacks. Fields named like one
// of the embedded struct's XML elements (description) replace it. Its items
// are not in it (podcast.Podcast's Items stays nil): build encodes each
// apart and puts them in before the channel's end tag.
type channel struct {
	podcast.Podcast
	Description cdata     `xml:"description"`
	IType       string    `xml:"itunes:type,omitempty"`
	GUID        string    `xml:"podcast:guid,omitempty"`
	Locked      *locked   `xml:"podcast:locked,omitempty"`
	Funding     []funding `xml:"podcast:funding"`
	Persons     []person  `xml:"podcast:person"`
	Medium      string    `xml:"podcast:medium,omitempty"`
	Push        pushTags  // hubs and podping (push.go)
	// AtomLinks replaces podcast.Podcast's one AtomLink (a field at this
	// depth hides the embedded one): self and RFC 5005's paging links.
	AtomLinks   []atomLink `xml:"atom:link"`
	channelTags            // namespace.go
}

// item extends podcast.Item.
type item struct {
	podcast.Item
	GUID        guid         `xml:"guid"`
	Description cdata        `xml:"description"`
	Content     cdata        `xml:"content:encoded"`
	ITitle      string       `xml:"itunes:title,omitempty"`
	IEpisode    int          `xml:"itunes:episode,omitempty"`
	ISeason     int          `xml:"itunes:season,omitempty"`
	IType       string       `xml:"itunes:episodeType,omitempty"`
	Season      int          `xml:"podcast:season,omitempty"`
	Episode     int          `xml:"podcast:episode,omitempty"`
	Transcripts []transcript `xml:"podcast:transcript"`
	Chapters    *chapters    `xml:"podcast:chapters,omitempty"`
	Persons     []person     `xml:"podcast:person"`
	itemTags                 // namespace.go
}

type cdata struct {
	Text string `xml:",cdata"`
}

type guid struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Text        string `xml:",chardata"`
}

type locked struct {
	Owner string `xml:"owner,attr,omitempty"`
	Text  string `xml:",chardata"`
}

type funding struct {
	URL  string `xml:"url,attr"`
	Text string `xml:",chardata"`
}

type person struct {
	Role  string `xml:"role,attr,omitempty"`
	Group string `xml:"group,attr,omitempty"`
	Img   string `xml:"img,attr,omitempty"`
	Href  string `xml:"href,attr,omitempty"`
	Name  string `xml:",chardata"`
}

type transcript struct {
	URL      string `xml:"url,attr"`
	Type     string `xml:"type,attr"`
	Language string `xml:"language,attr,omitempty"`
	Rel      string `xml:"rel,attr,omitempty"` // "captions" for WebVTT
}

type chapters struct {
	URL  string `xml:"url,attr"`
	Type string `xml:"type,attr"`
}

// Build renders a show's RSS feed from the show and its episodes. Only the
// episodes public at now and with audio are included, newest first for an
// episodic show and oldest first for a serial one. The output depends only on
// its arguments, so the same input gives the same bytes.
func Build(show *episodes.Show, eps []*episodes.Episode, lb links.Builder, now time.Time) ([]byte, error) {
	b, _, err := build(show, eps, lb, now, nil, page{})
	return b, err
}

// build is Build that also reports the feed's modification time: the latest
// change of the show or of an included episode (now when nothing says). It
// takes each episode's item from hc, as encoded in an earlier build, when
// nothing the item reads changed since, and keeps the items it encodes
// there (nil: no cache; a personal feed's are not kept). A page other than
// the zero page is one page of a paged feed: eps are its episodes, and the
// channel links the other pages.
func build(show *episodes.Show, eps []*episodes.Episode, lb links.Builder, now time.Time, hc *ItemCache, pg page) ([]byte, time.Time, error) {
	parts, modified, err := buildParts(show, eps, lb, now, hc, pg)
	switch {
	case err != nil:
		return nil, time.Time{}, err
	case len(parts) == 1:
		return parts[0], modified, nil
	}
	// Join sizes its result exactly and does not zero it first.
	return bytes.Join(parts, nil), modified, nil
}

// buildParts is build without joining the feed's bytes: the feed is the
// parts one after the other (the channel, then each item as the cache keeps
// it, then the channel's end; or one part, when it streamed the items).
// PublicContent digests them as they are, without a copy of the feed.
func buildParts(show *episodes.Show, eps []*episodes.Episode, lb links.Builder, now time.Time, hc *ItemCache, pg page) ([][]byte, time.Time, error) {
	if show == nil {
		return nil, time.Time{}, errors.New("feed: no show to build")
	}
	public := publicEpisodes(show, eps, now)

	modified := show.UpdatedAt
	for _, ep := range public {
		for _, t := range []time.Time{ep.UpdatedAt, *ep.PublishAt} {
			if t.After(modified) {
				modified = t
			}
		}
	}
	if modified.IsZero() {
		modified = now
	}
	modified = modified.UTC().Truncate(time.Second)

	var pubDate time.Time
	for _, ep := range public {
		if ep.PublishAt.After(pubDate) {
			pubDate = *ep.PublishAt
		}
	}
	if pubDate.IsZero() {
		pubDate = modified
	}
	pubDate = pubDate.UTC()

	r := newRenderer()
	ch, err := buildChannel(r, show, lb, pubDate, modified)
	if err != nil {
		return nil, time.Time{}, err
	}
	addChannelTags(ch, show, public, lb, pg)
	blockHidden(ch, show, lb)

	// The channel is encoded without its items, which go in before its end
	// tag: each item is encoded alone, indented as it stands in the feed,
	// or copied from the cache as it was encoded in an earlier build.
	var head bytes.Buffer
	head.WriteString(xml.Header)
	enc := xml.NewEncoder(&head)
	enc.Indent("", "  ")
	doc := rss{Version: "2.0", ITunesNS: nsITunes, PodcastNS: nsPodcast, AtomNS: nsAtom, ContentNS: nsContent, Channel: ch}
	if err := enc.Encode(doc); err != nil {
		return nil, time.Time{}, fmt.Errorf("feed: unable to encode the feed of %q: %w", show.Slug, err)
	}
	head.WriteByte('\n')
	cut := bytes.LastIndex(head.Bytes(), []byte(channelEnd))
	if cut < 0 {
		return nil, time.Time{}, fmt.Errorf("feed: the encoded channel of %q has no end tag", show.Slug)
	}
	start, end := head.Bytes()[:cut], head.Bytes()[cut:]

	items := itemEncoder{r: r, show: itemShow(show), lb: lb}
	if lb.IsSigned() {
		// A personal feed's URLs are signed for one listener: its items are
		// not kept for anyone else's feed.
		hc = nil
	}
	if hc == nil {
		// Stream the items into the feed.
		items.buf.Grow(len(start) + 3072*len(public) + len(end))
		items.buf.Write(start)
		for _, ep := range public {
			page := items.page(ep)
			notes, err := renderItemHTML(r, ep, page)
			if err == nil {
				_, err = items.encode(ep, page, notes)
			}
			if err != nil {
				return nil, time.Time{}, fmt.Errorf("feed: episode %q: %w", ep.GUID, err)
			}
		}
		items.buf.Write(end)
		return [][]byte{items.buf.Bytes()}, modified, nil
	}

	// Through the cache: hold the items' bytes (kept in the cache, or new
	// ones that it keeps now) and copy them once into a feed of the exact
	// size.
	hb := hc.start(show.ID, items.show, lb)
	parts := make([][]byte, 0, len(public)+2)
	parts = append(parts, start)
	for _, ep := range public {
		x, err := hb.item(&items, ep)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("feed: episode %q: %w", ep.GUID, err)
		}
		parts = append(parts, x)
	}
	hb.finish()
	return append(parts, end), modified, nil
}

// channelEnd is how the encoded feed ends, after the last item (build
// appends the final newline).
const channelEnd = "\n  </channel>\n</rss>\n"

// itemEncoder encodes a feed's items one at a time, each as it stands in
// the whole feed: a newline, then the item indented two levels deep.
type itemEncoder struct {
	r    *renderer
	show *episodes.Show // itemShow's part of the show
	lb   links.Builder
	buf  bytes.Buffer // where enc writes
	enc  *xml.Encoder
}

// page is the URL of the episode's page.
func (e *itemEncoder) page(ep *episodes.Episode) string {
	return e.lb.EpisodePage(e.show.Slug, ep.Slug)
}

// encode appends ep's item to e.buf, with its page's URL and its rendered
// show notes, and returns its bytes there (valid until e.buf is written
// again).
func (e *itemEncoder) encode(ep *episodes.Episode, page string, notes itemHTML) ([]byte, error) {
	it := buildItem(e.show, ep, e.lb, page, notes)
	at := e.buf.Len()
	if e.enc == nil {
		// The encoder starts every element but its first on a new line.
		e.enc = xml.NewEncoder(&e.buf)
		e.enc.Indent("    ", "  ")
		e.buf.WriteByte('\n')
	}
	if err := e.enc.Encode(it); err != nil {
		return nil, fmt.Errorf("unable to encode the item: %w", err)
	}
	return e.buf.Bytes()[at:], nil
}

// itemShow is the part of the show that an item reads, all that buildItem
// gets of it: the cache's fingerprint of an item hashes this (itemContext),
// so an item cannot come to read a field of the show the fingerprint misses.
func itemShow(show *episodes.Show) *episodes.Show {
	return &episodes.Show{Slug: show.Slug, Language: show.Language, ImageKey: show.ImageKey}
}

// blockHidden asks every directory to leave the feed out (itunes:block and
// a whole-feed podcast:block) when it is not public: an unlisted show's
// feed, and every personal feed (its URLs are signed for one listener).
func blockHidden(ch *channel, show *episodes.Show, lb links.Builder) {
	if episodes.EffectiveVisibility(show, nil) == episodes.VisibilityPublic && !lb.IsSigned() {
		return
	}
	ch.IBlock = "Yes"
	ch.Blocks = append(ch.Blocks, block{Text: "yes"})
}

// Listed keeps the episodes the shared, public feed of show lists: public
// ones, and unlisted ones too when the show itself is unlisted. Private
// episodes are only in personal feeds, and an unlisted episode of a public
// show in none but those: it is reachable by its link alone.
func Listed(show *episodes.Show, eps []*episodes.Episode) []*episodes.Episode {
	out := make([]*episodes.Episode, 0, len(eps))
	for _, ep := range eps {
		if ep == nil {
			continue
		}
		switch v := episodes.EffectiveVisibility(show, ep); {
		case v == episodes.VisibilityPublic, v == episodes.VisibilityUnlisted && episodes.EffectiveVisibility(show, nil) == episodes.VisibilityUnlisted:
			out = append(out, ep)
		}
	}
	return out
}

// publicEpisodes keeps the episodes a feed may list, in feed order.
func publicEpisodes(show *episodes.Show, eps []*episodes.Episode, now time.Time) []*episodes.Episode {
	out := make([]*episodes.Episode, 0, len(eps))
	for _, ep := range eps {
		// An item without an enclosure is no episode to a podcast app (and
		// the podcast package would turn its guid into the link).
		if ep == nil || !ep.IsPublic(now) || ep.Audio == nil || ep.Audio.Key == "" {
			continue
		}
		out = append(out, ep)
	}
	// Oldest first for a serial show, newest first otherwise; the GUID
	// breaks the last ties the same way for both.
	dir := -1
	if show.Type == episodes.TypeSerial {
		dir = 1
	}
	slices.SortStableFunc(out, func(a, b *episodes.Episode) int {
		if c := a.PublishAt.Compare(*b.PublishAt); c != 0 {
			return c * dir
		}
		if c := cmp.Compare(a.Season, b.Season); c != 0 {
			return c * dir
		}
		if c := cmp.Compare(a.Number, b.Number); c != 0 {
			return c * dir
		}
		if c := cmp.Compare(a.ID, b.ID); c != 0 {
			return c * dir
		}
		return strings.Compare(a.GUID, b.GUID)
	})
	return out
}

func buildChannel(r *renderer, show *episodes.Show, lb links.Builder, pubDate, modified time.Time) (*channel, error) {
	desc, err := r.markdown(show.Description)
	if err != nil {
		return nil, err
	}
	desc = truncateHTML(r.sanitize(desc), maxDescription)
	if desc == "" {
		desc = esc(show.Title)
	}

	// New sets the unexported encoder; a Podcast{} literal panics on Encode.
	p := podcast.New(cleanText(show.Title), lb.ShowLink(show), desc, &pubDate, &modified)
	p.Generator = "Lyssna"
	p.Language = cleanText(show.Language)
	p.Copyright = cleanText(show.Copyright)
	p.AddImage(lb.ShowImage(show))
	p.IAuthor = cleanText(show.Author)
	if show.Owner.Name != "" || show.Owner.Email != "" {
		p.IOwner = &podcast.Author{Name: cleanText(show.Owner.Name), Email: cleanText(show.Owner.Email)}
	}
	for _, c := range show.Categories {
		var sub []string
		if c.Subcategory != "" {
			sub = []string{cleanText(c.Subcategory)}
		}
		p.AddCategory(cleanText(c.Category), sub)
	}
	// AddCategory also fills RSS's one-value category with a comma list.
	p.Category = ""
	p.IExplicit = strconv.FormatBool(show.Explicit)
	if show.Block || slices.Contains(show.Extras.BlockPlatforms, "apple") {
		p.IBlock = "Yes"
	}
	if show.Complete {
		p.IComplete = "Yes"
	}
	p.INewFeedURL = cleanText(show.NewFeedURL)

	ch := &channel{Podcast: p, Description: cdata{desc}, Push: newPushTags(lb)}
	ch.IType = episodes.TypeEpisodic
	if show.Type == episodes.TypeSerial {
		ch.IType = episodes.TypeSerial
	}
	ch.GUID = cleanText(show.GUID)
	ch.Locked = &locked{Owner: cleanText(show.Owner.Email), Text: yesNo(show.Locked)}
	for _, f := range show.Funding {
		ch.Funding = append(ch.Funding, funding{URL: cleanText(f.URL), Text: cleanText(f.Label)})
	}
	ch.Persons = persons(show.Hosts, "host")
	ch.Medium = "podcast"
	if show.Medium != "" {
		ch.Medium = cleanText(show.Medium)
	}
	return ch, nil
}

// buildItem makes the episode's item, with its page's URL and its rendered
// show notes; show is itemShow's part of the show.
func buildItem(show *episodes.Show, ep *episodes.Episode, lb links.Builder, page string, notes itemHTML) *item {
	title := cleanText(ep.Title)
	it := &item{
		Item: podcast.Item{
			Title: title,
			Link:  page,
		},
		GUID:        guid{IsPermaLink: "false", Text: cleanText(ep.GUID)},
		Description: cdata{notes.description},
		Content:     cdata{notes.content},
		ITitle:      title,
		IType:       episodes.EpisodeFull,
	}
	published := ep.PublishAt.UTC()
	// Always set: the podcast package would otherwise write the build time.
	it.AddPubDate(&published)

	contentType := ep.Audio.ContentType
	if contentType == "" {
		contentType = "audio/mpeg"
	}
	it.Enclosure = &podcast.Enclosure{
		URL:             lb.Enclosure(ep.Audio.Key),
		Length:          ep.Audio.Size,
		LengthFormatted: strconv.FormatInt(max(ep.Audio.Size, 0), 10),
		TypeFormatted:   cleanText(contentType),
	}
	if secs := (ep.Audio.DurationMS + 500) / 1000; secs > 0 {
		it.IDuration = strconv.FormatInt(secs, 10)
	}
	it.AddImage(lb.EpisodeImage(show, ep))
	it.IExplicit = strconv.FormatBool(ep.Explicit)
	switch ep.Type {
	case episodes.EpisodeTrailer, episodes.EpisodeBonus:
		it.IType = ep.Type
	}
	if ep.Number > 0 {
		it.IEpisode, it.Episode = ep.Number, ep.Number
	}
	if ep.Season > 0 {
		it.ISeason, it.Season = ep.Season, ep.Season
	}
	for _, t := range ep.Transcripts {
		lang := t.Language
		if lang == "" {
			lang = show.Language
		}
		tr := transcript{URL: lb.Media(t.Key), Type: transcriptType(t.Format), Language: cleanText(lang)}
		if t.Format == episodes.FormatVTT {
			tr.Rel = "captions" // timed, so apps may show it as captions
		}
		it.Transcripts = append(it.Transcripts, tr)
	}
	if len(ep.Chapters) > 0 {
		it.Chapters = &chapters{URL: lb.Chapters(show.Slug, ep.Slug), Type: "application/json+chapters"}
	}
	it.Persons = persons(ep.Guests, "guest")
	addItemTags(it, show, ep, lb)
	return it
}

// transcriptType is the podcast:transcript type of a stored transcript format.
func transcriptType(format string) string {
	switch format {
	case episodes.FormatVTT:
		return "text/vtt"
	case episodes.FormatSRT:
		return "application/x-subrip"
	default:
		return "text/plain"
	}
}

func persons(ps []episodes.Person, defaultRole string) []person {
	out := make([]person, 0, len(ps))
	for _, p := range ps {
		role := p.Role
		if role == "" {
			role = defaultRole
		}
		out = append(out, person{
			Role: cleanText(role), Group: cleanText(p.Group),
			Img: cleanText(p.Img), Href: cleanText(p.Href), Name: cleanText(p.Name),
		})
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
