package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/filesystem"
	"github.com/lyssna/lyssna/storage/s3"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

// e2eClock is a clock the tests move by hand, safe for the server's goroutines.
type e2eClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *e2eClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *e2eClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// e2e is the whole server in-process on a real listener, with a real SQLite
// store, the given bucket and an API token; its client follows no redirects.
type e2e struct {
	t      *testing.T
	base   string
	token  string
	store  *episodes.Store
	bucket storage.Bucket
	clock  *e2eClock
	client *http.Client
}

func newE2E(t *testing.T, bucket storage.Bucket, configure func(*Deps)) *e2e {
	t.Helper()
	clock := &e2eClock{now: time.Now().UTC().Truncate(time.Second)}
	store, err := episodes.Open(context.Background(), episodestest.SQLite(t), clock.Now)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	token := accounts.NewSecret()
	if err := store.CreateToken(context.Background(), "e2e", episodes.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	deps := Deps{Store: store, Bucket: bucket, Links: links.New(base), Now: clock.Now, Logger: testLogger(t)}
	if configure != nil {
		configure(&deps)
	}
	srv.Config.Handler = serve(t, deps)
	srv.Start()
	t.Cleanup(srv.Close)
	return &e2e{t: t, base: base, token: token, store: store, bucket: bucket, clock: clock,
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// testLogger keeps the server's log and shows it when the test fails.
func testLogger(t *testing.T) *slog.Logger {
	logs := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			logs.mu.Lock()
			t.Logf("server log:\n%s", logs.b.String())
			logs.mu.Unlock()
		}
	})
	return slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// do sends a request and returns the answer with its body read.
func (e *e2e) do(method, url string, body io.Reader, header map[string]string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return res, b
}

// api calls the JSON API with the token and wants the given status; out, if
// not nil, receives the decoded answer.
func (e *e2e) api(method, path, contentType string, body io.Reader, status int, out any) {
	e.t.Helper()
	h := map[string]string{"Authorization": "Bearer " + e.token}
	if contentType != "" {
		h["Content-Type"] = contentType
	}
	res, b := e.do(method, e.base+"/api/v1"+path, body, h)
	if res.StatusCode != status {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, res.StatusCode, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: answer is not JSON: %v; %s", method, path, err, b)
		}
	}
}

func (e *e2e) apiJSON(method, path string, in any, status int, out any) {
	e.t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		e.t.Fatal(err)
	}
	e.api(method, path, "application/json", bytes.NewReader(b), status, out)
}

// e2eEpisode is what the tests read from the API's episode answers.
type e2eEpisode struct {
	Slug  string `json:"slug"`
	GUID  string `json:"guid"`
	Title string `json:"title"`
	Audio struct {
		URL    string `json:"url"`
		Size   int64  `json:"size"`
		Type   string `json:"type"`
		SHA256 string `json:"sha256"`
	} `json:"audio"`
}

// upload creates an episode of show from an audio fixture through the
// multipart API, with meta as its "episode" part.
func (e *e2e) upload(show, fixture string, meta map[string]any) e2eEpisode {
	e.t.Helper()
	audio, err := os.ReadFile(filepath.Join("..", "testdata", "audio", fixture))
	if err != nil {
		e.t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mj, err := json.Marshal(meta)
	if err != nil {
		e.t.Fatal(err)
	}
	ph := textproto.MIMEHeader{}
	ph.Set("Content-Disposition", `form-data; name="episode"`)
	ph.Set("Content-Type", "application/json")
	pw, err := mw.CreatePart(ph)
	if err != nil {
		e.t.Fatal(err)
	}
	pw.Write(mj)
	fw, err := mw.CreateFormFile("audio", fixture)
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(audio)
	mw.Close()
	var ep e2eEpisode
	e.api(http.MethodPost, "/shows/"+show+"/episodes", mw.FormDataContentType(), &buf, http.StatusCreated, &ep)
	return ep
}

func (e *e2e) transcript(show, episode, lang, contentType, body, from string) {
	e.t.Helper()
	path := "/shows/" + show + "/episodes/" + episode + "/transcripts/" + lang
	if from != "" {
		path += "?translated_from=" + from
	}
	e.api(http.MethodPut, path, contentType, strings.NewReader(body), http.StatusCreated, nil)
}

func (e *e2e) publish(show, episode string) {
	e.t.Helper()
	e.api(http.MethodPost, "/shows/"+show+"/episodes/"+episode+"/publish", "", nil, http.StatusOK, nil)
}

// feed fetches and parses a show's feed with gofeed.
func (e *e2e) feed(show string) (*gofeed.Feed, []byte) {
	e.t.Helper()
	res, body := e.do(http.MethodGet, e.base+"/"+show+"/feed.xml", nil, nil)
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("GET feed: status %d: %s", res.StatusCode, body)
	}
	f, err := gofeed.NewParser().ParseString(string(body))
	if err != nil {
		e.t.Fatalf("gofeed cannot parse the feed: %v\n%s", err, body)
	}
	return f, body
}

