package episodes

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// invalid is the Invalid *Error for field with a formatted message.
func invalid(field, format string, args ...any) *Error {
	return &Error{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Limits on text fields, in bytes of UTF-8. Apple truncates or rejects longer
// titles and descriptions; the rest are generous bounds that keep one row
// (and one feed item) from growing without end.
const (
	MaxSlugLen        = 64      // slugs: [a-z0-9-], 1..64
	MaxTitleLen       = 255     // show and episode titles, chapter titles, names
	MaxShortLen       = 255     // author, owner name, copyright, roles, labels, guids
	MaxDescriptionLen = 4000    // show description (Apple's limit)
	MaxNotesLen       = 100_000 // episode notes (Markdown)
	MaxItemLen        = 2000    // one takeaway, study question, bio, reference note or title
	MaxURLLen         = 2048    // any URL
	MaxKeyLen         = 1024    // object keys in the bucket
	MaxEmailLen       = 254
	MaxListLen        = 500  // items in any list (chapters, takeaways, references, ...)
	MaxFeedLimit      = 1000 // episodes on one page of a paged feed
	MinYear, MaxYear  = 1, 2100
)

// Default values the Store fills in for empty fields before it validates.
const (
	MediumPodcast = "podcast"
	MediumCourse  = "course"
	RoleHost      = "host"
	RoleGuest     = "guest"
	GroupCast     = "cast"
)

var (
	slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	// Crossref's recommended DOI pattern: 10.NNNN[.NNNN]/suffix without spaces.
	doiRE       = regexp.MustCompile(`^10\.[0-9]{4,9}(\.[0-9]+)*/\S+$`)
	langRE      = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
	dirKeyRE    = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)
	sha256HexRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// AudioTypes lists the enclosure content types Apple accepts.
var audioTypes = []string{"audio/mpeg", "audio/x-m4a", "audio/mp4", "video/mp4", "video/quicktime", "video/x-m4v", "application/pdf"}

// ReservedSlug reports whether a show slug would clash with one of Lyssna's
// own routes: the first path segments it serves itself.
func ReservedSlug(slug string) bool {
	switch slug {
	case "api", "admin", "media", "static", "healthz", "readyz", "metrics", "favicon.ico", "robots.txt", "lti",
		"p", "oembed": // signed URLs, the oEmbed endpoint
		return true
	}
	return false
}

// ValidSlug reports whether s is a well-formed slug: 1..64 of [a-z0-9] in
// hyphen-separated runs. Show.Validate also refuses ReservedSlug names.
func ValidSlug(s string) bool {
	return len(s) <= MaxSlugLen && slugRE.MatchString(s)
}

func checkSlug(field, s string) error {
	if s == "" {
		return invalid(field, "is required")
	}
	if !ValidSlug(s) {
		return invalid(field, "%q is not a valid slug: use 1 to %d lowercase letters a-z, digits and single hyphens, not at either end", s, MaxSlugLen)
	}
	return nil
}

// checkText rejects invalid UTF-8, control characters (a multi-line field
// may hold \n, \r and \t) and text longer than max bytes. Anything else,
// markup included, is stored verbatim: escaping is the renderers' job.
func checkText(field, s string, max int, multiline bool) error {
	if len(s) > max {
		return invalid(field, "is %d bytes long; at most %d bytes are allowed", len(s), max)
	}
	if !utf8.ValidString(s) {
		i := 0
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return invalid(field, "is not valid UTF-8 (bad byte at offset %d); send UTF-8 text", i)
	}
	for i, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			return invalid(field, "contains the control character %U at byte %d; remove it", r, i)
		}
	}
	return nil
}

func checkRequiredText(field, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return invalid(field, "is required")
	}
	return checkText(field, s, max, false)
}

// checkURL accepts an empty string or an absolute http(s) URL with a host.
func checkURL(field, s string) error {
	if s == "" {
		return nil
	}
	if err := checkText(field, s, MaxURLLen, false); err != nil {
		return err
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s, " \t") {
		return invalid(field, "%q is not an absolute http(s) URL; give one like https://example.com/page", s)
	}
	return nil
}

// checkKey accepts an empty string or an object key without control characters.
func checkKey(field, s string) error {
	if err := checkText(field, s, MaxKeyLen, false); err != nil {
		return err
	}
	if strings.HasPrefix(s, "/") || strings.Contains(s, "..") {
		return invalid(field, "%q is not a valid object key", s)
	}
	return nil
}

