package server

import (
	"io"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/uploads"
)

// ---- Episodes ----

// episodeJSON is an episode as the API answers it.
type episodeJSON struct {
	ID             int64            `json:"id"`
	Slug           string           `json:"slug"`
	GUID           string           `json:"guid"`
	Title          string           `json:"title"`
	Notes          string           `json:"notes"`
	Season         int              `json:"season"`
	Number         int              `json:"number"`
	EpisodeType    string           `json:"episode_type"`
	Explicit       bool             `json:"explicit"`
	Status         string           `json:"status"`
	PublishAt      *time.Time       `json:"publish_at"`
	PublishedAt    *time.Time       `json:"published_at"`
	Audio          *audioJSON       `json:"audio"`
	ImageURL       string           `json:"image_url"`
	Chapters       []chapterJSON    `json:"chapters"`
	Takeaways      []string         `json:"takeaways"`
	StudyQuestions []string         `json:"study_questions"`
	References     []referenceJSON  `json:"references"`
	Guests         []guestJSON      `json:"guests"`
	DiscussionURL  string           `json:"discussion_url"`
	Visibility     string           `json:"visibility"`
	Transcripts    []transcriptJSON `json:"transcripts"`
	PageURL        string           `json:"page_url"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
	// Warnings are what is kept but falls short of a directory's rules
	// (embedded cover art under 1400 px); left out when there are none.
	Warnings             []warningJSON `json:"warnings,omitempty"`
	episodeNamespaceJSON               // api_namespace_json.go
}

// warningJSON is one warning: the field it concerns and what to do.
type warningJSON struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (h *handler) episodeJSON(s *episodes.Show, e *episodes.Episode) episodeJSON {
	out := episodeJSON{
		ID: e.ID, Slug: e.Slug, GUID: e.GUID, Title: e.Title, Notes: e.Notes, Season: e.Season, Number: e.Number,
		EpisodeType: e.Type, Explicit: e.Explicit,
		Status:    e.EffectiveStatus(h.Now()),
		PublishAt: e.PublishAt, PublishedAt: e.PublishedAt,
		ImageURL:       h.Links.EpisodeImage(s, e),
		Chapters:       mapSlice(e.Chapters, func(c episodes.Chapter) chapterJSON { return chapterJSON(c) }),
		Takeaways:      mapSlice(e.Takeaways, func(t string) string { return t }),
		StudyQuestions: mapSlice(e.StudyQuestions, func(t string) string { return t }),
		References: mapSlice(e.References, func(r episodes.Reference) referenceJSON {
			r.Authors = mapSlice(r.Authors, func(a string) string { return a })
			return referenceJSON(r)
		}),
		Guests: mapSlice(e.Guests, func(p episodes.Person) guestJSON {
			return guestJSON{Name: p.Name, Role: p.Role, Href: p.Href, Img: p.Img, Bio: p.Bio}
		}),
		DiscussionURL: e.DiscussionURL,
		Visibility:    e.Visibility,
		Transcripts: mapSlice(e.Transcripts, func(t episodes.Transcript) transcriptJSON {
			return transcriptJSON{Language: t.Language, Format: t.Format, URL: h.Links.Media(t.Key), TranslatedFrom: t.TranslatedFrom}
		}),
		PageURL:   h.Links.EpisodePage(s.Slug, e.Slug),
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
		episodeNamespaceJSON: h.episodeNamespaceJSON(e),
	}
	if a := e.Audio; a != nil {
		out.Audio = &audioJSON{URL: h.Links.Media(a.Key), Size: a.Size, Type: a.ContentType,
			DurationMS: a.DurationMS, SHA256: a.SHA256, Bitrate: a.Bitrate}
	}
	if note := uploads.ArtworkNote(e); note != "" {
		out.Warnings = append(out.Warnings, warningJSON{Field: "image_url", Message: note})
	}
	return out
}

// episodePatch is an episode as a request gives it: on create every field,
// on PATCH only the fields present change. The JSON create and the
// "episode" part of a multipart upload share it (decodeEpisodePatch).
type episodePatch struct {
	Slug           opt[string]          `json:"slug"`
	GUID           opt[string]          `json:"guid"`
	Title          opt[string]          `json:"title"`
	Notes          opt[string]          `json:"notes"`
	Season         opt[int]             `json:"season"`
	Number         opt[int]             `json:"number"`
	EpisodeType    opt[string]          `json:"episode_type"`
	Explicit       opt[bool]            `json:"explicit"`
	Chapters       opt[[]chapterJSON]   `json:"chapters"`
	Takeaways      opt[[]string]        `json:"takeaways"`
	StudyQuestions opt[[]string]        `json:"study_questions"`
	References     opt[[]referenceJSON] `json:"references"`
	Guests         opt[[]guestJSON]     `json:"guests"`
	DiscussionURL  opt[string]          `json:"discussion_url"`
	Visibility     opt[string]          `json:"visibility"`

	ID                    readOnly `json:"id"`
	Status                readOnly `json:"status"`
	PublishAt             readOnly `json:"publish_at"`
	PublishedAt           readOnly `json:"published_at"`
	Audio                 readOnly `json:"audio"`
	ImageURL              readOnly `json:"image_url"`
	Transcripts           readOnly `json:"transcripts"`
	PageURL               readOnly `json:"page_url"`
	CreatedAt             readOnly `json:"created_at"`
	UpdatedAt             readOnly `json:"updated_at"`
	Warnings              readOnly `json:"warnings"`
	episodeNamespacePatch          // api_namespace_json.go
}

// decodeEpisodePatch reads an episode's JSON (at most 1 MiB) from r,
// rejecting unknown and read-only fields. Errors are *requestError or
// *episodes.Error; h.respondError answers either.
func decodeEpisodePatch(r io.Reader) (episodePatch, error) {
	var p episodePatch
	if err := decodeJSON(r, &p); err != nil {
		return episodePatch{}, err
	}
	err := checkReadOnly([]readOnlyField{
		{"id", p.ID, "the server assigns it"},
		{"status", p.Status, "use POST .../publish or .../unpublish"},
		{"publish_at", p.PublishAt, `use POST .../publish with {"at": "..."}`},
		{"published_at", p.PublishedAt, "the server sets it"},
		{"audio", p.Audio, "upload audio with PUT .../audio or a multipart POST"},
		{"image_url", p.ImageURL, "upload artwork with PUT .../artwork"},
		{"transcripts", p.Transcripts, "use PUT .../transcripts/{lang}"},
		{"page_url", p.PageURL, "it follows from the slug"},
		{"created_at", p.CreatedAt, "the server sets it"},
		{"updated_at", p.UpdatedAt, "the server sets it"},
		{"warnings", p.Warnings, "the server sets them"},
	})
	if err != nil {
		return episodePatch{}, err
	}
	return p, nil
}

// apply copies the fields present in p onto e. (The Store refuses a new
// guid for a stored episode, and a new slug for one that has been public.)
func (p episodePatch) apply(e *episodes.Episode) error {
	p.GUID.to(&e.GUID)
	p.Slug.to(&e.Slug)
	p.Title.to(&e.Title)
	p.Notes.to(&e.Notes)
	p.Season.to(&e.Season)
	p.Number.to(&e.Number)
	p.EpisodeType.to(&e.Type)
	p.Explicit.to(&e.Explicit)
	if p.Chapters.set {
		e.Chapters = mapSlice(p.Chapters.v, func(c chapterJSON) episodes.Chapter { return episodes.Chapter(c) })
	}
	p.Takeaways.to(&e.Takeaways)
	p.StudyQuestions.to(&e.StudyQuestions)
	if p.References.set {
		e.References = mapSlice(p.References.v, func(r referenceJSON) episodes.Reference { return episodes.Reference(r) })
	}
	if p.Guests.set {
		e.Guests = mapSlice(p.Guests.v, func(g guestJSON) episodes.Person {
			return episodes.Person{Name: g.Name, Role: g.Role, Href: g.Href, Img: g.Img, Bio: g.Bio}
		})
	}
	p.DiscussionURL.to(&e.DiscussionURL)
	p.Visibility.to(&e.Visibility)
	return p.episodeNamespacePatch.apply(e)
}
