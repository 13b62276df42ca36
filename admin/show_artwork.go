package admin

import (
	"errors"
	"net/http"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/uploads"
)

// showArtwork streams the uploaded picture into uploads.PutShowArtwork,
// which checks it (sniffed JPEG or PNG, square, 1400 to 3000 px, RGB) and
// stores it under a new key; a refusal is shown on the form.
func (h *Handler) showArtwork(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	fail := func(status int, msg string) {
		p := h.showFormPage(s, sh, showToForm(sh))
		p.Artwork.Err = &episodes.Error{Field: "artwork", Message: msg}
		h.render(w, r, status, "show_form.html", p)
	}
	_, part, err := streamFile(r, s)
	if h.streamError(w, r, s, err) {
		return
	}
	if errors.Is(err, errNoFile) {
		fail(http.StatusBadRequest, "Choose a JPEG or PNG file to upload.")
		return
	}
	if err != nil {
		fail(uploadFailure(err))
		return
	}
	_, err = h.uploads.PutShowArtwork(r.Context(), sh, part)
	de, refused := episodes.AsError(err)
	switch {
	case refused:
		fail(de.Kind.Status(), de.Message)
		return
	case errors.Is(err, uploads.ErrIncomplete):
		fail(uploadFailure(err))
		return
	case err != nil:
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, showAdminURL(sh)+"edit?done=artwork")
}
