package uploads

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register the decoders image.DecodeConfig uses
	_ "image/png"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/uploads/probe"
)

// Artwork limits, from Apple Podcasts' requirements (square, 1400 to 3000
// px, JPEG or PNG, RGB). MaxArtworkSize is ours: a 3000 px picture saved
// sensibly is a few MB at most.
const (
	MinArtworkPx   = 1400
	MaxArtworkPx   = 3000
	MaxArtworkSize = 10 << 20 // bytes
)

// pictureSize is a picture's width and height in pixels, 0 and 0 when it
// cannot be read (the decoders read only the header).
func pictureSize(pic *probe.Picture) (int, int) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(pic.Data))
	if err != nil {
		return 0, 0
	}
	return cfg.Width, cfg.Height
}

// ArtworkNote says, for a producer, why the episode's own artwork falls
// short of Apple's rules, or "" when it does not (or its size is not known).
// Artwork uploaded on its own is checked and refused; cover art embedded in
// the audio file is kept whatever its size, and this note is how the API and
// the producer UI tell of it.
func ArtworkNote(ep *episodes.Episode) string {
	w, h := ep.ImageWidth, ep.ImageHeight
	if ep.ImageKey == "" || w == 0 || h == 0 {
		return ""
	}
	if w == h && w >= MinArtworkPx && w <= MaxArtworkPx {
		return ""
	}
	return fmt.Sprintf("The episode's artwork (the cover art in the audio file) is %d × %d px; Apple Podcasts requires square artwork "+
		"of %d × %d to %d × %d px. It is kept, but upload a picture of that size as the episode's artwork to replace it.",
		w, h, MinArtworkPx, MinArtworkPx, MaxArtworkPx, MaxArtworkPx)
}

// artworkError is the *episodes.Error of the field "image" saying why a
// picture cannot be artwork, written for the producer: it names the problem
// and what to do about it.
func artworkError(kind episodes.Kind, format string, args ...any) *episodes.Error {
	return episodes.Errorf(kind, "image", format, args...)
}

// PutShowArtwork makes the picture read from r (at most MaxArtworkSize
// bytes) the show's artwork and returns the updated show (show itself is not
// changed). See PutEpisodeArtwork for the checks and the storing.
func (in *Ingester) PutShowArtwork(ctx context.Context, show *episodes.Show, r io.Reader) (*episodes.Show, error) {
	art, err := readArtwork(ctx, r)
	if err != nil {
		return nil, in.artworkReadError(ctx, err)
	}
	prefix := art.prefix(show.ID, "show")
	if in.stillStored(ctx, show.ImageKey, prefix, art.ext) {
		return show, nil
	}
	key := prefix + randomSuffix() + art.ext
	next := *show
	next.ImageKey, next.ImageWidth, next.ImageHeight, next.ImageRenditions = key, art.px, art.px, nil
	if err := next.Validate(); err != nil {
		return nil, err
	}
	put, err := in.putArtwork(ctx, show.ID, key, art)
	if err != nil {
		return nil, err
	}
	next.ImageRenditions = art.renditions
	if err := in.Store.UpdateShow(ctx, &next); err != nil {
		in.deleteObjects(ctx, put)
		return nil, fmt.Errorf("uploads: store show artwork: %w", err)
	}
	return &next, nil
}

