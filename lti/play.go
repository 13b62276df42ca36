package lti

import (
	"errors"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
)

func urlQuery(s string) string { return url.QueryEscape(s) }

// iframeHTML is the HTML of a content item that frames the embed player.
func iframeHTML(src, title string) string {
	return `<iframe src="` + html.EscapeString(src) + `" title="` + html.EscapeString(title) + `" width="` +
		strconv.Itoa(frameWidth) + `" height="` + strconv.Itoa(frameHeight) + `" style="border:0" allow="autoplay" loading="lazy"></iframe>`
}

type otherEpisode struct {
	Title, URL string
	Current    bool
}

// played is a grant's show and the episode asked for.
type played struct {
	id    string
	grant *grant
	show  *episodes.Show
	ep    *episodes.Episode   // nil: the show has no published episode
	list  []*episodes.Episode // the show's episodes, for a grant of the whole show
}

// resolve reads the grant in the path and the episode asked for (?episode=
// for a grant of a whole show, else its latest); false when it answered.
func (h *Handler) resolve(w http.ResponseWriter, r *http.Request) (*played, bool) {
	if !h.enabled(w, r) {
		return nil, false
	}
	ctx := r.Context()
	p := &played{id: mux.Vars(r)["grant"]}
	var err error
	p.grant, err = h.flows.findGrant(ctx, p.id)
	if errors.Is(err, errNoGrant) {
		h.fail(w, r, nil, refuse(http.StatusNotFound, "This player has expired",
			"A launch lets you listen for 8 hours; open the podcast from the course again."))
		return nil, false
	}
	if err != nil {
		h.fail(w, r, nil, internal(err))
		return nil, false
	}
	origins := p.grant.FrameOrigins
	if p.show, err = h.d.Store.GetShowByID(ctx, p.grant.ShowID); err != nil {
		h.fail(w, r, origins, internal(err))
		return nil, false
	}
	now := h.d.Now()
	if p.grant.EpisodeID != 0 {
		p.ep, err = h.d.Store.GetEpisode(ctx, p.show.ID, strconv.FormatInt(p.grant.EpisodeID, 10))
		if errors.Is(err, episodes.ErrNotFound) || (err == nil && !p.ep.IsPublic(now)) {
			h.fail(w, r, origins, refuse(http.StatusNotFound, "Episode not available", "This episode has been unpublished."))
			return nil, false
		}
		if err != nil {
			h.fail(w, r, origins, internal(err))
			return nil, false
		}
		return p, true
	}
	if p.list, err = h.d.Store.PublicEpisodes(ctx, p.show.ID, now); err != nil {
		h.fail(w, r, origins, internal(err))
		return nil, false
	}
	want := r.URL.Query().Get("episode")
	for _, e := range p.list {
		if want == "" || e.Slug == want {
			p.ep = e
			break
		}
	}
	if want != "" && p.ep == nil {
		h.fail(w, r, origins, refuse(http.StatusNotFound, "Episode not available", "This show has no published episode “"+want+"”."))
		return nil, false
	}
	if p.ep != nil && len(p.ep.StudyQuestions) == 0 && len(p.ep.References) == 0 && len(p.ep.Chapters) == 0 {
		// The list holds episodes without their materials; read this one whole.
		if full, err := h.d.Store.GetEpisode(ctx, p.show.ID, strconv.FormatInt(p.ep.ID, 10)); err == nil {
			p.ep = full
		}
	}
	return p, true
}

// Play serves GET /lti/play/{grant}: what a resource link launch granted,
// inside the course's frame: the player of its episode (or, for a link to a
// whole show, of its latest episode, ?episode=SLUG for another, with the
// list), and the episode's study questions and references.
func (h *Handler) Play(w http.ResponseWriter, r *http.Request) {
	p, ok := h.resolve(w, r)
	if !ok {
		return
	}
	slug := ""
	if p.ep != nil && p.list != nil {
		slug = p.ep.Slug
	}
	data := map[string]any{"Show": p.show, "Episode": p.ep}
	if h.d.Player != nil {
		data["EmbedURL"] = h.embedURL(p.id, slug)
	} else if p.ep != nil && p.ep.Audio != nil {
		data["AudioURL"] = h.d.MediaURL(p.ep.Audio.Key)
	}
	if len(p.list) > 1 {
		var others []otherEpisode
		for _, e := range p.list {
			others = append(others, otherEpisode{Title: e.Title, URL: h.playURL(p.id, e.Slug), Current: p.ep != nil && e.ID == p.ep.ID})
		}
		data["Others"] = others
	}
	h.pages.render(w, r, http.StatusOK, "player.html", data, p.grant.FrameOrigins, "")
}

// PlayEmbed serves GET /lti/play/{grant}/embed: the listener pages' embed
// player of the granted episode, framed by the page of Play (and so by the
// course around it).
func (h *Handler) PlayEmbed(w http.ResponseWriter, r *http.Request) {
	if h.d.Player == nil {
		h.fail(w, r, nil, refuse(http.StatusNotFound, "No embed player", "This server plays LTI launches on the launch page itself."))
		return
	}
	p, ok := h.resolve(w, r)
	if !ok {
		return
	}
	ep := p.ep
	if p.list != nil && r.URL.Query().Get("episode") == "" {
		ep = nil // the show's latest, as the embed player lists them
	}
	h.d.Player.ServeGranted(w, r, Granted{Show: p.show, Episode: ep, Until: p.grant.Until,
		FrameAncestors: append(slices.Clone(p.grant.FrameOrigins), h.base)})
}
