package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// TestMediaContentTypes checks that every kind of stored file is served with
// its correct type, whatever type it was stored with.
func TestMediaContentTypes(t *testing.T) {
	deps, _ := realDeps(t)
	h := serve(t, deps)
	cases := []struct{ key, stored, want string }{
		{"audio/1/abc-x.mp3", "application/octet-stream", "audio/mpeg"},
		{"audio/1/abc-x.m4a", "", "audio/x-m4a"},
		{"art/abc.jpg", "", "image/jpeg"},
		{"art/abc.png", "application/octet-stream", "image/png"},
		{"transcripts/1/abc-en.vtt", "text/vtt", "text/vtt; charset=utf-8"},
		{"transcripts/1/abc-sv.srt", "text/plain", "application/x-subrip; charset=utf-8"},
		{"other/abc.bin", "application/x-lyssna-test", "application/x-lyssna-test"},
	}
	for i, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			body := "content of " + c.key
			if _, err := deps.Bucket.Put(context.Background(), c.key, c.stored, strings.NewReader(body)); err != nil {
				t.Fatal(err)
			}
			referenceObject(t, deps.Store, i, c.key)
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				rec := get(t, h, method, "/media/"+c.key)
				if rec.Code != http.StatusOK {
					t.Fatalf("%s: status %d, body %q", method, rec.Code, rec.Body)
				}
				if got := rec.Header().Get("Content-Type"); got != c.want {
					t.Errorf("%s: Content-Type %q, want %q", method, got, c.want)
				}
				if method == http.MethodGet && rec.Body.String() != body {
					t.Errorf("GET body %q, want %q", rec.Body, body)
				}
			}
		})
	}
}

// TestMediaBadKeys checks that keys that name nothing, or cannot name
// anything, answer 404, and that the bucket is never listed.
func TestMediaBadKeys(t *testing.T) {
	deps, logs := realDeps(t)
	if _, err := deps.Bucket.Put(context.Background(), "audio/1/a.mp3", "audio/mpeg", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	h := serve(t, deps)
	for _, path := range []string{
		"/media/audio/1/missing.mp3",
		"/media/audio/1/.a.mp3",
		"/media/audio/1",
		"/media/audio/",
		"/media/",
		"/media/audio%5C1%5Ca.mp3",
	} {
		rec := get(t, h, http.MethodGet, path)
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404 (body %q)", path, rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), "a.mp3") {
			t.Errorf("GET %s lists the bucket: %q", path, rec.Body)
		}
	}
	if rec := get(t, h, http.MethodPost, "/media/audio/1/a.mp3"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST media: status %d, want 405", rec.Code)
	}
	for _, r := range logs.records(t) {
		if r["level"] == "ERROR" {
			t.Errorf("a 404 was logged as an error: %v", r)
		}
	}
}

// TestMediaRedirectToBaseURL checks redirect delivery in front of a CDN.
func TestMediaRedirectToBaseURL(t *testing.T) {
	deps, _ := realDeps(t)
	deps.MediaDelivery = DeliveryRedirect
	deps.MediaBaseURL = "https://cdn.example.org/pod/"
	referenceObject(t, deps.Store, 0, "audio/1/ab c.mp3")
	h := serve(t, deps)
	rec := get(t, h, http.MethodGet, "/media/audio/1/ab%20c.mp3")
	if rec.Code != http.StatusFound {
		t.Fatalf("status %d, want 302", rec.Code)
	}
	if got, want := rec.Header().Get("Location"), "https://cdn.example.org/pod/audio/1/ab%20c.mp3"; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	if rec := get(t, h, http.MethodGet, "/media/audio/.x"); rec.Code != http.StatusNotFound {
		t.Errorf("invalid key in redirect mode: status %d, want 404", rec.Code)
	}
}

// TestTrailingSlashRedirects checks that page URLs without their trailing
// slash lead to the page, and that fixed routes are not taken for shows.
func TestTrailingSlashRedirects(t *testing.T) {
	deps, _ := realDeps(t)
	h := serve(t, deps)
	for _, c := range []struct{ path, want string }{
		{"/learning-lab", "/learning-lab/"},
		{"/learning-lab?utm=x", "/learning-lab/?utm=x"},
		{"/learning-lab/ep-1", "/learning-lab/ep-1/"},
		{"/%C3%A5sa", "/%C3%A5sa/"},
	} {
		rec := get(t, h, http.MethodGet, c.path)
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != c.want {
			t.Errorf("GET %s: %d to %q, want 301 to %q", c.path, rec.Code, rec.Header().Get("Location"), c.want)
		}
	}
	for _, path := range []string{"/favicon.ico", "/robots.txt", "/media", "/healthz/x"} {
		if rec := get(t, h, http.MethodGet, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, rec.Code)
		}
	}
	if rec := get(t, h, http.MethodGet, "/static/style.css"); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("GET /static/style.css: %d %q, want 200 text/css", rec.Code, rec.Header().Get("Content-Type"))
	}
}

