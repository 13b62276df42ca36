package admin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// Networks (a university, a faculty: a publisher of several shows, with its
// publisher feed /{network}/publisher.xml) as the API's /api/v1/networks
// edits them. Who may do what follows the API's route table: anyone signed
// in sees the networks; creating, editing and deleting one is an instance
// setting (accounts.Settings, instance admins); putting a show in a network
// or taking it out changes the show's feed, so it is an Edit of that show
// (its owners and editors), and the pages offer only the shows the person
// may edit.

// networkListPage is the data of the list of networks.
type networkListPage struct {
	page
	Networks  []networkItem
	CanCreate bool
}

type networkItem struct {
	Network *episodes.Network
	URL     string
	FeedURL string
	Shows   int
}

// networkPage is the data of a network's page (and of the new network form).
type networkPage struct {
	page
	New     bool
	Network *episodes.Network
	Form    *formState
	Action  string
	FeedURL string
	CanEdit bool // instance settings: edit and delete the network
	// In are the network's shows; Others the shows the person may edit
	// that are not in it.
	In, Others []networkShow
}

// networkShow is a show on a network's page: may the person move it, and
// which network it is in now (for the others).
type networkShow struct {
	Show    *episodes.Show
	URL     string
	CanEdit bool
}

func networkURL(n *episodes.Network) string { return "/admin/networks/" + n.Slug + "/" }

var networkFlashes = map[string]string{
	"created": "The network was created. Add its shows below; their feeds then name it as their publisher.",
	"saved":   "Your changes were saved.",
	"deleted": "The network was deleted; its shows stay, without a publisher.",
	"added":   "The show is in the network: its feed names the network as its publisher.",
	"removed": "The show was taken out of the network.",
}

