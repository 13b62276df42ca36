package imports

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lyssna/lyssna/episodes"
)

// Source is what a feed holds, mapped onto Lyssna's model: the show (all
// but its slug and artwork object) and its items, in feed order.
type Source struct {
	FeedURL    string
	Show       episodes.Show
	ArtworkURL string
	// Locked is podcast:locked "yes": the owner forbids importing.
	Locked      bool
	LockedOwner string
	Items       []Item
	// Warnings name what could not come across as it was (a category Apple
	// does not know, an invalid language, ...).
	Warnings []string
}

// Item is one feed item.
type Item struct {
	GUID        string // exactly as published
	Title       string
	ItunesTitle string
	PubDate     *time.Time
	Notes       string // Markdown
	Season      int
	Number      int
	Type        string
	Explicit    bool
	DurationMS  int64
	ImageURL    string
	Persons     []episodes.Person
	Transcripts []TranscriptRef
	ChaptersURL string
	// Chapters are Podlove Simple Chapters (psc:chapters) in the feed itself.
	Chapters  []episodes.Chapter
	Enclosure Enclosure
	// Extras are the item's Podcast Index tags that passed validation.
	Extras episodes.EpisodeExtras
}

// TranscriptRef is a podcast:transcript tag.
type TranscriptRef struct {
	URL, Type, Language, Rel string
}

// Enclosure is an item's enclosure as published.
type Enclosure struct {
	URL    string
	Length int64
	Type   string
}

// ErrTooManyItems means the feed has more items than the limit.
var ErrTooManyItems = fmt.Errorf("imports: the feed has too many items")

// ParseFeed reads an RSS feed fetched from feedURL. It refuses a feed with
// more than maxItems items (ErrTooManyItems), and any document that is not
// well-formed XML or not RSS, without expanding any entity.
func ParseFeed(data []byte, feedURL string, maxItems int) (*Source, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	ch := root.kid("channel")
	items := ch.all("item")
	if maxItems > 0 && len(items) > maxItems {
		return nil, fmt.Errorf("%w: %d items, the limit is %d", ErrTooManyItems, len(items), maxItems)
	}
	src := &Source{FeedURL: feedURL}
	src.mapShow(ch)
	for _, it := range items {
		src.Items = append(src.Items, src.mapItem(it))
	}
	return src, nil
}

func (src *Source) warnf(format string, args ...any) {
	if len(src.Warnings) < 100 {
		src.Warnings = append(src.Warnings, fmt.Sprintf(format, args...))
	}
}

func (src *Source) mapShow(ch *node) {
	sh := &src.Show
	sh.Title = line(ch.str("title"), episodes.MaxTitleLen)
	if sh.Title == "" {
		sh.Title = line(ch.str("itunes:title"), episodes.MaxTitleLen)
	}
	desc := ch.str("description")
	if desc == "" {
		desc = ch.str("itunes:summary")
	}
	sh.Description = clip(htmlToMarkdown(desc), episodes.MaxDescriptionLen)
	sh.Author = line(ch.str("itunes:author"), episodes.MaxShortLen)
	if o := ch.kid("itunes:owner"); o != nil {
		sh.Owner.Name = line(o.str("itunes:name"), episodes.MaxShortLen)
		email := line(o.str("itunes:email"), episodes.MaxEmailLen)
		if a, err := mail.ParseAddress(email); err == nil && a.Address == email {
			sh.Owner.Email = email
		} else if email != "" {
			src.warnf("the owner email %q is not an email address; left out", email)
		}
	}
	sh.Language = strings.ToLower(ch.str("language"))
	if !episodes.ValidLanguage(sh.Language) {
		if sh.Language != "" {
			src.warnf("the language %q is not a known language tag; set to en, change it in the show's settings", sh.Language)
		} else {
			src.warnf("the feed names no language; set to en, change it in the show's settings")
		}
		sh.Language = "en"
	}
	for _, c := range ch.all("itunes:category") {
		cat := c.attr("text")
		subs := c.all("itunes:category")
		if len(subs) == 0 {
			src.addCategory(cat, "")
		}
		for _, s := range subs {
			src.addCategory(cat, s.attr("text"))
		}
	}
	sh.Explicit = truthy(ch.str("itunes:explicit"))
	if t := strings.ToLower(ch.str("itunes:type")); t == episodes.TypeSerial {
		sh.Type = episodes.TypeSerial
	} else {
		sh.Type = episodes.TypeEpisodic
	}
	sh.Copyright = line(ch.str("copyright"), episodes.MaxShortLen)
	sh.Link = absURL(ch.str("link"))
	src.ArtworkURL = absURL(ch.kid("itunes:image").attr("href"))
	if src.ArtworkURL == "" {
		src.ArtworkURL = absURL(ch.kid("image").str("url"))
	}
	sh.GUID = line(ch.str("podcast:guid"), episodes.MaxShortLen)
	if sh.GUID != "" && !episodes.ValidFeedGUID(sh.GUID) {
		src.warnf("podcast:guid: %q is not a UUID; computed from the feed's URL instead, as for a feed without one", sh.GUID)
		sh.GUID = ""
	}
	if sh.GUID == "" {
		// The show's identity for life: computed from the feed it had.
		sh.GUID = episodes.PodcastGUID(src.FeedURL)
	}
	for _, f := range ch.all("podcast:funding") {
		if u := absURL(f.attr("url")); u != "" && len(sh.Funding) < episodes.MaxListLen {
			sh.Funding = append(sh.Funding, episodes.Funding{URL: u, Label: line(f.text, episodes.MaxShortLen)})
		}
	}
	sh.Hosts = persons(ch.all("podcast:person"), false)
	sh.Medium = src.readMedium(ch.str("podcast:medium"))
	if l := ch.kid("podcast:locked"); l != nil {
		src.Locked = strings.EqualFold(strings.TrimSpace(l.text), "yes")
		src.LockedOwner = l.attr("owner")
	}
	sh.Block = strings.EqualFold(ch.str("itunes:block"), "yes")
	for _, b := range ch.all("podcast:block") {
		if b.attr("id") == "" && strings.EqualFold(strings.TrimSpace(b.text), "yes") {
			sh.Block = true // blocked from every directory
		}
	}
	sh.Complete = strings.EqualFold(ch.str("itunes:complete"), "yes")
	src.mapShowExtras(ch)
}

