package uploads

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
)

// expected is one entry of testdata/audio/expected.json.
type expected struct {
	File        string `json:"file"`
	Format      string `json:"format"`
	DecodedMS   int64  `json:"decoded_ms"`
	Title       string `json:"title"`
	Comment     string `json:"comment"`
	Track       int    `json:"track"`
	Bitrate     int    `json:"bitrate"`
	PictureMIME string `json:"picture_mime"`
	PictureFile string `json:"picture_file"`
	Chapters    []struct {
		StartMS int64  `json:"start_ms"`
		Title   string `json:"title"`
	} `json:"chapters"`
}

func loadExpected(t *testing.T) []expected {
	t.Helper()
	var exp []expected
	if err := json.Unmarshal(readFixture(t, "expected.json"), &exp); err != nil {
		t.Fatalf("expected.json: %v", err)
	}
	if len(exp) == 0 {
		t.Fatal("expected.json lists no fixtures")
	}
	return exp
}

func getObject(t *testing.T, b storage.Bucket, key string) ([]byte, storage.ObjectInfo) {
	t.Helper()
	rc, info, err := b.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return data, info
}

func TestIngestFixtures(t *testing.T) {
	exp := loadExpected(t)
	eachBackend(t, func(t *testing.T, r *rig) {
		for _, e := range exp {
			t.Run(e.File, func(t *testing.T) {
				data := readFixture(t, e.File)
				ep, err := r.in.Ingest(t.Context(), r.show, bytes.NewReader(data), nil)
				if err != nil {
					t.Fatalf("Ingest: %v", err)
				}
				got, err := r.store.GetEpisode(t.Context(), r.show.ID, strconv.FormatInt(ep.ID, 10))
				if err != nil {
					t.Fatalf("GetEpisode: %v", err)
				}
				checkFixtureEpisode(t, r, e, data, got)
			})
		}
		if s := r.state(t); len(s.temp) != 0 {
			t.Errorf("temp files left: %q", s.temp)
		}
	})
}

func checkFixtureEpisode(t *testing.T, r *rig, e expected, data []byte, got *episodes.Episode) {
	t.Helper()
	wantTitle := e.Title
	if wantTitle == "" {
		wantTitle = DefaultTitle
	}
	if got.Title != wantTitle {
		t.Errorf("title %q, want %q", got.Title, wantTitle)
	}
	if got.Notes != e.Comment {
		t.Errorf("notes %q, want the comment %q", got.Notes, e.Comment)
	}
	if got.Number != e.Track {
		t.Errorf("number %d, want the track %d", got.Number, e.Track)
	}
	if got.Status != episodes.StatusDraft || got.GUID == "" {
		t.Errorf("status %q guid %q, want a draft with a guid", got.Status, got.GUID)
	}
	a := got.Audio
	if a == nil {
		t.Fatal("no audio")
	}
	sum := sha256.Sum256(data)
	wantType, ext := "audio/mpeg", ".mp3"
	if e.Format == "m4a" {
		wantType, ext = "audio/x-m4a", ".m4a"
	}
	if a.SHA256 != hex.EncodeToString(sum[:]) || a.Size != int64(len(data)) || a.ContentType != wantType {
		t.Errorf("audio %+v, want sha %x size %d type %s", a, sum, len(data), wantType)
	}
	// The key's unique part is random only (130 bits): the bytes went into
	// the bucket before their hash was known.
	keyRE := regexp.MustCompile(`^audio/` + strconv.FormatInt(r.show.ID, 10) + `/[a-z2-7]{26}` + regexp.QuoteMeta(ext) + `$`)
	if !keyRE.MatchString(a.Key) {
		t.Errorf("audio key %q, want one matching %s", a.Key, keyRE)
	}
	if d := a.DurationMS - e.DecodedMS; d < -50 || d > 50 {
		t.Errorf("duration %d ms, decoded length %d ms", a.DurationMS, e.DecodedMS)
	}
	if e.Bitrate != 0 && a.Bitrate != e.Bitrate {
		t.Errorf("bitrate %d, want %d", a.Bitrate, e.Bitrate)
	}
	if a.Bitrate <= 0 {
		t.Errorf("bitrate %d, want a positive one", a.Bitrate)
	}
	stored, info := getObject(t, r.bucket, a.Key)
	if !bytes.Equal(stored, data) {
		t.Errorf("stored audio differs from the upload (%d vs %d bytes)", len(stored), len(data))
	}
	if info.ContentType != "" && info.ContentType != wantType {
		t.Errorf("stored content type %q, want %q", info.ContentType, wantType)
	}

	if e.PictureFile == "" {
		if got.ImageKey != "" {
			t.Errorf("image key %q for a file without artwork", got.ImageKey)
		}
	} else {
		wantExt := ".jpg"
		if e.PictureMIME == "image/png" {
			wantExt = ".png"
		}
		if !strings.HasPrefix(got.ImageKey, ArtPrefix) || !strings.HasSuffix(got.ImageKey, wantExt) {
			t.Errorf("image key %q, want art/...%s", got.ImageKey, wantExt)
		}
		pic, _ := getObject(t, r.bucket, got.ImageKey)
		if want := readFixture(t, e.PictureFile); !bytes.Equal(pic, want) {
			t.Errorf("stored artwork differs from %s", e.PictureFile)
		}
	}

	if len(got.Chapters) != len(e.Chapters) {
		t.Fatalf("chapters %+v, want %+v", got.Chapters, e.Chapters)
	}
	for i, c := range e.Chapters {
		if got.Chapters[i].StartMS != c.StartMS || got.Chapters[i].Title != c.Title {
			t.Errorf("chapter %d = %+v, want %+v", i, got.Chapters[i], c)
		}
	}
}

