package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/internal/testimage"
)

// TestEmbeddedArtworkTooSmall: cover art in the audio file smaller than
// 1400 px is kept as the episode's artwork, and the API says that Apple
// requires 1400 to 3000 px, on the upload's answer and on every read, until
// proper artwork replaces it.
func TestEmbeddedArtworkTooSmall(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := ""
			if db == "postgres" {
				url = testenv.Postgres(t)
			}
			a := newUploadEnv(t, url)
			body, ct := multipartBody(t, part{"audio", "art.mp3", audioFixture(t, "art.mp3")})
			var e episodeJSON
			want(t, a.do(http.MethodPost, "/api/v1/shows/talks/episodes", ct, body), http.StatusCreated, &e)
			check := func(what string, e episodeJSON) {
				t.Helper()
				if !strings.Contains(e.ImageURL, "/media/art/") {
					t.Errorf("%s: the embedded art is not the episode's artwork: %q", what, e.ImageURL)
				}
				if len(e.Warnings) != 1 || e.Warnings[0].Field != "image_url" ||
					!strings.Contains(e.Warnings[0].Message, "16 × 16 px") || !strings.Contains(e.Warnings[0].Message, "1400 × 1400 to 3000 × 3000 px") {
					t.Errorf("%s: warnings %+v, want one for image_url naming 16 × 16 px and Apple's 1400–3000 px", what, e.Warnings)
				}
			}
			check("upload", e)
			var got episodeJSON
			want(t, a.json(http.MethodGet, "/api/v1/shows/talks/episodes/"+e.Slug, nil), http.StatusOK, &got)
			check("get", got)
			want(t, a.json(http.MethodPatch, "/api/v1/shows/talks/episodes/"+e.Slug, `{"title": "Renamed"}`), http.StatusOK, &got)
			check("patch", got)

			var fixed episodeJSON
			want(t, a.do(http.MethodPut, "/api/v1/shows/talks/episodes/"+e.Slug+"/artwork", "image/png", testimage.Encode(t, "png", 1400, 1400)),
				http.StatusOK, &fixed)
			if len(fixed.Warnings) != 0 {
				t.Errorf("warnings after proper artwork: %+v", fixed.Warnings)
			}
		})
	}
}