const e2eVTT = "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n<v Ana Lind>Welcome to the show.\n\n00:00:01.500 --> 00:00:03.000\n<v Bo Berg>Thanks for having me.\n"

const e2eSRT = "1\n00:00:00,000 --> 00:00:01,500\nVälkommen till programmet.\n\n2\n00:00:01,500 --> 00:00:03,000\nTack för att jag fick komma.\n"

// e2eShow is the sample show the tests create through the API.
func e2eShow(slug, showType string) map[string]any {
	return map[string]any{
		"slug": slug, "title": "Learning Lab " + slug, "description": "A show about how people learn.",
		"author": "Ana Lind", "owner": map[string]any{"name": "Ana Lind", "email": "ana@example.org"},
		"language": "en", "categories": []map[string]any{{"category": "Education", "subcategory": "Self-Improvement"}},
		"type": showType, "locked": true, "medium": "podcast",
		"hosts":   []map[string]any{{"name": "Ana Lind", "role": "host", "href": "https://example.org/ana"}},
		"funding": []map[string]any{{"url": "https://example.org/support", "label": "Support the show"}},
	}
}

// e2eEpisodeMeta is an episode's JSON with learning materials, guests and chapters.
func e2eEpisodeMeta(title string, number int) map[string]any {
	return map[string]any{
		"title": title, "notes": "We talk about **spaced repetition**.", "season": 1, "number": number,
		"chapters":  []map[string]any{{"start_ms": 0, "title": "Intro"}, {"start_ms": 1500, "title": "Interview", "url": "https://example.org/bo"}},
		"guests":    []map[string]any{{"name": "Bo Berg", "role": "guest", "href": "https://example.org/bo", "bio": "Bo studies memory."}},
		"takeaways": []string{"Spacing beats cramming."}, "study_questions": []string{"What is the spacing effect?"},
	}
}

// publishSample creates a show with one published episode of fixture with
// transcripts in English (WebVTT) and Swedish (SubRip), and returns the episode.
func (e *e2e) publishSample(show, fixture string) e2eEpisode {
	e.t.Helper()
	e.apiJSON(http.MethodPost, "/shows", e2eShow(show, episodes.TypeEpisodic), http.StatusCreated, nil)
	ep := e.upload(show, fixture, e2eEpisodeMeta("Spaced repetition", 1))
	e.transcript(show, ep.Slug, "en", "text/vtt", e2eVTT, "")
	e.transcript(show, ep.Slug, "sv", "application/x-subrip", e2eSRT, "en")
	e.publish(show, ep.Slug)
	return ep
}

