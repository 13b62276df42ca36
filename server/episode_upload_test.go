package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/uploads"
)

// part is one multipart part: name, file name (empty for a plain field) and content.
type part struct{ name, file, content string }

// multipartBody builds a multipart/form-data body and its Content-Type.
func multipartBody(t *testing.T, parts ...part) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.file != "" {
			cd += fmt.Sprintf(`; filename=%q`, p.file)
			h.Set("Content-Type", "application/octet-stream")
		} else {
			h.Set("Content-Type", "application/json")
		}
		h.Set("Content-Disposition", cd)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, p.content)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func audioFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "audio", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// uploadEnv is an apiEnv whose uploads spool into a temp directory of the test's own.
func newUploadEnv(t *testing.T, databaseURL string) *apiEnv {
	t.Setenv("TMPDIR", t.TempDir())
	a := newAPIEnv(t, databaseURL)
	a.createShow("talks")
	return a
}

// leftovers lists the bucket's keys, the show's episode count and the upload temp files.
func (a *apiEnv) leftovers() string {
	a.t.Helper()
	var keys []string
	if err := a.bucket.List(context.Background(), "", func(o storage.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	}); err != nil {
		a.t.Fatal(err)
	}
	sort.Strings(keys)
	s, err := a.store.GetShow(context.Background(), "talks")
	if err != nil {
		a.t.Fatal(err)
	}
	eps, _, err := a.store.ListEpisodes(context.Background(), s.ID, episodes.ListOptions{Limit: episodes.MaxListLen})
	if err != nil {
		a.t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(os.TempDir(), "lyssna-uploads"))
	var temp []string
	for _, e := range entries {
		temp = append(temp, e.Name())
	}
	return fmt.Sprintf("keys %q, %d episodes, temp files %q", keys, len(eps), temp)
}

func TestUploadCreatesEpisode(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := ""
			if db == "postgres" {
				url = testenv.Postgres(t)
			}
			a := newUploadEnv(t, url)
			mp3 := audioFixture(t, "chapters.mp3")
			// The episode part after the audio: its fields still win over the tags.
			body, ct := multipartBody(t, part{"audio", "anything.wav", mp3}, part{"episode", "", `{"title":"Given title","season":2}`})
			var e episodeJSON
			rec := a.do(http.MethodPost, "/api/v1/shows/talks/episodes", ct, body)
			want(t, rec, http.StatusCreated, &e)
			if e.Title != "Given title" || e.Season != 2 || e.Number != 7 || e.Notes != "Three chapters." || e.Status != episodes.StatusDraft {
				t.Errorf("episode %+v: want the given title and season over the tags' number and comment", e)
			}
			if len(e.Chapters) != 3 || e.Chapters[1].Title != "Mitt – del två" || e.Chapters[1].StartMS != 1000 {
				t.Errorf("chapters %+v, want the file's three", e.Chapters)
			}
			if e.Audio == nil || !strings.HasPrefix(e.Audio.URL, testBase+"/media/audio/") || !strings.HasSuffix(e.Audio.URL, ".mp3") ||
				e.Audio.Size != int64(len(mp3)) || e.Audio.Type != "audio/mpeg" || e.Audio.DurationMS < 2950 || e.Audio.DurationMS > 3050 {
				t.Errorf("audio %+v, want the file's", e.Audio)
			}
			if e.PageURL != testBase+"/talks/"+e.Slug+"/" {
				t.Errorf("page_url %q", e.PageURL)
			}
			if loc := rec.Header().Get("Location"); loc != "/api/v1/shows/talks/episodes/"+e.Slug {
				t.Errorf("Location %q", loc)
			}

			// The episode part first, then the audio; artwork becomes the image.
			body, ct = multipartBody(t, part{"episode", "", `{"episode_type":"bonus"}`}, part{"audio", "x.mp3", audioFixture(t, "art.mp3")})
			var withArt episodeJSON
			want(t, a.do(http.MethodPost, "/api/v1/shows/talks/episodes", ct, body), http.StatusCreated, &withArt)
			if withArt.Title != "With artwork" || withArt.EpisodeType != "bonus" || !strings.Contains(withArt.ImageURL, "/media/art/") {
				t.Errorf("episode %+v: want the tag title, the given type and the artwork", withArt)
			}

			// The same file again: 409 naming the episode, nothing new stored.
			before := a.leftovers()
			body, ct = multipartBody(t, part{"audio", "again.mp3", mp3})
			msg := wantError(t, a.do(http.MethodPost, "/api/v1/shows/talks/episodes", ct, body), http.StatusConflict, codeConflict, "audio")
			if !strings.Contains(msg, e.Slug) {
				t.Errorf("conflict message %q does not name %s", msg, e.Slug)
			}
			if after := a.leftovers(); after != before {
				t.Errorf("a refused upload left %s; before %s", after, before)
			}
		})
	}
}