// PutEpisodeArtwork makes the picture read from r (at most MaxArtworkSize
// bytes) the episode's own artwork and returns the updated episode (ep
// itself is not changed).
//
// The picture's type is sniffed from its bytes, never taken from a name or
// header, and checked against Apple's rules: JPEG or PNG, square, between
// MinArtworkPx and MaxArtworkPx on a side, RGB (not CMYK or grayscale). A
// picture that fails is an *episodes.Error of the field "image" and nothing is stored; a body that
// breaks off is ErrIncomplete (wrapped). The picture is put under a new key,
// art/{show id}/episode-{episode id}-{content hash}-{random}.{jpg|png}
// (never an existing object), and the episode updated; when the update
// fails the new object is deleted again. The replaced object is left where
// it is: feeds and pages cached elsewhere may still point at it for a
// while, and the sweep deletes it once nothing refers to it. Putting the
// same bytes again changes nothing while their object is still there.
func (in *Ingester) PutEpisodeArtwork(ctx context.Context, show *episodes.Show, ep *episodes.Episode, r io.Reader) (*episodes.Episode, error) {
	art, err := readArtwork(ctx, r)
	if err != nil {
		return nil, in.artworkReadError(ctx, err)
	}
	prefix := art.prefix(show.ID, fmt.Sprintf("episode-%d", ep.ID))
	if in.stillStored(ctx, ep.ImageKey, prefix, art.ext) {
		return ep, nil
	}
	key := prefix + randomSuffix() + art.ext
	next := *ep
	next.ImageKey, next.ImageWidth, next.ImageHeight, next.ImageRenditions = key, art.px, art.px, nil
	if err := next.Validate(); err != nil {
		return nil, err
	}
	put, err := in.putArtwork(ctx, ep.ShowID, key, art)
	if err != nil {
		return nil, err
	}
	next.ImageRenditions = art.renditions
	if err := in.Store.UpdateEpisode(ctx, &next); err != nil {
		in.deleteObjects(ctx, put)
		return nil, fmt.Errorf("uploads: store episode artwork: %w", err)
	}
	return &next, nil
}

// DeleteShowArtwork removes the show's artwork (its object is released, for the sweep), and
// returns the updated show (show itself is not changed). A show without
// artwork is episodes.ErrNotFound (wrapped).
func (in *Ingester) DeleteShowArtwork(ctx context.Context, show *episodes.Show) (*episodes.Show, error) {
	if show.ImageKey == "" {
		return nil, episodes.Errorf(episodes.NotFound, "image", "show %q has no artwork", show.Slug)
	}
	next := *show
	next.ImageKey = ""
	if err := in.Store.UpdateShow(ctx, &next); err != nil {
		return nil, fmt.Errorf("uploads: delete show artwork: %w", err)
	}
	return &next, nil
}

// DeleteEpisodeArtwork removes the episode's own artwork (it falls back to
// the show's; its object is released, for the sweep), and returns the updated episode (ep itself
// is not changed). An episode without its own artwork is
// episodes.ErrNotFound (wrapped).
func (in *Ingester) DeleteEpisodeArtwork(ctx context.Context, ep *episodes.Episode) (*episodes.Episode, error) {
	if ep.ImageKey == "" {
		return nil, episodes.Errorf(episodes.NotFound, "image", "episode %q has no artwork of its own", ep.Slug)
	}
	next := *ep
	next.ImageKey, next.ImageWidth, next.ImageHeight = "", 0, 0
	if err := in.Store.UpdateEpisode(ctx, &next); err != nil {
		return nil, fmt.Errorf("uploads: delete episode artwork: %w", err)
	}
	return &next, nil
}

// artwork is a picture that passed checkArtwork.
type artwork struct {
	data        []byte
	contentType string // image/jpeg or image/png
	ext         string // .jpg or .png
	px          int    // width and height
	img         image.Image
	renditions  []episodes.Rendition // set by putArtwork
}

// putArtwork puts the picture under key and its renditions (see
// RenditionWidths) under theirs, all pending until the show or episode is
// saved, and returns the keys put; on failure it deletes what it put.
func (in *Ingester) putArtwork(ctx context.Context, showID int64, key string, art *artwork) ([]string, error) {
	if err := in.putNew(ctx, showID, key, art.contentType, bytes.NewReader(art.data)); err != nil {
		return nil, err
	}
	rs, put, err := in.putRenditions(ctx, showID, key, art.contentType, art.data, art.img)
	if err != nil {
		in.deleteObjects(ctx, []string{key})
		return nil, err
	}
	art.renditions = rs
	return append([]string{key}, put...), nil
}

// prefix is the key of the picture's objects up to the random suffix.
func (a *artwork) prefix(showID int64, owner string) string {
	return fmt.Sprintf("%s%d/%s-%s-", ArtPrefix, showID, owner, sha256Hex(a.data)[:20])
}

