// Package episodes owns shows, episodes and their learning materials: the model,
// its validation, and the Store that keeps them in SQLite or PostgreSQL.
package episodes

import "time"

// Show types.
const (
	TypeEpisodic = "episodic"
	TypeSerial   = "serial"
)

// Episode types.
const (
	EpisodeFull    = "full"
	EpisodeTrailer = "trailer"
	EpisodeBonus   = "bonus"
)

// Episode statuses as stored. A "scheduled" episode whose time has come is
// public; EffectiveStatus reports it as "published".
const (
	StatusDraft       = "draft"
	StatusScheduled   = "scheduled"
	StatusPublished   = "published"
	StatusUnpublished = "unpublished"
)

// Transcript formats.
const (
	FormatVTT  = "vtt"
	FormatSRT  = "srt"
	FormatText = "txt"
)

// Owner is the show's owner as Apple and podcast:locked want it.
type Owner struct {
	Name  string
	Email string
}

// Category is one Apple Podcasts category with an optional subcategory.
type Category struct {
	Category    string
	Subcategory string
}

// Funding is a podcast:funding link.
type Funding struct {
	URL   string
	Label string
}

// Person is a podcast:person: a show's host or an episode's guest.
type Person struct {
	Name  string
	Role  string // "host" for hosts, "guest" for guests by default
	Group string // "cast" by default
	Href  string
	Img   string
	Bio   string // guests only
}

// Show is a podcast: one feed, many episodes.
type Show struct {
	ID          int64
	Slug        string
	Title       string
	Description string
	Author      string
	Owner       Owner
	Language    string
	Categories  []Category
	Explicit    bool
	Type        string // TypeEpisodic or TypeSerial
	Link        string // website; empty means the show page
	Copyright   string
	ImageKey    string // artwork object key in the bucket; empty until uploaded
	// ImageWidth and ImageHeight are the pixel size of ImageKey's picture,
	// 0 when not known (artwork stored before they were kept).
	ImageWidth, ImageHeight int
	// ImageRenditions are smaller copies of the artwork (see Rendition).
	ImageRenditions []Rendition
	GUID            string // podcast:guid, set once at creation
	Locked          bool
	Funding         []Funding
	Medium          string // "podcast" by default, or "course"
	Hosts           []Person
	Complete        bool
	Block           bool
	NewFeedURL      string // set when the show has moved away
	// Visibility is VisibilityPublic (the default), VisibilityUnlisted or
	// VisibilityPrivate.
	Visibility string
	// TimeZone is the IANA time zone the producer schedules in
	// ("Europe/Stockholm"); "UTC" by default. Stored times stay UTC.
	TimeZone string
	// Directories maps a podcast directory ("apple", "spotify", ...) to the
	// show's page there, for subscribe links.
	Directories map[string]string
	// FeedLimit pages the feed (RFC 5005): feed.xml holds the newest
	// FeedLimit episodes and links to archive pages; 0 lists them all.
	FeedLimit int
	// Extras are the Podcast Index tags set by the producer.
	Extras ShowExtras
	// Network is the publisher the show belongs to, nil when none.
	Network   *NetworkRef
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version grows with every change to the show or any of its episodes;
	// feed caches compare it to know when to rebuild.
	Version int64
	// ChangedAt moves with Version, by at least a whole second each time, so
	// that it serves as the feed's Last-Modified on every replica alike.
	ChangedAt time.Time
}

// Audio is an episode's enclosure.
type Audio struct {
	Key         string // object key in the bucket
	Size        int64  // exact byte size
	ContentType string // audio/mpeg or audio/x-m4a
	DurationMS  int64
	SHA256      string // hex
	Bitrate     int    // bits per second
}

// Chapter is one chapter mark.
type Chapter struct {
	StartMS int64
	Title   string
	URL     string
	Img     string
}

// Reference is a citation in an episode's learning materials.
type Reference struct {
	Authors   []string
	Year      int
	Title     string
	Container string // journal or book
	Publisher string
	URL       string
	DOI       string
	Note      string
}

// Transcript is one language's transcript of an episode.
type Transcript struct {
	Language       string
	Format         string // FormatVTT, FormatSRT or FormatText
	Key            string // object key in the bucket
	TranslatedFrom string // language it was translated from; empty for the original
}

// Episode is one episode of a show with its learning materials.
type Episode struct {
	ID       int64
	ShowID   int64
	Slug     string
	GUID     string
	Title    string
	Notes    string // Markdown
	Season   int    // 0 means none
	Number   int    // 0 means none
	Type     string // EpisodeFull, EpisodeTrailer or EpisodeBonus
	Explicit bool
	Audio    *Audio // nil until audio is uploaded
	ImageKey string
	// ImageWidth and ImageHeight are the pixel size of ImageKey's picture,
	// 0 when not known.
	ImageWidth, ImageHeight int
	// ImageRenditions are smaller copies of ImageKey's picture (see
	// Rendition).
	ImageRenditions []Rendition
	Chapters        []Chapter
	Status          string
	// Visibility is VisibilityPublic (the default), VisibilityUnlisted or
	// VisibilityPrivate; the show's, when stricter, wins
	// (EffectiveVisibility).
	Visibility  string
	PublishAt   *time.Time // when it is (or was) due to become public
	PublishedAt *time.Time // when it first became public
	CreatedAt   time.Time
	UpdatedAt   time.Time

	Takeaways      []string
	StudyQuestions []string
	References     []Reference
	Guests         []Person
	DiscussionURL  string
	Transcripts    []Transcript

	// Extras are the Podcast Index tags set by the producer.
	Extras EpisodeExtras
	// Alternates are other renditions of Audio (formats, languages).
	Alternates []AlternateEnclosure
}

// IsPublic reports whether listeners and feeds may see the episode at now.
// A published episode is public whatever its publish time: the row, not the
// reader's clock, decides, so replicas whose clocks differ agree (a replica
// a second behind the one that published still lists it). A scheduled
// episode is public once now reaches its time; feeds do not wait for that
// but have the store promote it (Store.PromoteDue), so that it too becomes a
// row every replica reads alike.
func (e *Episode) IsPublic(now time.Time) bool {
	switch e.Status {
	case StatusPublished:
		return e.PublishAt != nil
	case StatusScheduled:
		return e.PublishAt != nil && !e.PublishAt.After(now)
	}
	return false
}

// EffectiveStatus is the status a producer sees at now: a scheduled episode
// whose time has come is published.
func (e *Episode) EffectiveStatus(now time.Time) string {
	if e.Status == StatusScheduled && e.IsPublic(now) {
		return StatusPublished
	}
	return e.Status
}
