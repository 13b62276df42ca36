package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/lyssna/lyssna/episodes"
)

// pageCacheControl lets browsers and CDNs keep a page briefly: a scheduled
// episode appears at most this late.
const pageCacheControl = "public, max-age=60"

// contentSecurityPolicy allows only Lyssna's own script and style; media and
// artwork may be redirected to a bucket elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"media-src 'self' https:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// render executes a page into a buffer and sends it with an ETag, answering
// 304 when the client already has it. A template error sends a 500 and is
// logged here, once.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	var buf bytes.Buffer
	if err := h.pages[page].ExecuteTemplate(&buf, "base", data); err != nil {
		h.serverError(w, r, err)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	if status != http.StatusOK {
		hdr.Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		w.Write(buf.Bytes())
		return
	}
	sum := sha256.Sum256(buf.Bytes())
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	hdr.Set("Cache-Control", pageCacheControl)
	hdr.Set("ETag", etag)
	hdr.Add("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	w.Write(buf.Bytes())
}

// etagMatches implements the weak comparison If-None-Match asks for.
func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == "*" || v == etag {
			return true
		}
	}
	return false
}

func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("web: page failed", "method", r.Method, "path", r.URL.Path, "client", r.RemoteAddr, "err", err)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "500 internal server error: the page could not be built; try again in a moment", http.StatusInternalServerError)
}

// errorPage is the data of the friendly error page.
type errorPage struct {
	head
	Heading string
	Message string
	BackURL string
	BackTo  string
}

// notFound answers 404 with a page that leads back to the show, if known.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, show *episodes.Show) {
	p := errorPage{
		head:    h.baseHead(),
		Heading: "Page not found",
		Message: "There is nothing at this address. The episode may not be published yet, or the link may be mistyped.",
		BackURL: h.links.Base() + "/",
		BackTo:  "All podcasts",
	}
	p.Title, p.Robots = "Page not found", "noindex"
	if show != nil {
		p.head = h.showHead(show)
		p.Title = "Page not found · " + show.Title
		p.Robots = "noindex"
		p.Canonical = ""
		p.JSONLD = ""
		p.BackURL = h.links.ShowPage(show.Slug)
		p.BackTo = "All episodes of " + show.Title
	}
	h.render(w, r, http.StatusNotFound, "error.html", p)
}

// badRequest answers 400 with a page saying what to change.
func (h *Handler) badRequest(w http.ResponseWriter, r *http.Request, show *episodes.Show, msg string) {
	p := errorPage{
		head:    h.showHead(show),
		Heading: "This address is not valid",
		Message: msg,
		BackURL: h.links.ShowPage(show.Slug),
		BackTo:  "All episodes of " + show.Title,
	}
	p.Robots, p.Canonical, p.JSONLD = "noindex", "", ""
	h.render(w, r, http.StatusBadRequest, "error.html", p)
}
