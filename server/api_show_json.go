package server

import (
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// ---- Shows ----

// showJSON is a show as the API answers it.
type showJSON struct {
	Slug        string         `json:"slug"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Author      string         `json:"author"`
	Owner       ownerJSON      `json:"owner"`
	Language    string         `json:"language"`
	Categories  []categoryJSON `json:"categories"`
	Explicit    bool           `json:"explicit"`
	Type        string         `json:"type"`
	Link        string         `json:"link"`
	Copyright   string         `json:"copyright"`
	GUID        string         `json:"guid"`
	Locked      bool           `json:"locked"`
	Funding     []fundingJSON  `json:"funding"`
	Medium      string         `json:"medium"`
	Hosts       []hostJSON     `json:"hosts"`
	Complete    bool           `json:"complete"`
	Block       bool           `json:"block"`
	NewFeedURL  string         `json:"new_feed_url"`
	TimeZone    string         `json:"time_zone"`
	Visibility  string         `json:"visibility"`
	// Directories maps a podcast directory ("apple", "spotify", ...) to the
	// show's page there; the show page links to them.
	Directories       map[string]string `json:"directories"`
	ImageURL          string            `json:"image_url"`
	FeedURL           string            `json:"feed_url"`
	PageURL           string            `json:"page_url"`
	CreatedAt         time.Time         `json:"created_at"`
	UpdatedAt         time.Time         `json:"updated_at"`
	showNamespaceJSON                   // api_namespace_json.go
}

func (h *handler) showJSON(s *episodes.Show) showJSON {
	return showJSON{
		Slug: s.Slug, Title: s.Title, Description: s.Description, Author: s.Author,
		Owner:    ownerJSON(s.Owner),
		Language: s.Language,
		Categories: mapSlice(s.Categories, func(c episodes.Category) categoryJSON {
			return categoryJSON(c)
		}),
		Explicit: s.Explicit, Type: s.Type, Link: s.Link, Copyright: s.Copyright, GUID: s.GUID, Locked: s.Locked,
		Funding: mapSlice(s.Funding, func(f episodes.Funding) fundingJSON { return fundingJSON(f) }),
		Medium:  s.Medium,
		Hosts: mapSlice(s.Hosts, func(p episodes.Person) hostJSON {
			return hostJSON{Name: p.Name, Role: p.Role, Group: p.Group, Href: p.Href, Img: p.Img}
		}),
		Complete: s.Complete, Block: s.Block, NewFeedURL: s.NewFeedURL, TimeZone: s.TimeZone,
		Visibility:  s.Visibility,
		Directories: orEmpty(s.Directories),
		ImageURL:    h.Links.ShowImage(s),
		FeedURL:     h.Links.Feed(s.Slug),
		PageURL:     h.Links.ShowPage(s.Slug),
		CreatedAt:   s.CreatedAt, UpdatedAt: s.UpdatedAt,
		showNamespaceJSON: h.showNamespaceJSON(s),
	}
}

// showPatch is a show as a request gives it: on create every field, on
// PATCH only the fields present change.
type showPatch struct {
	Slug        opt[string]            `json:"slug"`
	Title       opt[string]            `json:"title"`
	Description opt[string]            `json:"description"`
	Author      opt[string]            `json:"author"`
	Owner       opt[ownerJSON]         `json:"owner"`
	Language    opt[string]            `json:"language"`
	Categories  opt[[]categoryJSON]    `json:"categories"`
	Explicit    opt[bool]              `json:"explicit"`
	Type        opt[string]            `json:"type"`
	Link        opt[string]            `json:"link"`
	Copyright   opt[string]            `json:"copyright"`
	GUID        opt[string]            `json:"guid"`
	Locked      opt[bool]              `json:"locked"`
	Funding     opt[[]fundingJSON]     `json:"funding"`
	Medium      opt[string]            `json:"medium"`
	Hosts       opt[[]hostJSON]        `json:"hosts"`
	Complete    opt[bool]              `json:"complete"`
	Block       opt[bool]              `json:"block"`
	NewFeedURL  opt[string]            `json:"new_feed_url"`
	TimeZone    opt[string]            `json:"time_zone"`
	Visibility  opt[string]            `json:"visibility"`
	Directories opt[map[string]string] `json:"directories"`

	ImageURL           readOnly `json:"image_url"`
	FeedURL            readOnly `json:"feed_url"`
	PageURL            readOnly `json:"page_url"`
	CreatedAt          readOnly `json:"created_at"`
	UpdatedAt          readOnly `json:"updated_at"`
	showNamespacePatch          // api_namespace_json.go
}

// apply copies the fields present in p onto s. (The Store refuses a new
// slug or guid for a stored show.)
func (p showPatch) apply(s *episodes.Show) error {
	if err := checkReadOnly([]readOnlyField{
		{"image_url", p.ImageURL, "upload artwork with PUT .../artwork"},
		{"feed_url", p.FeedURL, "it follows from the slug"},
		{"page_url", p.PageURL, "it follows from the slug"},
		{"created_at", p.CreatedAt, "the server sets it"},
		{"updated_at", p.UpdatedAt, "the server sets it"},
	}); err != nil {
		return err
	}
	p.Slug.to(&s.Slug)
	p.GUID.to(&s.GUID)
	p.Title.to(&s.Title)
	p.Description.to(&s.Description)
	p.Author.to(&s.Author)
	if p.Owner.set {
		s.Owner = episodes.Owner(p.Owner.v)
	}
	p.Language.to(&s.Language)
	if p.Categories.set {
		s.Categories = mapSlice(p.Categories.v, func(c categoryJSON) episodes.Category { return episodes.Category(c) })
	}
	p.Explicit.to(&s.Explicit)
	p.Type.to(&s.Type)
	p.Link.to(&s.Link)
	p.Copyright.to(&s.Copyright)
	p.Locked.to(&s.Locked)
	if p.Funding.set {
		s.Funding = mapSlice(p.Funding.v, func(f fundingJSON) episodes.Funding { return episodes.Funding(f) })
	}
	p.Medium.to(&s.Medium)
	if p.Hosts.set {
		s.Hosts = mapSlice(p.Hosts.v, func(h hostJSON) episodes.Person {
			return episodes.Person{Name: h.Name, Role: h.Role, Group: h.Group, Href: h.Href, Img: h.Img}
		})
	}
	p.Complete.to(&s.Complete)
	p.Block.to(&s.Block)
	p.NewFeedURL.to(&s.NewFeedURL)
	p.TimeZone.to(&s.TimeZone)
	p.Visibility.to(&s.Visibility)
	p.Directories.to(&s.Directories)
	return p.showNamespacePatch.apply(s)
}