// TestChaptersOnlyForPublicEpisodes checks the chapters file's 404s and caching.
func TestChaptersOnlyForPublicEpisodes(t *testing.T) {
	deps, _ := realDeps(t)
	// The store publishes by its own clock (the real one): "later" must be
	// in its future too, or it is published, and published is public.
	now := time.Now().UTC().Truncate(time.Second)
	deps.Now = func() time.Time { return now }
	ctx := context.Background()
	show := &episodes.Show{Slug: "lab", Title: "Lab", Description: "d", Author: "A", Owner: episodes.Owner{Name: "A", Email: "a@example.org"},
		Language: "en", Categories: []episodes.Category{{Category: "Education"}}, Type: episodes.TypeEpisodic}
	show.GUID = episodes.PodcastGUID(deps.Links.Feed(show.Slug))
	if err := deps.Store.CreateShow(ctx, show); err != nil {
		t.Fatal(err)
	}
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	mk := func(title string, at *time.Time, chapters []episodes.Chapter) *episodes.Episode {
		e := &episodes.Episode{ShowID: show.ID, Title: title,
			Audio:    &episodes.Audio{Key: "audio/1/" + title + ".mp3", Size: 10, ContentType: "audio/mpeg", DurationMS: 120_000, SHA256: fmt.Sprintf("%064x", len(title)*7919+int(title[0]))},
			Chapters: chapters}
		if err := deps.Store.CreateEpisode(ctx, e); err != nil {
			t.Fatal(err)
		}
		if at != nil {
			if _, err := deps.Store.Publish(ctx, e.ID, *at); err != nil {
				t.Fatal(err)
			}
		}
		return e
	}
	chs := []episodes.Chapter{{StartMS: 0, Title: "Intro"}, {StartMS: 61500, Title: "Talk", URL: "https://example.org/t"}}
	pub := mk("public", &past, chs)
	draft := mk("draft", nil, chs)
	later := mk("later", &future, chs)
	bare := mk("bare", &past, nil)
	h := serve(t, deps)

	for _, path := range []string{
		"/lab/" + draft.Slug + "/chapters.json",
		"/lab/" + later.Slug + "/chapters.json",
		"/lab/" + bare.Slug + "/chapters.json",
		"/lab/no-such/chapters.json",
		"/nope/" + pub.Slug + "/chapters.json",
		"/lab/" + strconv.FormatInt(pub.ID, 10) + "/chapters.json",
	} {
		if rec := get(t, h, http.MethodGet, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, rec.Code)
		}
	}
	rec := get(t, h, http.MethodGet, "/lab/"+pub.Slug+"/chapters.json")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json+chapters" {
		t.Fatalf("GET chapters: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	want := `{"version":"1.2.0","chapters":[{"startTime":0,"title":"Intro"},{"startTime":61.5,"title":"Talk","url":"https://example.org/t"}]}`
	if rec.Body.String() != want {
		t.Errorf("chapters body\n%s\nwant\n%s", rec.Body, want)
	}
	etag := rec.Header().Get("ETag")
	if etag == "" || rec.Header().Get("Cache-Control") == "" {
		t.Fatalf("no ETag or Cache-Control: %v", rec.Header())
	}
	req := httptest.NewRequest(http.MethodGet, "/lab/"+pub.Slug+"/chapters.json", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", rec.Code)
	}
}

// referenceObject makes a show (the i-th) whose artwork is key, so that the
// media lifecycle lets /media/ serve it.
func referenceObject(t *testing.T, st *episodes.Store, i int, key string) {
	t.Helper()
	sh := &episodes.Show{Slug: fmt.Sprintf("media-%d", i), Title: "Media", Description: "d", Author: "A",
		Owner: episodes.Owner{Name: "A", Email: "a@example.org"}, Language: "en",
		Categories: []episodes.Category{{Category: "Education"}}, ImageKey: key,
		GUID: episodes.PodcastGUID(fmt.Sprintf("https://pod.example.org/media-%d/feed.xml", i))}
	if err := st.CreateShow(context.Background(), sh); err != nil {
		t.Fatalf("CreateShow referencing %s: %v", key, err)
	}
}
