package admin

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lyssna/lyssna/web/kit"
)

// contentSecurityPolicy allows only Lyssna's own scripts and styles, forms
// and XHR uploads back to this origin.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"media-src 'self' https:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// page is what every admin page's layout needs.
type page struct {
	Title    string
	Session  *session
	Can      rights // what the person may do in the page's show (show and episode pages)
	Flash    string
	Crumbs   []crumb
	StyleURL string // the listener pages' stylesheet, for one look
	AdminCSS string
	Script   string
	// Refresh, when not 0, reloads the page every so many seconds when
	// scripts are off (a page whose script keeps it current).
	Refresh int
}

// crumb is one step of the breadcrumb trail.
type crumb struct {
	Name string
	URL  string
}

func (h *Handler) page(title string, s *session, crumbs ...crumb) page {
	return page{
		Title:    title,
		Session:  s,
		Crumbs:   crumbs,
		StyleURL: "/static/style.css",
		AdminCSS: h.staticURL("admin.css"),
		Script:   h.staticURL("admin.js"),
	}
}

// render sends a page through the kit: built in a buffer first (a
// template error is a 500, never half a page), never cached.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	h.pages.Render(w, r, status, name, data, "")
}

// errorPage is the data of the error page.
type errorPage struct {
	page
	Heading string
	Message string
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, s *session, status int, heading, msg string) {
	p := errorPage{page: h.page(heading, s), Heading: heading, Message: msg}
	h.render(w, r, status, "error.html", p)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, s *session, what string) {
	h.errorPage(w, r, s, http.StatusNotFound, "Not found", "There is no "+what+" at this address. It may have been deleted; go back to the list of shows.")
}

// serverError logs err once, here at the edge, and answers 500.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	h.pages.ServerError(w, r, err)
}

// seeOther sends the browser on after a successful POST.
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// flashes are the fixed messages a redirect may ask a page to show; only
// their names travel in the URL, so nothing in it is ever echoed.
var flashes = map[string]string{
	"created":       "The show was created. Upload its artwork and first episode below.",
	"saved":         "Your changes were saved.",
	"artwork":       "The artwork was uploaded.",
	"unartwork":     "The artwork was removed.",
	"deleted":       "The episode was deleted, with its files.",
	"showdeleted":   "The show was deleted, with its episodes.",
	"uploaded":      "The audio was uploaded and a draft episode made from it. Check what was read from the file, then edit and publish.",
	"audio":         "The audio was replaced.",
	"transcript":    "The transcript was uploaded.",
	"untranscript":  "The transcript was removed.",
	"alternate":     "The alternate enclosure was uploaded.",
	"unalternate":   "The alternate enclosure was removed.",
	"published":     "The episode is published.",
	"scheduled":     "The episode is scheduled.",
	"unpublished":   "The episode is unpublished: it is gone from the feed and its page.",
	"signedout":     "You are signed out.",
	"welcome":       "Welcome to Lyssna. You are signed in.",
	"password":      "Your password was changed. Your other sessions have ended.",
	"revoked":       "That session has ended.",
	"token-revoked": "The token was revoked; it no longer works.",
	"member":        "The role was changed.",
	"mailed":        "The invitation was mailed; the link in it works once, for 7 days.",
	"unmember":      "The member was removed.",
	"listener":      "The listener key was made. Give its personal feed to the listener.",
	"listeners":     "The listener keys were made.",
	"keyrevoked":    "The listener key was revoked: its feed and media stopped working.",
}

func flash(r *http.Request) string { return flashes[r.URL.Query().Get("done")] }

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		// date writes t in the show's time zone when one is given (and
		// names it), else in UTC.
		"date": func(t *time.Time, zone ...*time.Location) string {
			if t == nil {
				return ""
			}
			if len(zone) == 1 && zone[0] != nil && zone[0].String() != "UTC" {
				return t.In(zone[0]).Format("2 Jan 2006, 15:04 MST") + " (" + zone[0].String() + ")"
			}
			return t.UTC().Format("2 Jan 2006, 15:04 UTC")
		},
		"isoTime": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		},
		"duration":   kit.Clock,
		"inc":        func(i int) int { return i + 1 },
		"kbps":       func(bps int) int { return (bps + 500) / 1000 },
		"bytes":      kit.Size,
		"title":      func(s string) string { return strings.ToUpper(s[:1]) + s[1:] },
		"humanDay":   humanDay,
		"versus":     versus,
		"breakdowns": breakdowns,
		"episodeURL": episodeAdminURL,
		// location is the data of the "location" inputs: the form, and
		// what it is the location of ("show", "episode").
		"location": func(f *formState, what string) locationInputs { return locationInputs{Form: f, What: what} },
		// artworkUpload is the data of the "artwork-upload" form.
		"artworkUpload": func(f *formState, action, csrf string) artworkUpload {
			return artworkUpload{Form: f, Action: action, CSRF: csrf}
		},
	}
}

// locationInputs are the podcast:location inputs of a form.
type locationInputs struct {
	Form *formState
	What string
}

// artworkUpload is an artwork upload form: its state, where it posts, and
// the session's CSRF token.
type artworkUpload struct {
	Form   *formState
	Action string
	CSRF   string
}

// sentence starts msg with a capital and ends it with a full stop.
func sentence(msg string) string {
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
