package server

import (
	"net/http"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// Networks: a publisher of several shows, with its publisher feed
// (/{network}/publisher.xml). Its shows' feeds name it in podcast:publisher.

// networkJSON is a network as the API answers it.
type networkJSON struct {
	Slug             string    `json:"slug"`
	GUID             string    `json:"guid"`
	Title            string    `json:"title"`
	Description      string    `json:"description"`
	Link             string    `json:"link"`
	Shows            []string  `json:"shows"`
	PublisherFeedURL string    `json:"publisher_feed_url"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func (h *handler) networkJSON(n *episodes.Network, shows []*episodes.Show) networkJSON {
	return networkJSON{Slug: n.Slug, GUID: n.GUID, Title: n.Title, Description: n.Description, Link: n.Link,
		Shows:            mapSlice(shows, func(s *episodes.Show) string { return s.Slug }),
		PublisherFeedURL: h.Links.PublisherFeed(n.Slug), CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt}
}

// networkPatch is a network as a request gives it.
type networkPatch struct {
	Slug        opt[string] `json:"slug"`
	Title       opt[string] `json:"title"`
	Description opt[string] `json:"description"`
	Link        opt[string] `json:"link"`

	GUID             readOnly `json:"guid"`
	Shows            readOnly `json:"shows"`
	PublisherFeedURL readOnly `json:"publisher_feed_url"`
	CreatedAt        readOnly `json:"created_at"`
	UpdatedAt        readOnly `json:"updated_at"`
}

func (p networkPatch) apply(n *episodes.Network) error {
	if err := checkReadOnly([]readOnlyField{
		{"guid", p.GUID, "it follows from the publisher feed's URL"},
		{"shows", p.Shows, "use PUT /api/v1/networks/{network}/shows/{show}"},
		{"publisher_feed_url", p.PublisherFeedURL, "it follows from the slug"},
		{"created_at", p.CreatedAt, "the server sets it"},
		{"updated_at", p.UpdatedAt, "the server sets it"},
	}); err != nil {
		return err
	}
	if p.Slug.set && n.ID != 0 && p.Slug.v != n.Slug {
		return &episodes.Error{Field: "slug", Message: "cannot change; the publisher feed's URL depends on it"}
	}
	p.Slug.to(&n.Slug)
	p.Title.to(&n.Title)
	p.Description.to(&n.Description)
	p.Link.to(&n.Link)
	return nil
}

// apiNetworkList lists the networks: GET /api/v1/networks.
func (h *handler) apiNetworkList(w http.ResponseWriter, r *http.Request) {
	ns, err := h.Store.ListNetworks(r.Context())
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	out := make([]networkJSON, 0, len(ns))
	for _, n := range ns {
		shows, err := h.Store.NetworkShows(r.Context(), n.ID)
		if err != nil {
			h.respondError(w, r, err)
			return
		}
		out = append(out, h.networkJSON(n, shows))
	}
	writeJSON(w, http.StatusOK, map[string]any{"networks": out})
}

// apiNetworkCreate creates a network: POST /api/v1/networks. Its
// podcast:guid comes from its publisher feed's URL.
func (h *handler) apiNetworkCreate(w http.ResponseWriter, r *http.Request) {
	var p networkPatch
	if err := readJSON(w, r, &p); err != nil {
		h.respondError(w, r, err)
		return
	}
	var n episodes.Network
	if err := p.apply(&n); err != nil {
		h.respondError(w, r, err)
		return
	}
	n.GUID = episodes.PodcastGUID(h.Links.PublisherFeed(n.Slug))
	if err := h.Store.CreateNetwork(r.Context(), &n); err != nil {
		h.respondError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/networks/"+n.Slug)
	writeJSON(w, http.StatusCreated, h.networkJSON(&n, nil))
}

// networkFromPath loads the network of the path, or answers and returns false.
func (h *handler) networkFromPath(w http.ResponseWriter, r *http.Request) (*episodes.Network, bool) {
	n, err := h.Store.GetNetwork(r.Context(), pathVar(r, "network"))
	if err != nil {
		h.respondError(w, r, err)
		return nil, false
	}
	return n, true
}

// apiNetworkGet answers a network with its shows: GET /api/v1/networks/{network}.
func (h *handler) apiNetworkGet(w http.ResponseWriter, r *http.Request) {
	n, ok := h.networkFromPath(w, r)
	if !ok {
		return
	}
	h.respondNetwork(w, r, n, http.StatusOK)
}

func (h *handler) respondNetwork(w http.ResponseWriter, r *http.Request, n *episodes.Network, status int) {
	shows, err := h.Store.NetworkShows(r.Context(), n.ID)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	writeJSON(w, status, h.networkJSON(n, shows))
}

// apiNetworkUpdate changes a network's title, description or link:
// PATCH /api/v1/networks/{network}.
func (h *handler) apiNetworkUpdate(w http.ResponseWriter, r *http.Request) {
	n, ok := h.networkFromPath(w, r)
	if !ok {
		return
	}
	var p networkPatch
	if err := readJSON(w, r, &p); err != nil {
		h.respondError(w, r, err)
		return
	}
	if err := p.apply(n); err != nil {
		h.respondError(w, r, err)
		return
	}
	if err := h.Store.UpdateNetwork(r.Context(), n); err != nil {
		h.respondError(w, r, err)
		return
	}
	h.respondNetwork(w, r, n, http.StatusOK)
}

// apiNetworkDelete deletes a network; its shows stay, without a publisher:
// DELETE /api/v1/networks/{network}.
func (h *handler) apiNetworkDelete(w http.ResponseWriter, r *http.Request) {
	n, ok := h.networkFromPath(w, r)
	if !ok {
		return
	}
	if err := h.Store.DeleteNetwork(r.Context(), n.ID); err != nil {
		h.respondError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiNetworkShowPut puts a show in the network (out of any other):
// PUT /api/v1/networks/{network}/shows/{show}. Answers 200 with the network.
func (h *handler) apiNetworkShowPut(w http.ResponseWriter, r *http.Request) {
	h.setShowNetwork(w, r, true)
}

// apiNetworkShowDelete takes a show out of the network:
// DELETE /api/v1/networks/{network}/shows/{show}. Answers 200 with the network.
func (h *handler) apiNetworkShowDelete(w http.ResponseWriter, r *http.Request) {
	h.setShowNetwork(w, r, false)
}

func (h *handler) setShowNetwork(w http.ResponseWriter, r *http.Request, in bool) {
	n, ok := h.networkFromPath(w, r)
	if !ok {
		return
	}
	s, ok := h.showFromPath(w, r)
	if !ok {
		return
	}
	var err error
	if in {
		err = h.Store.SetShowNetwork(r.Context(), s.ID, n.ID)
	} else {
		err = h.Store.LeaveNetwork(r.Context(), s, n)
	}
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	h.respondNetwork(w, r, n, http.StatusOK)
}