// TestIngestBroken sends every file of the broken corpus: each is refused as
// unsupported or malformed with a message, and nothing is left behind.
func TestIngestBroken(t *testing.T) {
	dir := filepath.Join("..", "testdata", "audio", "broken")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("broken corpus: %v", err)
	}
	eachBackend(t, func(t *testing.T, r *rig) {
		if _, err := r.in.Ingest(t.Context(), r.show, bytes.NewReader(readFixture(t, "cbr.mp3")), nil); err != nil {
			t.Fatalf("Ingest(cbr.mp3): %v", err)
		}
		before := r.state(t)
		for _, e := range entries {
			t.Run(e.Name(), func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				_, err = r.in.Ingest(t.Context(), r.show, bytes.NewReader(data), nil)
				switch {
				case err == nil:
					t.Fatal("accepted a broken file")
				case !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrMalformed):
					t.Fatalf("error %v, want ErrUnsupported or ErrMalformed", err)
				}
				if errors.Is(err, ErrUnsupported) && !strings.Contains(err.Error(), "accepted are MP3") {
					t.Errorf("message %q does not say what is accepted", err)
				}
				r.sameState(t, before)
			})
		}
	})
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestIngestTooLarge(t *testing.T) {
	r := newRig(t, backends{"sqlite", "filesystem"}, nil)
	r.in.MaxSize = 64 << 10
	before := r.state(t)
	// A valid MP3 of 1 MiB: the limit must stop the read, not the end of the file.
	body := &countingReader{r: bytes.NewReader(repeatMP3(t, 1<<20))}
	_, err := r.in.Ingest(t.Context(), r.show, body, nil)
	var tl *TooLargeError
	if !errors.As(err, &tl) || !errors.Is(err, ErrTooLarge) || tl.Limit != 64<<10 {
		t.Fatalf("error %v, want a *TooLargeError with the limit", err)
	}
	if !strings.Contains(err.Error(), "64 KiB") {
		t.Errorf("message %q does not name the limit", err)
	}
	if body.n > r.in.MaxSize+1+256<<10 {
		t.Errorf("read %d bytes of the body past a limit of %d", body.n, r.in.MaxSize)
	}
	r.sameState(t, before)

	// A file under the limit is read whole: every frame counts.
	r.in.MaxSize = 2 << 20
	ep, err := r.in.Ingest(t.Context(), r.show, bytes.NewReader(repeatMP3(t, 1<<20)), nil)
	if err != nil {
		t.Fatalf("Ingest of 1 MiB under a 2 MiB limit: %v", err)
	}
	if want := mp3Duration(1 << 20); ep.Audio.DurationMS < want-50 || ep.Audio.DurationMS > want+50 {
		t.Errorf("duration %d ms, want %d ms from the frame count", ep.Audio.DurationMS, want)
	}

	// Exactly at the limit is accepted.
	r.in.MaxSize = int64(len(readFixture(t, "cbr.mp3")))
	if _, err := r.in.Ingest(t.Context(), r.show, bytes.NewReader(readFixture(t, "cbr.mp3")), nil); err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
}

