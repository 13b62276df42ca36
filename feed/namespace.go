package feed

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
)

// This file writes the Podcast Index namespace's tags beyond the first
// ones (guid, locked, funding, person, transcript, chapters, season,
// episode, medium): txt, license, podroll, updateFrequency, block, image,
// location, trailer, socialInteract, chat, publisher; soundbite,
// alternateEnclosure, contentLink; and the RFC 5005 paging links.

// channelTags are the channel's namespace tags, embedded in channel.
type channelTags struct {
	Txt             []txt            `xml:"podcast:txt"`
	License         *license         `xml:"podcast:license,omitempty"`
	Blocks          []block          `xml:"podcast:block"`
	UpdateFrequency *updateFrequency `xml:"podcast:updateFrequency,omitempty"`
	Images          []image          `xml:"podcast:image"`
	Locations       []location       `xml:"podcast:location"`
	Trailers        []trailer        `xml:"podcast:trailer"`
	Social          []socialInteract `xml:"podcast:socialInteract"`
	Chat            *chat            `xml:"podcast:chat,omitempty"`
	Podroll         *podroll         `xml:"podcast:podroll,omitempty"`
	Publisher       *publisher       `xml:"podcast:publisher,omitempty"`
}

// itemTags are an item's namespace tags, embedded in item.
type itemTags struct {
	License      *license             `xml:"podcast:license,omitempty"`
	Images       []image              `xml:"podcast:image"`
	Locations    []location           `xml:"podcast:location"`
	Soundbites   []soundbite          `xml:"podcast:soundbite"`
	Alternates   []alternateEnclosure `xml:"podcast:alternateEnclosure"`
	ContentLinks []contentLink        `xml:"podcast:contentLink"`
	Social       []socialInteract     `xml:"podcast:socialInteract"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type txt struct {
	Purpose string `xml:"purpose,attr,omitempty"`
	Text    string `xml:",chardata"`
}

type license struct {
	URL  string `xml:"url,attr,omitempty"`
	Text string `xml:",chardata"`
}

type block struct {
	ID   string `xml:"id,attr,omitempty"`
	Text string `xml:",chardata"`
}

type updateFrequency struct {
	RRule    string `xml:"rrule,attr,omitempty"`
	DTStart  string `xml:"dtstart,attr,omitempty"`
	Complete string `xml:"complete,attr,omitempty"`
	Text     string `xml:",chardata"`
}

type image struct {
	Href        string `xml:"href,attr"`
	Purpose     string `xml:"purpose,attr,omitempty"`
	AspectRatio string `xml:"aspect-ratio,attr,omitempty"`
	Width       int    `xml:"width,attr,omitempty"`
	Height      int    `xml:"height,attr,omitempty"`
	Type        string `xml:"type,attr,omitempty"`
	Alt         string `xml:"alt,attr,omitempty"`
}

// artworkImages are the podcast:image elements of an artwork picture and
// its renditions, largest first, each with purpose "artwork", its width and
// height (when known: artwork stored before sizes were kept has none), its
// type, and the picture's aspect ratio (square when only that is known:
// show artwork is checked to be).
func artworkImages(lb links.Builder, key string, w, h int, rs []episodes.Rendition, square bool, alt string) []image {
	if key == "" {
		return nil
	}
	ratio := ""
	switch {
	case w > 0 && h > 0:
		d := gcd(w, h)
		ratio = strconv.Itoa(w/d) + "/" + strconv.Itoa(h/d)
	case square:
		ratio = "1/1"
	}
	typ := imageType(key)
	out := []image{{Href: lb.Media(key), Purpose: "artwork", AspectRatio: ratio, Width: w, Height: h, Type: typ, Alt: alt}}
	for _, r := range rs {
		out = append(out, image{Href: lb.Media(r.Key), Purpose: "artwork", AspectRatio: ratio, Width: r.Width, Height: r.Height, Type: typ, Alt: alt})
	}
	return out
}

// imageType is the media type of an artwork object by its key's extension
// (uploads names them by their sniffed type).
func imageType(key string) string {
	switch strings.ToLower(path.Ext(key)) {
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	}
	return ""
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

type location struct {
	Rel     string `xml:"rel,attr,omitempty"`
	Geo     string `xml:"geo,attr,omitempty"`
	OSM     string `xml:"osm,attr,omitempty"`
	Country string `xml:"country,attr,omitempty"`
	Name    string `xml:",chardata"`
}

type trailer struct {
	URL     string `xml:"url,attr"`
	PubDate string `xml:"pubdate,attr"`
	Length  int64  `xml:"length,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Season  int    `xml:"season,attr,omitempty"`
	Title   string `xml:",chardata"`
}

