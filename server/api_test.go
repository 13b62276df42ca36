package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/filesystem"
)

const testBase = "http://lyssna.test"

// testClock is the settable clock shared by the store and the server.
type testClock = testenv.Clock

// apiEnv is the whole server in-process over a real store and a real
// filesystem bucket, with a valid token.
type apiEnv struct {
	t      testing.TB
	h      http.Handler
	deps   Deps
	store  *episodes.Store
	bucket storage.Bucket
	clock  *testClock
	token  string
}

// newAPIEnv opens a store on databaseURL ("" means a fresh SQLite file).
func newAPIEnv(t testing.TB, databaseURL string) *apiEnv {
	t.Helper()
	dir := t.TempDir()
	if databaseURL == "" {
		databaseURL = episodestest.SQLiteAt(t, filepath.Join(dir, "lyssna.db"))
	}
	clock := testenv.NewClock(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
	store, err := episodes.Open(context.Background(), databaseURL, clock.Now)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	bucket, err := filesystem.New(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatalf("open bucket: %v", err)
	}
	token := accounts.NewSecret()
	if ok, err := BootstrapAdminToken(context.Background(), store, token); !ok || err != nil {
		t.Fatalf("BootstrapAdminToken = %v, %v; want a new token", ok, err)
	}
	deps := Deps{Store: store, Bucket: bucket, Links: links.New(testBase), Now: clock.Now}
	return &apiEnv{t: t, h: serve(t, deps), deps: deps, store: store, bucket: bucket, clock: clock, token: token}
}

// do sends a request with the env's token; body may be nil.
func (a *apiEnv) do(method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return rec
}

// json sends v (a string is sent as is) as an application/json body.
func (a *apiEnv) json(method, path string, v any) *httptest.ResponseRecorder {
	a.t.Helper()
	var b []byte
	switch x := v.(type) {
	case nil:
	case string:
		b = []byte(x)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			a.t.Fatal(err)
		}
	}
	return a.do(method, path, "application/json", b)
}

// want checks the status and decodes a JSON answer into out (when not nil).
func want(t testing.TB, rec *httptest.ResponseRecorder, status int, out any) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body.String())
	}
	if out != nil {
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Fatalf("Content-Type %q, want JSON", ct)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("decode %s: %v", rec.Body.String(), err)
		}
	}
}

// wantError checks a JSON error answer and returns its message.
func wantError(t testing.TB, rec *httptest.ResponseRecorder, status int, code, field string) string {
	t.Helper()
	var body errorBody
	want(t, rec, status, &body)
	if body.Error.Code != code || body.Error.Field != field || body.Error.Message == "" {
		t.Fatalf("error %+v, want code %q field %q and a message", body.Error, code, field)
	}
	return body.Error.Message
}

func (a *apiEnv) createShow(slug string) showJSON {
	a.t.Helper()
	var s showJSON
	want(a.t, a.json(http.MethodPost, "/api/v1/shows", map[string]any{"slug": slug, "title": "Show " + slug, "language": "en"}),
		http.StatusCreated, &s)
	return s
}

func (a *apiEnv) createEpisode(show string, fields map[string]any) episodeJSON {
	a.t.Helper()
	var e episodeJSON
	want(a.t, a.json(http.MethodPost, "/api/v1/shows/"+show+"/episodes", fields), http.StatusCreated, &e)
	return e
}

// giveAudio stores audio on an episode directly, as an upload would.
func (a *apiEnv) giveAudio(show string, id int64) {
	a.t.Helper()
	ctx := context.Background()
	s, err := a.store.GetShow(ctx, show)
	if err != nil {
		a.t.Fatal(err)
	}
	e, err := a.store.GetEpisode(ctx, s.ID, fmt.Sprint(id))
	if err != nil {
		a.t.Fatal(err)
	}
	e.Audio = &episodes.Audio{Key: fmt.Sprintf("audio/%d/a.mp3", id), Size: 1234, ContentType: "audio/mpeg", DurationMS: 60_000}
	if err := a.store.UpdateEpisode(ctx, e); err != nil {
		a.t.Fatal(err)
	}
}

// objectBody reads an object from the bucket by its media URL.
func (a *apiEnv) objectBody(mediaURL string) (string, error) {
	key := strings.TrimPrefix(mediaURL, testBase+"/media/")
	rc, _, err := a.bucket.Get(context.Background(), key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

// eachDatabase runs fn on SQLite and on PostgreSQL.
func eachDatabase(t *testing.T, fn func(t *testing.T, a *apiEnv)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newAPIEnv(t, "")) })
	t.Run("postgres", func(t *testing.T) { fn(t, newAPIEnv(t, testenv.Postgres(t))) })
}

const vtt = "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Ana>Hello and welcome.\n\n00:02.000 --> 00:04.000\nToday: photosynthesis.\n"

