package episodes

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// This file holds the Podcast Index namespace's show and episode tags that
// the feed writes from producer settings (podcast:txt, license, podroll,
// updateFrequency, block, location, socialInteract, chat, soundbite,
// contentLink, alternateEnclosure) and their rules, as the namespace's
// docs/1.0.md states them.

// Txt is a podcast:txt: free text for a purpose ("applepodcastsverify",
// "verify", ...).
type Txt struct {
	Purpose string `json:"purpose,omitempty"`
	Text    string `json:"text"`
}

// License is a podcast:license: an SPDX license identifier and, for a
// license SPDX does not list, the URL of its text. The zero License is none.
type License struct {
	Identifier string `json:"identifier,omitempty"`
	URL        string `json:"url,omitempty"`
}

// UpdateFrequency is a podcast:updateFrequency: the release schedule as text
// and an RFC 5545 recurrence rule, or complete when no more will come.
type UpdateFrequency struct {
	Text     string `json:"text,omitempty"`
	RRule    string `json:"rrule,omitempty"`
	Complete bool   `json:"complete,omitempty"`
	// DTStart is when the rule begins; the namespace requires it with
	// COUNT.
	DTStart *time.Time `json:"dtstart,omitempty"`
}

// RemoteItem is a podcast:remoteItem naming another feed: its podcast:guid
// and, recommended, its URL.
type RemoteItem struct {
	FeedGUID string `json:"feed_guid"`
	FeedURL  string `json:"feed_url,omitempty"`
}

// Location is a podcast:location: a place the content is about (rel
// "subject", the default) or where it was made ("creator").
type Location struct {
	Name    string `json:"name"`
	Rel     string `json:"rel,omitempty"`
	Geo     string `json:"geo,omitempty"`     // "geo:59.3293,18.0686"
	OSM     string `json:"osm,omitempty"`     // "R398021"
	Country string `json:"country,omitempty"` // ISO 3166-1 alpha-2
}

// SocialInteract is a podcast:socialInteract: the root post of the show's
// official comment thread on a social protocol.
type SocialInteract struct {
	Protocol   string `json:"protocol"`
	URI        string `json:"uri,omitempty"`
	AccountID  string `json:"account_id,omitempty"`
	AccountURL string `json:"account_url,omitempty"`
	Priority   int    `json:"priority,omitempty"`
}

// Chat is a podcast:chat: where the show's chat room is.
type Chat struct {
	Server    string `json:"server"`
	Protocol  string `json:"protocol"`
	AccountID string `json:"account_id,omitempty"`
	Space     string `json:"space,omitempty"`
}

// Soundbite is a podcast:soundbite: a clip of the episode apps may play as
// a preview.
type Soundbite struct {
	StartMS    int64  `json:"start_ms"`
	DurationMS int64  `json:"duration_ms"`
	Title      string `json:"title,omitempty"`
}

// ContentLink is a podcast:contentLink: the episode's content elsewhere (a
// video of the lecture, the course page).
type ContentLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// AlternateEnclosure is another rendition of an episode's audio: another
// format, or the episode in another language. Its object is uploaded through
// the same ingest as the main audio.
type AlternateEnclosure struct {
	Audio
	Name     string // how the API addresses it: a slug, one per name in the episode
	Language string // BCP 47, empty for the show's language
	Title    string // a short name apps show ("Svenska", "Low bandwidth")
}

// ShowExtras are a show's Podcast Index tags kept in its namespace column.
type ShowExtras struct {
	Txt             []Txt            `json:"txt,omitempty"`
	License         License          `json:"license"`
	UpdateFrequency *UpdateFrequency `json:"update_frequency,omitempty"`
	Podroll         []RemoteItem     `json:"podroll,omitempty"`
	// BlockPlatforms are service slugs (serviceslugs.txt) that must not
	// list the show: one podcast:block id=... yes each.
	BlockPlatforms []string         `json:"block_platforms,omitempty"`
	Location       *Location        `json:"location,omitempty"`
	SocialInteract []SocialInteract `json:"social_interact,omitempty"`
	Chat           *Chat            `json:"chat,omitempty"`
}

// EpisodeExtras are an episode's Podcast Index tags kept in its namespace
// column.
type EpisodeExtras struct {
	License      License       `json:"license"`
	Soundbites   []Soundbite   `json:"soundbites,omitempty"`
	Location     *Location     `json:"location,omitempty"`
	ContentLinks []ContentLink `json:"content_links,omitempty"`
}

// Media are the values of podcast:medium, with the list variants ("...L")
// and "mixed" (for a list of several media).
var Media = []string{
	"podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher", "course",
	"podcastL", "musicL", "videoL", "filmL", "audiobookL", "newsletterL", "blogL", "publisherL", "courseL",
	"mixed",
}

