package web

import (
	"net/http"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/episodes"
)

// This file is how the pages apply visibility (package access decides):
// a private show or episode is answered only to a request that carries a
// grant for its show, and then with every link signed for that grant and
// never stored by a shared cache; unlisted ones are answered to anyone
// with the link, marked noindex (meta and X-Robots-Tag), with no JSON-LD.

// forRequest is h as it serves r: with r's grant, its URLs are signed, so
// that the player, the artwork, the transcript and the links to the other
// episodes keep working for private content.
func (h *Handler) forRequest(r *http.Request) *Handler {
	g := access.FromContext(r.Context())
	if g == nil {
		return h
	}
	hh := *h
	hh.links = h.links.Signed(g.Sign)
	return &hh
}

// allowed reports whether r may see the show (e nil) or the episode, and
// when it may not, answers with a page that asks for a key and names
// nothing of the content.
func (h *Handler) allowed(w http.ResponseWriter, r *http.Request, show *episodes.Show, e *episodes.Episode) bool {
	if access.Allows(access.FromContext(r.Context()), show, e) {
		return true
	}
	p := errorPage{
		head:    h.baseHead(),
		Heading: "This is private",
		Message: "Listeners open it with the personal link or feed their course or the producer gave them; producers open it from the producer UI.",
		BackURL: h.links.Base() + "/",
		BackTo:  "All podcasts",
	}
	p.Title, p.Robots = "Private", "noindex"
	w.Header().Set("X-Robots-Tag", "noindex")
	h.render(w, r, http.StatusUnauthorized, "error.html", p)
	return false
}

// hidden marks the head (and the answer) of a page that is not public:
// noindex, no JSON-LD; a private one has no canonical or oEmbed link either.
func hidden(w http.ResponseWriter, hd *head, visibility string) {
	if visibility == episodes.VisibilityPublic {
		return
	}
	w.Header().Set("X-Robots-Tag", "noindex")
	hd.Robots, hd.JSONLD = "noindex", ""
	if visibility == episodes.VisibilityPrivate {
		hd.Canonical, hd.OEmbedURL, hd.Image, hd.AudioURL = "", "", "", ""
	}
}

// listingUpTo is the most closed visibility of the episodes a page lists
// for r: all with a grant, unlisted ones on an unlisted show's page, public
// ones otherwise.
func listingUpTo(r *http.Request, show *episodes.Show) string {
	if access.FromContext(r.Context()) != nil {
		return episodes.VisibilityPrivate
	}
	if show.Visibility == episodes.VisibilityUnlisted {
		return episodes.VisibilityUnlisted
	}
	return episodes.VisibilityPublic
}
