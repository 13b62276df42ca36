package admin

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
)

// listenersPage is a show's listener keys: each with its personal feed
// URLs and when it was last used, a form for one key, a CSV upload for a
// cohort, and the show's embed code.
type listenersPage struct {
	page
	Show      *episodes.Show
	Keys      []listenerRow
	FormError string
	CSVError  string
	Name      string
	Email     string
	Expires   string
	EmbedCode string // the show's <iframe>; empty for a private show
	Preview   string // a signed link to the show's pages, for a private show
}

type listenerRow struct {
	Key       *episodes.ListenerKey
	FeedURL   string
	QueryURL  string
	Active    bool
	RevokeURL string
}

func listenersURL(sh *episodes.Show) string { return showAdminURL(sh) + "listeners/" }

// listeners serves GET /admin/shows/{show}/listeners/.
func (h *Handler) listeners(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	h.renderListeners(w, r, s, sh, http.StatusOK, listenersPage{})
}

func (h *Handler) renderListeners(w http.ResponseWriter, r *http.Request, s *session, sh *episodes.Show, status int, p listenersPage) {
	keys, err := h.store.ListenerKeys(r.Context(), sh.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p.page = h.page("Listeners · "+sh.Title, s, crumb{"Shows", "/admin/"}, crumb{sh.Title, showAdminURL(sh)})
	p.Show = sh
	if status == http.StatusOK {
		p.Flash = flash(r)
	}
	now := h.now()
	for _, k := range keys {
		feed, query := h.signer.PersonalFeed(h.links, sh.Slug, k)
		p.Keys = append(p.Keys, listenerRow{Key: k, FeedURL: feed, QueryURL: query, Active: k.Active(now),
			RevokeURL: listenersURL(sh) + strconv.FormatInt(k.ID, 10) + "/revoke"})
	}
	if sh.Visibility != episodes.VisibilityPrivate {
		p.EmbedCode = `<iframe src="` + h.links.ShowEmbed(sh.Slug) + `" width="640" height="420" title="Player: ` +
			strings.ReplaceAll(sh.Title, `"`, "&quot;") + `" style="border:0;max-width:100%" loading="lazy"></iframe>`
	}
	p.Preview = h.previewURL(sh)
	h.render(w, r, status, "listeners.html", p)
}

// previewURL is a link to a private show's pages signed for the producer
// for previewTTL; "" for a show that is not private.
func (h *Handler) previewURL(sh *episodes.Show) string {
	if sh.Visibility != episodes.VisibilityPrivate {
		return ""
	}
	g := h.signer.TimeGrant(sh.ID, h.now().Add(previewTTL))
	return h.links.Signed(g.Sign).ShowPage(sh.Slug)
}

// previewLinks builds the public URLs of the show (or of its episode e)
// for the producer: signed with a preview grant to the show when it is
// private, so that it opens for them; plain otherwise.
func (h *Handler) previewLinks(sh *episodes.Show, e *episodes.Episode) links.Builder {
	if episodes.EffectiveVisibility(sh, e) != episodes.VisibilityPrivate {
		return h.links
	}
	g := h.signer.TimeGrant(sh.ID, h.now().Add(previewTTL))
	return h.links.Signed(g.Sign)
}

// previewTTL is how long a producer's preview link of private content works.
const previewTTL = 12 * time.Hour

// listenerCreate serves POST /admin/shows/{show}/listeners/: one key from
// the form (name, email, expires as a date), or, sent as multipart with a
// file, one key a line of its CSV.
func (h *Handler) listenerCreate(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		_, part, err := streamFile(r, s)
		if h.streamError(w, r, s, err) {
			return
		}
		var keys []*episodes.ListenerKey
		if err == nil {
			keys, err = episodes.ParseListenerCSV(io.LimitReader(part, 1<<20))
		}
		if err == nil {
			err = h.store.CreateListenerKeys(r.Context(), sh.ID, keys)
		}
		if err != nil {
			if de, ok := episodes.AsError(err); ok {
				h.renderListeners(w, r, s, sh, http.StatusBadRequest, listenersPage{CSVError: de.Message})
				return
			}
			if errors.Is(err, errNoFile) {
				h.renderListeners(w, r, s, sh, http.StatusBadRequest, listenersPage{CSVError: "Choose a CSV file of names and emails."})
				return
			}
			h.serverError(w, r, err)
			return
		}
		seeOther(w, r, listenersURL(sh)+"?done=listeners")
		return
	}
	p := listenersPage{Name: strings.TrimSpace(r.PostFormValue("name")), Email: strings.TrimSpace(r.PostFormValue("email")),
		Expires: strings.TrimSpace(r.PostFormValue("expires"))}
	k := &episodes.ListenerKey{Name: p.Name, Email: p.Email}
	if p.Expires != "" {
		t, err := time.ParseInLocation("2006-01-02", p.Expires, sh.Location())
		if err != nil {
			p.FormError = "The expiry date must be a date such as 2027-06-30."
			h.renderListeners(w, r, s, sh, http.StatusBadRequest, p)
			return
		}
		t = t.AddDate(0, 0, 1) // the key works through the whole day
		k.ExpiresAt = &t
	}
	if err := h.store.CreateListenerKeys(r.Context(), sh.ID, []*episodes.ListenerKey{k}); err != nil {
		if de, ok := episodes.AsError(err); ok {
			p.FormError = de.Field + ": " + de.Message
			h.renderListeners(w, r, s, sh, http.StatusBadRequest, p)
			return
		}
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, listenersURL(sh)+"?done=listener")
}

// listenerRevoke serves POST /admin/shows/{show}/listeners/{id}/revoke.
func (h *Handler) listenerRevoke(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err == nil {
		_, err = h.store.RevokeListenerKey(r.Context(), sh.ID, id)
	}
	if err != nil {
		if _, ok := episodes.AsError(err); ok || errors.Is(err, strconv.ErrSyntax) {
			h.notFound(w, r, s, "listener key")
			return
		}
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, listenersURL(sh)+"?done=keyrevoked")
}
