package admin

import (
	"net/http"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// datetimeLocal is the value format of <input type="datetime-local">.
const datetimeLocal = "2006-01-02T15:04"

// episodePublish publishes now ("when" = "now") or schedules at the
// date and time given, read as UTC (the form says so). "new_date" asks for a
// new publication date when publishing again; "reschedule" confirms taking a
// public episode out of the feed until the new time.
func (h *Handler) episodePublish(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	opts := episodes.PublishOptions{NewDate: r.PostFormValue("new_date") == "on", Reschedule: r.PostFormValue("reschedule") == "on"}
	done := "published"
	if r.PostFormValue("when") == "schedule" {
		v := strings.TrimSpace(r.PostFormValue("publish_at"))
		at, err := parseDatetimeLocal("publish_at", v, sh.Location())
		if err != nil {
			p := h.episodePage(r, s, sh, ep, episodeToForm(ep))
			p.Publish.Values["publish_at"] = v
			p.Publish.setError(err)
			h.render(w, r, p.Publish.status(), "episode.html", p)
			return
		}
		opts.At = at // a date the producer typed is the date they want
		if at.After(h.now()) {
			done = "scheduled"
		}
	}
	if _, err := h.store.PublishWith(r.Context(), ep.ID, opts); err != nil {
		p := h.episodePage(r, s, sh, ep, episodeToForm(ep))
		if !p.Publish.setError(err) {
			h.serverError(w, r, err)
			return
		}
		if p.Publish.Err.Field != "reschedule" {
			p.Publish.Err.Field = "publish"
		} else {
			p.Publish.Values["publish_at"] = r.PostFormValue("publish_at")
		}
		h.render(w, r, p.Publish.status(), "episode.html", p)
		return
	}
	seeOther(w, r, episodeAdminURL(sh, ep)+"?done="+done)
}

func (h *Handler) episodeUnpublish(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	if _, err := h.store.Unpublish(r.Context(), ep.ID); err != nil {
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, episodeAdminURL(sh, ep)+"?done=unpublished")
}

// parseDatetimeLocal reads a datetime-local value (with or without
// seconds) as a time in loc, the show's time zone; a refusal is an Invalid
// *episodes.Error for field that names the zone.
func parseDatetimeLocal(field, v string, loc *time.Location) (time.Time, error) {
	if v == "" {
		return time.Time{}, episodes.Errorf(episodes.Invalid, field, "is required to schedule; give a date and time (%s)", loc)
	}
	for _, layout := range []string{datetimeLocal, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, episodes.Errorf(episodes.Invalid, field, "%q is not a date and time; use the form 2025-06-30T09:00 (%s)", v, loc)
}