// failingReader gives n bytes of data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// cancellingReader cancels its context after n bytes.
type cancellingReader struct {
	r      io.Reader
	after  int64
	n      int64
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n >= c.after {
		c.cancel()
	}
	return n, err
}

func TestIngestBodyBreaksOff(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		data := repeatMP3(t, 2<<20)
		before := r.state(t)
		t.Run("read error halfway", func(t *testing.T) {
			_, err := r.in.Ingest(t.Context(), r.show, &failingReader{data: data[:1<<20], err: io.ErrUnexpectedEOF}, nil)
			if !errors.Is(err, ErrIncomplete) {
				t.Fatalf("error %v, want ErrIncomplete", err)
			}
			r.sameState(t, before)
		})
		t.Run("context cancelled halfway", func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			_, err := r.in.Ingest(ctx, r.show, &cancellingReader{r: bytes.NewReader(data), after: 1 << 20, cancel: cancel}, nil)
			if !errors.Is(err, ErrIncomplete) || !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want ErrIncomplete from a cancelled context", err)
			}
			r.sameState(t, before)
		})
		t.Run("context cancelled during the put", func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			r2 := *r
			in := *r.in
			in.Bucket = &hookBucket{Bucket: r.bucket, beforePut: func(string) error { cancel(); return nil }}
			r2.in = &in
			_, err := r2.in.Ingest(ctx, r.show, bytes.NewReader(data), nil)
			if err == nil {
				t.Fatal("an upload whose context was cancelled succeeded")
			}
			r.sameState(t, before)
		})
	})
}

func TestIngestDuplicate(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		data := readFixture(t, "cbr.mp3")
		first, err := r.in.Ingest(t.Context(), r.show, bytes.NewReader(data), nil)
		if err != nil {
			t.Fatalf("first Ingest: %v", err)
		}
		before := r.state(t)
		_, err = r.in.Ingest(t.Context(), r.show, bytes.NewReader(data), nil)
		if !errors.Is(err, episodes.ErrConflict) {
			t.Fatalf("second Ingest: %v, want ErrConflict", err)
		}
		if !strings.Contains(err.Error(), first.Slug) || !strings.Contains(err.Error(), first.Title) {
			t.Errorf("message %q does not name episode %q (%s)", err, first.Title, first.Slug)
		}
		r.sameState(t, before)

		// Another show may hold the same file.
		other := createShow(t, r.store, "other-show")
		if _, err := r.in.Ingest(t.Context(), other, bytes.NewReader(data), nil); err != nil {
			t.Errorf("the same file in another show: %v", err)
		}
	})
}

