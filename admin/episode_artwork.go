package admin

import (
	"errors"
	"net/http"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/uploads"
)

// episodeArtwork streams the uploaded picture into
// uploads.PutEpisodeArtwork, the API's path: the same checks, the same
// refusals, shown beside the file input.
func (h *Handler) episodeArtwork(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	fail := func(status int, msg string) {
		p := h.episodePage(r, s, sh, ep, episodeToForm(ep))
		p.Artwork.Err = &episodes.Error{Field: "artwork", Message: msg}
		h.render(w, r, status, "episode.html", p)
	}
	_, part, err := streamFile(r, s)
	if h.streamError(w, r, s, err) {
		return
	}
	switch {
	case errors.Is(err, errNoFile):
		fail(http.StatusBadRequest, "Choose a JPEG or PNG file to upload.")
		return
	case err != nil:
		fail(http.StatusBadRequest, "The upload broke off before the end of the file. Try again.")
		return
	}
	_, err = h.uploads.PutEpisodeArtwork(r.Context(), sh, ep, part)
	de, refused := episodes.AsError(err)
	switch {
	case refused:
		fail(de.Kind.Status(), de.Message)
	case errors.Is(err, uploads.ErrIncomplete):
		fail(http.StatusBadRequest, "The upload broke off before the end of the file. Try again.")
	case err != nil:
		h.serverError(w, r, err)
	default:
		seeOther(w, r, episodeAdminURL(sh, ep)+"?done=artwork#artwork")
	}
}

// episodeArtworkDelete removes the episode's own artwork
// (uploads.DeleteEpisodeArtwork); it shows the show's again.
func (h *Handler) episodeArtworkDelete(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	_, err := h.uploads.DeleteEpisodeArtwork(r.Context(), ep)
	switch {
	case errors.Is(err, episodes.ErrNotFound):
		h.notFound(w, r, s, "artwork of this episode")
	case err != nil:
		h.serverError(w, r, err)
	default:
		seeOther(w, r, episodeAdminURL(sh, ep)+"?done=unartwork#artwork")
	}
}

// showArtworkDelete removes the show's artwork (uploads.DeleteShowArtwork).
func (h *Handler) showArtworkDelete(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	_, err := h.uploads.DeleteShowArtwork(r.Context(), sh)
	switch {
	case errors.Is(err, episodes.ErrNotFound):
		h.notFound(w, r, s, "artwork of this show")
	case err != nil:
		h.serverError(w, r, err)
	default:
		seeOther(w, r, showAdminURL(sh)+"edit?done=unartwork")
	}
}