func (h *Handler) networkList(w http.ResponseWriter, r *http.Request, s *session) {
	ns, err := h.store.ListNetworks(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := networkListPage{page: h.page("Networks", s, crumb{"Shows", "/admin/"}), CanCreate: h.can(r.Context(), s, accounts.Settings, nil)}
	p.Flash = networkFlashes[r.URL.Query().Get("done")]
	for _, n := range ns {
		shows, err := h.store.NetworkShows(r.Context(), n.ID)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		p.Networks = append(p.Networks, networkItem{Network: n, URL: networkURL(n), FeedURL: h.links.PublisherFeed(n.Slug), Shows: len(shows)})
	}
	h.render(w, r, http.StatusOK, "networks.html", p)
}

func (h *Handler) networkNewForm(w http.ResponseWriter, r *http.Request, s *session) {
	h.render(w, r, http.StatusOK, "network.html", networkPage{page: h.page("New network", s, crumb{"Shows", "/admin/"}, crumb{"Networks", "/admin/networks/"}),
		New: true, Form: newFormState(), Action: "/admin/networks/new", CanEdit: true})
}

// networkFormValues reads the network inputs onto n (all but the slug).
func networkFormValues(f *formState, n *episodes.Network) {
	n.Title = strings.TrimSpace(f.Values["title"])
	n.Description = strings.TrimSpace(f.Values["description"])
	n.Link = strings.TrimSpace(f.Values["link"])
}

// networkCreate creates a network as the API's POST does: its podcast:guid
// follows from its publisher feed's URL; episodes validates it.
func (h *Handler) networkCreate(w http.ResponseWriter, r *http.Request, s *session) {
	f := readForm(r.PostForm, nil)
	n := &episodes.Network{Slug: strings.TrimSpace(f.Values["slug"])}
	networkFormValues(f, n)
	n.GUID = episodes.PodcastGUID(h.links.PublisherFeed(n.Slug))
	if err := h.store.CreateNetwork(r.Context(), n); err != nil {
		if !f.setError(err) {
			h.serverError(w, r, err)
			return
		}
		h.render(w, r, f.status(), "network.html", networkPage{page: h.page("New network", s, crumb{"Shows", "/admin/"}, crumb{"Networks", "/admin/networks/"}),
			New: true, Form: f, Action: "/admin/networks/new", CanEdit: true})
		return
	}
	seeOther(w, r, networkURL(n)+"?done=created")
}

// loadNetwork finds the network named in the path, answering 404 itself.
func (h *Handler) loadNetwork(w http.ResponseWriter, r *http.Request, s *session) (*episodes.Network, bool) {
	n, err := h.store.GetNetwork(r.Context(), mux.Vars(r)["network"])
	if errors.Is(err, episodes.ErrNotFound) {
		h.notFound(w, r, s, "network")
		return nil, false
	}
	if err != nil {
		h.serverError(w, r, err)
		return nil, false
	}
	return n, true
}

func (h *Handler) networkView(w http.ResponseWriter, r *http.Request, s *session) {
	n, ok := h.loadNetwork(w, r, s)
	if !ok {
		return
	}
	f := newFormState()
	f.Values["title"], f.Values["description"], f.Values["link"] = n.Title, n.Description, n.Link
	h.renderNetwork(w, r, s, n, f)
}

// renderNetwork renders the network's page with the edit form f.
func (h *Handler) renderNetwork(w http.ResponseWriter, r *http.Request, s *session, n *episodes.Network, f *formState) {
	ctx := r.Context()
	p := networkPage{page: h.page(n.Title, s, crumb{"Shows", "/admin/"}, crumb{"Networks", "/admin/networks/"}),
		Network: n, Form: f, Action: networkURL(n), FeedURL: h.links.PublisherFeed(n.Slug), CanEdit: h.can(ctx, s, accounts.Settings, nil)}
	p.Flash = networkFlashes[r.URL.Query().Get("done")]
	in, err := h.store.NetworkShows(ctx, n.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, sh := range in {
		p.In = append(p.In, networkShow{Show: sh, URL: showAdminURL(sh), CanEdit: h.can(ctx, s, accounts.Edit, sh)})
	}
	all, err := h.store.ListShows(ctx)
	if err == nil {
		all, err = h.accounts.VisibleShows(ctx, s.principal, all)
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, sh := range all {
		if (sh.Network == nil || sh.Network.ID != n.ID) && h.can(ctx, s, accounts.Edit, sh) {
			p.Others = append(p.Others, networkShow{Show: sh, URL: showAdminURL(sh), CanEdit: true})
		}
	}
	h.render(w, r, f.status(), "network.html", p)
}

// networkUpdate changes the network's title, description and link (its
// slug and guid never change: its shows' feeds point at them).
func (h *Handler) networkUpdate(w http.ResponseWriter, r *http.Request, s *session) {
	n, ok := h.loadNetwork(w, r, s)
	if !ok {
		return
	}
	f := readForm(r.PostForm, nil)
	next := *n
	networkFormValues(f, &next)
	if err := h.store.UpdateNetwork(r.Context(), &next); err != nil {
		if !f.setError(err) {
			h.serverError(w, r, err)
			return
		}
		h.renderNetwork(w, r, s, n, f)
		return
	}
	seeOther(w, r, networkURL(n)+"?done=saved")
}

// networkDeleteForm asks before deleting a network, saying what happens.
func (h *Handler) networkDeleteForm(w http.ResponseWriter, r *http.Request, s *session) {
	n, ok := h.loadNetwork(w, r, s)
	if !ok {
		return
	}
	shows, err := h.store.NetworkShows(r.Context(), n.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := confirmPage{
		page:    h.page("Delete "+n.Title, s, crumb{"Shows", "/admin/"}, crumb{"Networks", "/admin/networks/"}, crumb{n.Title, networkURL(n)}),
		Heading: "Delete the network “" + n.Title + "”?",
		Intro:   "This cannot be undone. Deleting the network removes:",
		Action:  networkURL(n) + "delete",
		Button:  "Delete the network",
		Cancel:  networkURL(n),
		Goes: []string{"its publisher feed, " + h.links.PublisherFeed(n.Slug) + ": apps and directories find nothing there any more",
			"the podcast:publisher of its " + itoa(int64(len(shows))) + " show" + plural(len(shows)) + " (the shows themselves, their episodes and feeds stay)"},
	}
	h.render(w, r, http.StatusOK, "confirm.html", p)
}

func (h *Handler) networkDelete(w http.ResponseWriter, r *http.Request, s *session) {
	n, ok := h.loadNetwork(w, r, s)
	if !ok {
		return
	}
	if err := h.store.DeleteNetwork(r.Context(), n.ID); err != nil && !errors.Is(err, episodes.ErrNotFound) {
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, "/admin/networks/?done=deleted")
}

// networkShowAdd puts the show of the path in the network (out of any
// other), as the API's PUT .../networks/{network}/shows/{show} does.
func (h *Handler) networkShowAdd(w http.ResponseWriter, r *http.Request, s *session) {
	h.setShowNetwork(w, r, s, true)
}

// networkShowRemove takes the show of the path out of the network.
func (h *Handler) networkShowRemove(w http.ResponseWriter, r *http.Request, s *session) {
	h.setShowNetwork(w, r, s, false)
}

func (h *Handler) setShowNetwork(w http.ResponseWriter, r *http.Request, s *session, in bool) {
	n, ok := h.loadNetwork(w, r, s)
	if !ok {
		return
	}
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	var err error
	done := "added"
	if in {
		err = h.store.SetShowNetwork(r.Context(), sh.ID, n.ID)
	} else {
		err, done = h.store.LeaveNetwork(r.Context(), sh, n), "removed"
	}
	if err != nil {
		h.Fail(w, r, err) // a show not in the network: 404, with the store's message
		return
	}
	seeOther(w, r, networkURL(n)+"?done="+done)
}