func TestIngestPatchWins(t *testing.T) {
	r := newRig(t, backends{"sqlite", "filesystem"}, nil)
	ep, err := r.in.Ingest(t.Context(), r.show, bytes.NewReader(readFixture(t, "cbr.mp3")), func(e *episodes.Episode) error {
		e.Title, e.Notes, e.Number, e.Season = "Given title", "Given notes", 42, 2
		return nil
	})
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	if ep.Title != "Given title" || ep.Notes != "Given notes" || ep.Number != 42 || ep.Season != 2 {
		t.Errorf("episode %q %q %d %d, want the patch's fields", ep.Title, ep.Notes, ep.Number, ep.Season)
	}
	if ep.Audio == nil || ep.Audio.DurationMS == 0 {
		t.Errorf("audio %+v, want the file's", ep.Audio)
	}

	t.Run("invalid patch stores nothing", func(t *testing.T) {
		before := r.state(t)
		_, err := r.in.Ingest(t.Context(), r.show, bytes.NewReader(readFixture(t, "art.mp3")), func(e *episodes.Episode) error {
			e.Season = -1
			return nil
		})
		var verr *episodes.Error
		if !errors.As(err, &verr) || verr.Field != "season" {
			t.Fatalf("error %v, want an *episodes.Error for season", err)
		}
		r.sameState(t, before)
	})
	t.Run("patch error stores nothing", func(t *testing.T) {
		before := r.state(t)
		want := &episodes.Error{Field: "title", Message: "bad"}
		_, err := r.in.Ingest(t.Context(), r.show, bytes.NewReader(readFixture(t, "art.mp3")), func(*episodes.Episode) error { return want })
		if !errors.Is(err, want) {
			t.Fatalf("error %v, want the patch's", err)
		}
		r.sameState(t, before)
	})
}

// hookBucket is a real bucket with hooks that can fail or interfere with Put.
type hookBucket struct {
	storage.Bucket
	beforePut func(key string) error
	afterPut  func(key string) error
}

func (h *hookBucket) Put(ctx context.Context, key, contentType string, r io.Reader) (storage.ObjectInfo, error) {
	if h.beforePut != nil {
		if err := h.beforePut(key); err != nil {
			return storage.ObjectInfo{}, err
		}
	}
	info, err := h.Bucket.Put(ctx, key, contentType, r)
	if err == nil && h.afterPut != nil {
		err = h.afterPut(key)
	}
	return info, err
}

func TestIngestStorageFailure(t *testing.T) {
	boom := errors.New("disk on fire")
	cases := []struct {
		name string
		hook hookBucket
	}{
		{"audio put fails", hookBucket{beforePut: func(string) error { return boom }}},
		{"audio put fails after writing", hookBucket{afterPut: func(string) error { return boom }}},
		{"artwork put fails", hookBucket{beforePut: func(k string) error {
			if strings.HasPrefix(k, ArtPrefix) {
				return boom
			}
			return nil
		}}},
	}
	for _, b := range []backends{{"sqlite", "filesystem"}, {"postgres", "s3"}} {
		for _, c := range cases {
			t.Run(b.String()+"/"+c.name, func(t *testing.T) {
				hook := c.hook
				r := newRig(t, b, func(real storage.Bucket) storage.Bucket { hook.Bucket = real; return &hook })
				before := r.state(t)
				_, err := r.in.Ingest(t.Context(), r.show, bytes.NewReader(readFixture(t, "art.mp3")), nil)
				if !errors.Is(err, boom) {
					t.Fatalf("error %v, want the bucket's", err)
				}
				r.sameState(t, before)
			})
		}
	}
}

func TestIngestStoreFailure(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		if _, err := r.in.Ingest(t.Context(), r.show, bytes.NewReader(readFixture(t, "cbr.mp3")), func(e *episodes.Episode) error {
			e.Slug = "taken"
			return nil
		}); err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		before := r.state(t)
		// The slug clash is found by the database, after the objects are put.
		_, err := r.in.Ingest(t.Context(), r.show, bytes.NewReader(readFixture(t, "art.mp3")), func(e *episodes.Episode) error {
			e.Slug = "taken"
			return nil
		})
		if !errors.Is(err, episodes.ErrConflict) {
			t.Fatalf("error %v, want the store's ErrConflict", err)
		}
		r.sameState(t, before)

		// A show deleted mid-upload: the store answers not found.
		gone := createShow(t, r.store, "gone")
		if err := r.store.DeleteShow(t.Context(), gone.ID); err != nil {
			t.Fatal(err)
		}
		_, err = r.in.Ingest(t.Context(), gone, bytes.NewReader(readFixture(t, "art.mp3")), nil)
		if !errors.Is(err, episodes.ErrNotFound) {
			t.Fatalf("error %v, want ErrNotFound", err)
		}
		r.sameState(t, before)
	})
}
