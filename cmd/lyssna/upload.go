package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lyssna/lyssna/web/kit"
	"golang.org/x/term"
)

// uploadFlags are the settings of `lyssna upload`.
type uploadFlags struct {
	server, token, show, title string
	publish                    bool
	file                       string
}

func runUpload(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("upload")
	var f uploadFlags
	fs.StringVar(&f.server, "server", "", "base URL of the Lyssna server, e.g. https://podcasts.example.com (or LYSSNA_SERVER)")
	fs.StringVar(&f.token, "token", "", "API token (or LYSSNA_TOKEN)")
	fs.StringVar(&f.show, "show", "", "slug of the show the episode belongs to")
	fs.StringVar(&f.title, "title", "", "episode title (default: the file's title tag)")
	fs.BoolVar(&f.publish, "publish", false, "publish the episode right after the upload")
	// Flags may come before and after the file.
	var files []string
	for {
		if err := c.parse(fs, "upload", args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	problems := c.apiTarget(&f.server, &f.token)
	if f.show == "" {
		problems = append(problems, "no show: give --show SLUG")
	}
	if len(files) != 1 {
		problems = append(problems, fmt.Sprintf("give exactly one audio FILE (got %d)", len(files)))
	} else {
		f.file = files[0]
	}
	if len(problems) > 0 {
		return usageError{fmt.Errorf("lyssna upload: %s; run `lyssna upload --help`", strings.Join(problems, "\n  "))}
	}

	cl := &apiClient{base: strings.TrimRight(f.server, "/"), token: f.token, http: &http.Client{}}
	ep, err := cl.upload(ctx, f.show, f.file, f.title, c.bar(), c.stderr)
	if err != nil {
		return err
	}
	if f.publish {
		slug := ep.Slug
		if ep, err = cl.publish(ctx, f.show, slug); err != nil {
			return fmt.Errorf("the episode %q was uploaded as a draft, but publishing it failed: %w", slug, err)
		}
	}
	sh, err := cl.show(ctx, f.show)
	if err != nil {
		return err
	}
	state := "a draft; publish it with --publish or POST .../publish"
	if ep.Status != "draft" {
		state = ep.Status
	}
	fmt.Fprintf(c.stdout, "Episode %q (%s) is %s.\n  page: %s\n  feed: %s\n", ep.Title, ep.Slug, state, ep.PageURL, sh.FeedURL)
	return nil
}

// uploadedEpisode is the part of the API's episode JSON the CLI shows.
type uploadedEpisode struct {
	Slug    string `json:"slug"`
	Title   string `json:"title"`
	Status  string `json:"status"`
	PageURL string `json:"page_url"`
	Audio   *struct {
		URL        string `json:"url"`
		DurationMS int64  `json:"duration_ms"`
	} `json:"audio"`
}

// apiTarget completes the --server and --token of upload, import and
// export from LYSSNA_SERVER and LYSSNA_TOKEN when they were not given, and
// says what is still missing or wrong, for the command's usage error.
func (c *cli) apiTarget(server, token *string) (problems []string) {
	if *server == "" {
		*server, _ = c.lookupEnv("LYSSNA_SERVER")
	}
	if *token == "" {
		*token, _ = c.lookupEnv("LYSSNA_TOKEN")
	}
	if *server == "" {
		problems = append(problems, "no server: give --server URL or set LYSSNA_SERVER")
	} else if u, err := url.Parse(*server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("--server %q is not an http:// or https:// URL", *server))
	}
	if *token == "" {
		problems = append(problems, "no API token: give --token TOKEN or set LYSSNA_TOKEN (make one with `lyssna token create --name NAME`)")
	}
	return problems
}

// bar is where a progress bar goes: stderr when it is a terminal, else nil
// (no bar).
func (c *cli) bar() io.Writer {
	if fd, ok := c.stderr.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(fd.Fd())) {
		return c.stderr
	}
	return nil
}

// apiClient talks to a Lyssna server's API with a token.
type apiClient struct {
	base, token string
	http        *http.Client
}

