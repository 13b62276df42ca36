package main

import (
	"bytes"
	"encoding/json"

	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lyssna/lyssna/internal/testenv"
)

// cluster is several real `lyssna serve` processes on one PostgreSQL
// database and one S3 bucket, behind one public base URL, as in production.
type cluster struct {
	t        *testing.T
	env      []string
	replicas []*served
	token    string
}

const clusterBase = "https://pod.example.org"

func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	db := testenv.Postgres(t)
	s3 := testenv.S3(t)
	bucket := s3.NewBucket(t)
	c := &cluster{t: t, token: "replica-admin-token-0123456789"}
	c.env = []string{"LYSSNA_LISTEN=127.0.0.1:0", "LYSSNA_BASE_URL=" + clusterBase, "LYSSNA_DATABASE_URL=" + db,
		"LYSSNA_STORAGE=s3", "LYSSNA_S3_ENDPOINT=" + s3.Endpoint, "LYSSNA_S3_REGION=" + s3.Region, "LYSSNA_S3_BUCKET=" + bucket,
		"LYSSNA_S3_ACCESS_KEY=" + s3.AccessKey, "LYSSNA_S3_SECRET_KEY=" + s3.SecretKey, "LYSSNA_S3_PATH_STYLE=true",
		"LYSSNA_ADMIN_TOKEN=" + c.token, "LYSSNA_DB_MAX_OPEN_CONNS=8", "LYSSNA_DB_MAX_IDLE_CONNS=8"}
	for range n {
		c.replicas = append(c.replicas, startServe(t, t.TempDir(), c.env...))
	}
	return c
}

// do sends a request to replica i with the token; it returns the status,
// headers and body.
func (c *cluster) do(i int, method, path, contentType string, body io.Reader) (int, http.Header, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.replicas[i].base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s on replica %d: %v", method, path, i, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// upload posts an audio file as a new episode through replica i.
func (c *cluster) upload(i int, show string, audio []byte) (int, []byte) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, _ := mw.CreateFormFile("audio", "episode.mp3")
	part.Write(audio)
	mw.Close()
	code, _, b := c.do(i, http.MethodPost, "/api/v1/shows/"+show+"/episodes", mw.FormDataContentType(), &body)
	return code, b
}

// feeds fetches the show's feed from every replica and checks they answer
// the same bytes, ETag and Last-Modified; it returns the body.
func (c *cluster) sameFeeds(show string) []byte {
	c.t.Helper()
	var first []byte
	var etag, lm string
	for i := range c.replicas {
		code, h, b := c.do(i, http.MethodGet, "/"+show+"/feed.xml", "", nil)
		if code != http.StatusOK {
			c.t.Fatalf("feed on replica %d = %d", i, code)
		}
		if i == 0 {
			first, etag, lm = b, h.Get("ETag"), h.Get("Last-Modified")
			continue
		}
		if !bytes.Equal(b, first) || h.Get("ETag") != etag || h.Get("Last-Modified") != lm {
			c.t.Fatalf("replica %d's feed differs from replica 0's: ETag %s / %s, Last-Modified %s / %s, %d / %d bytes",
				i, h.Get("ETag"), etag, h.Get("Last-Modified"), lm, len(b), len(first))
		}
	}
	return first
}

// afterCheckInterval waits past the feed cache's check interval (a second),
// after which every replica asks the database again on the next request.
func afterCheckInterval() { time.Sleep(1500 * time.Millisecond) }

type apiEpisode struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	GUID  string `json:"guid"`
	Audio *struct {
		URL string `json:"url"`
	} `json:"audio"`
}