func (src *Source) addCategory(cat, sub string) {
	c := episodes.Category{Category: strings.TrimSpace(cat), Subcategory: strings.TrimSpace(sub)}
	probe := episodes.Show{Slug: "x", Title: "x", Language: "en", GUID: "x", Categories: []episodes.Category{c}}
	if err := probe.Validate(); err != nil {
		if sub != "" {
			c.Subcategory = ""
			probe.Categories = []episodes.Category{c}
			if probe.Validate() == nil {
				src.warnf("the category %q > %q is not one of Apple's; kept %q", cat, sub, cat)
				src.Show.Categories = appendCategory(src.Show.Categories, c)
				return
			}
		}
		src.warnf("the category %q is not one of Apple's; left out", strings.TrimSpace(cat+" "+sub))
		return
	}
	src.Show.Categories = appendCategory(src.Show.Categories, c)
}

func appendCategory(cs []episodes.Category, c episodes.Category) []episodes.Category {
	for _, have := range cs {
		if have == c {
			return cs
		}
	}
	if len(cs) >= episodes.MaxListLen {
		return cs
	}
	return append(cs, c)
}

func (src *Source) mapItem(it *node) Item {
	var item Item
	if g := it.kid("guid"); g != nil {
		item.GUID = g.text // exactly as published
	}
	item.Title = line(it.str("title"), episodes.MaxTitleLen)
	item.ItunesTitle = line(it.str("itunes:title"), episodes.MaxTitleLen)
	if item.Title == "" {
		item.Title = item.ItunesTitle
	}
	if t, ok := parseDate(it.str("pubDate")); ok {
		item.PubDate = &t
	}
	notes := it.str("content:encoded")
	if notes == "" {
		notes = it.str("description")
	}
	if notes == "" {
		notes = it.str("itunes:summary")
	}
	item.Notes = clip(htmlToMarkdown(notes), episodes.MaxNotesLen)
	item.Season = firstInt(it.str("itunes:season"), it.str("podcast:season"), 100_000)
	item.Number = firstInt(it.str("itunes:episode"), it.str("podcast:episode"), 1_000_000)
	switch t := strings.ToLower(it.str("itunes:episodeType")); t {
	case episodes.EpisodeTrailer, episodes.EpisodeBonus:
		item.Type = t
	default:
		item.Type = episodes.EpisodeFull
	}
	item.Explicit = truthy(it.str("itunes:explicit"))
	item.DurationMS = parseDuration(it.str("itunes:duration"))
	item.ImageURL = absURL(it.kid("itunes:image").attr("href"))
	item.Persons = persons(it.all("podcast:person"), true)
	for _, tr := range it.all("podcast:transcript") {
		if u := absURL(tr.attr("url")); u != "" {
			item.Transcripts = append(item.Transcripts, TranscriptRef{URL: u, Type: strings.ToLower(tr.attr("type")),
				Language: tr.attr("language"), Rel: tr.attr("rel")})
		}
	}
	item.ChaptersURL = absURL(it.kid("podcast:chapters").attr("url"))
	for _, c := range it.kid("psc:chapters").all("psc:chapter") {
		ms := parseDuration(c.attr("start"))
		if t := line(c.attr("title"), episodes.MaxTitleLen); t != "" && len(item.Chapters) < episodes.MaxListLen {
			item.Chapters = append(item.Chapters, episodes.Chapter{StartMS: ms, Title: t, URL: absURL(c.attr("href")), Img: absURL(c.attr("image"))})
		}
	}
	if e := it.kid("enclosure"); e != nil {
		item.Enclosure = Enclosure{URL: absURL(e.attr("url")), Type: e.attr("type")}
		item.Enclosure.Length, _ = strconv.ParseInt(e.attr("length"), 10, 64)
	}
	if item.GUID == "" {
		// Apps key an item without a guid by its enclosure URL; so does Lyssna.
		item.GUID = item.Enclosure.URL
	}
	src.mapItemExtras(it, &item)
	return item
}

