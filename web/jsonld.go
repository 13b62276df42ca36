package web

import (
	"encoding/json"
	"html/template"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/web/kit"
)

// jsonLD encodes v for a <script type="application/ld+json"> element.
// encoding/json already writes <, > and & as \u003c, \u003e and \u0026, so
// no "</script>" or "<!--" can appear; the replacements below keep that true
// even if the encoder's defaults ever change.
func jsonLD(v any) (template.JS, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	s := strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace(string(b))
	return template.JS(s), nil
}

type ldSeries struct {
	Context     string `json:"@context,omitempty"`
	Type        string `json:"@type"`
	Name        string `json:"name"`
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
	Image       string `json:"image,omitempty"`
	WebFeed     string `json:"webFeed,omitempty"`
	InLanguage  string `json:"inLanguage,omitempty"`
	Author      any    `json:"author,omitempty"`
}

type ldPerson struct {
	Type string `json:"@type"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type ldMedia struct {
	Type           string `json:"@type"`
	ContentURL     string `json:"contentUrl"`
	EncodingFormat string `json:"encodingFormat,omitempty"`
	Duration       string `json:"duration,omitempty"`
	ContentSize    int64  `json:"contentSize,omitempty"`
}

type ldSeason struct {
	Type         string `json:"@type"`
	SeasonNumber int    `json:"seasonNumber"`
}

type ldEpisode struct {
	Context         string     `json:"@context"`
	Type            string     `json:"@type"`
	URL             string     `json:"url"`
	Name            string     `json:"name"`
	Description     string     `json:"description,omitempty"`
	DatePublished   string     `json:"datePublished,omitempty"`
	TimeRequired    string     `json:"timeRequired,omitempty"`
	EpisodeNumber   int        `json:"episodeNumber,omitempty"`
	Image           string     `json:"image,omitempty"`
	InLanguage      string     `json:"inLanguage,omitempty"`
	PartOfSeason    *ldSeason  `json:"partOfSeason,omitempty"`
	PartOfSeries    ldSeries   `json:"partOfSeries"`
	AssociatedMedia *ldMedia   `json:"associatedMedia,omitempty"`
	Actor           []ldPerson `json:"actor,omitempty"`
	DiscussionURL   string     `json:"discussionUrl,omitempty"`
}

func (h *Handler) seriesLD(s *episodes.Show, withContext bool) ldSeries {
	ld := ldSeries{
		Type:        "PodcastSeries",
		Name:        s.Title,
		URL:         h.links.ShowPage(s.Slug),
		Description: kit.Clip(s.Description, 500),
		Image:       h.links.ShowImage(s),
		WebFeed:     h.links.Feed(s.Slug),
		InLanguage:  langTag(s.Language),
	}
	if s.Author != "" {
		ld.Author = ldPerson{Type: "Person", Name: s.Author}
	}
	if withContext {
		ld.Context = "https://schema.org"
	}
	return ld
}

func (h *Handler) episodeLD(s *episodes.Show, e *episodes.Episode, description string) ldEpisode {
	ld := ldEpisode{
		Context:       "https://schema.org",
		Type:          "PodcastEpisode",
		URL:           h.links.EpisodePage(s.Slug, e.Slug),
		Name:          e.Title,
		Description:   description,
		EpisodeNumber: e.Number,
		Image:         h.links.EpisodeImage(s, e),
		InLanguage:    langTag(s.Language),
		PartOfSeries:  h.seriesLD(s, false),
		DiscussionURL: safeURL(e.DiscussionURL),
	}
	if e.PublishAt != nil {
		ld.DatePublished = e.PublishAt.UTC().Format(time.RFC3339)
	}
	if e.Season > 0 {
		ld.PartOfSeason = &ldSeason{Type: "PodcastSeason", SeasonNumber: e.Season}
	}
	if a := e.Audio; a != nil && a.Key != "" {
		ld.TimeRequired = isoDuration(a.DurationMS)
		ld.AssociatedMedia = &ldMedia{Type: "MediaObject", ContentURL: h.links.Media(a.Key),
			EncodingFormat: a.ContentType, Duration: isoDuration(a.DurationMS), ContentSize: a.Size}
	}
	for _, g := range e.Guests {
		ld.Actor = append(ld.Actor, ldPerson{Type: "Person", Name: g.Name, URL: safeURL(g.Href)})
	}
	return ld
}
