package uploads

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testimage"
	"github.com/lyssna/lyssna/storage"
)

// picture is testimage.Encode.
func picture(t testing.TB, format string, w, h int) []byte { return testimage.Encode(t, format, w, h) }

func TestCheckArtwork(t *testing.T) {
	pngHead := picture(t, "png", 1400, 1400)[:24] // signature and a cut-off IHDR
	tests := []struct {
		name    string
		data    []byte
		problem episodes.Kind // accepted: taken
		want    string        // in the message, or the content type when accepted
	}{
		{"jpeg 1400", picture(t, "jpeg", 1400, 1400), accepted, "image/jpeg"},
		{"png 1400", picture(t, "png", 1400, 1400), accepted, "image/png"},
		{"png 3000", picture(t, "png", 3000, 3000), accepted, "image/png"},
		{"header-only png", picture(t, "png-header", 1400, 1400), episodes.Malformed, "damaged or cut short"},
		{"png cut after its header", picture(t, "png", 1400, 1400)[:200], episodes.Malformed, "damaged or cut short"},
		{"jpeg cut short", picture(t, "jpeg", 1400, 1400)[:2000], episodes.Malformed, "damaged or cut short"},
		{"not square", picture(t, "png-header", 1400, 1000), episodes.Invalid, "1400 × 1000 px; artwork must be square"},
		{"too small", picture(t, "jpeg", 600, 600), episodes.Invalid, "600 × 600 px; artwork must be between 1400 × 1400 and 3000 × 3000 px"},
		{"too large", picture(t, "png-header", 3001, 3001), episodes.Invalid, "3001 × 3001 px; artwork must be between"},
		{"grayscale jpeg", picture(t, "gray-jpeg", 1400, 1400), episodes.Invalid, "grayscale; artwork must be in the RGB colour space"},
		{"grayscale png", picture(t, "gray-png", 1400, 1400), episodes.Invalid, "grayscale"},
		{"cmyk jpeg", picture(t, "cmyk-jpeg", 1400, 1400), episodes.Invalid, "CMYK colour space; artwork must be RGB"},
		{"gif", picture(t, "gif", 1400, 1400), episodes.Unsupported, "The file is GIF, not JPEG or PNG"},
		{"text", []byte("just text, not a picture"), episodes.Unsupported, "text/plain data, not JPEG or PNG"},
		{"empty", nil, episodes.Unsupported, "The file is empty"},
		{"cut-off png", pngHead, episodes.Malformed, "could not be read"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			art, err := checkArtwork(tc.data)
			if tc.problem == accepted {
				if err != nil || art.contentType != tc.want {
					t.Fatalf("checkArtwork = %+v, %v; want %s", art, err, tc.want)
				}
				return
			}
			ae, ok := episodes.AsError(err)
			if !ok || ae.Kind != tc.problem || ae.Field != "image" || !strings.Contains(ae.Message, tc.want) {
				t.Fatalf("checkArtwork error %#v, want problem %d with %q", err, tc.problem, tc.want)
			}
		})
	}
}

// storedShow reads the rig's show back from the store.
func (r *rig) storedShow(t testing.TB) *episodes.Show {
	t.Helper()
	sh, err := r.store.GetShowByID(context.Background(), r.show.ID)
	if err != nil {
		t.Fatalf("GetShowByID: %v", err)
	}
	return sh
}