// upload streams the file as the "audio" part of a multipart POST (with an
// "episode" part holding the title, when given). The body is read from the
// file as it is sent, never held in memory; its length is known up front.
// Progress goes to bar (a terminal) or, at the end, one line to summary.
func (c *apiClient) upload(ctx context.Context, show, path, title string, bar, summary io.Writer) (*uploadedEpisode, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}

	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	if title != "" {
		w, err := mw.CreateFormField("episode")
		if err != nil {
			return nil, err
		}
		if err := json.NewEncoder(w).Encode(map[string]string{"title": title}); err != nil {
			return nil, err
		}
	}
	if _, err := mw.CreateFormFile("audio", filepath.Base(path)); err != nil {
		return nil, err
	}
	prefix := bytes.Clone(head.Bytes())
	head.Reset()
	if err := mw.Close(); err != nil {
		return nil, err
	}
	suffix := head.Bytes()

	p := newProgress(fi.Size(), bar)
	body := io.MultiReader(bytes.NewReader(prefix), &progressReader{r: f, p: p}, bytes.NewReader(suffix))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/shows/"+url.PathEscape(show)+"/episodes", body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = int64(len(prefix)) + fi.Size() + int64(len(suffix))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var ep uploadedEpisode
	err = c.do(req, http.StatusCreated, &ep)
	p.finish(err == nil)
	if err != nil {
		return nil, fmt.Errorf("upload %s: %w", filepath.Base(path), err)
	}
	if bar == nil {
		fmt.Fprintf(summary, "Uploaded %s: %s in %s (%s/s).\n", filepath.Base(path), kit.Size(fi.Size()),
			p.elapsed().Round(100*time.Millisecond), kit.Size(int64(float64(fi.Size())/max(p.elapsed().Seconds(), 0.001))))
	}
	return &ep, nil
}

// publish publishes the episode now.
func (c *apiClient) publish(ctx context.Context, show, slug string) (*uploadedEpisode, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		c.base+"/api/v1/shows/"+url.PathEscape(show)+"/episodes/"+url.PathEscape(slug)+"/publish", nil)
	if err != nil {
		return nil, err
	}
	var ep uploadedEpisode
	return &ep, c.do(req, http.StatusOK, &ep)
}

// show fetches the show, for its feed URL.
func (c *apiClient) show(ctx context.Context, slug string) (*struct {
	FeedURL string `json:"feed_url"`
}, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/v1/shows/"+url.PathEscape(slug), nil)
	if err != nil {
		return nil, err
	}
	var sh struct {
		FeedURL string `json:"feed_url"`
	}
	return &sh, c.do(req, http.StatusOK, &sh)
}

// do sends req with the token and decodes a JSON answer of status want into
// out; any other answer becomes an error carrying the server's message.
func (c *apiClient) do(req *http.Request, want int, out any) error {
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the server: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("read the server's answer: %w", err)
	}
	if resp.StatusCode != want {
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("the server answered %s: %s", resp.Status, e.Error.Message)
		}
		text := strings.TrimSpace(string(data))
		if len(text) > 300 {
			text = text[:300] + "..."
		}
		return fmt.Errorf("the server answered %s: %s", resp.Status, text)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("the server's answer is not the expected JSON: %w", err)
	}
	return nil
}

// progress tracks bytes sent and draws a bar on a terminal, at most every
// 200 ms: bytes, percentage, rate and time left.
type progress struct {
	mu         sync.Mutex
	total, n   int64
	start      time.Time
	lastDraw   time.Time
	w          io.Writer // nil: draw nothing
	sentAll    bool
	finishedAt time.Time
}

func newProgress(total int64, w io.Writer) *progress {
	return &progress{total: total, start: time.Now(), w: w}
}

func (p *progress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += int64(n)
	now := time.Now()
	if p.n >= p.total && !p.sentAll {
		p.sentAll = true
		p.draw(now)
		return
	}
	if now.Sub(p.lastDraw) >= 200*time.Millisecond {
		p.draw(now)
	}
}

// draw writes the bar line; the caller holds mu.
func (p *progress) draw(now time.Time) {
	p.lastDraw = now
	if p.w == nil {
		return
	}
	pct := 100.0
	if p.total > 0 {
		pct = float64(p.n) * 100 / float64(p.total)
	}
	const width = 24
	filled := int(pct / 100 * width)
	rate := float64(p.n) / max(now.Sub(p.start).Seconds(), 0.001)
	left := "--:--"
	if rate > 0 {
		left = kit.Clock(int64(float64(p.total-p.n) / rate * 1000))
	}
	status := left + " left"
	if p.sentAll {
		status = "sent; the server is processing the file..."
	}
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %5.1f%%  %s / %s  %s/s  %s",
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled), pct,
		kit.Size(p.n), kit.Size(p.total), kit.Size(int64(rate)), status)
}

// finish ends the bar's line.
func (p *progress) finish(ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finishedAt = time.Now()
	if p.w == nil {
		return
	}
	if ok {
		p.sentAll = true
		p.draw(p.finishedAt)
		fmt.Fprintf(p.w, "\r\x1b[KUploaded %s in %s.\n", kit.Size(p.total), kit.Clock(p.finishedAt.Sub(p.start).Round(time.Second).Milliseconds()))
		return
	}
	fmt.Fprintln(p.w)
}

func (p *progress) elapsed() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finishedAt.IsZero() {
		return time.Since(p.start)
	}
	return p.finishedAt.Sub(p.start)
}

// progressReader reports what is read through it.
type progressReader struct {
	r io.Reader
	p *progress
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.p.add(n)
	return n, err
}
