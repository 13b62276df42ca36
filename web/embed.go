package web

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/episodes"
)

// The embeddable player: /{show}/{episode}/embed and /{show}/embed (the
// latest episodes). They are the only pages that may be framed by other
// sites: frame-ancestors is * (or LYSSNA_EMBED_ORIGINS when set) for public
// and unlisted content, and only LYSSNA_EMBED_ORIGINS (the LMS) and Lyssna
// itself for private content, which also needs a grant (a listener key, or
// the signed URL an LTI launch or a producer's preview link carries).

// Heights of the iframe the embed code and oEmbed give, in CSS pixels.
const (
	episodeEmbedHeight = 260
	showEmbedHeight    = 420
	embedWidth         = 640
	// showEmbedEpisodes is how many latest episodes the show's embed lists.
	showEmbedEpisodes = 10
)

// embedCSP is the embed's Content-Security-Policy: the pages' own, framed
// by the given ancestors (nil: none).
func embedCSP(ancestors []string) string {
	fa := "'none'"
	if len(ancestors) > 0 {
		fa = strings.Join(ancestors, " ")
	}
	return strings.Replace(contentSecurityPolicy, "frame-ancestors 'none'", "frame-ancestors "+fa, 1)
}

// frameAncestors are who may frame an embed of content of the visibility:
// for public and unlisted content the embed origins when set, else anyone;
// for private content Lyssna itself and the embed origins only.
func (h *Handler) frameAncestors(visibility string, extra []string) []string {
	if visibility != episodes.VisibilityPrivate {
		if len(h.origins) == 0 {
			return []string{"*"}
		}
		return append(append([]string{"'self'"}, h.origins...), extra...)
	}
	return append(append([]string{"'self'"}, h.origins...), extra...)
}

type embedPage struct {
	head
	Show       *episodes.Show
	Episode    *episodeItem // the episode playing; nil when the show has none
	PageURL    string       // the full episode page (study questions, references)
	AudioURL   string
	AudioType  string
	Captions   *embedTrack
	Chapters   []chapter
	Transcript *transcriptView
	Episodes   []episodeItem // the show's embed: the latest episodes, each a link to its embed
}

type embedTrack struct {
	URL, Lang, Label string
}

// EpisodeEmbed serves GET /{show}/{episode}/embed: the compact player of an
// episode.
func (h *Handler) EpisodeEmbed(w http.ResponseWriter, r *http.Request) {
	h = h.forRequest(r)
	v, ok := h.loadEpisode(w, r)
	if !ok {
		return
	}
	h.serveEmbed(w, r, v.Show, v.Episode, nil, nil)
}

// ShowEmbed serves GET /{show}/embed: the player of the show's latest
// episode with a list of the latest ones.
func (h *Handler) ShowEmbed(w http.ResponseWriter, r *http.Request) {
	h = h.forRequest(r)
	show, ok := h.loadShow(w, r)
	if !ok {
		return
	}
	eps, _, err := h.store.VisibleEpisodePage(r.Context(), show.ID, h.now(), listingUpTo(r, show), 0, showEmbedEpisodes)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	latest, err := h.latest(r, show, eps)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.serveEmbed(w, r, show, latest, eps, nil)
}

// ServeEmbed renders the embed player of the show's episode (episodeSlug ""
// for the show's latest episodes) for a request that holds g: what an LTI
// launch shows inside the course, private content included. frameOrigins
// are origins that may frame it besides LYSSNA_EMBED_ORIGINS (the
// launching platform's). A show or episode that is unknown or not public
// by its status is a 404.
func (h *Handler) ServeEmbed(w http.ResponseWriter, r *http.Request, showSlug, episodeSlug string, g access.Grant, frameOrigins []string) {
	r = r.WithContext(access.WithGrant(r.Context(), g))
	h = h.forRequest(r)
	ctx := r.Context()
	show, err := h.store.GetShow(ctx, showSlug)
	if err != nil {
		h.embedLookupError(w, r, err)
		return
	}
	if !h.allowed(w, r, show, nil) {
		return
	}
	if episodeSlug == "" {
		eps, _, err := h.store.VisibleEpisodePage(ctx, show.ID, h.now(), episodes.VisibilityPrivate, 0, showEmbedEpisodes)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		latest, err := h.latest(r, show, eps)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		h.serveEmbed(w, r, show, latest, eps, frameOrigins)
		return
	}
	v, err := h.store.GrantedEpisodeView(ctx, showSlug, episodeSlug, h.now())
	if err == nil && (v.Episode == nil || v.Episode.Slug != episodeSlug || !v.Episode.IsPublic(h.now())) {
		err = episodes.ErrNotFound
	}
	if err != nil {
		h.embedLookupError(w, r, err)
		return
	}
	if !h.allowed(w, r, show, v.Episode) {
		return
	}
	h.serveEmbed(w, r, show, v.Episode, nil, frameOrigins)
}

