package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testimage"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/uploads"
)

// e2eArt is what the artwork tests read from show and episode answers.
type e2eArt struct {
	Slug     string `json:"slug"`
	ImageURL string `json:"image_url"`
}

// putArtwork sends picture as the raw body of PUT path/artwork.
func (e *e2e) putArtwork(path, contentType string, picture []byte) e2eArt {
	e.t.Helper()
	var out e2eArt
	e.api(http.MethodPut, path+"/artwork", contentType, bytes.NewReader(picture), http.StatusOK, &out)
	return out
}

// checkImage fetches a media URL and wants the picture back with its type.
func (e *e2e) checkImage(url, contentType string, picture []byte) {
	e.t.Helper()
	if !strings.HasPrefix(url, e.base+"/media/art/") {
		e.t.Fatalf("image URL %q is not under %s/media/art/", url, e.base)
	}
	res, body := e.do(http.MethodGet, url, nil, nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != contentType || !bytes.Equal(body, picture) {
		e.t.Errorf("GET %s: %d %s, %d bytes; want %s, %d bytes", url, res.StatusCode, res.Header.Get("Content-Type"), len(body), contentType, len(picture))
	}
}

// feedImages returns the channel's and the first item's itunes:image.
func (e *e2e) feedImages(show string) (channel, item string) {
	e.t.Helper()
	f, body := e.feed(show)
	if f.ITunesExt != nil {
		channel = f.ITunesExt.Image
	}
	if len(f.Items) > 0 && f.Items[0].ITunesExt != nil {
		item = f.Items[0].ITunesExt.Image
	}
	if channel != "" && !bytes.Contains(body, []byte(`<itunes:image href="`+channel+`"`)) {
		e.t.Errorf("the feed has no <itunes:image href=%q>", channel)
	}
	return channel, item
}

// TestAPIArtwork uploads show and episode artwork through the API and
// follows it into the feed and the media URLs, on a real listener.
func TestAPIArtwork(t *testing.T) {
	e := newE2E(t, newFilesystemBucket(t), nil)
	e.apiJSON(http.MethodPost, "/shows", e2eShow("art", episodes.TypeEpisodic), http.StatusCreated, nil)
	ep := e.upload("art", "cbr.mp3", e2eEpisodeMeta("Pictures", 1))
	e.publish("art", ep.Slug)

	// Show artwork: the feed's channel and item carry it.
	jpg := testimage.Encode(t, "jpeg", 1400, 1400)
	show := e.putArtwork("/shows/art", "image/jpeg", jpg)
	if !strings.HasSuffix(show.ImageURL, ".jpg") {
		t.Errorf("show image_url %q", show.ImageURL)
	}
	e.checkImage(show.ImageURL, "image/jpeg", jpg)
	if ch, it := e.feedImages("art"); ch != show.ImageURL || it != show.ImageURL {
		t.Errorf("feed images %q and %q, want the show's %q", ch, it, show.ImageURL)
	}

	// Episode artwork, declared as something else: the bytes decide.
	png := testimage.Encode(t, "png", 1500, 1500)
	epArt := e.putArtwork("/shows/art/episodes/"+ep.Slug, "application/octet-stream", png)
	if epArt.ImageURL == show.ImageURL || !strings.HasSuffix(epArt.ImageURL, ".png") {
		t.Errorf("episode image_url %q (show %q)", epArt.ImageURL, show.ImageURL)
	}
	e.checkImage(epArt.ImageURL, "image/png", png)
	if ch, it := e.feedImages("art"); ch != show.ImageURL || it != epArt.ImageURL {
		t.Errorf("feed images %q and %q, want %q and %q", ch, it, show.ImageURL, epArt.ImageURL)
	}

	// New show artwork gets a new URL, and the feed follows.
	jpg2 := testimage.Encode(t, "jpeg", 1600, 1600)
	show2 := e.putArtwork("/shows/art", "image/jpeg", jpg2)
	if show2.ImageURL == show.ImageURL {
		t.Errorf("new artwork kept the URL %q", show.ImageURL)
	}
	e.checkImage(show2.ImageURL, "image/jpeg", jpg2)
	if ch, _ := e.feedImages("art"); ch != show2.ImageURL {
		t.Errorf("feed image %q after new artwork, want %q", ch, show2.ImageURL)
	}

	// Deleting the episode's artwork falls back to the show's.
	var back e2eArt
	e.api(http.MethodDelete, "/shows/art/episodes/"+ep.Slug+"/artwork", "", nil, http.StatusOK, &back)
	if back.ImageURL != show2.ImageURL {
		t.Errorf("episode image_url after delete %q, want the show's %q", back.ImageURL, show2.ImageURL)
	}
	if _, it := e.feedImages("art"); it != show2.ImageURL {
		t.Errorf("item image %q after delete, want the show's %q", it, show2.ImageURL)
	}
	if res, _ := e.do(http.MethodGet, epArt.ImageURL, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET deleted episode artwork: %d, want 404", res.StatusCode)
	}
	e.api(http.MethodDelete, "/shows/art/episodes/"+ep.Slug+"/artwork", "", nil, http.StatusNotFound, nil)

	// Deleting the show's artwork leaves none.
	e.api(http.MethodDelete, "/shows/art/artwork", "", nil, http.StatusOK, &back)
	if back.ImageURL != "" {
		t.Errorf("show image_url after delete %q", back.ImageURL)
	}
	if ch, it := e.feedImages("art"); ch != "" || it != "" {
		t.Errorf("feed images after delete %q and %q", ch, it)
	}
	e.api(http.MethodDelete, "/shows/art/artwork", "", nil, http.StatusNotFound, nil)
}

// bucketKeys lists every object in the bucket.
func (a *apiEnv) bucketKeys() []string {
	a.t.Helper()
	var keys []string
	if err := a.bucket.List(context.Background(), "", func(o storage.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	}); err != nil {
		a.t.Fatal(err)
	}
	return keys
}

func TestAPIArtworkRefusals(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	ep := a.createEpisode("s", map[string]any{"title": "E"})
	overCap := append(testimage.Encode(t, "jpeg", 1400, 1400), make([]byte, uploads.MaxArtworkSize)...)
	tests := []struct {
		name, contentType string
		body              []byte
		status            int
		code, want        string
	}{
		{"not square", "image/png", testimage.Encode(t, "png-header", 1400, 1000), http.StatusBadRequest, codeInvalid, "1400 × 1000 px; artwork must be square"},
		{"too small", "image/jpeg", testimage.Encode(t, "jpeg", 1000, 1000), http.StatusBadRequest, codeInvalid, "between 1400 × 1400 and 3000 × 3000 px"},
		{"too large", "image/png", testimage.Encode(t, "png-header", 3001, 3001), http.StatusBadRequest, codeInvalid, "3001 × 3001 px"},
		{"grayscale", "image/jpeg", testimage.Encode(t, "gray-jpeg", 1400, 1400), http.StatusBadRequest, codeInvalid, "grayscale"},
		{"header-only png", "image/png", testimage.Encode(t, "png-header", 1400, 1400), http.StatusUnprocessableEntity, codeMalformed, "damaged or cut short"},
		{"cmyk", "image/jpeg", testimage.Encode(t, "cmyk-jpeg", 1400, 1400), http.StatusBadRequest, codeInvalid, "CMYK"},
		{"gif", "image/gif", testimage.Encode(t, "gif", 1400, 1400), http.StatusUnsupportedMediaType, codeUnsupportedMedia, "GIF, not JPEG or PNG"},
		{"gif sent as png", "image/png", testimage.Encode(t, "gif", 1400, 1400), http.StatusUnsupportedMediaType, codeUnsupportedMedia, "GIF, not JPEG or PNG"},
		{"not an image", "image/jpeg", []byte("just text, not a picture"), http.StatusUnsupportedMediaType, codeUnsupportedMedia, "not JPEG or PNG"},
		{"empty", "image/jpeg", []byte{}, http.StatusUnsupportedMediaType, codeUnsupportedMedia, "empty"},
		{"cut off", "image/png", testimage.Encode(t, "png", 1400, 1400)[:24], http.StatusUnprocessableEntity, codeMalformed, "could not be read"},
		{"over the size cap", "image/jpeg", overCap, http.StatusRequestEntityTooLarge, codeTooLarge, "larger than 10 MiB"},
		{"multipart", "multipart/form-data; boundary=x", []byte("--x--"), http.StatusUnsupportedMediaType, codeUnsupportedMedia, "raw request body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/shows/s/artwork", fmt.Sprintf("/api/v1/shows/s/episodes/%d/artwork", ep.ID)} {
				msg := wantError(t, a.do(http.MethodPut, path, tc.contentType, tc.body), tc.status, tc.code, "image")
				if !strings.Contains(msg, tc.want) {
					t.Errorf("PUT %s: message %q, want it to contain %q", path, msg, tc.want)
				}
			}
			if keys := a.bucketKeys(); len(keys) != 0 {
				t.Errorf("a refused picture left %q in the bucket", keys)
			}
		})
	}
	var s showJSON
	want(t, a.do(http.MethodGet, "/api/v1/shows/s", "", nil), http.StatusOK, &s)
	var e episodeJSON
	want(t, a.do(http.MethodGet, "/api/v1/shows/s/episodes/e", "", nil), http.StatusOK, &e)
	if s.ImageURL != "" || e.ImageURL != "" {
		t.Errorf("refused pictures became artwork: show %q, episode %q", s.ImageURL, e.ImageURL)
	}
	// Unknown shows and episodes are 404 before the body is looked at.
	picture := testimage.Encode(t, "jpeg", 1400, 1400)
	wantError(t, a.do(http.MethodPut, "/api/v1/shows/nope/artwork", "image/jpeg", picture), http.StatusNotFound, codeNotFound, "")
	wantError(t, a.do(http.MethodPut, "/api/v1/shows/s/episodes/nope/artwork", "image/jpeg", picture), http.StatusNotFound, codeNotFound, "")
	if keys := a.bucketKeys(); len(keys) != 0 {
		t.Errorf("artwork for a missing show or episode left %q in the bucket", keys)
	}
}