// SocialProtocols are the podcast:socialInteract protocols of the
// namespace's socialprotocols.txt (atproto as the namespace's docs name
// Bluesky's protocol too). LinkedIn has none: its discussion link stays in
// the notes.
var SocialProtocols = []string{"disabled", "activitypub", "twitter", "lightning", "bluesky", "atproto", "hive", "matrix", "nostr"}

// ChatProtocols are the podcast:chat protocols of chatprotocols.txt.
var ChatProtocols = []string{"irc", "xmpp", "nostr", "matrix"}

// ServiceSlugs are the platforms of the namespace's serviceslugs.txt, the
// ids podcast:block takes.
var ServiceSlugs = []string{
	"acast", "amazon", "anchor", "apple", "audioboom", "backtracks", "bitcoin", "blubrry", "buzzsprout",
	"captivate", "castos", "fireside", "google", "hypercatcher", "libsyn", "mastodon", "megafono", "megaphone",
	"omnystudio", "overcast", "paypal", "pinecast", "podbean", "podcastaddict", "podcastindex", "podcasts.com",
	"podchaser", "podfriend", "podiant", "podigee", "podnews", "podomatic", "podserve", "podverse", "redcircle",
	"relayfm", "resonate", "rss.com", "shoutengine", "simplecast", "slack", "soundcloud", "spotify", "spreaker",
	"transistor", "twitter", "whooshkaa", "zencast",
}

// Bounds of the namespace's text values (the spec's "do not exceed").
const (
	MaxTxtLen     = 4000
	MaxPurposeLen = 128
	MaxTagTextLen = 128 // updateFrequency, location, trailer, soundbite titles
)

//go:embed spdx_licenses.txt
var spdxList string

var spdxOnce = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(spdxList, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = line
		}
	}
	return m
})

// SPDXLicense returns the SPDX identifier spelled as SPDX spells it, and
// whether id (any case) is on the embedded SPDX License List (3.29.0, the
// identifiers not deprecated).
func SPDXLicense(id string) (string, bool) {
	v, ok := spdxOnce()[strings.ToLower(strings.TrimSpace(id))]
	return v, ok
}

// SPDXLicenseURL is the license's page on spdx.org.
func SPDXLicenseURL(id string) string { return "https://spdx.org/licenses/" + id + ".html" }

var (
	rruleNameRE = regexp.MustCompile(`^[A-Z-]+$`)
	geoRE       = regexp.MustCompile(`^geo:-?[0-9]{1,2}(\.[0-9]+)?,-?[0-9]{1,3}(\.[0-9]+)?(,-?[0-9]+(\.[0-9]+)?)?(;u=[0-9]+(\.[0-9]+)?)?$`)
	osmRE       = regexp.MustCompile(`^[NWR][0-9]+(#[0-9]+)?$`)
	countryRE   = regexp.MustCompile(`^[A-Za-z]{2}$`)
	bydayRE     = regexp.MustCompile(`^([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)$`)
	untilRE     = regexp.MustCompile(`^[0-9]{8}(T[0-9]{6}Z?)?$|^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+Z?)?$`)
)

// CheckRRule checks an RFC 5545 (section 3.3.10) recurrence rule: FREQ
// first or anywhere but exactly once, each rule part known and given once,
// with a value of its type; UNTIL and COUNT not both.
func CheckRRule(rule string) error {
	if rule == "" {
		return fmt.Errorf("is empty")
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(rule, ";") {
		name, value, ok := strings.Cut(part, "=")
		if !ok || !rruleNameRE.MatchString(name) || value == "" {
			return fmt.Errorf("%q is not a NAME=value rule part", part)
		}
		if seen[name] {
			return fmt.Errorf("%s is given twice", name)
		}
		seen[name] = true
		if err := checkRRulePart(name, value); err != nil {
			return err
		}
	}
	if !seen["FREQ"] {
		return fmt.Errorf("has no FREQ (for example FREQ=WEEKLY)")
	}
	if seen["UNTIL"] && seen["COUNT"] {
		return fmt.Errorf("gives both UNTIL and COUNT; give one")
	}
	return nil
}

func checkRRulePart(name, value string) error {
	intList := func(lo, hi int, signed bool) error {
		for _, v := range strings.Split(value, ",") {
			n, err := strconv.Atoi(v)
			if err != nil || (!signed && strings.HasPrefix(v, "-")) {
				return fmt.Errorf("%s=%s: %q is not a number", name, value, v)
			}
			if n < 0 {
				n = -n
			}
			if n < lo || n > hi {
				return fmt.Errorf("%s=%s: %q is out of range %d..%d", name, value, v, lo, hi)
			}
		}
		return nil
	}
	switch name {
	case "FREQ":
		switch value {
		case "SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY":
			return nil
		}
		return fmt.Errorf("FREQ=%s is not a frequency (SECONDLY, MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY)", value)
	case "UNTIL":
		if !untilRE.MatchString(value) {
			return fmt.Errorf("UNTIL=%s is not a date (20261231 or 20261231T000000Z)", value)
		}
		return nil
	case "COUNT", "INTERVAL":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return fmt.Errorf("%s=%s is not a positive number", name, value)
		}
		return nil
	case "BYSECOND":
		return intList(0, 60, false)
	case "BYMINUTE":
		return intList(0, 59, false)
	case "BYHOUR":
		return intList(0, 23, false)
	case "BYMONTHDAY":
		return intList(1, 31, true)
	case "BYYEARDAY":
		return intList(1, 366, true)
	case "BYWEEKNO":
		return intList(1, 53, true)
	case "BYMONTH":
		return intList(1, 12, false)
	case "BYSETPOS":
		return intList(1, 366, true)
	case "BYDAY":
		for _, v := range strings.Split(value, ",") {
			if !bydayRE.MatchString(v) {
				return fmt.Errorf("BYDAY=%s: %q is not a weekday (MO, TU, WE, TH, FR, SA, SU, optionally with a number such as 1MO or -1FR)", value, v)
			}
		}
		return nil
	case "WKST":
		if !bydayRE.MatchString(value) || len(value) != 2 {
			return fmt.Errorf("WKST=%s is not a weekday (MO ... SU)", value)
		}
		return nil
	}
	return fmt.Errorf("%s is not an RFC 5545 rule part", name)
}