// latest reads the first of eps (the show's latest episodes, listed
// without materials) whole; nil when there is none.
func (h *Handler) latest(r *http.Request, show *episodes.Show, eps []*episodes.Episode) (*episodes.Episode, error) {
	if len(eps) == 0 {
		return nil, nil
	}
	v, err := h.store.GrantedEpisodeView(r.Context(), show.Slug, eps[0].Slug, h.now())
	if err != nil {
		return nil, err
	}
	return v.Episode, nil
}

func (h *Handler) embedLookupError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, episodes.ErrNotFound) {
		h.notFound(w, r, nil)
		return
	}
	h.serverError(w, r, err)
}

// serveEmbed renders the player of e (nil: the show has no episode yet)
// with list, the show's latest episodes, when it is the show's embed.
func (h *Handler) serveEmbed(w http.ResponseWriter, r *http.Request, show *episodes.Show, e *episodes.Episode, list []*episodes.Episode, extraOrigins []string) {
	vis := episodes.EffectiveVisibility(show, e)
	for _, o := range list {
		vis = episodes.Strictest(vis, episodes.EffectiveVisibility(show, o))
	}
	p := embedPage{head: h.showHead(show), Show: show}
	p.Canonical, p.OEmbedURL, p.JSONLD, p.Robots = "", "", "", "noindex"
	p.StyleURL, p.ScriptURL = h.staticURL("embed.css"), h.staticURL("embed.js")
	p.Title = "Player · " + show.Title
	if e != nil {
		item := h.item(show, e)
		p.Episode = &item
		p.Title = e.Title + " · " + show.Title
		p.PageURL = h.links.EpisodePage(show.Slug, e.Slug)
		if e.Audio != nil {
			p.AudioURL, p.AudioType = h.links.Media(e.Audio.Key), e.Audio.ContentType
		}
		for _, c := range e.Chapters {
			ch := chapter{Start: time.Duration(c.StartMS) * time.Millisecond, Title: c.Title}
			if p.AudioURL != "" {
				ch.Href = fragment(p.AudioURL, ch.Start)
			}
			p.Chapters = append(p.Chapters, ch)
		}
		for _, t := range e.Transcripts {
			if t.Format == episodes.FormatVTT {
				lang := langTag(orLang(t.Language, show.Language))
				p.Captions = &embedTrack{URL: h.links.Media(t.Key), Lang: lang, Label: langName(lang)}
				break
			}
		}
		p.Transcript, _ = h.transcriptView(r.Context(), r, show, e, p.AudioURL)
		if p.Transcript != nil {
			p.Transcript.Languages = nil // one language in the compact player
		}
	}
	for _, o := range list {
		it := h.item(show, o)
		it.URL = h.links.EpisodeEmbed(show.Slug, o.Slug)
		p.Episodes = append(p.Episodes, it)
	}
	w.Header().Set("X-Robots-Tag", "noindex")
	w.Header().Set("Content-Security-Policy", embedCSP(h.frameAncestors(vis, extraOrigins)))
	cc := pageCacheControl
	if access.Personal(r) {
		cc = ""
	}
	h.embed.Render(w, r, http.StatusOK, "embed.html", p, cc)
}

// iframe is the <iframe> code that embeds src, for pages and oEmbed.
func (h *Handler) iframe(src, title string, height int) string {
	return fmt.Sprintf(`<iframe src="%s" width="%d" height="%d" title="%s" style="border:0;max-width:100%%" loading="lazy"></iframe>`,
		html.EscapeString(src), embedWidth, height, html.EscapeString("Player: "+title))
}
