package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/notify"
)

// episodesPerPage is how many episodes the show's admin page lists at once.
const episodesPerPage = 50

// showPage is the data of a show's admin page: its episodes and the upload form.
type showPage struct {
	page
	Show        *episodes.Show
	ImageURL    string
	PublicURL   string
	FeedURL     string
	EditURL     string
	UploadURL   string
	UploadError string
	Episodes    []episodeItem
	OlderURL    string
	NewestURL   string
	// Notifications are the last notification to each target; none when
	// no target is configured.
	Notifications []notificationItem
}

// notificationItem is a show's last notification to one target.
type notificationItem struct {
	notify.Status
	At, SentAt *time.Time // nil when never
}

type episodeItem struct {
	Episode  *episodes.Episode
	Status   string
	AdminURL string
	PageURL  string // empty unless public
}

func (h *Handler) showView(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	h.renderShow(w, r, s, sh, http.StatusOK, "")
}

// renderShow renders the show page, with uploadErr beside the upload form.
func (h *Handler) renderShow(w http.ResponseWriter, r *http.Request, s *session, sh *episodes.Show, status int, uploadErr string) {
	cursor := r.URL.Query().Get("after")
	if r.Method == http.MethodPost {
		cursor = ""
	}
	eps, next, err := h.store.ListEpisodes(r.Context(), sh.ID, episodes.ListOptions{Limit: episodesPerPage, Cursor: cursor})
	if err != nil && cursor != "" {
		cursor = ""
		eps, next, err = h.store.ListEpisodes(r.Context(), sh.ID, episodes.ListOptions{Limit: episodesPerPage})
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := showPage{
		page:        h.pageIn(r, sh.Title, s, sh, crumb{"Shows", "/admin/"}),
		Show:        sh,
		ImageURL:    h.links.ShowImage(sh),
		PublicURL:   h.previewLinks(sh, nil).ShowPage(sh.Slug),
		FeedURL:     h.links.Feed(sh.Slug),
		EditURL:     showAdminURL(sh) + "edit",
		UploadURL:   showAdminURL(sh) + "episodes",
		UploadError: uploadErr,
	}
	if status == http.StatusOK {
		p.Flash = flash(r)
	}
	now := h.now()
	for _, e := range eps {
		it := episodeItem{Episode: e, Status: e.EffectiveStatus(now), AdminURL: episodeAdminURL(sh, e)}
		if e.IsPublic(now) {
			it.PageURL = h.previewLinks(sh, e).EpisodePage(sh.Slug, e.Slug)
		}
		p.Episodes = append(p.Episodes, it)
	}
	if next != "" {
		p.OlderURL = showAdminURL(sh) + "?after=" + urlQueryEscape(next)
	}
	if cursor != "" {
		p.NewestURL = showAdminURL(sh)
	}
	if h.notifier != nil {
		st, err := h.notifier.Status(r.Context(), sh.ID)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		for _, n := range st {
			it := notificationItem{Status: n}
			if !n.At.IsZero() {
				it.At = &n.At
			}
			if !n.SentAt.IsZero() {
				it.SentAt = &n.SentAt
			}
			p.Notifications = append(p.Notifications, it)
		}
	}
	h.render(w, r, status, "show.html", p)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
