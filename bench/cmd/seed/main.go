// Command seed fills a running Lyssna with a benchmark show through its
// public HTTP API, for bench/run.sh: it creates the show, then uploads n
// episodes (multipart POST with an "episode" JSON part and an "audio" part)
// and publishes each. Every episode gets its own copy of a small MP3 made
// distinct by an appended ID3v1 tag, since Lyssna refuses the same file twice
// in one show. With -big it also uploads and publishes one large file.
//
// It prints "name<TAB>value" lines: feed, page (an episode page), and
// big_media (the large file's enclosure URL) when -big was given.
//
//	go run ./bench/cmd/seed -url http://127.0.0.1:8080 -token T -audio tiny.mp3 -n 300 [-big big.mp3]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

type client struct {
	base, token string
	http        *http.Client
}

func main() {
	base := flag.String("url", "", "Lyssna's base `URL`")
	token := flag.String("token", os.Getenv("LYSSNA_ADMIN_TOKEN"), "API `token` (default $LYSSNA_ADMIN_TOKEN)")
	show := flag.String("show", "bench", "the show's `slug`")
	n := flag.Int("n", 300, "number of small episodes")
	audio := flag.String("audio", "", "a small tagless MP3 `file` to upload n times, made distinct by tags")
	big := flag.String("big", "", "a large MP3 `file` to upload once more (optional)")
	conc := flag.Int("c", 4, "concurrent uploads")
	flag.Parse()
	if *base == "" || *audio == "" {
		fmt.Fprintln(os.Stderr, "usage: seed -url URL -token TOKEN -audio SMALL.mp3 [-n 300] [-big BIG.mp3] [-show SLUG]")
		os.Exit(2)
	}
	c := &client{base: strings.TrimRight(*base, "/"), token: *token, http: &http.Client{Timeout: 10 * time.Minute}}
	if err := run(context.Background(), c, *show, *n, *audio, *big, *conc); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c *client, show string, n int, audioPath, bigPath string, conc int) error {
	small, err := os.ReadFile(audioPath)
	if err != nil {
		return err
	}
	var created struct {
		FeedURL string `json:"feed_url"`
	}
	err = c.do(ctx, http.MethodPost, "/api/v1/shows", "application/json", jsonBody(map[string]any{
		"slug":        show,
		"title":       "Lyssna Bench",
		"description": "A show made by bench/run.sh to measure Lyssna.",
		"author":      "Bench",
		"owner":       map[string]string{"name": "Bench", "email": "bench@example.org"},
		"language":    "en",
		"categories":  []map[string]string{{"category": "Education", "subcategory": "Language Learning"}},
		"hosts":       []map[string]string{{"name": "Ada Host", "role": "host"}},
	}), &created)
	if err != nil {
		return fmt.Errorf("create show: %w", err)
	}
	fmt.Printf("feed\t%s\n", created.FeedURL)

	var mu sync.Mutex
	var page string
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for i := 1; i <= n; i++ {
		g.Go(func() error {
			body := append(append([]byte{}, small...), id3v1(fmt.Sprintf("Bench episode %d", i))...)
			ep, err := c.upload(gctx, show, episodeJSON(i), bytes.NewReader(body))
			if err != nil {
				return fmt.Errorf("episode %d: %w", i, err)
			}
			if i == n/2 {
				mu.Lock()
				page = ep.PageURL
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	fmt.Printf("page\t%s\n", page)

	if bigPath != "" {
		f, err := os.Open(bigPath)
		if err != nil {
			return err
		}
		defer f.Close()
		ep, err := c.upload(ctx, show, map[string]any{"title": "The big one", "notes": "A large enclosure."}, f)
		if err != nil {
			return fmt.Errorf("big episode: %w", err)
		}
		fmt.Printf("big_media\t%s\n", ep.Audio.URL)
	}
	return nil
}

// episode is the part of the API's episode answer seed uses.
type episode struct {
	Slug    string `json:"slug"`
	PageURL string `json:"page_url"`
	Audio   *struct {
		URL string `json:"url"`
	} `json:"audio"`
}

// upload creates an episode with audio and publishes it.
func (c *client) upload(ctx context.Context, show string, meta map[string]any, audio io.Reader) (*episode, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="episode"`)
			h.Set("Content-Type", "application/json")
			w, err := mw.CreatePart(h)
			if err != nil {
				return err
			}
			if err := json.NewEncoder(w).Encode(meta); err != nil {
				return err
			}
			h = textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="audio"; filename="episode.mp3"`)
			h.Set("Content-Type", "audio/mpeg")
			if w, err = mw.CreatePart(h); err != nil {
				return err
			}
			if _, err := io.Copy(w, audio); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	var ep episode
	if err := c.do(ctx, http.MethodPost, "/api/v1/shows/"+show+"/episodes", mw.FormDataContentType(), pr, &ep); err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/shows/"+show+"/episodes/"+ep.Slug+"/publish", "", nil, &ep); err != nil {
		return nil, fmt.Errorf("publish %s: %w", ep.Slug, err)
	}
	if ep.Audio == nil {
		return nil, errors.New("the published episode has no audio")
	}
	return &ep, nil
}

// do sends one API request and decodes a 2xx JSON answer into out.
func (c *client) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, out)
}

func jsonBody(v any) io.Reader {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of plain values are passed
	}
	return bytes.NewReader(b)
}

// episodeJSON is a realistic episode: notes, materials, a guest and chapters.
func episodeJSON(i int) map[string]any {
	return map[string]any{
		"title":  fmt.Sprintf("Episode %d: greetings and small talk", i),
		"number": i,
		"season": 1 + i/100,
		"notes": "## About this episode\n\nWe discuss *greetings* in Swedish, with [a link](https://example.org/x).\n\n" +
			"- point one\n- point two\n- point three\n\nA longer paragraph of notes that goes on for a while, as show notes do.",
		"takeaways":       []string{"Hej works almost everywhere.", "Tjena is informal.", "God morgon until about ten."},
		"study_questions": []string{"When would you say god dag?", "How do you answer tack?"},
		"references": []map[string]any{{
			"authors": []string{"Holmes, Philip", "Hinchliffe, Ian"}, "year": 2013,
			"title": "Swedish: A Comprehensive Grammar", "publisher": "Routledge", "doi": "10.4324/9780203802120",
		}},
		"guests":   []map[string]string{{"name": fmt.Sprintf("Guest %d", i), "role": "guest", "href": "https://example.org/guest"}},
		"chapters": []map[string]any{{"start_ms": 0, "title": "Intro"}, {"start_ms": 500, "title": "Main"}},
	}
}

// id3v1 is a 128-byte ID3v1 tag carrying title.
func id3v1(title string) []byte {
	b := make([]byte, 128)
	copy(b, "TAG")
	copy(b[3:33], title)
	b[127] = 255 // no genre
	return b
}