// checkEnclosure follows the feed's first enclosure as a podcast app does:
// HEAD, Range 0-1 and a full GET whose bytes must equal the fixture. follow
// turns a media answer that redirects into the answer at its target.
func (e *e2e) checkEnclosure(item *gofeed.Item, fixture string, follow func(res *http.Response, method string, h map[string]string) (*http.Response, []byte)) {
	e.t.Helper()
	want, err := os.ReadFile(filepath.Join("..", "testdata", "audio", fixture))
	if err != nil {
		e.t.Fatal(err)
	}
	if len(item.Enclosures) != 1 {
		e.t.Fatalf("item has %d enclosures, want 1", len(item.Enclosures))
	}
	enc := item.Enclosures[0]
	if enc.Length != strconv.Itoa(len(want)) || enc.Type != "audio/mpeg" {
		e.t.Errorf("enclosure length %s type %q, want %d audio/mpeg", enc.Length, enc.Type, len(want))
	}
	if !strings.HasPrefix(enc.URL, e.base+"/media/") || !strings.HasSuffix(enc.URL, ".mp3") {
		e.t.Errorf("enclosure URL %q is not a stable .mp3 URL under %s/media/", enc.URL, e.base)
	}
	fetch := func(method string, h map[string]string) (*http.Response, []byte) {
		res, body := e.do(method, enc.URL, nil, h)
		if follow != nil {
			return follow(res, method, h)
		}
		return res, body
	}

	res, _ := fetch(http.MethodHead, nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Length") != enc.Length {
		e.t.Errorf("HEAD enclosure: %d with Content-Length %q, want 200 with %s", res.StatusCode, res.Header.Get("Content-Length"), enc.Length)
	}
	res, body := fetch(http.MethodGet, map[string]string{"Range": "bytes=0-1"})
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(body, want[:2]) {
		e.t.Errorf("Range bytes=0-1: %d with %d bytes %x, want 206 with %x", res.StatusCode, len(body), body, want[:2])
	}
	if got, wantCR := res.Header.Get("Content-Range"), fmt.Sprintf("bytes 0-1/%d", len(want)); got != wantCR {
		e.t.Errorf("Content-Range %q, want %q", got, wantCR)
	}
	res, body = fetch(http.MethodGet, nil)
	gotSum, wantSum := sha256.Sum256(body), sha256.Sum256(want)
	if res.StatusCode != http.StatusOK || gotSum != wantSum {
		e.t.Errorf("full GET: %d, %d bytes sha256 %s; want 200, %d bytes sha256 %s",
			res.StatusCode, len(body), hex.EncodeToString(gotSum[:]), len(want), hex.EncodeToString(wantSum[:]))
	}
	if ct := res.Header.Get("Content-Type"); ct != "audio/mpeg" {
		e.t.Errorf("enclosure Content-Type %q, want audio/mpeg", ct)
	}
}