type socialInteract struct {
	Protocol   string `xml:"protocol,attr"`
	URI        string `xml:"uri,attr,omitempty"`
	AccountID  string `xml:"accountId,attr,omitempty"`
	AccountURL string `xml:"accountUrl,attr,omitempty"`
	Priority   int    `xml:"priority,attr,omitempty"`
}

type chat struct {
	Server    string `xml:"server,attr"`
	Protocol  string `xml:"protocol,attr"`
	AccountID string `xml:"accountId,attr,omitempty"`
	Space     string `xml:"space,attr,omitempty"`
}

type remoteItem struct {
	FeedGUID string `xml:"feedGuid,attr"`
	FeedURL  string `xml:"feedUrl,attr,omitempty"`
	Medium   string `xml:"medium,attr,omitempty"`
}

type podroll struct {
	Items []remoteItem `xml:"podcast:remoteItem"`
}

type publisher struct {
	Item remoteItem `xml:"podcast:remoteItem"`
}

type soundbite struct {
	StartTime string `xml:"startTime,attr"`
	Duration  string `xml:"duration,attr"`
	Title     string `xml:",chardata"`
}

type alternateEnclosure struct {
	Type      string     `xml:"type,attr"`
	Length    int64      `xml:"length,attr,omitempty"`
	Bitrate   int        `xml:"bitrate,attr,omitempty"`
	Lang      string     `xml:"lang,attr,omitempty"`
	Title     string     `xml:"title,attr,omitempty"`
	Default   string     `xml:"default,attr,omitempty"`
	Sources   []source   `xml:"podcast:source"`
	Integrity *integrity `xml:"podcast:integrity,omitempty"`
}

type source struct {
	URI         string `xml:"uri,attr"`
	ContentType string `xml:"contentType,attr,omitempty"`
}

type integrity struct {
	Type  string `xml:"type,attr"`
	Value string `xml:"value,attr"`
}

type contentLink struct {
	Href string `xml:"href,attr"`
	Text string `xml:",chardata"`
}

// page is where a feed page sits in a paged feed: page n of last. The zero
// page is a feed that is not paged.
type page struct{ n, last int }