// stillStored reports whether current is an object of the same picture
// (prefix and ext) that is still in the bucket.
func (in *Ingester) stillStored(ctx context.Context, current, prefix, ext string) bool {
	if !strings.HasPrefix(current, prefix) || !strings.HasSuffix(current, ext) {
		return false
	}
	_, err := in.Bucket.Stat(ctx, current)
	return err == nil
}

// errArtworkTooLarge marks a body past MaxArtworkSize inside readArtwork.
var errArtworkTooLarge = errors.New("uploads: artwork too large")

// artworkReadError turns readArtwork's errors into what callers match: an
// *episodes.Error as it is, ErrIncomplete (wrapped) for a body that broke off.
func (in *Ingester) artworkReadError(ctx context.Context, err error) error {
	if _, ok := episodes.AsError(err); ok {
		return err
	}
	var mbe *http.MaxBytesError
	if errors.Is(err, errArtworkTooLarge) || errors.As(err, &mbe) {
		return artworkError(episodes.TooLarge,
			"The file is larger than %d MiB; artwork of at most %d × %d px fits well below that: save it with more compression.",
			MaxArtworkSize>>20, MaxArtworkPx, MaxArtworkPx)
	}
	return in.BodyError(ctx, err)
}

// readArtwork reads at most MaxArtworkSize bytes from r and checks them.
func readArtwork(ctx context.Context, r io.Reader) (*artwork, error) {
	data, err := io.ReadAll(io.LimitReader(&ctxReader{ctx: ctx, r: r}, MaxArtworkSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxArtworkSize {
		return nil, errArtworkTooLarge
	}
	return checkArtwork(data)
}

// checkArtwork sniffs the picture's real type and checks it against Apple's
// rules, returning an *episodes.Error (field "image") naming the first one it breaks.
func checkArtwork(data []byte) (*artwork, error) {
	art := &artwork{data: data, contentType: http.DetectContentType(data)}
	switch art.contentType {
	case "image/jpeg":
		art.ext = ".jpg"
	case "image/png":
		art.ext = ".png"
	default:
		kind, _, _ := mime.ParseMediaType(art.contentType)
		if k, ok := strings.CutPrefix(kind, "image/"); ok {
			kind = strings.ToUpper(k)
		} else if len(data) == 0 {
			kind = "empty"
		} else {
			kind += " data"
		}
		return nil, artworkError(episodes.Unsupported,
			"The file is %s, not JPEG or PNG. Podcast apps accept only JPEG or PNG artwork: export it as one of those.", kind)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, artworkError(episodes.Malformed, "The picture could not be read; it may be damaged. Export it again as JPEG or PNG.")
	}
	w, h := cfg.Width, cfg.Height
	art.px = w
	if w != h {
		return nil, artworkError(episodes.Invalid,
			"The picture is %d × %d px; artwork must be square. Crop it to equal width and height.", w, h)
	}
	if w < MinArtworkPx || w > MaxArtworkPx {
		return nil, artworkError(episodes.Invalid,
			"The picture is %d × %d px; artwork must be between %d × %d and %d × %d px. Resize it.",
			w, h, MinArtworkPx, MinArtworkPx, MaxArtworkPx, MaxArtworkPx)
	}
	switch cfg.ColorModel {
	case color.CMYKModel:
		return nil, artworkError(episodes.Invalid,
			"The picture is in the CMYK colour space; artwork must be RGB. Convert it to RGB (sRGB) and export it again.")
	case color.GrayModel, color.Gray16Model:
		return nil, artworkError(episodes.Invalid,
			"The picture is grayscale; artwork must be in the RGB colour space. Convert it to RGB (sRGB) and export it again.")
	}
	// The header alone proves little: a picture cut short or corrupt after
	// it would break in every app. Decode it whole (at most 3000 × 3000 px,
	// checked above) before accepting it.
	// The decoded picture is kept for its renditions.
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, artworkError(episodes.Malformed, "The picture is damaged or cut short (%v). Export it again as JPEG or PNG.", err)
	}
	art.img = img
	return art, nil
}