func TestPutShowArtwork(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		ctx := t.Context()
		jpg := picture(t, "jpeg", 1400, 1400)
		sh, err := r.in.PutShowArtwork(ctx, r.show, bytes.NewReader(jpg))
		if err != nil {
			t.Fatalf("PutShowArtwork: %v", err)
		}
		first := sh.ImageKey
		if want := fmt.Sprintf("art/%d/show-", r.show.ID); !strings.HasPrefix(first, want) || !strings.HasSuffix(first, ".jpg") {
			t.Fatalf("ImageKey %q, want %s…jpg", first, want)
		}
		if r.show.ImageKey != "" {
			t.Error("PutShowArtwork changed the show it was given")
		}
		if got := r.storedShow(t).ImageKey; got != first {
			t.Errorf("stored ImageKey %q, want %q", got, first)
		}
		if body, ct := r.object(t, first); body != string(jpg) || ct != "image/jpeg" {
			t.Errorf("object: %d bytes of %s, want %d of image/jpeg", len(body), ct, len(jpg))
		}

		// The same bytes again change nothing.
		again, err := r.in.PutShowArtwork(ctx, sh, bytes.NewReader(jpg))
		if err != nil || again.ImageKey != first {
			t.Errorf("same artwork again: %v, key %q, want %q", err, again.ImageKey, first)
		}

		// New artwork gets a new key; the old object is left for the sweep.
		png := picture(t, "png", 1600, 1600)
		sh2, err := r.in.PutShowArtwork(ctx, sh, bytes.NewReader(png))
		if err != nil {
			t.Fatalf("second PutShowArtwork: %v", err)
		}
		if sh2.ImageKey == first || !strings.HasSuffix(sh2.ImageKey, ".png") {
			t.Errorf("second ImageKey %q (first %q)", sh2.ImageKey, first)
		}
		if _, ct := r.object(t, sh2.ImageKey); ct != "image/png" {
			t.Errorf("second object's type %q", ct)
		}
		if _, err := r.bucket.Stat(ctx, first); err != nil {
			t.Errorf("the replaced object is gone before the sweep: %v", err)
		}

		// Delete removes the reference and releases the object for the sweep.
		gone, err := r.in.DeleteShowArtwork(ctx, sh2)
		if err != nil || gone.ImageKey != "" || r.storedShow(t).ImageKey != "" {
			t.Fatalf("DeleteShowArtwork: %v, key %q", err, gone.ImageKey)
		}
		r.wantState(t, sh2.ImageKey, episodes.MediaReleased)
		if _, err := r.in.DeleteShowArtwork(ctx, gone); !errors.Is(err, episodes.ErrNotFound) {
			t.Errorf("deleting no artwork: %v, want ErrNotFound", err)
		}
	})
}

func TestPutEpisodeArtwork(t *testing.T) {
	r := newRig(t, allBackends[0], nil)
	ctx := t.Context()
	ep := r.createEpisode(t, "Lecture")
	png := picture(t, "png", 1500, 1500)
	got, err := r.in.PutEpisodeArtwork(ctx, r.show, ep, bytes.NewReader(png))
	if err != nil {
		t.Fatalf("PutEpisodeArtwork: %v", err)
	}
	if want := fmt.Sprintf("art/%d/episode-%d-", r.show.ID, ep.ID); !strings.HasPrefix(got.ImageKey, want) || !strings.HasSuffix(got.ImageKey, ".png") {
		t.Fatalf("ImageKey %q, want %s…png", got.ImageKey, want)
	}
	if stored := r.stored(t, ep); stored.ImageKey != got.ImageKey || stored.Title != "Lecture" {
		t.Errorf("stored episode %+v", stored)
	}
	if body, ct := r.object(t, got.ImageKey); body != string(png) || ct != "image/png" {
		t.Errorf("object: %d bytes of %s", len(body), ct)
	}
	gone, err := r.in.DeleteEpisodeArtwork(ctx, got)
	if err != nil || gone.ImageKey != "" || r.stored(t, ep).ImageKey != "" {
		t.Fatalf("DeleteEpisodeArtwork: %v, %+v", err, gone)
	}
	r.wantState(t, got.ImageKey, episodes.MediaReleased)
	if _, err := r.in.DeleteEpisodeArtwork(ctx, gone); !errors.Is(err, episodes.ErrNotFound) {
		t.Errorf("deleting no artwork: %v, want ErrNotFound", err)
	}
}