// ValidLanguage reports whether s is a language tag as feeds want it: ISO 639
// with optional BCP 47 subtags ("en", "en-us", "sv-SE", "zh-Hant-TW") whose
// base language is known.
func ValidLanguage(s string) bool {
	if len(s) > 35 || !langRE.MatchString(s) {
		return false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return false
	}
	base, conf := tag.Base()
	return conf == language.Exact && base.String() != "und"
}

// CheckTranscriptLanguages checks a transcript's language and the language
// it was translated from ("" when it is no translation): both known
// language tags, and not the same. Errors name the field "language" or
// "translated_from".
func CheckTranscriptLanguages(lang, translatedFrom string) error {
	if err := checkLanguage("language", lang, true); err != nil {
		return err
	}
	if translatedFrom != "" && (!ValidLanguage(translatedFrom) || strings.EqualFold(translatedFrom, lang)) {
		return invalid("translated_from", "%q must be a language tag other than the transcript's own (%s), or left out", translatedFrom, lang)
	}
	return nil
}

func checkLanguage(field, s string, required bool) error {
	if s == "" {
		if required {
			return invalid(field, "is required; give an ISO 639 code such as en or en-us")
		}
		return nil
	}
	if !ValidLanguage(s) {
		return invalid(field, "%q is not a known language tag; give an ISO 639 code such as en, en-us or sv-SE", s)
	}
	return nil
}

func checkList(field string, n int) error {
	if n > MaxListLen {
		return invalid(field, "has %d items; at most %d are allowed", n, MaxListLen)
	}
	return nil
}

func checkPerson(field string, p Person, withBio bool) error {
	if err := checkRequiredText(field+".name", p.Name, MaxTitleLen); err != nil {
		return err
	}
	if err := checkText(field+".role", p.Role, MaxShortLen, false); err != nil {
		return err
	}
	if err := checkText(field+".group", p.Group, MaxShortLen, false); err != nil {
		return err
	}
	if err := checkURL(field+".href", p.Href); err != nil {
		return err
	}
	if err := checkURL(field+".img", p.Img); err != nil {
		return err
	}
	if !withBio && p.Bio != "" {
		return invalid(field+".bio", "is only kept for guests")
	}
	return checkText(field+".bio", p.Bio, MaxItemLen, true)
}