// checkPublicSurface checks, through the full server, what a podcast app and
// a listener reach from the feed: 304 and gzip on the feed, the chapters
// file, the transcripts with their types, and the episode page.
func (e *e2e) checkPublicSurface(show string, item *gofeed.Item, feedBody []byte) {
	e.t.Helper()
	feedURL := e.base + "/" + show + "/feed.xml"
	res, _ := e.do(http.MethodGet, feedURL, nil, nil)
	if ct := res.Header.Get("Content-Type"); ct != "application/rss+xml; charset=utf-8" {
		e.t.Errorf("feed Content-Type %q", ct)
	}
	etag, lastMod := res.Header.Get("ETag"), res.Header.Get("Last-Modified")
	if res, _ := e.do(http.MethodGet, feedURL, nil, map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified {
		e.t.Errorf("feed with If-None-Match: status %d, want 304", res.StatusCode)
	}
	if res, _ := e.do(http.MethodGet, feedURL, nil, map[string]string{"If-Modified-Since": lastMod}); res.StatusCode != http.StatusNotModified {
		e.t.Errorf("feed with If-Modified-Since: status %d, want 304", res.StatusCode)
	}
	res, gz := e.do(http.MethodGet, feedURL, nil, map[string]string{"Accept-Encoding": "gzip"})
	if res.Header.Get("Content-Encoding") != "gzip" {
		e.t.Errorf("feed with Accept-Encoding gzip: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	} else if zr, err := gzip.NewReader(bytes.NewReader(gz)); err != nil {
		e.t.Errorf("gzip feed: %v", err)
	} else if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, feedBody) {
		e.t.Errorf("gunzipped feed differs from the plain one (err %v)", err)
	}
	if res, _ := e.do(http.MethodHead, feedURL, nil, nil); res.StatusCode != http.StatusOK || res.Header.Get("Content-Length") != strconv.Itoa(len(feedBody)) {
		e.t.Errorf("HEAD feed: %d Content-Length %q, want 200 %d", res.StatusCode, res.Header.Get("Content-Length"), len(feedBody))
	}

	pod := item.Extensions["podcast"]
	chapters := pod["chapters"]
	if len(chapters) != 1 {
		e.t.Fatalf("item has %d podcast:chapters, want 1", len(chapters))
	}
	res, body := e.do(http.MethodGet, chapters[0].Attrs["url"], nil, nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json+chapters" {
		e.t.Errorf("chapters: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var cf struct {
		Version  string `json:"version"`
		Chapters []struct {
			StartTime float64 `json:"startTime"`
			Title     string  `json:"title"`
		} `json:"chapters"`
	}
	if err := json.Unmarshal(body, &cf); err != nil || cf.Version == "" || len(cf.Chapters) != 2 ||
		cf.Chapters[0].Title != "Intro" || cf.Chapters[1].StartTime != 1.5 || cf.Chapters[1].Title != "Interview" {
		e.t.Errorf("chapters file %s (err %v)", body, err)
	}
	if res, _ := e.do(http.MethodGet, chapters[0].Attrs["url"], nil, map[string]string{"If-None-Match": res.Header.Get("ETag")}); res.StatusCode != http.StatusNotModified {
		e.t.Errorf("chapters with If-None-Match: status %d, want 304", res.StatusCode)
	}

	wantTypes := map[string]struct{ feedType, served, body string }{
		"en": {"text/vtt", "text/vtt; charset=utf-8", e2eVTT},
		"sv": {"application/x-subrip", "application/x-subrip; charset=utf-8", e2eSRT},
	}
	if len(pod["transcript"]) != len(wantTypes) {
		e.t.Errorf("item has %d podcast:transcript, want %d", len(pod["transcript"]), len(wantTypes))
	}
	for _, tr := range pod["transcript"] {
		w, ok := wantTypes[tr.Attrs["language"]]
		if !ok || tr.Attrs["type"] != w.feedType {
			e.t.Errorf("podcast:transcript %v", tr.Attrs)
			continue
		}
		res, body := e.do(http.MethodGet, tr.Attrs["url"], nil, nil)
		if res.StatusCode == http.StatusFound { // redirect delivery: the bucket answers
			res, body = e.do(http.MethodGet, res.Header.Get("Location"), nil, nil)
		}
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != w.served || string(body) != w.body {
			e.t.Errorf("transcript %s: %d %q, body %q", tr.Attrs["language"], res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}

	res, body = e.do(http.MethodGet, item.Link, nil, nil)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!bytes.Contains(body, []byte(item.Title)) {
		e.t.Errorf("episode page at the item's link %s: %d %q", item.Link, res.StatusCode, res.Header.Get("Content-Type"))
	}
	noSlash := strings.TrimSuffix(item.Link, "/")
	if res, _ := e.do(http.MethodGet, noSlash, nil, nil); res.StatusCode != http.StatusMovedPermanently ||
		e.base+res.Header.Get("Location") != item.Link {
		e.t.Errorf("%s: %d to %q, want 301 to the page", noSlash, res.StatusCode, res.Header.Get("Location"))
	}
}

// runE2E is the whole flow on one bucket: upload, publish, feed, enclosure.
func runE2E(t *testing.T, e *e2e, follow func(*http.Response, string, map[string]string) (*http.Response, []byte)) {
	const fixture = "cbr.mp3"
	ep := e.publishSample("lab", fixture)
	f, body := e.feed("lab")
	if len(f.Items) != 1 {
		t.Fatalf("feed has %d items, want 1", len(f.Items))
	}
	item := f.Items[0]
	if item.GUID != ep.GUID || item.Title != "Spaced repetition" {
		t.Errorf("item guid %q title %q, want %q %q", item.GUID, item.Title, ep.GUID, "Spaced repetition")
	}
	if item.ITunesExt == nil || item.ITunesExt.Duration != "3" {
		t.Errorf("itunes:duration %+v, want 3 (seconds, the fixture's length)", item.ITunesExt)
	}
	e.checkEnclosure(item, fixture, follow)
	e.checkPublicSurface("lab", item, body)
}

func newFilesystemBucket(t *testing.T) storage.Bucket {
	t.Helper()
	b, err := filesystem.New(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func newS3Bucket(t *testing.T) storage.Bucket {
	t.Helper()
	srv := testenv.S3(t)
	b, err := s3.New(t.Context(), s3.Options{Endpoint: srv.Endpoint, Region: srv.Region, Bucket: srv.NewBucket(t),
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEndToEndFilesystem uploads a fixture through the API, publishes it and
// follows the feed like a podcast app, with media on the local disk.
func TestEndToEndFilesystem(t *testing.T) {
	runE2E(t, newE2E(t, newFilesystemBucket(t), nil), nil)
}

// TestEndToEndS3Proxy is the same flow with media in S3, streamed through Lyssna.
func TestEndToEndS3Proxy(t *testing.T) {
	runE2E(t, newE2E(t, newS3Bucket(t), nil), nil)
}

// TestEndToEndS3Redirect is the same flow with media in S3 and redirect
// delivery: a GET answers 302 to a presigned URL, which serves the bytes
// (206 for a Range) itself; a HEAD is answered by Lyssna.
func TestEndToEndS3Redirect(t *testing.T) {
	e := newE2E(t, newS3Bucket(t), func(d *Deps) { d.MediaDelivery = DeliveryRedirect })
	follow := func(res *http.Response, method string, h map[string]string) (*http.Response, []byte) {
		t.Helper()
		if method == http.MethodHead {
			return res, nil
		}
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusFound || !strings.Contains(loc, "X-Amz-Signature=") {
			t.Fatalf("GET media in redirect mode: %d to %q, want 302 to a presigned URL", res.StatusCode, loc)
		}
		return e.do(method, loc, nil, h)
	}
	runE2E(t, e, follow)
}

// TestEndToEndS3MediaBaseURL checks that with LYSSNA_MEDIA_BASE_URL the
// enclosure redirects to the same key under that base, which here is the
// S3 bucket's own public URL.
func TestEndToEndS3MediaBaseURL(t *testing.T) {
	const cdn = "https://cdn.example.org/lyssna"
	e := newE2E(t, newS3Bucket(t), func(d *Deps) { d.MediaDelivery = DeliveryRedirect; d.MediaBaseURL = cdn })
	ep := e.publishSample("lab", "cbr.mp3")
	f, _ := e.feed("lab")
	enc := f.Items[0].Enclosures[0]
	key := strings.TrimPrefix(enc.URL, e.base+"/media/")
	if key != strings.TrimPrefix(ep.Audio.URL, e.base+"/media/") {
		t.Fatalf("enclosure %q is not the uploaded audio %q", enc.URL, ep.Audio.URL)
	}
	for _, h := range []map[string]string{nil, {"Range": "bytes=0-1"}} {
		res, _ := e.do(http.MethodGet, enc.URL, nil, h)
		if res.StatusCode != http.StatusFound || res.Header.Get("Location") != cdn+"/"+key {
			t.Errorf("GET %v: %d to %q, want 302 to %s/%s", h, res.StatusCode, res.Header.Get("Location"), cdn, key)
		}
	}
	if _, err := e.bucket.Stat(t.Context(), key); err != nil {
		t.Errorf("the redirect's key is not in the bucket: %v", err)
	}
}

// TestFeedFollowsAPIWrites checks that every API write shows in the feed at
// once: the clock stands still, so the cache never rechecks the show's
// version by itself and only the store's announcements can refresh it.
func TestFeedFollowsAPIWrites(t *testing.T) {
	e := newE2E(t, newFilesystemBucket(t), nil)
	first := e.publishSample("lab", "cbr.mp3")
	if f, _ := e.feed("lab"); len(f.Items) != 1 {
		t.Fatalf("feed has %d items, want 1", len(f.Items))
	}
	second := e.upload("lab", "vbr-xing.mp3", e2eEpisodeMeta("Retrieval practice", 2))
	e.publish("lab", second.Slug)
	if f, _ := e.feed("lab"); len(f.Items) != 2 || f.Items[0].GUID != second.GUID {
		t.Errorf("after publishing a second episode the feed has %d items, want 2 with it first", len(f.Items))
	}
	e.apiJSON(http.MethodPatch, "/shows/lab", map[string]any{"title": "Learning Lab, renamed"}, http.StatusOK, nil)
	if f, _ := e.feed("lab"); f.Title != "Learning Lab, renamed" {
		t.Errorf("after renaming the show the feed's title is %q", f.Title)
	}
	e.api(http.MethodPost, "/shows/lab/episodes/"+first.Slug+"/unpublish", "", nil, http.StatusOK, nil)
	if f, _ := e.feed("lab"); len(f.Items) != 1 || f.Items[0].GUID != second.GUID {
		t.Errorf("after unpublishing the first episode the feed has %d items, want only the second", len(f.Items))
	}
}

// TestFeedFollowsStoreWrites writes through the store alone, with no
// handler involved: the feed cache hears the store's announcement and the
// very next request (the clock standing still) serves the change.
func TestFeedFollowsStoreWrites(t *testing.T) {
	e := newE2E(t, newFilesystemBucket(t), nil)
	first := e.publishSample("lab", "cbr.mp3")
	if f, _ := e.feed("lab"); len(f.Items) != 1 || f.Title == "Renamed in the store" {
		t.Fatalf("feed has %d items and title %q", len(f.Items), f.Title)
	}
	ctx := t.Context()
	sh, err := e.store.GetShow(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	sh.Title = "Renamed in the store"
	if err := e.store.UpdateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	if f, _ := e.feed("lab"); f.Title != "Renamed in the store" {
		t.Errorf("after a store-only rename the feed's title is %q", f.Title)
	}
	ep, err := e.store.GetEpisode(ctx, sh.ID, first.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Unpublish(ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	if f, _ := e.feed("lab"); len(f.Items) != 0 {
		t.Errorf("after a store-only unpublish the feed has %d items, want 0", len(f.Items))
	}
}
