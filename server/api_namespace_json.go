package server

import (
	"github.com/lyssna/lyssna/episodes"
)

// The Podcast Index namespace fields of shows and episodes in the API
// (issue 17). The domain types carry their JSON names; this file maps the
// ones whose API form differs (a license or a location absent is null).

// licenseJSON is a podcast:license; null when there is none.
type licenseJSON struct {
	Identifier string `json:"identifier"`
	URL        string `json:"url"`
}

func licenseOut(l episodes.License) *licenseJSON {
	if l.Identifier == "" && l.URL == "" {
		return nil
	}
	return &licenseJSON{Identifier: l.Identifier, URL: l.URL}
}

func licenseIn(l *licenseJSON) episodes.License {
	if l == nil {
		return episodes.License{}
	}
	return episodes.License{Identifier: l.Identifier, URL: l.URL}
}

// alternateJSON is an alternate enclosure as the API answers it.
type alternateJSON struct {
	Name       string `json:"name"`
	URL        string `json:"url"`
	Type       string `json:"type"`
	Size       int64  `json:"size"`
	DurationMS int64  `json:"duration_ms"`
	Bitrate    int    `json:"bitrate"`
	SHA256     string `json:"sha256"`
	Language   string `json:"language"`
	Title      string `json:"title"`
}

// networkRefJSON names the network a show belongs to.
type networkRefJSON struct {
	Slug             string `json:"slug"`
	PublisherFeedURL string `json:"publisher_feed_url"`
}

// showNamespaceJSON are a show's namespace fields, embedded in showJSON.
type showNamespaceJSON struct {
	Txt             []episodes.Txt            `json:"txt"`
	License         *licenseJSON              `json:"license"`
	UpdateFrequency *episodes.UpdateFrequency `json:"update_frequency"`
	Podroll         []episodes.RemoteItem     `json:"podroll"`
	FeedLimit       int                       `json:"feed_limit"`
	BlockPlatforms  []string                  `json:"block_platforms"`
	Location        *episodes.Location        `json:"location"`
	SocialInteract  []episodes.SocialInteract `json:"social_interact"`
	Chat            *episodes.Chat            `json:"chat"`
	Network         *networkRefJSON           `json:"network"`
}

func (h *handler) showNamespaceJSON(s *episodes.Show) showNamespaceJSON {
	x := s.Extras
	out := showNamespaceJSON{
		Txt: orEmptySlice(x.Txt), License: licenseOut(x.License), UpdateFrequency: x.UpdateFrequency,
		Podroll: orEmptySlice(x.Podroll), FeedLimit: s.FeedLimit, BlockPlatforms: orEmptySlice(x.BlockPlatforms),
		Location: x.Location, SocialInteract: orEmptySlice(x.SocialInteract), Chat: x.Chat,
	}
	if n := s.Network; n != nil {
		out.Network = &networkRefJSON{Slug: n.Slug, PublisherFeedURL: h.Links.PublisherFeed(n.Slug)}
	}
	return out
}

// showNamespacePatch are a show's namespace fields in a request, embedded
// in showPatch.
type showNamespacePatch struct {
	Txt             opt[[]episodes.Txt]            `json:"txt"`
	License         opt[*licenseJSON]              `json:"license"`
	UpdateFrequency opt[*episodes.UpdateFrequency] `json:"update_frequency"`
	Podroll         opt[[]episodes.RemoteItem]     `json:"podroll"`
	FeedLimit       opt[int]                       `json:"feed_limit"`
	BlockPlatforms  opt[[]string]                  `json:"block_platforms"`
	Location        opt[*episodes.Location]        `json:"location"`
	SocialInteract  opt[[]episodes.SocialInteract] `json:"social_interact"`
	Chat            opt[*episodes.Chat]            `json:"chat"`
	Network         readOnly                       `json:"network"`
}

func (p showNamespacePatch) apply(s *episodes.Show) error {
	if err := checkReadOnly([]readOnlyField{
		{"network", p.Network, "use PUT /api/v1/networks/{network}/shows/{show}"},
	}); err != nil {
		return err
	}
	x := &s.Extras
	p.Txt.to(&x.Txt)
	if p.License.set {
		x.License = licenseIn(p.License.v)
	}
	p.UpdateFrequency.to(&x.UpdateFrequency)
	p.Podroll.to(&x.Podroll)
	p.FeedLimit.to(&s.FeedLimit)
	p.BlockPlatforms.to(&x.BlockPlatforms)
	p.Location.to(&x.Location)
	p.SocialInteract.to(&x.SocialInteract)
	p.Chat.to(&x.Chat)
	return nil
}

// episodeNamespaceJSON are an episode's namespace fields, embedded in
// episodeJSON.
type episodeNamespaceJSON struct {
	License             *licenseJSON           `json:"license"`
	Soundbites          []episodes.Soundbite   `json:"soundbites"`
	Location            *episodes.Location     `json:"location"`
	ContentLinks        []episodes.ContentLink `json:"content_links"`
	AlternateEnclosures []alternateJSON        `json:"alternate_enclosures"`
}

func (h *handler) episodeNamespaceJSON(e *episodes.Episode) episodeNamespaceJSON {
	x := e.Extras
	return episodeNamespaceJSON{
		License: licenseOut(x.License), Soundbites: orEmptySlice(x.Soundbites), Location: x.Location,
		ContentLinks: orEmptySlice(x.ContentLinks),
		AlternateEnclosures: mapSlice(e.Alternates, func(a episodes.AlternateEnclosure) alternateJSON {
			return alternateJSON{Name: a.Name, URL: h.Links.Media(a.Key), Type: a.ContentType, Size: a.Size, DurationMS: a.DurationMS,
				Bitrate: a.Bitrate, SHA256: a.SHA256, Language: a.Language, Title: a.Title}
		}),
	}
}

// episodeNamespacePatch are an episode's namespace fields in a request,
// embedded in episodePatch.
type episodeNamespacePatch struct {
	License             opt[*licenseJSON]           `json:"license"`
	Soundbites          opt[[]episodes.Soundbite]   `json:"soundbites"`
	Location            opt[*episodes.Location]     `json:"location"`
	ContentLinks        opt[[]episodes.ContentLink] `json:"content_links"`
	AlternateEnclosures readOnly                    `json:"alternate_enclosures"`
}

func (p episodeNamespacePatch) apply(e *episodes.Episode) error {
	if err := checkReadOnly([]readOnlyField{
		{"alternate_enclosures", p.AlternateEnclosures, "upload one with PUT .../alternates/{name}"},
	}); err != nil {
		return err
	}
	x := &e.Extras
	if p.License.set {
		x.License = licenseIn(p.License.v)
	}
	p.Soundbites.to(&x.Soundbites)
	p.Location.to(&x.Location)
	p.ContentLinks.to(&x.ContentLinks)
	return nil
}

// orEmptySlice makes a nil list an empty one, so the API answers [] not null.
func orEmptySlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