// Validate checks every field of the show and returns a *Error
// naming the first bad one. Empty Type and Medium are allowed (the Store
// fills in "episodic" and "podcast"). A ReservedSlug is refused.
func (s *Show) Validate() error {
	if err := checkSlug("slug", s.Slug); err != nil {
		return err
	}
	if ReservedSlug(s.Slug) {
		return invalid("slug", "%q is reserved for Lyssna's own URLs; choose another slug", s.Slug)
	}
	if err := checkRequiredText("title", s.Title, MaxTitleLen); err != nil {
		return err
	}
	if err := checkVisibility(s.Visibility); err != nil {
		return err
	}
	if err := checkText("description", s.Description, MaxDescriptionLen, true); err != nil {
		return err
	}
	if err := checkText("author", s.Author, MaxShortLen, false); err != nil {
		return err
	}
	if err := checkText("owner.name", s.Owner.Name, MaxShortLen, false); err != nil {
		return err
	}
	if s.Owner.Email != "" {
		if err := checkText("owner.email", s.Owner.Email, MaxEmailLen, false); err != nil {
			return err
		}
		a, err := mail.ParseAddress(s.Owner.Email)
		if err != nil || a.Address != s.Owner.Email {
			return invalid("owner.email", "%q is not an email address; give one like name@example.com", s.Owner.Email)
		}
	}
	if s.Locked && s.Owner.Email == "" {
		return invalid("owner.email", "is required when the show is locked (podcast:locked names the owner's email)")
	}
	if err := checkLanguage("language", s.Language, true); err != nil {
		return err
	}
	if err := checkList("categories", len(s.Categories)); err != nil {
		return err
	}
	for i, c := range s.Categories {
		f := fmt.Sprintf("categories[%d]", i)
		known, ok := validCategory(c.Category, c.Subcategory)
		if !known {
			return invalid(f+".category", "%q is not an Apple Podcasts category (for example \"Education\" or \"Society & Culture\")", c.Category)
		}
		if !ok {
			return invalid(f+".subcategory", "%q is not a subcategory of %q; allowed: %s", c.Subcategory, c.Category, strings.Join(appleCategories[c.Category], ", "))
		}
	}
	switch s.Type {
	case "", TypeEpisodic, TypeSerial:
	default:
		return invalid("type", "%q is not a show type; use %q or %q", s.Type, TypeEpisodic, TypeSerial)
	}
	if err := checkURL("link", s.Link); err != nil {
		return err
	}
	if err := checkText("copyright", s.Copyright, MaxShortLen, false); err != nil {
		return err
	}
	if err := checkKey("image_url", s.ImageKey); err != nil {
		return err
	}
	if err := checkRequiredText("guid", s.GUID, MaxShortLen); err != nil {
		return err
	}
	if err := checkList("funding", len(s.Funding)); err != nil {
		return err
	}
	for i, f := range s.Funding {
		field := fmt.Sprintf("funding[%d]", i)
		if f.URL == "" {
			return invalid(field+".url", "is required")
		}
		if err := checkURL(field+".url", f.URL); err != nil {
			return err
		}
		if err := checkText(field+".label", f.Label, MaxShortLen, false); err != nil {
			return err
		}
	}
	if s.Medium != "" {
		if err := CheckMedium("medium", s.Medium); err != nil {
			return err
		}
	}
	if s.FeedLimit < 0 || s.FeedLimit > MaxFeedLimit {
		return invalid("feed_limit", "is %d; give 0 to list every episode, or 1 to %d episodes per feed page", s.FeedLimit, MaxFeedLimit)
	}
	if err := s.Extras.Validate(); err != nil {
		return err
	}
	if err := checkList("hosts", len(s.Hosts)); err != nil {
		return err
	}
	for i, h := range s.Hosts {
		if err := checkPerson(fmt.Sprintf("hosts[%d]", i), h, false); err != nil {
			return err
		}
	}
	if err := checkURL("new_feed_url", s.NewFeedURL); err != nil {
		return err
	}
	for k, v := range s.Directories {
		if !dirKeyRE.MatchString(k) {
			return invalid("directories", "%q is not a directory name; use lowercase letters, digits and hyphens", k)
		}
		if v == "" {
			return invalid("directories."+k, "is required")
		}
		if err := checkURL("directories."+k, v); err != nil {
			return err
		}
	}
	if s.TimeZone != "" {
		if _, err := LoadTimeZone(s.TimeZone); err != nil {
			return invalid("time_zone", "%q is not an IANA time zone; give one like Europe/Stockholm, America/New_York or UTC", s.TimeZone)
		}
	}
	return nil
}

