package admin

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
)

// alternateItem is one alternate enclosure as the episode page lists it.
type alternateItem struct {
	episodes.AlternateEnclosure
	URL       string
	DeleteURL string
}

// alternateUpload adds or replaces an alternate enclosure (another format,
// or the episode in another language) with uploads.PutAlternate, the
// function the API's PUT .../alternates/{name} calls: the file streams
// into the same ingest as the main audio.
func (h *Handler) alternateUpload(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	fields, part, err := streamFile(r, s)
	if h.streamError(w, r, s, err) {
		return
	}
	fail := func(status int, field, msg string) {
		p := h.episodePage(r, s, sh, ep, episodeToForm(ep))
		for k, v := range fields {
			p.Alternate.Values[k] = v
		}
		p.Alternate.Err = &episodes.Error{Field: field, Message: msg}
		h.render(w, r, status, "episode.html", p)
	}
	if err == nil {
		err = h.putAlternate(r, sh, ep, part, fields)
	}
	if err != nil {
		if de, ok := episodes.AsError(err); ok && de.Field != "" && de.Field != "audio" {
			fail(de.Kind.Status(), alternateField(de.Field), de.Message)
			return
		}
		status, msg := uploadFailure(err)
		if status >= 500 {
			h.serverError(w, r, err)
			return
		}
		fail(status, "alternate", msg)
		return
	}
	seeOther(w, r, episodeAdminURL(sh, ep)+"?done=alternate#alternates")
}

func (h *Handler) putAlternate(r *http.Request, sh *episodes.Show, ep *episodes.Episode, part io.Reader, fields map[string]string) error {
	f, err := h.uploads.Spool(r.Context(), sh, part)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = h.uploads.PutAlternate(r.Context(), sh, ep, f, strings.TrimSpace(fields["alternate.name"]), strings.TrimSpace(fields["alternate.language"]), strings.TrimSpace(fields["alternate.title"]))
	return err
}

// alternateField maps the validation's "alternate_enclosures[2].language"
// to the upload form's input ("alternate.language"); the inputs are
// prefixed so that their ids differ from the edit and transcript forms'.
func alternateField(field string) string {
	_, in, found := strings.Cut(field, "].")
	if !found {
		in = field
	}
	switch in {
	case "name", "language", "title":
		return "alternate." + in
	}
	return "alternate"
}

func (h *Handler) alternateDelete(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	_, err := h.uploads.DeleteAlternate(r.Context(), ep, mux.Vars(r)["name"])
	switch {
	case errors.Is(err, episodes.ErrNotFound):
		h.notFound(w, r, s, "alternate")
		return
	case err != nil:
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, episodeAdminURL(sh, ep)+"?done=unalternate#alternates")
}