// TestAPIArtworkCleanupOnFailedWrite: when the database write after the
// put fails, the new object is deleted again.
func TestAPIArtworkCleanupOnFailedWrite(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	e := a.createEpisode("s", map[string]any{"title": "E"})
	deps := a.deps
	deps.Bucket = deletingBucket{Bucket: a.bucket, store: a.store, id: e.ID}
	a.h = serve(t, deps)
	wantError(t, a.do(http.MethodPut, "/api/v1/shows/s/episodes/e/artwork", "image/jpeg", testimage.Encode(t, "jpeg", 1400, 1400)),
		http.StatusNotFound, codeNotFound, "")
	if keys := a.bucketKeys(); len(keys) != 0 {
		t.Errorf("objects left after the failed write: %q", keys)
	}
}

// TestAPIShowBlockAndDirectories: block and directories go in on create and
// PATCH, come back on GET, reach the feed, and bad values name the field.
func TestAPIShowBlockAndDirectories(t *testing.T) {
	eachDatabase(t, func(t *testing.T, a *apiEnv) {
		dirs := map[string]string{"apple": "https://podcasts.apple.com/podcast/id1", "spotify": "https://open.spotify.com/show/x"}
		var s showJSON
		want(t, a.json(http.MethodPost, "/api/v1/shows", map[string]any{
			"slug": "d", "title": "D", "language": "en", "block": true, "directories": dirs,
		}), http.StatusCreated, &s)
		if !s.Block || len(s.Directories) != 2 || s.Directories["apple"] != dirs["apple"] || s.Directories["spotify"] != dirs["spotify"] {
			t.Errorf("created show: block %v, directories %v", s.Block, s.Directories)
		}
		var got showJSON
		want(t, a.do(http.MethodGet, "/api/v1/shows/d", "", nil), http.StatusOK, &got)
		if !got.Block || len(got.Directories) != 2 || got.Directories["apple"] != dirs["apple"] {
			t.Errorf("GET show: block %v, directories %v", got.Block, got.Directories)
		}
		rec := a.do(http.MethodGet, "/d/feed.xml", "", nil)
		if !strings.Contains(rec.Body.String(), "<itunes:block>Yes</itunes:block>") {
			t.Errorf("the feed of a blocked show has no <itunes:block>Yes</itunes:block>")
		}

		// PATCH replaces the whole map; other fields stay.
		got = showJSON{} // decoding into a used map would merge
		want(t, a.json(http.MethodPatch, "/api/v1/shows/d", map[string]any{"directories": map[string]string{"youtube": "https://youtube.com/@d"}}),
			http.StatusOK, &got)
		if !got.Block || len(got.Directories) != 1 || got.Directories["youtube"] != "https://youtube.com/@d" {
			t.Errorf("patched directories: block %v, directories %v", got.Block, got.Directories)
		}
		got = showJSON{}
		want(t, a.json(http.MethodPatch, "/api/v1/shows/d", `{"block": false, "directories": null}`), http.StatusOK, &got)
		if got.Block || got.Directories == nil || len(got.Directories) != 0 {
			t.Errorf("cleared: block %v, directories %#v (want {})", got.Block, got.Directories)
		}
		if rec := a.do(http.MethodGet, "/api/v1/shows/d", "", nil); !strings.Contains(rec.Body.String(), `"directories":{}`) {
			t.Errorf("no directories encode as %s, want {}", rec.Body.String())
		}

		for _, tc := range []struct{ body, field string }{
			{`{"directories": {"Apple Podcasts": "https://podcasts.apple.com/x"}}`, "directories"},
			{`{"directories": {"apple": "not a url"}}`, "directories.apple"},
			{`{"directories": {"apple": ""}}`, "directories.apple"},
			{`{"directories": ["https://podcasts.apple.com/x"]}`, "directories"},
			{`{"block": "yes"}`, "block"},
		} {
			wantError(t, a.json(http.MethodPatch, "/api/v1/shows/d", tc.body), http.StatusBadRequest, codeInvalid, tc.field)
		}
		got = showJSON{}
		want(t, a.do(http.MethodGet, "/api/v1/shows/d", "", nil), http.StatusOK, &got)
		if got.Block || len(got.Directories) != 0 {
			t.Errorf("refused PATCHes changed the show: block %v, directories %v", got.Block, got.Directories)
		}
	})
}