// persons maps podcast:person tags; an episode's keep their roles as guests
// do (a bio is not in the tag).
func persons(ns []*node, episode bool) []episodes.Person {
	var out []episodes.Person
	for _, n := range ns {
		name := line(n.text, episodes.MaxTitleLen)
		if name == "" || len(out) >= episodes.MaxListLen {
			continue
		}
		p := episodes.Person{Name: name, Role: strings.ToLower(line(n.attr("role"), episodes.MaxShortLen)),
			Group: strings.ToLower(line(n.attr("group"), episodes.MaxShortLen)), Href: absURL(n.attr("href")), Img: absURL(n.attr("img"))}
		if p.Role == "" {
			p.Role = episodes.RoleHost
			if episode {
				p.Role = episodes.RoleGuest
			}
		}
		out = append(out, p)
	}
	return out
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "explicit":
		return true
	}
	return false
}

func firstInt(a, b string, max int) int {
	for _, s := range []string{a, b} {
		s = strings.TrimSpace(s)
		if i := strings.IndexByte(s, '.'); i > 0 { // podcast:episode may be 1.5
			s = s[:i]
		}
		if n, err := strconv.Atoi(s); err == nil && n > 0 && n <= max {
			return n
		}
	}
	return 0
}

// parseDuration reads itunes:duration: seconds, MM:SS or HH:MM:SS.
func parseDuration(s string) int64 {
	var total float64
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) > 3 || s == "" {
		return 0
	}
	for _, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || v < 0 {
			return 0
		}
		total = total*60 + v
	}
	return int64(total * 1000)
}

// dateLayouts are the pubDate forms found in the wild: RFC 2822 with and
// without the weekday, seconds, numeric or named zones.
var dateLayouts = []string{
	time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04 -0700", "Mon, 2 Jan 2006 15:04 MST",
	"Mon, 02 Jan 2006 15:04:05 -07:00", "Mon, 2 January 2006 15:04:05 -0700", "Mon, 2 January 2006 15:04:05 MST",
	time.RFC3339, "2006-01-02 15:04:05 -0700", "2006-01-02",
}

// namedZones are the US zone names RFC 822 allows, which time.Parse reads
// as zero offsets when the machine does not know them.
var namedZones = map[string]string{"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700", "GMT": "+0000", "UT": "+0000", "UTC": "+0000", "Z": "+0000"}

func parseDate(s string) (time.Time, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}, false
	}
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if off, ok := namedZones[strings.ToUpper(s[i+1:])]; ok {
			s = s[:i+1] + off
		}
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	// A wrong weekday ("Tue, 1 Jan 2020") must not lose the date.
	if i := strings.IndexByte(s, ','); i > 0 && i < 10 {
		return parseDate(s[i+1:])
	}
	return time.Time{}, false
}

// line makes s a one-line field of at most max bytes (oneLine).
func line(s string, max int) string { return clip(oneLine(s), max) }

// oneLine makes s one line: valid UTF-8, no control characters, trimmed.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Join(strings.FieldsFunc(strings.ToValidUTF8(s, "\uFFFD"), func(r rune) bool {
		return r == '\n' || r == '\r' || r == '\t' || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)
	}), " "))
}

// clip cuts s to at most max bytes at a rune boundary.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return strings.TrimSpace(s)
}

// absURL keeps an absolute http(s) URL of sane length, else "".
func absURL(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > episodes.MaxURLLen || strings.ContainsAny(s, " \t\r\n") {
		return ""
	}
	if _, err := CheckURL(s); err != nil {
		return ""
	}
	return s
}