// TestReplicas is issue 12's multi-replica suite: three real `lyssna serve`
// processes on one PostgreSQL database and one versitygw bucket.
func TestReplicas(t *testing.T) {
	c := newCluster(t, 3)
	audio := map[string][]byte{}
	for _, f := range []string{"cbr.mp3", "art.mp3", "v1.mp3", "vbr-xing.mp3", "chapters.mp3"} {
		b, err := os.ReadFile("../../testdata/audio/" + f)
		if err != nil {
			t.Fatal(err)
		}
		audio[f] = b
	}
	code, _, body := c.do(0, http.MethodPost, "/api/v1/shows", "application/json", strings.NewReader(`{"slug":"net","title":"Network","description":"d",
		"author":"a","owner":{"name":"o","email":"o@example.org"},"language":"en","categories":[{"category":"Education"}]}`))
	if code != http.StatusCreated {
		t.Fatalf("create show = %d %s", code, body)
	}

	t.Run("publish through one is visible on all within the check interval", func(t *testing.T) {
		c.sameFeeds("net")
		code, b := c.upload(0, "net", audio["cbr.mp3"])
		var ep apiEpisode
		if code != http.StatusCreated || json.Unmarshal(b, &ep) != nil {
			t.Fatalf("upload = %d %s", code, b)
		}
		if code, _, b := c.do(1, http.MethodPost, fmt.Sprintf("/api/v1/shows/net/episodes/%d/publish", ep.ID), "application/json", nil); code != http.StatusOK {
			t.Fatalf("publish on replica 1 = %d %s", code, b)
		}
		afterCheckInterval()
		if feed := c.sameFeeds("net"); !bytes.Contains(feed, []byte(ep.GUID)) {
			t.Fatal("the published episode is missing from the feeds")
		}
		// An edit through the third: all agree again, with a newer Last-Modified.
		_, h0, _ := c.do(0, http.MethodGet, "/net/feed.xml", "", nil)
		if code, _, b := c.do(2, http.MethodPatch, "/api/v1/shows/net", "application/json", strings.NewReader(`{"title":"Network, renamed"}`)); code != http.StatusOK {
			t.Fatalf("edit on replica 2 = %d %s", code, b)
		}
		afterCheckInterval()
		if feed := c.sameFeeds("net"); !bytes.Contains(feed, []byte("Network, renamed")) {
			t.Fatal("the edit is missing from the feeds")
		}
		for i := range c.replicas {
			req, _ := http.NewRequest(http.MethodGet, c.replicas[i].base+"/net/feed.xml", nil)
			req.Header.Set("If-Modified-Since", h0.Get("Last-Modified"))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("replica %d: If-Modified-Since the old Last-Modified = %d after an edit, want 200", i, res.StatusCode)
			}
		}
	})

	t.Run("a sweep during uploads loses nothing", func(t *testing.T) {
		stop := make(chan struct{})
		var sweeps atomic.Int64
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				cmd := exec.Command(binary(t), "sweep")
				cmd.Dir, cmd.Env = t.TempDir(), cleanEnv(c.env...)
				if out, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(out), "deleted audio/") {
					t.Errorf("lyssna sweep: %v\n%s", err, out)
				}
				sweeps.Add(1)
			}
		})
		var eps []apiEpisode
		for _, f := range []string{"art.mp3", "v1.mp3"} {
			code, b := c.upload(1, "net", audio[f])
			var ep apiEpisode
			if code != http.StatusCreated || json.Unmarshal(b, &ep) != nil {
				t.Fatalf("upload %s = %d %s", f, code, b)
			}
			eps = append(eps, ep)
		}
		close(stop)
		wg.Wait()
		if sweeps.Load() == 0 {
			t.Fatal("no sweep ran during the uploads")
		}
		for _, ep := range eps {
			path := strings.TrimPrefix(ep.Audio.URL, clusterBase)
			for i := range c.replicas {
				if code, _, _ := c.do(i, http.MethodGet, path, "", nil); code != http.StatusOK {
					t.Errorf("%s on replica %d = %d after the sweeps", path, i, code)
				}
			}
			if code, _, b := c.do(2, http.MethodPost, fmt.Sprintf("/api/v1/shows/net/episodes/%d/publish", ep.ID), "application/json", nil); code != http.StatusOK {
				t.Errorf("publish %s = %d %s", ep.Slug, code, b)
			}
		}
	})

	t.Run("duplicate concurrent uploads give one episode", func(t *testing.T) {
		codes := make([]int, len(c.replicas))
		bodies := make([][]byte, len(c.replicas))
		var wg sync.WaitGroup
		for i := range c.replicas {
			wg.Go(func() { codes[i], bodies[i] = c.upload(i, "net", audio["vbr-xing.mp3"]) })
		}
		wg.Wait()
		won := 0
		var winner apiEpisode
		for i, code := range codes {
			switch code {
			case http.StatusCreated:
				won++
				json.Unmarshal(bodies[i], &winner)
			case http.StatusConflict:
			default:
				t.Errorf("replica %d: %d %s", i, code, bodies[i])
			}
		}
		if won != 1 {
			t.Fatalf("%d uploads of one file made an episode, want 1 (%v)", won, codes)
		}
		for i, code := range codes {
			if code == http.StatusConflict && !strings.Contains(string(bodies[i]), winner.Slug) {
				t.Errorf("the 409 does not name the episode %q: %s", winner.Slug, bodies[i])
			}
		}
	})

	t.Run("a replica killed under load loses no request the others could serve", func(t *testing.T) {
		var served, lost atomic.Int64
		var failures sync.Map
		stop := make(chan struct{})
		var wg sync.WaitGroup
		client := &http.Client{Timeout: 30 * time.Second}
		for w := range 6 {
			wg.Go(func() {
				for n := w; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					// As a load balancer does: a replica that refuses or
					// drops the connection gets the request retried on the next.
					ok := false
					for try := range len(c.replicas) {
						res, err := client.Get(c.replicas[(n+try)%len(c.replicas)].base + "/net/feed.xml")
						if err != nil {
							continue
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != http.StatusOK {
							failures.Store(res.StatusCode, true)
							break
						}
						ok = true
						break
					}
					if ok {
						served.Add(1)
					} else {
						lost.Add(1)
					}
				}
			})
		}
		time.Sleep(500 * time.Millisecond)
		victim := c.replicas[2]
		victim.cmd.Process.Kill()
		victim.cmd.Wait()
		// A write through a survivor after the kill is served by the others.
		code, b := c.upload(0, "net", audio["chapters.mp3"])
		if code != http.StatusCreated {
			t.Errorf("upload after the kill = %d %s", code, b)
		}
		time.Sleep(500 * time.Millisecond)
		close(stop)
		wg.Wait()
		failures.Range(func(k, _ any) bool { t.Errorf("a survivor answered %v under load", k); return true })
		if lost.Load() > 0 || served.Load() == 0 {
			t.Errorf("%d requests served, %d lost", served.Load(), lost.Load())
		}
		c.replicas = c.replicas[:2]
		afterCheckInterval()
		c.sameFeeds("net")
	})
}