// endless is an endless body of zeros after a PNG signature.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
	}
	if e.n == 0 {
		copy(p, "\x89PNG\r\n\x1a\n")
	}
	e.n += int64(len(p))
	return len(p), nil
}

func TestArtworkRefusals(t *testing.T) {
	r := newRig(t, allBackends[0], nil)
	ctx := t.Context()
	ep := r.createEpisode(t, "Lecture")
	before := r.state(t)
	tests := []struct {
		name  string
		body  func() io.Reader
		check func(error) bool
	}{
		{"not square", func() io.Reader { return bytes.NewReader(picture(t, "jpeg", 1400, 1000)) }, isProblem(episodes.Invalid)},
		{"gif", func() io.Reader { return bytes.NewReader(picture(t, "gif", 1400, 1400)) }, isProblem(episodes.Unsupported)},
		{"over the cap", func() io.Reader { return &endless{} }, isProblem(episodes.TooLarge)},
		{"broken body", func() io.Reader {
			return io.MultiReader(bytes.NewReader(picture(t, "png", 1400, 1400)[:100]), iotest.ErrReader(io.ErrUnexpectedEOF))
		}, func(err error) bool { return errors.Is(err, ErrIncomplete) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.in.PutShowArtwork(ctx, r.show, tc.body())
			if !tc.check(err) {
				t.Errorf("show: %v", err)
			}
			_, err = r.in.PutEpisodeArtwork(ctx, r.show, ep, tc.body())
			if !tc.check(err) {
				t.Errorf("episode: %v", err)
			}
			r.sameState(t, before)
		})
	}
	if sh := r.storedShow(t); sh.ImageKey != "" {
		t.Errorf("a refused picture became the show's artwork: %q", sh.ImageKey)
	}
	if e := r.stored(t, ep); e.ImageKey != "" {
		t.Errorf("a refused picture became the episode's artwork: %q", e.ImageKey)
	}
	// The cap stops the reading: an endless body is not read much past it.
	e := &endless{}
	if _, err := r.in.PutShowArtwork(ctx, r.show, e); !isProblem(episodes.TooLarge)(err) || e.n > MaxArtworkSize+1<<20 {
		t.Errorf("endless body: %v after %d bytes", err, e.n)
	}
}

// accepted marks a picture checkArtwork takes, in TestCheckArtwork.
const accepted episodes.Kind = -1

func isProblem(k episodes.Kind) func(error) bool {
	return func(err error) bool {
		ae, ok := episodes.AsError(err)
		return ok && ae.Kind == k && ae.Field == "image"
	}
}

// deleteAfterPut deletes the rig's show right after an object is put, so
// the database write that follows fails.
type deleteAfterPut struct {
	storage.Bucket
	del func(ctx context.Context) error
}

func (b deleteAfterPut) Put(ctx context.Context, key, ct string, r io.Reader) (storage.ObjectInfo, error) {
	info, err := b.Bucket.Put(ctx, key, ct, r)
	if err == nil {
		err = b.del(ctx)
	}
	return info, err
}

func TestArtworkFailedWriteLeavesNothing(t *testing.T) {
	var r *rig
	var epID int64
	r = newRig(t, allBackends[0], func(b storage.Bucket) storage.Bucket {
		return deleteAfterPut{Bucket: b, del: func(ctx context.Context) error { return r.store.DeleteEpisode(ctx, epID) }}
	})
	ep := r.createEpisode(t, "Lecture")
	epID = ep.ID
	before := r.state(t)
	_, err := r.in.PutEpisodeArtwork(t.Context(), r.show, ep, bytes.NewReader(picture(t, "jpeg", 1400, 1400)))
	if !errors.Is(err, episodes.ErrNotFound) {
		t.Fatalf("PutEpisodeArtwork on a deleted episode: %v, want ErrNotFound", err)
	}
	before.episodes--
	r.sameState(t, before)
}
