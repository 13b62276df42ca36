package web

import (
	"net/http"
)

type studyGuidePage struct {
	head
	Episode    episodeItem
	EpisodeURL string
	Takeaways  []string
	Questions  []string
	References []citation
	// DiscussionURL is where listeners discuss the episode; "" for none.
	DiscussionURL string
}

// StudyGuide serves GET /{show}/{episode}/study-guide: the printable study
// guide; cached.
func (h *Handler) StudyGuide(w http.ResponseWriter, r *http.Request) {
	h.cached(w, r, "", h.studyGuide)
}

func (h *Handler) studyGuide(w http.ResponseWriter, r *http.Request) {
	h = h.forRequest(r)
	v, ok := h.loadEpisode(w, r)
	if !ok {
		return
	}
	show, e := v.Show, v.Episode
	summary, err := h.summary(e.Notes)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := studyGuidePage{
		head:          h.episodeHead(show, e, summary),
		Episode:       h.item(show, e),
		EpisodeURL:    h.links.EpisodePage(show.Slug, e.Slug),
		Takeaways:     e.Takeaways,
		Questions:     e.StudyQuestions,
		References:    citations(e.References),
		DiscussionURL: safeURL(e.DiscussionURL),
	}
	p.Title = "Study guide: " + p.Title
	p.Canonical = h.links.StudyGuide(show.Slug, e.Slug)
	p.AudioURL = ""
	cacheable(w, show, v.NextScheduled)
	h.render(w, r, http.StatusOK, "study_guide.html", p)
}
