package admin

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // register the decoders DecodeConfig uses
	_ "image/png"
	"io"
	"net/http"
	"strings"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/uploads"
)

// Artwork limits, from Apple Podcasts' requirements.
const (
	minArtworkPx    = 1400
	maxArtworkPx    = 3000
	maxArtworkBytes = 20 << 20
)

// artworkError is a problem with an uploaded picture, with its HTTP status.
type artworkError struct {
	status int
	msg    string
}

func (e *artworkError) Error() string { return e.msg }

// checkArtwork sniffs the picture's real type and checks its size: square,
// 1400 to 3000 px, JPEG or PNG. It returns the content type and extension.
func checkArtwork(data []byte) (contentType, ext string, err error) {
	ct := http.DetectContentType(data)
	switch ct {
	case "image/jpeg":
		ext = ".jpg"
	case "image/png":
		ext = ".png"
	default:
		kind := strings.TrimPrefix(ct, "image/")
		if i := strings.IndexByte(kind, ';'); i >= 0 {
			kind = kind[:i]
		}
		return "", "", &artworkError{http.StatusUnsupportedMediaType,
			fmt.Sprintf("The file is %s, not JPEG or PNG. Podcast apps accept only JPEG or PNG artwork: export it as one of those.", strings.ToUpper(kind))}
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", "", &artworkError{http.StatusUnprocessableEntity, "The picture could not be read; it may be damaged. Export it again as JPEG or PNG."}
	}
	if cfg.Width != cfg.Height {
		return "", "", &artworkError{http.StatusUnprocessableEntity,
			fmt.Sprintf("The picture is %d × %d px; artwork must be square. Crop it to equal width and height.", cfg.Width, cfg.Height)}
	}
	if cfg.Width < minArtworkPx || cfg.Width > maxArtworkPx {
		return "", "", &artworkError{http.StatusUnprocessableEntity,
			fmt.Sprintf("The picture is %d × %d px; artwork must be between %d × %d and %d × %d px. Resize it.", cfg.Width, cfg.Height, minArtworkPx, minArtworkPx, maxArtworkPx, maxArtworkPx)}
	}
	return ct, ext, nil
}

func (h *Handler) showArtwork(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	fail := func(status int, msg string) {
		p := h.showFormPage(s, sh, showToForm(sh))
		p.Artwork.Err = &episodes.ValidationError{Field: "artwork", Message: msg}
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
		fail(http.StatusBadRequest, "The upload broke off before the end of the file. Try again.")
		return
	}
	data, err := io.ReadAll(io.LimitReader(part, maxArtworkBytes+1))
	if err != nil {
		fail(http.StatusBadRequest, "The upload broke off before the end of the file. Try again.")
		return
	}
	if len(data) > maxArtworkBytes {
		fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("The file is larger than %d MB; save the artwork with more compression.", maxArtworkBytes>>20))
		return
	}
	ct, ext, err := checkArtwork(data)
	var ae *artworkError
	if errors.As(err, &ae) {
		fail(ae.status, ae.msg)
		return
	}
	sum := sha256.Sum256(data)
	key := fmt.Sprintf("%s%d/show-%s-%s%s", uploads.ArtPrefix, sh.ID, hex.EncodeToString(sum[:])[:20], strings.ToLower(rand.Text()[:6]), ext)
	if _, err := h.bucket.Put(r.Context(), key, ct, bytes.NewReader(data)); err != nil {
		h.serverError(w, r, fmt.Errorf("admin: store artwork: %w", err))
		return
	}
	next := *sh
	next.ImageKey = key
	if err := h.store.UpdateShow(r.Context(), &next); err != nil {
		_ = h.bucket.Delete(r.Context(), key)
		h.serverError(w, r, err)
		return
	}
	h.invalidate(sh.ID)
	seeOther(w, r, showAdminURL(sh)+"edit?done=artwork")
}
