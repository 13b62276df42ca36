package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
)

// episodesPerPage is how many episodes one show page lists.
const episodesPerPage = 20

// episodeItem is an episode in a list or a previous/next link.
type episodeItem struct {
	Title      string
	URL        string
	Date       time.Time
	DurationMS int64
	Season     int
	Number     int
	Type       string
	Summary    string
}

type showPage struct {
	head
	Show        *episodes.Show
	Paragraphs  []string
	Hosts       []person
	Directories []directory
	Episodes    []episodeItem
	Page        int
	Pages       int
	NewerURL    string
	OlderURL    string
}

// ShowPage serves GET /{show}/: the show and its public episodes, a page at
// a time; cached per page.
func (h *Handler) ShowPage(w http.ResponseWriter, r *http.Request) {
	h.cached(w, r, showPageParam, h.showPage)
}

func (h *Handler) showPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	h = h.forRequest(r)
	show, ok := h.loadShow(w, r)
	if !ok {
		return
	}
	page := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			h.badRequest(w, r, show, "The page number "+strconv.Quote(v)+" is not valid: use ?page=2 and so on, or leave it out for the newest episodes.")
			return
		}
		page = n
	}
	if page > math.MaxInt/episodesPerPage {
		h.notFound(w, r, show) // no show has that many pages
		return
	}
	now := h.now()
	eps, total, err := h.store.VisibleEpisodePage(ctx, show.ID, now, listingUpTo(r, show), (page-1)*episodesPerPage, episodesPerPage)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	next, _, err := h.store.NextScheduled(ctx, show.ID, now)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	pages := max(1, (total+episodesPerPage-1)/episodesPerPage)
	if page > pages {
		h.notFound(w, r, show)
		return
	}
	p := showPage{head: h.showHead(show), Show: show, Hosts: people(show.Hosts),
		Directories: directories(show.Directories), Page: page, Pages: pages}
	p.Paragraphs = textParagraphs(show.Description)
	ld, err := jsonLD(h.seriesLD(show, true))
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p.JSONLD = ld
	hidden(w, &p.head, show.Visibility)
	if page > 1 {
		p.Canonical += "?page=" + strconv.Itoa(page)
		p.Title += " · page " + strconv.Itoa(page)
		p.NewerURL = h.pageURL(show, page-1)
	}
	if page < pages {
		p.OlderURL = h.pageURL(show, page+1)
	}
	for _, e := range eps {
		item := h.item(show, e)
		if item.Summary, err = h.summary(e.Notes); err != nil {
			h.serverError(w, r, err)
			return
		}
		p.Episodes = append(p.Episodes, item)
	}
	if v := r.URL.Query().Get("page"); v == "" || (page > 1 && v == strconv.Itoa(page)) {
		// Other spellings (?page=1, ?page=02) are not kept: each would be
		// a key of its own.
		cacheable(w, show, next)
	}
	h.render(w, r, http.StatusOK, "show.html", p)
}

func (h *Handler) pageURL(show *episodes.Show, page int) string {
	if page <= 1 {
		return h.links.ShowPage(show.Slug)
	}
	return h.links.ShowPage(show.Slug) + "?page=" + strconv.Itoa(page)
}

// loadShow finds the show named in the path, answering 404 or 500 itself
// when it cannot, and 401 when the show is private and r has no grant for
// it.
func (h *Handler) loadShow(w http.ResponseWriter, r *http.Request) (*episodes.Show, bool) {
	show, err := h.store.GetShow(r.Context(), mux.Vars(r)["show"])
	if errors.Is(err, episodes.ErrNotFound) {
		h.notFound(w, r, nil)
		return nil, false
	}
	if err != nil {
		h.serverError(w, r, err)
		return nil, false
	}
	if !h.allowed(w, r, show, nil) {
		return nil, false
	}
	return show, true
}

// item is e as a list entry or page heading, without its summary.
func (h *Handler) item(show *episodes.Show, e *episodes.Episode) episodeItem {
	it := episodeItem{Title: e.Title, URL: h.links.EpisodePage(show.Slug, e.Slug),
		Season: e.Season, Number: e.Number, Type: e.Type}
	if e.Type == episodes.EpisodeFull {
		it.Type = ""
	}
	if e.PublishAt != nil {
		it.Date = *e.PublishAt
	}
	if e.Audio != nil {
		it.DurationMS = e.Audio.DurationMS
	}
	return it
}

// summary is the start of the show notes as plain text, for lists and
// descriptions.
func (h *Handler) summary(notes string) (string, error) {
	if notes == "" {
		return "", nil
	}
	rendered, err := h.notes.HTML(notes)
	if err != nil {
		return "", err
	}
	return h.notes.Plain(rendered, 240), nil
}
