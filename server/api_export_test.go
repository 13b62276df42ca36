package server

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/imports"
	"github.com/lyssna/lyssna/internal/testimage"
	"github.com/lyssna/lyssna/links"
)

// mediaURL matches the stored objects' URLs, which a new instance names
// anew (a content hash and a random part).
var mediaURL = regexp.MustCompile(`/media/[^"<\s]+`)

// TestExportImportRoundTrip exports a show with a published episode full of
// learning materials and a draft, imports the archive into a fresh
// instance, and finds the feed byte for byte the same apart from the media
// URLs, and the episode with the same materials on its page and in the API.
func TestExportImportRoundTrip(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	ctx := context.Background()
	src := newAPIEnv(t, "")
	srcDeps := withParts(t, Deps{Store: src.store, Bucket: src.bucket, Links: links.New(testBase), Now: src.clock.Now})
	src.h = serve(t, srcDeps)
	want(t, src.json(http.MethodPost, "/api/v1/shows", map[string]any{"slug": "course", "title": "A course", "language": "en",
		"description": "Learning *together*.", "author": "Uni", "owner": map[string]string{"name": "Anna", "email": "anna@example.org"},
		"categories": []map[string]string{{"category": "Education", "subcategory": "Courses"}}, "medium": "course"}), http.StatusCreated, nil)
	want(t, src.do(http.MethodPut, "/api/v1/shows/course/artwork", "image/jpeg", testimage.Encode(t, "jpeg", 1400, 1400)), http.StatusOK, nil)
	show, _ := src.store.GetShow(ctx, "course")
	for _, f := range []string{"cbr.mp3", "chapters.mp3"} {
		if _, err := srcDeps.Uploads.Ingest(ctx, show, strings.NewReader(audioFixture(t, f)), func(e *episodes.Episode) error {
			e.Title = "Episode " + f
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	want(t, src.json(http.MethodPatch, "/api/v1/shows/course/episodes/episode-cbr-mp3", map[string]any{
		"notes": "Some **notes**.", "takeaways": []string{"Patients are partners."}, "study_questions": []string{"Who decides?"},
		"references": []map[string]any{{"title": "A paper", "authors": []string{"Berg, A."}, "year": 2020, "doi": "10.1234/abc.5"}},
		"guests":     []map[string]any{{"name": "Bo Sund", "bio": "Nurse."}}, "discussion_url": "https://forum.example.org/t/1",
	}), http.StatusOK, nil)
	want(t, src.do(http.MethodPut, "/api/v1/shows/course/episodes/episode-cbr-mp3/transcripts/en", "text/vtt",
		[]byte("WEBVTT\n\n00:00:00.000 --> 00:00:00.500\n<v Anna>Hello.\n")), http.StatusCreated, nil)
	want(t, src.json(http.MethodPost, "/api/v1/shows/course/episodes/episode-cbr-mp3/publish",
		map[string]any{"at": time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC).Format(time.RFC3339)}), http.StatusOK, nil)

	rec := src.do(http.MethodGet, "/api/v1/shows/course/export", "", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %s", rec.Code, rec.Body.String())
	}
	archive := rec.Body.Bytes()

	dst := newAPIEnv(t, "")
	dstDeps := withParts(t, Deps{Store: dst.store, Bucket: dst.bucket, Links: links.New(testBase), Now: dst.clock.Now})
	dst.h = serve(t, dstDeps)
	var job importBody
	want(t, dst.do(http.MethodPost, "/api/v1/imports", "application/zip", archive), http.StatusAccepted, &job)
	if ran, err := dstDeps.Imports.RunNext(ctx); !ran || err != nil {
		t.Fatalf("RunNext = %v, %v", ran, err)
	}
	want(t, dst.json(http.MethodGet, "/api/v1/imports/"+strconv.FormatInt(job.ID, 10), nil), http.StatusOK, &job)
	if job.State != imports.StateDone || job.ItemsDone != 2 || job.ItemsFailed != 0 {
		t.Fatalf("archive import = %+v", job)
	}

	feedOf := func(a *apiEnv) string {
		rec := a.do(http.MethodGet, "/course/feed.xml", "", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("feed: %d", rec.Code)
		}
		return mediaURL.ReplaceAllString(rec.Body.String(), "/media/X")
	}
	if a, b := feedOf(src), feedOf(dst); a != b {
		t.Errorf("the imported feed differs from the exported one:\n--- exported\n%s\n--- imported\n%s", a, b)
	}
	pageOf := func(a *apiEnv) string {
		rec := a.do(http.MethodGet, "/course/episode-cbr-mp3/", "", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("page: %d", rec.Code)
		}
		return mediaURL.ReplaceAllString(rec.Body.String(), "/media/X")
	}
	pa, pb := pageOf(src), pageOf(dst)
	for _, s := range []string{"Patients are partners.", "Who decides?", "10.1234/abc.5", "Bo Sund", "forum.example.org"} {
		if !strings.Contains(pb, s) {
			t.Errorf("the imported episode page lacks %q", s)
		}
	}
	if pa != pb {
		t.Errorf("the imported episode page differs from the exported one")
	}
	var draft episodeJSON
	want(t, dst.json(http.MethodGet, "/api/v1/shows/course/episodes/episode-chapters-mp3", nil), http.StatusOK, &draft)
	if draft.Status != episodes.StatusDraft {
		t.Errorf("the draft came back as %s", draft.Status)
	}
}