// TestAPIFlow walks a show and an episode through their whole life.
func TestAPIFlow(t *testing.T) {
	eachDatabase(t, func(t *testing.T, a *apiEnv) {
		// Create a show.
		rec := a.json(http.MethodPost, "/api/v1/shows", map[string]any{
			"slug": "biology", "title": "Biology 101", "description": "Cells & <b>life</b>", "language": "en",
			"owner": map[string]string{"name": "Ana", "email": "ana@example.com"}, "author": "Ana Lind",
			"categories": []map[string]string{{"category": "Education", "subcategory": "Courses"}},
			"funding":    []map[string]string{{"url": "https://example.com/give", "label": "Support us"}},
			"hosts":      []map[string]string{{"name": "Ana Lind"}},
			"medium":     "course",
		})
		var show showJSON
		want(t, rec, http.StatusCreated, &show)
		if loc := rec.Header().Get("Location"); loc != "/api/v1/shows/biology" {
			t.Errorf("Location %q", loc)
		}
		if show.GUID != episodes.PodcastGUID(testBase+"/biology/feed.xml") || show.FeedURL != testBase+"/biology/feed.xml" ||
			show.PageURL != testBase+"/biology/" || show.Type != "episodic" || show.Hosts[0].Role != "host" || show.Medium != "course" {
			t.Errorf("created show %+v", show)
		}

		// List and get.
		var list struct{ Shows []showJSON }
		want(t, a.do(http.MethodGet, "/api/v1/shows", "", nil), http.StatusOK, &list)
		if len(list.Shows) != 1 || list.Shows[0].Slug != "biology" {
			t.Errorf("list %+v", list)
		}
		var got showJSON
		want(t, a.do(http.MethodGet, "/api/v1/shows/biology", "", nil), http.StatusOK, &got)
		if got.Description != "Cells & <b>life</b>" || got.Owner.Email != "ana@example.com" {
			t.Errorf("got show %+v", got)
		}

		// PATCH changes only what it names; the same guid may be sent back.
		want(t, a.json(http.MethodPatch, "/api/v1/shows/biology", map[string]any{"title": "Biology 102", "guid": show.GUID}),
			http.StatusOK, &got)
		if got.Title != "Biology 102" || got.Description != show.Description || got.Categories[0] != show.Categories[0] ||
			got.Funding[0] != show.Funding[0] || got.GUID != show.GUID {
			t.Errorf("patched show %+v, from %+v", got, show)
		}

		// A draft from JSON, by id and by slug.
		ep := a.createEpisode("biology", map[string]any{
			"title": "Cells", "notes": "# Cells\n\nAll about them.", "season": 1, "number": 2, "explicit": true,
			"chapters":        []map[string]any{{"start_ms": 0, "title": "Intro"}, {"start_ms": 45000, "title": "Membranes", "url": "https://example.com/m"}},
			"takeaways":       []string{"Cells are small.", "They divide."},
			"study_questions": []string{"What is a membrane?"},
			"references":      []map[string]any{{"authors": []string{"Alberts, B."}, "year": 2014, "title": "Molecular Biology of the Cell", "doi": "10.1201/9781315735368"}},
			"guests":          []map[string]any{{"name": "Bo Ek", "bio": "Cell biologist"}},
			"discussion_url":  "https://forum.example.com/t/1",
		})
		if ep.Slug != "cells" || ep.Status != "draft" || ep.GUID == "" || ep.EpisodeType != "full" || ep.Guests[0].Role != "guest" ||
			ep.PageURL != testBase+"/biology/cells/" || ep.Audio != nil || len(ep.Transcripts) != 0 || ep.References[0].Year != 2014 {
			t.Errorf("created episode %+v", ep)
		}
		for _, ref := range []string{fmt.Sprint(ep.ID), "cells"} {
			var e episodeJSON
			want(t, a.do(http.MethodGet, "/api/v1/shows/biology/episodes/"+ref, "", nil), http.StatusOK, &e)
			if e.ID != ep.ID || len(e.Chapters) != 2 || e.Chapters[1].URL != "https://example.com/m" {
				t.Errorf("GET by %s: %+v", ref, e)
			}
		}

		// PATCH: present fields change, null clears, the rest stays.
		var patched episodeJSON
		want(t, a.json(http.MethodPatch, "/api/v1/shows/biology/episodes/cells", `{"notes": "New notes", "season": null, "takeaways": ["Only one."]}`),
			http.StatusOK, &patched)
		if patched.Notes != "New notes" || patched.Season != 0 || len(patched.Takeaways) != 1 || patched.Title != "Cells" ||
			patched.Number != 2 || len(patched.References) != 1 || len(patched.Chapters) != 2 || patched.GUID != ep.GUID {
			t.Errorf("patched episode %+v", patched)
		}

		// Transcripts: one per language, replaced under a new key.
		var withTr episodeJSON
		want(t, a.do(http.MethodPut, "/api/v1/shows/biology/episodes/cells/transcripts/en", "text/vtt", []byte(vtt)), http.StatusCreated, &withTr)
		if len(withTr.Transcripts) != 1 || withTr.Transcripts[0].Format != "vtt" || !strings.HasPrefix(withTr.Transcripts[0].URL, testBase+"/media/transcripts/") {
			t.Fatalf("transcripts %+v", withTr.Transcripts)
		}
		firstURL := withTr.Transcripts[0].URL
		if body, err := a.objectBody(firstURL); err != nil || body != vtt {
			t.Errorf("stored transcript %q, %v", body, err)
		}
		srt := "1\n00:00:00,000 --> 00:00:02,000\nHej och välkommen.\n"
		want(t, a.do(http.MethodPut, "/api/v1/shows/biology/episodes/cells/transcripts/sv?translated_from=en", "application/x-subrip", []byte(srt)),
			http.StatusCreated, &withTr)
		vtt2 := vtt + "\n00:04.000 --> 00:06.000\nMore.\n"
		want(t, a.do(http.MethodPut, "/api/v1/shows/biology/episodes/cells/transcripts/en", "text/vtt; charset=utf-8", []byte(vtt2)),
			http.StatusOK, &withTr)
		if len(withTr.Transcripts) != 2 {
			t.Fatalf("transcripts after replacing %+v", withTr.Transcripts)
		}
		for _, tr := range withTr.Transcripts {
			switch tr.Language {
			case "en":
				if tr.URL == firstURL {
					t.Errorf("replacing kept the key %s", tr.URL)
				}
				if body, _ := a.objectBody(tr.URL); body != vtt2 {
					t.Errorf("replaced transcript %q", body)
				}
			case "sv":
				if tr.TranslatedFrom != "en" || tr.Format != "srt" {
					t.Errorf("sv transcript %+v", tr)
				}
			}
		}
		// The replaced object keeps answering (apps may hold the old URL)
		// until the sweep deletes it after the retention.
		if rec := a.do(http.MethodGet, strings.TrimPrefix(firstURL, testBase), "", nil); rec.Code != http.StatusOK {
			t.Errorf("the replaced transcript %s answers %d, want 200 until the retention", firstURL, rec.Code)
		}

		// Publishing needs audio.
		wantError(t, a.json(http.MethodPost, "/api/v1/shows/biology/episodes/cells/publish", nil), http.StatusBadRequest, codeInvalid, "audio")
		a.giveAudio("biology", ep.ID)
		var pub episodeJSON
		want(t, a.json(http.MethodPost, "/api/v1/shows/biology/episodes/cells/publish", nil), http.StatusOK, &pub)
		if pub.Status != "published" || pub.PublishedAt == nil || !pub.PublishedAt.Equal(a.clock.Now()) ||
			pub.Audio == nil || pub.Audio.URL != testBase+"/media/audio/"+fmt.Sprint(ep.ID)+"/a.mp3" || pub.Audio.Size != 1234 {
			t.Errorf("published %+v", pub)
		}
		// The slug is fixed now; the guid always was.
		wantError(t, a.json(http.MethodPatch, "/api/v1/shows/biology/episodes/cells", `{"slug": "cells-2"}`), http.StatusBadRequest, codeInvalid, "slug")
		wantError(t, a.json(http.MethodPatch, "/api/v1/shows/biology/episodes/cells", `{"guid": "other"}`), http.StatusBadRequest, codeInvalid, "guid")
		want(t, a.json(http.MethodPost, "/api/v1/shows/biology/episodes/cells/unpublish", nil), http.StatusOK, &pub)
		if pub.Status != "unpublished" {
			t.Errorf("unpublished status %q", pub.Status)
		}

		// Delete a transcript, the episode, the show.
		want(t, a.do(http.MethodDelete, "/api/v1/shows/biology/episodes/cells/transcripts/sv", "", nil), http.StatusNoContent, nil)
		wantError(t, a.do(http.MethodDelete, "/api/v1/shows/biology/episodes/cells/transcripts/sv", "", nil), http.StatusNotFound, codeNotFound, "language")
		var left episodeJSON
		want(t, a.do(http.MethodGet, "/api/v1/shows/biology/episodes/cells", "", nil), http.StatusOK, &left)
		if len(left.Transcripts) != 1 || left.Transcripts[0].Language != "en" {
			t.Fatalf("transcripts after delete %+v", left.Transcripts)
		}
		want(t, a.do(http.MethodDelete, "/api/v1/shows/biology/episodes/"+fmt.Sprint(ep.ID), "", nil), http.StatusNoContent, nil)
		wantError(t, a.do(http.MethodGet, "/api/v1/shows/biology/episodes/cells", "", nil), http.StatusNotFound, codeNotFound, "")
		// Withdrawn at once: 404 through Lyssna, though still stored for the retention.
		if rec := a.do(http.MethodGet, strings.TrimPrefix(left.Transcripts[0].URL, testBase), "", nil); rec.Code != http.StatusNotFound {
			t.Errorf("the deleted episode's transcript answers %d, want 404", rec.Code)
		}
		want(t, a.do(http.MethodDelete, "/api/v1/shows/biology", "", nil), http.StatusNoContent, nil)
		wantError(t, a.do(http.MethodGet, "/api/v1/shows/biology", "", nil), http.StatusNotFound, codeNotFound, "")
	})
}
