package imports

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/internal/testimage"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/filesystem"
	"github.com/lyssna/lyssna/uploads"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

// origin is a local server playing the old hosts: it serves the fixture
// feeds, generated MP3s (each path its own bytes), artwork, transcripts
// and chapters, with the redirects the hosts use.
type origin struct {
	*httptest.Server
	art []byte

	mu      sync.Mutex
	hits    map[string]int
	block   string        // a path whose request waits for its context to end
	reached chan struct{} // closed when block is requested
	missing map[string]bool
}

func newOrigin(t testing.TB) *origin {
	o := &origin{art: testimage.Encode(t, "jpeg", 1400, 1400), hits: map[string]int{}, missing: map[string]bool{"/pci/missing.mp3": true}}
	o.Server = httptest.NewServer(http.HandlerFunc(o.serve))
	t.Cleanup(o.Close)
	return o
}

func (o *origin) feedURL(name string) string { return o.URL + "/feeds/" + name + ".xml" }

func (o *origin) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	o.mu.Lock()
	o.hits[p]++
	block, missing := o.block == p, o.missing[p]
	o.mu.Unlock()
	if block {
		close(o.reached)
		<-r.Context().Done()
		return
	}
	switch {
	case missing:
		http.NotFound(w, r)
	case strings.HasPrefix(p, "/feeds/"):
		name := strings.TrimSuffix(strings.TrimPrefix(p, "/feeds/"), ".xml")
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(renderFixture(nil, name, o.URL))
	case strings.HasPrefix(p, "/anchor/s/"): // anchor.fm/s/.../play/N/https%3A%2F%2Fcloudfront... -> the file
		http.Redirect(w, r, "/cloudfront"+p[strings.LastIndex(p, "/"):], http.StatusFound)
	case strings.HasPrefix(p, "/podlove/podlove/file/"):
		http.Redirect(w, r, "/podlove/media/lr003.mp3", http.StatusFound)
	case strings.HasPrefix(p, "/powerpress/redirect/"):
		http.Redirect(w, r, "/hop"+p, http.StatusMovedPermanently)
	case strings.HasPrefix(p, "/hop/"):
		http.Redirect(w, r, "/cdn/"+strings.TrimPrefix(p, "/hop/powerpress/redirect/"), http.StatusFound)
	case strings.HasSuffix(p, ".mp3"):
		w.Header().Set("Content-Type", "audio/mpeg")
		w.Write(fixtureMP3(p))
	case strings.HasPrefix(p, "/art/"):
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(o.art)
	case strings.Contains(p, "chapters") || r.URL.Query().Get("podcast_chapters") != "" || strings.HasPrefix(p, "/pci/") && strings.HasSuffix(p, ".json"):
		w.Header().Set("Content-Type", "application/json+chapters")
		fmt.Fprint(w, `{"version":"1.2.0","chapters":[{"startTime":0,"title":"Opening"},{"startTime":1.0,"title":"Main <b>part</b>","url":"https://example.org/x"},{"startTime":99,"title":"Past the end"}]}`)
	case strings.HasSuffix(p, ".vtt"):
		fmt.Fprint(w, "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Ada>Hello and welcome.\n\n00:00:01.000 --> 00:00:02.000\n<v Bo>Thanks.\n")
	case strings.HasSuffix(p, ".srt"):
		fmt.Fprint(w, "1\n00:00:00,000 --> 00:00:01,500\nHola.\n")
	case strings.HasSuffix(p, ".json"):
		fmt.Fprint(w, `{"version":"1.0.0","segments":[{"speaker":"Marie","startTime":0.2,"endTime":1.1,"body":"Bonjour à tous."},{"speaker":"Luc","startTime":1.1,"endTime":1.9,"body":"Merci <3"}]}`)
	case strings.HasSuffix(p, ".html"):
		fmt.Fprint(w, "<html><body><p><b>John</b>: The future.</p><script>x()</script></body></html>")
	case strings.HasSuffix(p, ".txt"):
		fmt.Fprint(w, "Ada: Counting cells is hard.\n\nBo: It is.\n")
	default:
		http.NotFound(w, r)
	}
}

// rig is a real Importer over a real store, bucket and upload pipeline.
type rig struct {
	im     *Importer
	store  *episodes.Store
	bucket storage.Bucket
	up     *uploads.Ingester
	clock  *testenv.Clock
}

func newRig(t testing.TB, kind string) *rig {
	t.Helper()
	var url string
	if kind == "postgres" {
		url = testenv.Postgres(t)
	} else {
		url = episodestest.SQLite(t)
	}
	store, err := episodes.Open(context.Background(), url, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	bucket, err := filesystem.New(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	up, err := uploads.New(uploads.Deps{Store: store, Bucket: bucket, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{store: store, bucket: bucket, up: up, clock: testenv.NewClock(time.Now())}
	r.im = r.importer(t)
	return r
}

// importer is another worker over the same store (another replica).
func (r *rig) importer(t testing.TB) *Importer {
	im, err := New(Deps{Store: r.store, Uploads: r.up, Bucket: r.bucket, Fetcher: NewFetcher(Limits{}, true, ""),
		TempDir: t.TempDir(), Now: r.clock.Now, RetryWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// drain runs imports until none is left.
func (r *rig) drain(t testing.TB) {
	t.Helper()
	for range 20 {
		ran, err := r.im.RunNext(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return
		}
	}
	t.Fatal("imports still waiting after 20 runs")
}

// importFeed imports the feed at url into slug, runs the import to its
// end and returns it as stored.
func (r *rig) importFeed(t testing.TB, url, slug string) *Import {
	t.Helper()
	ctx := context.Background()
	job, err := r.im.StartFeed(ctx, url, slug)
	if err != nil {
		t.Fatal(err)
	}
	r.drain(t)
	got, err := r.im.Get(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