// CheckMedium checks a podcast:medium value.
func CheckMedium(field, m string) error {
	if slices.Contains(Media, m) {
		return nil
	}
	return invalid(field, "%q is not a podcast:medium; use one of %s", m, strings.Join(Media, ", "))
}

func checkLicense(field string, l License) error {
	if l.Identifier == "" {
		if l.URL != "" {
			return invalid(field+".identifier", "is required with a url; give an SPDX identifier such as CC-BY-4.0, or the license's own short name")
		}
		return nil
	}
	if err := checkText(field+".identifier", l.Identifier, MaxTagTextLen, false); err != nil {
		return err
	}
	if err := checkURL(field+".url", l.URL); err != nil {
		return err
	}
	if _, ok := SPDXLicense(l.Identifier); !ok && l.URL == "" {
		return invalid(field+".identifier", "%q is not an SPDX license identifier (such as CC-BY-4.0, CC-BY-SA-4.0 or CC0-1.0); for another license give its url too", l.Identifier)
	}
	return nil
}

// normalizeLicense spells a known SPDX identifier as SPDX does.
func normalizeLicense(l *License) {
	if id, ok := SPDXLicense(l.Identifier); ok {
		l.Identifier = id
	}
}

func checkLocation(field string, l *Location) error {
	if l == nil {
		return nil
	}
	if err := checkRequiredText(field+".name", l.Name, MaxTagTextLen); err != nil {
		return err
	}
	switch l.Rel {
	case "", "subject", "creator":
	default:
		return invalid(field+".rel", "%q is not a location rel; use subject (what the content is about) or creator (where it was made)", l.Rel)
	}
	if l.Geo != "" && !geoRE.MatchString(l.Geo) {
		return invalid(field+".geo", "%q is not a geo URI; give one like geo:59.3293,18.0686", l.Geo)
	}
	if l.OSM != "" && !osmRE.MatchString(l.OSM) {
		return invalid(field+".osm", "%q is not an OpenStreetMap id; give a type letter and a number such as R398021", l.OSM)
	}
	if l.Country != "" && !countryRE.MatchString(l.Country) {
		return invalid(field+".country", "%q is not an ISO 3166-1 country code; give two letters such as se", l.Country)
	}
	return nil
}