// Validate checks every field of the episode and returns a *Error
// naming the first bad one. A draft may lack a title and audio (Publish
// requires both); empty Slug, GUID, Type and Status are allowed (the Store
// fills them in).
func (e *Episode) Validate() error {
	if e.Slug != "" {
		if err := checkSlug("slug", e.Slug); err != nil {
			return err
		}
		if strings.Trim(e.Slug, "0123456789") == "" {
			return invalid("slug", "%q has only digits, which would read as an episode id; add a letter", e.Slug)
		}
	}
	// A guid is kept exactly as given, whitespace and line breaks
	// included: an imported item's guid must reach apps byte for byte as
	// the old host published it, or every app lists the episode twice.
	if err := checkText("guid", e.GUID, MaxShortLen, true); err != nil {
		return err
	}
	if e.GUID != "" && strings.TrimSpace(e.GUID) == "" {
		return invalid("guid", "must not be only spaces")
	}
	if err := checkText("title", e.Title, MaxTitleLen, false); err != nil {
		return err
	}
	if err := checkVisibility(e.Visibility); err != nil {
		return err
	}
	if err := checkText("notes", e.Notes, MaxNotesLen, true); err != nil {
		return err
	}
	if e.Season < 0 || e.Season > 100_000 {
		return invalid("season", "%d is out of range; use 1 to 100000, or 0 for none", e.Season)
	}
	if e.Number < 0 || e.Number > 1_000_000 {
		return invalid("number", "%d is out of range; use 1 to 1000000, or 0 for none", e.Number)
	}
	switch e.Type {
	case "", EpisodeFull, EpisodeTrailer, EpisodeBonus:
	default:
		return invalid("episode_type", "%q is not an episode type; use full, trailer or bonus", e.Type)
	}
	switch e.Status {
	case "", StatusDraft, StatusScheduled, StatusPublished, StatusUnpublished:
	default:
		return invalid("status", "%q is not a status; use draft, scheduled, published or unpublished", e.Status)
	}
	if a := e.Audio; a != nil {
		if a.Key == "" {
			return invalid("audio.url", "is required when audio is set")
		}
		if err := checkKey("audio.url", a.Key); err != nil {
			return err
		}
		if a.Size <= 0 {
			return invalid("audio.size", "must be the file's exact size in bytes, more than 0")
		}
		okType := false
		for _, t := range audioTypes {
			okType = okType || a.ContentType == t
		}
		if !okType {
			return invalid("audio.type", "%q is not an accepted enclosure type; use one of %s", a.ContentType, strings.Join(audioTypes, ", "))
		}
		if a.DurationMS < 0 {
			return invalid("audio.duration_ms", "must not be negative")
		}
		if a.SHA256 != "" && !sha256HexRE.MatchString(a.SHA256) {
			return invalid("audio.sha256", "must be 64 lowercase hex digits")
		}
		if a.Bitrate < 0 {
			return invalid("audio.bitrate", "must not be negative")
		}
	}
	if err := checkKey("image_url", e.ImageKey); err != nil {
		return err
	}
	if e.ImageWidth < 0 || e.ImageHeight < 0 {
		return invalid("image_url", "has a negative pixel size")
	}
	if err := checkList("chapters", len(e.Chapters)); err != nil {
		return err
	}
	for i, c := range e.Chapters {
		f := fmt.Sprintf("chapters[%d]", i)
		if c.StartMS < 0 {
			return invalid(f+".start_ms", "must not be negative")
		}
		if a := e.Audio; a != nil && a.DurationMS > 0 && c.StartMS >= a.DurationMS {
			return invalid(f+".start_ms", "chapter %d (%q) starts at %s, after the end of the audio, which is %s long; move it inside the audio or remove it",
				i+1, c.Title, clockMS(c.StartMS), clockMS(a.DurationMS))
		}
		if i > 0 && c.StartMS <= e.Chapters[i-1].StartMS {
			return invalid(f+".start_ms", "%d must be after the previous chapter's start (%d); list chapters in ascending order", c.StartMS, e.Chapters[i-1].StartMS)
		}
		if err := checkRequiredText(f+".title", c.Title, MaxTitleLen); err != nil {
			return err
		}
		if err := checkURL(f+".url", c.URL); err != nil {
			return err
		}
		if err := checkURL(f+".img", c.Img); err != nil {
			return err
		}
	}
	if err := checkTexts("takeaways", e.Takeaways); err != nil {
		return err
	}
	if err := checkTexts("study_questions", e.StudyQuestions); err != nil {
		return err
	}
	if err := checkList("references", len(e.References)); err != nil {
		return err
	}
	for i, r := range e.References {
		if err := r.validate(fmt.Sprintf("references[%d]", i)); err != nil {
			return err
		}
	}
	if err := checkList("guests", len(e.Guests)); err != nil {
		return err
	}
	for i, g := range e.Guests {
		if err := checkPerson(fmt.Sprintf("guests[%d]", i), g, true); err != nil {
			return err
		}
	}
	if err := checkURL("discussion_url", e.DiscussionURL); err != nil {
		return err
	}
	if err := checkList("transcripts", len(e.Transcripts)); err != nil {
		return err
	}
	seen := map[string]int{}
	for i, tr := range e.Transcripts {
		f := fmt.Sprintf("transcripts[%d]", i)
		if err := checkLanguage(f+".language", tr.Language, true); err != nil {
			return err
		}
		lang := strings.ToLower(tr.Language)
		if j, dup := seen[lang]; dup {
			return invalid(f+".language", "%q already has a transcript (transcripts[%d]); keep one per language", tr.Language, j)
		}
		seen[lang] = i
		switch tr.Format {
		case FormatVTT, FormatSRT, FormatText:
		default:
			return invalid(f+".format", "%q is not a transcript format; use vtt, srt or txt", tr.Format)
		}
		if tr.Key == "" {
			return invalid(f+".url", "is required")
		}
		if err := checkKey(f+".url", tr.Key); err != nil {
			return err
		}
		if err := checkLanguage(f+".translated_from", tr.TranslatedFrom, false); err != nil {
			return err
		}
		if tr.TranslatedFrom != "" && strings.EqualFold(tr.TranslatedFrom, tr.Language) {
			return invalid(f+".translated_from", "must differ from the transcript's own language")
		}
	}
	var durationMS int64
	if e.Audio != nil {
		durationMS = e.Audio.DurationMS
	}
	if err := e.Extras.Validate(durationMS); err != nil {
		return err
	}
	return checkAlternates(e.Alternates)
}

