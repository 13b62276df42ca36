package lti

import (
	"errors"
	"html"
	"net/http"
	"net/url"
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

// Play serves GET /lti/play/{grant}: the player a resource link launch
// granted, inside the course's frame, for its episode, or for the show's
// latest episode (?episode=SLUG for another) when the link is to a show.
func (h *Handler) Play(w http.ResponseWriter, r *http.Request) {
	if !h.enabled(w, r) {
		return
	}
	ctx := r.Context()
	g, err := h.flows.findGrant(ctx, mux.Vars(r)["grant"])
	if errors.Is(err, errNoGrant) {
		h.fail(w, r, nil, refuse(http.StatusNotFound, "This player has expired",
			"A launch lets you listen for 8 hours; open the podcast from the course again."))
		return
	}
	if err != nil {
		h.fail(w, r, nil, internal(err))
		return
	}
	show, err := h.d.Store.GetShowByID(ctx, g.ShowID)
	if err != nil {
		h.fail(w, r, g.FrameOrigins, internal(err))
		return
	}
	gr := Granted{Show: show, FrameAncestors: g.FrameOrigins}
	now := h.d.Now()
	if g.EpisodeID != 0 {
		e, err := h.d.Store.GetEpisode(ctx, show.ID, strconv.FormatInt(g.EpisodeID, 10))
		if errors.Is(err, episodes.ErrNotFound) || (err == nil && !e.IsPublic(now)) {
			h.fail(w, r, g.FrameOrigins, refuse(http.StatusNotFound, "Episode not available", "This episode has been unpublished."))
			return
		}
		if err != nil {
			h.fail(w, r, g.FrameOrigins, internal(err))
			return
		}
		gr.Episode = e
	} else {
		if gr.Episodes, err = h.d.Store.PublicEpisodes(ctx, show.ID, now); err != nil {
			h.fail(w, r, g.FrameOrigins, internal(err))
			return
		}
		grantID := mux.Vars(r)["grant"]
		gr.PlayURL = func(slug string) string { return h.playURL(grantID, slug) }
		want := r.URL.Query().Get("episode")
		for _, e := range gr.Episodes {
			if want == "" || e.Slug == want {
				gr.Episode = e
				break
			}
		}
		if want != "" && gr.Episode == nil {
			h.fail(w, r, g.FrameOrigins, refuse(http.StatusNotFound, "Episode not available", "This show has no published episode “"+want+"”."))
			return
		}
	}
	if h.d.Player != nil {
		h.d.Player.ServeGranted(w, r, gr)
		return
	}
	h.ownPlayer(w, r, gr)
}

// ownPlayer is the tool's own player page, for a site without the embed
// player: the audio, its chapters, study questions and references.
func (h *Handler) ownPlayer(w http.ResponseWriter, r *http.Request, g Granted) {
	data := map[string]any{"Show": g.Show, "Episode": g.Episode}
	if g.Episode != nil && g.Episode.Audio != nil {
		data["AudioURL"] = h.d.MediaURL(g.Episode.Audio.Key)
	}
	if g.PlayURL != nil && len(g.Episodes) > 1 {
		var others []otherEpisode
		for _, e := range g.Episodes {
			others = append(others, otherEpisode{Title: e.Title, URL: g.PlayURL(e.Slug), Current: g.Episode != nil && e.ID == g.Episode.ID})
		}
		data["Others"] = others
	}
	h.pages.render(w, r, http.StatusOK, "player.html", data, g.FrameAncestors, "")
}