// addChannelTags fills in the channel's namespace tags from the show, the
// episodes the page lists (its trailers) and the page.
func addChannelTags(ch *channel, show *episodes.Show, public []*episodes.Episode, lb links.Builder, pg page) {
	x := show.Extras
	t := &ch.channelTags
	add := func(rel string, n int) {
		ch.AtomLinks = append(ch.AtomLinks, atomLink{Href: lb.FeedPage(show.Slug, n), Rel: rel, Type: "application/rss+xml"})
	}
	add("self", max(pg.n, 1))
	if pg.n > 0 {
		// RFC 5005 section 3: a paged feed links its first, last, previous
		// and next pages; self names this page.
		add("first", 1)
		if pg.n > 1 {
			add("previous", pg.n-1)
		}
		if pg.n < pg.last {
			add("next", pg.n+1)
		}
		add("last", pg.last)
	}
	for _, v := range x.Txt {
		t.Txt = append(t.Txt, txt{Purpose: cleanText(v.Purpose), Text: cleanText(v.Text)})
	}
	t.License = licenseTag(x.License)
	for _, id := range x.BlockPlatforms {
		t.Blocks = append(t.Blocks, block{ID: cleanText(id), Text: "yes"})
	}
	if u := x.UpdateFrequency; u != nil {
		t.UpdateFrequency = &updateFrequency{RRule: cleanText(u.RRule), Text: cleanText(u.Text)}
		if u.DTStart != nil {
			t.UpdateFrequency.DTStart = u.DTStart.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		if u.Complete {
			t.UpdateFrequency.Complete = "true"
		}
	}
	t.Images = artworkImages(lb, show.ImageKey, show.ImageWidth, show.ImageHeight, show.ImageRenditions, true, cleanText(show.Title))
	t.Locations = locationTags(x.Location)
	for _, ep := range public {
		if ep.Type != episodes.EpisodeTrailer {
			continue
		}
		ct := ep.Audio.ContentType
		if ct == "" {
			ct = "audio/mpeg"
		}
		t.Trailers = append(t.Trailers, trailer{
			URL: lb.Enclosure(ep.Audio.Key), PubDate: ep.PublishAt.UTC().Format(time.RFC1123Z),
			Length: ep.Audio.Size, Type: cleanText(ct), Season: ep.Season, Title: cleanText(ep.Title),
		})
	}
	for _, s := range x.SocialInteract {
		t.Social = append(t.Social, socialInteract{Protocol: cleanText(s.Protocol), URI: cleanText(s.URI),
			AccountID: cleanText(s.AccountID), AccountURL: cleanText(s.AccountURL), Priority: s.Priority})
	}
	if c := x.Chat; c != nil {
		t.Chat = &chat{Server: cleanText(c.Server), Protocol: cleanText(c.Protocol), AccountID: cleanText(c.AccountID), Space: cleanText(c.Space)}
	}
	if len(x.Podroll) > 0 {
		t.Podroll = &podroll{}
		for _, r := range x.Podroll {
			t.Podroll.Items = append(t.Podroll.Items, remoteItem{FeedGUID: cleanText(r.FeedGUID), FeedURL: cleanText(r.FeedURL)})
		}
	}
	if n := show.Network; n != nil {
		t.Publisher = &publisher{Item: remoteItem{Medium: "publisher", FeedGUID: cleanText(n.GUID), FeedURL: lb.PublisherFeed(n.Slug)}}
	}
}

// addItemTags fills in the item's namespace tags from the episode.
func addItemTags(it *item, show *episodes.Show, ep *episodes.Episode, lb links.Builder) {
	x := ep.Extras
	t := &it.itemTags
	t.License = licenseTag(x.License)
	t.Images = artworkImages(lb, ep.ImageKey, ep.ImageWidth, ep.ImageHeight, ep.ImageRenditions, false, cleanText(ep.Title))
	t.Locations = locationTags(x.Location)
	for _, s := range x.Soundbites {
		t.Soundbites = append(t.Soundbites, soundbite{StartTime: seconds(s.StartMS), Duration: seconds(s.DurationMS), Title: cleanText(s.Title)})
	}
	if len(ep.Alternates) > 0 {
		// The enclosure itself first, marked default, so that apps offered
		// the alternates can switch back to it.
		main := alternate(lb, episodes.AlternateEnclosure{Audio: *ep.Audio}, show.Language)
		main.Default = "true"
		t.Alternates = append(t.Alternates, main)
		for _, a := range ep.Alternates {
			t.Alternates = append(t.Alternates, alternate(lb, a, ""))
		}
	}
	for _, c := range x.ContentLinks {
		t.ContentLinks = append(t.ContentLinks, contentLink{Href: cleanText(c.Href), Text: cleanText(c.Text)})
	}
	if p := socialProtocol(ep.DiscussionURL); p != "" {
		t.Social = []socialInteract{{Protocol: p, URI: cleanText(ep.DiscussionURL)}}
	}
}

func alternate(lb links.Builder, a episodes.AlternateEnclosure, lang string) alternateEnclosure {
	ct := a.ContentType
	if ct == "" {
		ct = "audio/mpeg"
	}
	if a.Language != "" {
		lang = a.Language
	}
	out := alternateEnclosure{
		Type: cleanText(ct), Length: a.Size, Bitrate: a.Bitrate, Lang: cleanText(lang), Title: cleanText(a.Title),
		Sources: []source{{URI: lb.Enclosure(a.Key)}},
	}
	if sri := sriSHA256(a.SHA256); sri != "" {
		out.Integrity = &integrity{Type: "sri", Value: sri}
	}
	return out
}

// sriSHA256 is a hex SHA-256 as a Subresource Integrity value, empty when
// it is not one.
func sriSHA256(hexSum string) string {
	b, err := hex.DecodeString(hexSum)
	if err != nil || len(b) != 32 {
		return ""
	}
	return "sha256-" + base64.StdEncoding.EncodeToString(b)
}

// socialProtocol is the podcast:socialInteract protocol of a discussion
// URL, empty when none applies (a LinkedIn post, a web forum: the link
// stays in the notes only).
func socialProtocol(discussion string) string {
	u, err := url.Parse(discussion)
	if err != nil || u.Host == "" {
		return ""
	}
	switch host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www."); host {
	case "twitter.com", "x.com":
		return "twitter"
	case "bsky.app":
		return "bluesky"
	}
	return ""
}

func licenseTag(l episodes.License) *license {
	if l.Identifier == "" {
		return nil
	}
	out := &license{Text: cleanText(l.Identifier), URL: cleanText(l.URL)}
	if id, ok := episodes.SPDXLicense(l.Identifier); ok && out.URL == "" {
		out.URL = episodes.SPDXLicenseURL(id)
	}
	return out
}

func locationTags(l *episodes.Location) []location {
	if l == nil {
		return nil
	}
	return []location{{Rel: cleanText(l.Rel), Geo: cleanText(l.Geo), OSM: cleanText(l.OSM),
		Country: strings.ToLower(cleanText(l.Country)), Name: cleanText(l.Name)}}
}

// seconds writes milliseconds as the namespace's seconds with a fraction.
func seconds(ms int64) string {
	return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
}