// MaxAlternates bounds an episode's alternate enclosures.
const MaxAlternates = 20

func checkAlternates(alts []AlternateEnclosure) error {
	if len(alts) > MaxAlternates {
		return invalid("alternate_enclosures", "has %d items; at most %d are allowed", len(alts), MaxAlternates)
	}
	names := map[string]bool{}
	for i, a := range alts {
		f := fmt.Sprintf("alternate_enclosures[%d]", i)
		if !ValidSlug(a.Name) || len(a.Name) > 32 {
			return invalid(f+".name", "%q is not a name for an alternate; use 1 to 32 lowercase letters a-z, digits and single hyphens, such as sv or low-bandwidth", a.Name)
		}
		if names[a.Name] {
			return invalid(f+".name", "%q names two alternates; give each its own name", a.Name)
		}
		names[a.Name] = true
		if a.Key == "" {
			return invalid(f+".url", "is required")
		}
		if err := checkKey(f+".url", a.Key); err != nil {
			return err
		}
		if a.Size <= 0 {
			return invalid(f+".size", "must be more than 0")
		}
		if err := checkText(f+".type", a.ContentType, MaxShortLen, false); err != nil {
			return err
		}
		if err := checkLanguage(f+".language", a.Language, false); err != nil {
			return err
		}
		if err := checkText(f+".title", a.Title, 32, false); err != nil {
			return err
		}
		if a.SHA256 != "" && !sha256HexRE.MatchString(a.SHA256) {
			return invalid(f+".sha256", "%q is not a SHA-256 in hex", a.SHA256)
		}
	}
	return nil
}

func checkTexts(field string, items []string) error {
	if err := checkList(field, len(items)); err != nil {
		return err
	}
	for i, s := range items {
		if strings.TrimSpace(s) == "" {
			return invalid(fmt.Sprintf("%s[%d]", field, i), "is empty; remove it or give it text")
		}
		if err := checkText(fmt.Sprintf("%s[%d]", field, i), s, MaxItemLen, true); err != nil {
			return err
		}
	}
	return nil
}

func (r Reference) validate(f string) error {
	if strings.TrimSpace(r.Title) == "" && r.URL == "" && r.DOI == "" {
		return invalid(f+".title", "is required (or give a url or doi)")
	}
	if err := checkList(f+".authors", len(r.Authors)); err != nil {
		return err
	}
	for j, a := range r.Authors {
		if err := checkRequiredText(fmt.Sprintf("%s.authors[%d]", f, j), a, MaxShortLen); err != nil {
			return err
		}
	}
	if r.Year != 0 && (r.Year < MinYear || r.Year > MaxYear) {
		return invalid(f+".year", "%d is out of range; use %d to %d, or 0 for none", r.Year, MinYear, MaxYear)
	}
	if err := checkText(f+".title", r.Title, MaxItemLen, false); err != nil {
		return err
	}
	if err := checkText(f+".container", r.Container, MaxShortLen, false); err != nil {
		return err
	}
	if err := checkText(f+".publisher", r.Publisher, MaxShortLen, false); err != nil {
		return err
	}
	if err := checkURL(f+".url", r.URL); err != nil {
		return err
	}
	if r.DOI != "" {
		if err := checkText(f+".doi", r.DOI, MaxShortLen, false); err != nil {
			return err
		}
		if !doiRE.MatchString(r.DOI) {
			return invalid(f+".doi", "%q is not a DOI; give it as 10.NNNN/suffix, https://doi.org/10.NNNN/suffix or doi:10.NNNN/suffix", r.DOI)
		}
	}
	return checkText(f+".note", r.Note, MaxItemLen, true)
}

// clockMS writes milliseconds as a producer reads a time in the audio:
// "4:05", "1:02:03", with tenths when they matter ("4:05.5").
func clockMS(ms int64) string {
	s := ms / 1000
	out := fmt.Sprintf("%d:%02d", s/60, s%60)
	if s >= 3600 {
		out = fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	if t := ms % 1000 / 100; t != 0 {
		out += fmt.Sprintf(".%d", t)
	}
	return out
}
