package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/web/kit"
)

// confirmPage is the data of a page that asks before something is deleted:
// what goes away, and the form that deletes it.
type confirmPage struct {
	page
	Heading string
	Intro   string
	Goes    []string // what is deleted, one item each
	Action  string   // where the form posts
	Button  string
	Cancel  string // where "keep it" goes
}

// episodeDeleteForm asks before deleting an episode, saying what goes away.
func (h *Handler) episodeDeleteForm(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	title := ep.Title
	if title == "" {
		title = "Untitled episode"
	}
	p := confirmPage{
		page:    h.page("Delete "+title, s, crumb{"Shows", "/admin/"}, crumb{sh.Title, showAdminURL(sh)}, crumb{title, episodeAdminURL(sh, ep)}),
		Heading: "Delete “" + title + "”?",
		Intro:   "This cannot be undone. Deleting the episode removes:",
		Action:  episodeAdminURL(sh, ep) + "delete",
		Button:  "Delete the episode",
		Cancel:  episodeAdminURL(sh, ep),
	}
	p.Goes = append(p.Goes, "its details and learning materials (notes, chapters, takeaways, study questions, references, guests)")
	if ep.Audio != nil {
		p.Goes = append(p.Goes, fmt.Sprintf("its audio file (%s): its address answers “not found” at once, and storage lets go of it after the retention period", kit.Size(ep.Audio.Size)))
	}
	if ep.ImageKey != "" {
		p.Goes = append(p.Goes, "its own artwork")
	}
	if n := len(ep.Transcripts); n > 0 {
		p.Goes = append(p.Goes, fmt.Sprintf("%d transcript%s", n, plural(n)))
	}
	if ep.IsPublic(h.now()) {
		p.Goes = append(p.Goes, "its entry in the feed (podcast apps drop it at their next check) and its public page and study guide")
	}
	h.render(w, r, http.StatusOK, "confirm.html", p)
}

// episodeDelete deletes the episode and its files (uploads.DeleteEpisode,
// the API's path).
func (h *Handler) episodeDelete(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	if err := h.uploads.DeleteEpisode(r.Context(), ep); err != nil && !errors.Is(err, episodes.ErrNotFound) {
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, showAdminURL(sh)+"?done=deleted")
}

// showDeleteForm asks before deleting a show, saying what goes away.
func (h *Handler) showDeleteForm(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	eps, _, err := h.store.ListEpisodes(r.Context(), sh.ID, episodes.ListOptions{Limit: episodes.MaxListLen})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := confirmPage{
		page:    h.page("Delete "+sh.Title, s, crumb{"Shows", "/admin/"}, crumb{sh.Title, showAdminURL(sh)}),
		Heading: "Delete the show “" + sh.Title + "”?",
		Intro:   "This cannot be undone. Deleting the show removes:",
		Action:  showAdminURL(sh) + "delete",
		Button:  "Delete the show",
		Cancel:  showAdminURL(sh),
	}
	n := len(eps)
	more := ""
	if n == episodes.MaxListLen {
		more = " or more"
	}
	p.Goes = append(p.Goes,
		fmt.Sprintf("its %d episode%s%s with their learning materials", n, plural(n), more),
		"their audio, artwork and transcript files (deleted from storage by the periodic sweep)",
		"its feed: podcast apps find nothing there any more (set a new feed URL instead if the show is moving)",
		"its public page, episode pages and study guides")
	h.render(w, r, http.StatusOK, "confirm.html", p)
}

// showDelete deletes the show with everything in it (the API's path).
func (h *Handler) showDelete(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	if err := h.store.DeleteShow(r.Context(), sh.ID); err != nil && !errors.Is(err, episodes.ErrNotFound) {
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, "/admin/?done=showdeleted")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