func TestUploadRefusals(t *testing.T) {
	a := newUploadEnv(t, "")
	mp3 := audioFixture(t, "cbr.mp3")
	cases := []struct {
		name   string
		parts  []part
		status int
		code   string
		field  string
		says   string
	}{
		{"no audio part", []part{{"episode", "", `{"title":"x"}`}}, 400, codeInvalid, "audio", `part named "audio"`},
		{"unknown part", []part{{"file", "a.mp3", mp3}}, 400, codeMalformed, "file", `"audio"`},
		{"audio twice", []part{{"audio", "a.mp3", mp3}, {"audio", "b.mp3", mp3}}, 400, codeMalformed, "audio", "twice"},
		{"bad episode JSON", []part{{"audio", "a.mp3", mp3}, {"episode", "", `{"title":`}}, 400, codeMalformed, "", "malformed JSON"},
		{"read-only field", []part{{"audio", "a.mp3", mp3}, {"episode", "", `{"audio":{}}`}}, 400, codeInvalid, "audio", "PUT .../audio"},
		{"invalid field", []part{{"audio", "a.mp3", mp3}, {"episode", "", `{"season":-3}`}}, 400, codeInvalid, "season", "out of range"},
		{"a PNG", []part{{"audio", "a.mp3", audioFixture(t, "cover.png")}}, 415, codeUnsupportedMedia, "audio", "PNG image"},
		{"empty file", []part{{"audio", "a.mp3", ""}}, 415, codeUnsupportedMedia, "audio", "empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := a.leftovers()
			body, ct := multipartBody(t, c.parts...)
			msg := wantError(t, a.do(http.MethodPost, "/api/v1/shows/talks/episodes", ct, body), c.status, c.code, c.field)
			if !strings.Contains(msg, c.says) {
				t.Errorf("message %q does not say %q", msg, c.says)
			}
			if after := a.leftovers(); after != before {
				t.Errorf("left %s; before %s", after, before)
			}
		})
	}

	t.Run("not multipart", func(t *testing.T) {
		rec := a.do(http.MethodPost, "/api/v1/shows/talks/episodes", "multipart/form-data", []byte(mp3))
		wantError(t, rec, http.StatusBadRequest, codeMalformed, "")
	})
	t.Run("no such show", func(t *testing.T) {
		body, ct := multipartBody(t, part{"audio", "a.mp3", mp3})
		wantError(t, a.do(http.MethodPost, "/api/v1/shows/nope/episodes", ct, body), http.StatusNotFound, codeNotFound, "")
	})
}

// TestUploadBrokenCorpus sends every broken file: 415 or 422 with a
// message, bucket, database and temp directory unchanged.
func TestUploadBrokenCorpus(t *testing.T) {
	a := newUploadEnv(t, "")
	dir := filepath.Join("..", "testdata", "audio", "broken")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("broken corpus: %v", err)
	}
	before := a.leftovers()
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			body, ct := multipartBody(t, part{"audio", e.Name(), string(data)})
			rec := a.do(http.MethodPost, "/api/v1/shows/talks/episodes", ct, body)
			switch rec.Code {
			case http.StatusUnsupportedMediaType:
				if msg := wantError(t, rec, rec.Code, codeUnsupportedMedia, "audio"); !strings.Contains(msg, "accepted are MP3") {
					t.Errorf("415 message %q does not say what is accepted", msg)
				}
			case http.StatusUnprocessableEntity:
				wantError(t, rec, rec.Code, codeMalformed, "audio")
			default:
				t.Fatalf("status %d, want 415 or 422; body %s", rec.Code, rec.Body)
			}
			if after := a.leftovers(); after != before {
				t.Errorf("left %s; before %s", after, before)
			}
		})
	}
}

