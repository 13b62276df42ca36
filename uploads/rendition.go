package uploads

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"

	"github.com/lyssna/lyssna/episodes"
)

// RenditionWidths are the widths, in pixels, of the smaller copies made of
// every artwork picture, for podcast:image and the pages, largest first.
// 1400 is Apple Podcasts' minimum, so a directory that wants a small file
// still gets one it accepts (the picture itself may be up to 3000); 640
// fills a phone's now-playing screen (320 points at 2x); 300 is a list's
// thumbnail (150 points at 2x, and the pages' 72 px cards at 4x). A picture
// gets only the widths below its own: never an upscaled copy.
var RenditionWidths = []int{1400, 640, 300}

// MaxRenditionSourcePx bounds the pictures that get renditions: one wider or
// taller (cover art in an audio file is kept whatever its size) is not
// decoded at all, so making them costs at most a 3000 × 3000 picture's
// decode and scaling.
const MaxRenditionSourcePx = MaxArtworkPx

// jpegQuality is the renditions' JPEG quality: smaller files, no visible
// loss at these sizes.
const jpegQuality = 85

// errNoRenditions says why a picture gets no renditions (it is kept as it is).
var errNoRenditions = errors.New("uploads: no renditions")

// rendered is one rendition made, before it is stored.
type rendered struct {
	episodes.Rendition
	data []byte
}

// renderRenditions makes the renditions of the picture data (JPEG or PNG,
// contentType) that will be stored under key, in its format. decoded is the
// picture already decoded, or nil to decode it here. Its size is read from
// the header first: a picture larger than MaxRenditionSourcePx on a side is
// errNoRenditions without its pixels being decoded. Each width is scaled
// from the one before it (Catmull-Rom), so the smaller ones cost little.
func renderRenditions(ctx context.Context, key, contentType string, data []byte, decoded image.Image) ([]rendered, error) {
	if contentType != "image/jpeg" && contentType != "image/png" {
		return nil, fmt.Errorf("%w: %s is not JPEG or PNG", errNoRenditions, contentType)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoRenditions, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxRenditionSourcePx || cfg.Height > MaxRenditionSourcePx {
		return nil, fmt.Errorf("%w: the picture is %d × %d px, past %d", errNoRenditions, cfg.Width, cfg.Height, MaxRenditionSourcePx)
	}
	var out []rendered
	src := decoded
	for _, w := range RenditionWidths {
		if w >= cfg.Width {
			continue // never upscaled, and a copy of the same size is the picture itself
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if src == nil {
			if src, _, err = image.Decode(bytes.NewReader(data)); err != nil {
				return nil, fmt.Errorf("%w: %v", errNoRenditions, err)
			}
		}
		h := max(1, (cfg.Height*w+cfg.Width/2)/cfg.Width)
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		var buf bytes.Buffer
		if contentType == "image/png" {
			err = png.Encode(&buf, dst)
		} else {
			err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: jpegQuality})
		}
		if err != nil {
			return nil, fmt.Errorf("uploads: encode the %d px rendition: %w", w, err)
		}
		out = append(out, rendered{Rendition: episodes.Rendition{Key: episodes.RenditionKey(key, w), Width: w, Height: h}, data: buf.Bytes()})
		src = dst
	}
	return out, nil
}

// putRenditions makes the renditions of the picture stored (or about to be)
// under key and puts each under its own new key, pending until the show or
// episode that names them is saved. A picture that gets none (too large,
// unreadable) is no error: it is kept as it is. It returns the renditions
// and the keys put; on failure it deletes what it put.
func (in *Ingester) putRenditions(ctx context.Context, showID int64, key, contentType string, data []byte, decoded image.Image) ([]episodes.Rendition, []string, error) {
	rs, err := renderRenditions(ctx, key, contentType, data, decoded)
	if errors.Is(err, errNoRenditions) {
		in.Logger.InfoContext(ctx, "uploads: artwork kept without renditions", "key", key, "reason", err.Error())
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var out []episodes.Rendition
	var put []string
	for _, r := range rs {
		if err := in.putNew(ctx, showID, r.Key, contentType, bytes.NewReader(r.data)); err != nil {
			in.deleteObjects(ctx, put)
			return nil, nil, err
		}
		put = append(put, r.Key)
		out = append(out, r.Rendition)
	}
	return out, put, nil
}