// ValidFeedGUID reports whether s is a podcast:guid: a UUID.
func ValidFeedGUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// Validate checks the show's namespace tags, naming the first bad field
// in the API's terms (txt[0].purpose, license.identifier, update_frequency.rrule,
// podroll[1].feed_guid, ...).
func (x *ShowExtras) Validate() error {
	if err := checkList("txt", len(x.Txt)); err != nil {
		return err
	}
	for i, t := range x.Txt {
		f := fmt.Sprintf("txt[%d]", i)
		if err := checkText(f+".purpose", t.Purpose, MaxPurposeLen, false); err != nil {
			return err
		}
		if err := checkRequiredText(f+".text", t.Text, MaxTxtLen); err != nil {
			return err
		}
	}
	if err := checkLicense("license", x.License); err != nil {
		return err
	}
	if u := x.UpdateFrequency; u != nil {
		if err := checkText("update_frequency.text", u.Text, MaxTagTextLen, false); err != nil {
			return err
		}
		if u.Text == "" && !u.Complete {
			return invalid("update_frequency.text", "is required; say the schedule in words (\"Weekly during term\")")
		}
		if u.RRule != "" {
			if err := CheckRRule(u.RRule); err != nil {
				return invalid("update_frequency.rrule", "%q is not an RFC 5545 recurrence rule: %v", u.RRule, err)
			}
			if u.DTStart == nil && strings.Contains(";"+u.RRule, ";COUNT=") {
				return invalid("update_frequency.dtstart", "is required with a COUNT in the rrule: give the date of the first episode")
			}
		}
	}
	if err := checkList("podroll", len(x.Podroll)); err != nil {
		return err
	}
	for i, r := range x.Podroll {
		if err := checkRemoteItem(fmt.Sprintf("podroll[%d]", i), r); err != nil {
			return err
		}
	}
	for i, p := range x.BlockPlatforms {
		if !slices.Contains(ServiceSlugs, p) {
			return invalid(fmt.Sprintf("block_platforms[%d]", i), "%q is not a platform of the namespace's service slugs (such as apple, spotify, google, amazon)", p)
		}
	}
	if err := checkLocation("location", x.Location); err != nil {
		return err
	}
	if err := checkList("social_interact", len(x.SocialInteract)); err != nil {
		return err
	}
	for i, s := range x.SocialInteract {
		f := fmt.Sprintf("social_interact[%d]", i)
		if !slices.Contains(SocialProtocols, s.Protocol) {
			return invalid(f+".protocol", "%q is not a social protocol of the namespace (%s); a LinkedIn post has none: put its link in the notes", s.Protocol, strings.Join(SocialProtocols, ", "))
		}
		if s.Protocol == "disabled" {
			continue
		}
		if s.URI == "" {
			return invalid(f+".uri", "is required: the URL of the root post of the comments")
		}
		if err := checkText(f+".uri", s.URI, MaxURLLen, false); err != nil {
			return err
		}
		if err := checkText(f+".account_id", s.AccountID, MaxShortLen, false); err != nil {
			return err
		}
		if err := checkURL(f+".account_url", s.AccountURL); err != nil {
			return err
		}
		if s.Priority < 0 {
			return invalid(f+".priority", "must not be negative")
		}
	}
	if c := x.Chat; c != nil {
		if !slices.Contains(ChatProtocols, c.Protocol) {
			return invalid("chat.protocol", "%q is not a chat protocol of the namespace; use %s", c.Protocol, strings.Join(ChatProtocols, ", "))
		}
		if err := checkRequiredText("chat.server", c.Server, MaxShortLen); err != nil {
			return err
		}
		if err := checkText("chat.account_id", c.AccountID, MaxShortLen, false); err != nil {
			return err
		}
		if err := checkText("chat.space", c.Space, MaxShortLen, false); err != nil {
			return err
		}
	}
	return nil
}

func checkRemoteItem(f string, r RemoteItem) error {
	if r.FeedGUID == "" {
		return invalid(f+".feed_guid", "is required: the podcast:guid of the recommended show's feed")
	}
	if !ValidFeedGUID(r.FeedGUID) {
		return invalid(f+".feed_guid", "%q is not a UUID; a feed's podcast:guid looks like 917393e3-1b1e-5cef-ace4-edaa54e1f810", r.FeedGUID)
	}
	return checkURL(f+".feed_url", r.FeedURL)
}

// Validate checks the episode's namespace tags against its audio's length
// in milliseconds (0 when not known).
func (x *EpisodeExtras) Validate(durationMS int64) error {
	if err := checkLicense("license", x.License); err != nil {
		return err
	}
	if err := checkList("soundbites", len(x.Soundbites)); err != nil {
		return err
	}
	for i, s := range x.Soundbites {
		f := fmt.Sprintf("soundbites[%d]", i)
		if s.StartMS < 0 {
			return invalid(f+".start_ms", "must not be negative")
		}
		if s.DurationMS <= 0 {
			return invalid(f+".duration_ms", "must be more than 0")
		}
		if durationMS > 0 && s.StartMS+s.DurationMS > durationMS {
			return invalid(f+".duration_ms", "the soundbite ends at %d ms, after the audio's end (%d ms)", s.StartMS+s.DurationMS, durationMS)
		}
		if err := checkText(f+".title", s.Title, MaxTagTextLen, false); err != nil {
			return err
		}
	}
	if err := checkLocation("location", x.Location); err != nil {
		return err
	}
	if err := checkList("content_links", len(x.ContentLinks)); err != nil {
		return err
	}
	for i, c := range x.ContentLinks {
		f := fmt.Sprintf("content_links[%d]", i)
		if c.Href == "" {
			return invalid(f+".href", "is required")
		}
		if err := checkURL(f+".href", c.Href); err != nil {
			return err
		}
		if err := checkRequiredText(f+".text", c.Text, MaxItemLen); err != nil {
			return err
		}
	}
	return nil
}