func TestUploadTooLarge(t *testing.T) {
	a := newUploadEnv(t, "")
	deps := a.deps
	var err error
	deps.Uploads, err = uploads.New(uploads.Deps{Store: a.store, Bucket: a.bucket, TempDir: filepath.Join(os.TempDir(), "lyssna-uploads"), MaxSize: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	a.h = serve(t, deps)
	before := a.leftovers()
	mp3 := audioFixture(t, "cbr.mp3") // 12.3 kB
	body, ct := multipartBody(t, part{"audio", "a.mp3", mp3})
	msg := wantError(t, a.do(http.MethodPost, "/api/v1/shows/talks/episodes", ct, body), http.StatusRequestEntityTooLarge, codeTooLarge, "audio")
	if !strings.Contains(msg, "10000 bytes") {
		t.Errorf("message %q does not name the limit", msg)
	}
	if after := a.leftovers(); after != before {
		t.Errorf("left %s; before %s", after, before)
	}
	var e episodeJSON
	want(t, a.json(http.MethodPost, "/api/v1/shows/talks/episodes", map[string]any{"title": "Draft"}), http.StatusCreated, &e)
	before = a.leftovers()
	wantError(t, a.do(http.MethodPut, "/api/v1/shows/talks/episodes/"+e.Slug+"/audio", "audio/mpeg", []byte(mp3)),
		http.StatusRequestEntityTooLarge, codeTooLarge, "audio")
	if after := a.leftovers(); after != before {
		t.Errorf("left %s; before %s", after, before)
	}
}

func TestUploadReplaceAudio(t *testing.T) {
	a := newUploadEnv(t, "")
	body, ct := multipartBody(t, part{"audio", "a.mp3", audioFixture(t, "cbr.mp3")})
	var first episodeJSON
	want(t, a.do(http.MethodPost, "/api/v1/shows/talks/episodes", ct, body), http.StatusCreated, &first)

	var raw episodeJSON
	want(t, a.do(http.MethodPut, "/api/v1/shows/talks/episodes/"+first.Slug+"/audio", "audio/mp4", []byte(audioFixture(t, "chapters.m4a"))), http.StatusOK, &raw)
	if raw.GUID != first.GUID || raw.Audio.URL == first.Audio.URL || raw.Audio.Type != "audio/x-m4a" || !strings.HasSuffix(raw.Audio.URL, ".m4a") {
		t.Errorf("after PUT: guid %q audio %+v; want guid %q and a new m4a URL", raw.GUID, raw.Audio, first.GUID)
	}

	body, ct = multipartBody(t, part{"audio", "b.mp3", audioFixture(t, "v1.mp3")})
	var mp episodeJSON
	want(t, a.do(http.MethodPut, "/api/v1/shows/talks/episodes/"+first.Slug+"/audio", ct, body), http.StatusOK, &mp)
	if mp.GUID != first.GUID || mp.Audio.URL == raw.Audio.URL || mp.Audio.Size != int64(len(audioFixture(t, "v1.mp3"))) {
		t.Errorf("after multipart PUT: %+v", mp)
	}

	before := a.leftovers()
	wantError(t, a.do(http.MethodPut, "/api/v1/shows/talks/episodes/"+first.Slug+"/audio", "audio/mpeg", []byte("RIFF\x00\x00\x00\x00WAVEfmt ")),
		http.StatusUnsupportedMediaType, codeUnsupportedMedia, "audio")
	wantError(t, a.do(http.MethodPut, "/api/v1/shows/talks/episodes/no-such/audio", "audio/mpeg", []byte(audioFixture(t, "cbr.mp3"))),
		http.StatusNotFound, codeNotFound, "")
	if after := a.leftovers(); after != before {
		t.Errorf("left %s; before %s", after, before)
	}
}

// TestUploadClientGoesAway sends half an upload over a real connection and
// drops it: the server answers nothing useful, and nothing is left.
func TestUploadClientGoesAway(t *testing.T) {
	a := newUploadEnv(t, "")
	srv := httptest.NewServer(a.h)
	defer srv.Close()
	before := a.leftovers()

	mp3 := strings.Repeat(audioFixture(t, "cbr.mp3"), 40)
	body, ct := multipartBody(t, part{"audio", "a.mp3", mp3})
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/shows/talks/episodes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		a.token, ct, len(body))
	conn.Write(body[:len(body)/2])
	// Wait until the server is spooling, then hang up.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(a.leftovers(), "upload-") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(a.leftovers(), "upload-") {
		t.Fatal("the server never started spooling the upload")
	}
	conn.Close()
	for a.leftovers() != before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := a.leftovers(); after != before {
		t.Errorf("a dropped upload left %s; before %s", after, before)
	}
}
