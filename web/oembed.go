package web

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	_ "image/jpeg" // artwork is JPEG or PNG
	_ "image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// oembedAnswer is an oEmbed 1.0 "rich" answer (https://oembed.com).
type oembedAnswer struct {
	Version         string `json:"version"`
	Type            string `json:"type"`
	ProviderName    string `json:"provider_name"`
	ProviderURL     string `json:"provider_url"`
	Title           string `json:"title"`
	AuthorName      string `json:"author_name,omitempty"`
	AuthorURL       string `json:"author_url,omitempty"`
	HTML            string `json:"html"`
	Width           int    `json:"width"`
	Height          int    `json:"height"`
	ThumbnailURL    string `json:"thumbnail_url,omitempty"`
	ThumbnailWidth  int    `json:"thumbnail_width,omitempty"`
	ThumbnailHeight int    `json:"thumbnail_height,omitempty"`
	CacheAge        int    `json:"cache_age"`
}

// OEmbed serves GET /oembed?url=PAGE&format=json: the embed player of a
// show or episode page (or of its embed URL) of this site, as an oEmbed
// "rich" answer with the <iframe>, so that pasting the page's URL into
// WordPress, Moodle or Canvas embeds the player. Private content, and
// anything that is not a public page here, is a 404; a format other than
// json is a 501, as the spec asks.
func (h *Handler) OEmbed(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if f := q.Get("format"); f != "" && f != "json" {
		oembedError(w, http.StatusNotImplemented, "only format=json is served")
		return
	}
	showSlug, epSlug, ok := h.pagePath(q.Get("url"))
	if !ok {
		oembedError(w, http.StatusNotFound, "url must be the address of a show or episode page of "+h.links.Base())
		return
	}
	ctx := r.Context()
	var show *episodes.Show
	var e *episodes.Episode
	var err error
	if epSlug == "" {
		show, err = h.store.GetShow(ctx, showSlug)
	} else {
		var v *episodes.EpisodeView
		if v, err = h.store.PublicEpisodeView(ctx, showSlug, epSlug, h.now()); err == nil {
			show, e = v.Show, v.Episode
			if e == nil || e.Slug != epSlug || !e.IsPublic(h.now()) {
				err = episodes.ErrNotFound
			}
		}
	}
	if err == nil && episodes.EffectiveVisibility(show, e) == episodes.VisibilityPrivate {
		err = episodes.ErrNotFound // nothing private is told, not even that it exists
	}
	if errors.Is(err, episodes.ErrNotFound) {
		oembedError(w, http.StatusNotFound, "no public show or episode at that url")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	a := oembedAnswer{Version: "1.0", Type: "rich", ProviderName: "Lyssna", ProviderURL: h.links.Base() + "/",
		AuthorName: show.Author, AuthorURL: h.links.ShowPage(show.Slug), Width: embedWidth, CacheAge: 3600}
	src, title := h.links.ShowEmbed(show.Slug), show.Title
	a.Height = showEmbedHeight
	if e != nil {
		src, title, a.Height = h.links.EpisodeEmbed(show.Slug, e.Slug), e.Title, episodeEmbedHeight
	}
	if mw, err := strconv.Atoi(q.Get("maxwidth")); err == nil && mw > 0 && mw < a.Width {
		a.Width = mw
	}
	if mh, err := strconv.Atoi(q.Get("maxheight")); err == nil && mh > 0 && mh < a.Height {
		a.Height = mh
	}
	a.Title = title
	a.HTML = strings.Replace(h.iframe(src, title, a.Height),
		`width="`+strconv.Itoa(embedWidth)+`"`, `width="`+strconv.Itoa(a.Width)+`"`, 1)
	a.ThumbnailURL, a.ThumbnailWidth, a.ThumbnailHeight = h.thumbnail(ctx, show, e)
	b, err := json.Marshal(a)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	hdr.Set("Cache-Control", pageCacheControl)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Access-Control-Allow-Origin", "*")
	if episodes.EffectiveVisibility(show, e) != episodes.VisibilityPublic {
		hdr.Set("X-Robots-Tag", "noindex")
	}
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}

// pagePath finds the show and episode slugs of a page (or embed) URL of
// this site: BASE/show/, BASE/show/episode/, BASE/show/embed,
// BASE/show/episode/embed.
func (h *Handler) pagePath(raw string) (show, episode string, ok bool) {
	base := h.links.Base() + "/"
	if !strings.HasPrefix(raw, base) {
		return "", "", false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", false
	}
	bu, _ := url.Parse(base)
	rest := strings.TrimPrefix(u.Path, strings.TrimSuffix(bu.Path, "/")+"/")
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	if n := len(parts); n > 1 && parts[n-1] == "embed" && !strings.HasSuffix(rest, "/") {
		parts = parts[:n-1]
	}
	for _, p := range parts {
		if p == "" {
			return "", "", false
		}
	}
	switch len(parts) {
	case 1:
		return parts[0], "", true
	case 2:
		return parts[0], parts[1], true
	}
	return "", "", false
}

// thumbnail is the artwork of e (else of the show) with its size, which
// oEmbed requires with it; "" when there is none or its size is unknown.
func (h *Handler) thumbnail(ctx context.Context, show *episodes.Show, e *episodes.Episode) (string, int, int) {
	if e != nil && e.ImageKey != "" && e.ImageWidth > 0 && e.ImageHeight > 0 {
		return h.links.Media(e.ImageKey), e.ImageWidth, e.ImageHeight
	}
	key := show.ImageKey
	if e != nil && e.ImageKey != "" {
		key = e.ImageKey
	}
	if key == "" {
		return "", 0, 0
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rc, _, err := h.bucket.Get(ctx, key)
	if err != nil {
		return "", 0, 0
	}
	defer rc.Close()
	cfg, _, err := image.DecodeConfig(io.LimitReader(rc, 1<<20))
	if err != nil {
		return "", 0, 0
	}
	return h.links.Media(key), cfg.Width, cfg.Height
}

func oembedError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, strconv.Itoa(status)+" "+msg, status)
}
