package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// importStatus is the import resource of the API.
type importStatus struct {
	ID          int64  `json:"id"`
	State       string `json:"state"`
	Show        string `json:"show"`
	ItemsTotal  int    `json:"items_total"`
	ItemsDone   int    `json:"items_done"`
	ItemsFailed int    `json:"items_failed"`
	Errors      []struct {
		GUID    string `json:"guid"`
		Message string `json:"message"`
	} `json:"errors"`
	Warnings []string `json:"warnings"`
	Message  string   `json:"message"`
}

// importPoll is how often `lyssna import` asks for progress.
const importPoll = time.Second

func runImport(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("import")
	var server, token, slug string
	fs.StringVar(&server, "server", "", "base URL of the Lyssna server (or LYSSNA_SERVER)")
	fs.StringVar(&token, "token", "", "API token (or LYSSNA_TOKEN)")
	fs.StringVar(&slug, "slug", "", "slug of the new show (or of the show to re-sync)")
	var feeds []string
	for {
		if err := c.parse(fs, "import", args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		feeds = append(feeds, fs.Arg(0))
		args = fs.Args()[1:]
	}
	problems := c.apiTarget(&server, &token)
	if slug == "" {
		problems = append(problems, "no show: give --slug SLUG")
	}
	if len(feeds) != 1 {
		problems = append(problems, fmt.Sprintf("give exactly one FEED_URL (got %d)", len(feeds)))
	}
	if len(problems) > 0 {
		return usageError{fmt.Errorf("lyssna import: %s; run `lyssna import --help`", strings.Join(problems, "\n  "))}
	}
	bar := c.bar()
	cl := &apiClient{base: strings.TrimRight(server, "/"), token: token, http: &http.Client{Timeout: time.Minute}}
	body, _ := json.Marshal(map[string]string{"feed_url": feeds[0], "slug": slug})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cl.base+"/api/v1/imports", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	var st importStatus
	if err := cl.do(req, http.StatusAccepted, &st); err != nil {
		return fmt.Errorf("lyssna import: %w", err)
	}
	fmt.Fprintf(c.stderr, "import %d of %s into %q queued\n", st.ID, feeds[0], slug)
	for st.State == "queued" || st.State == "running" {
		select {
		case <-ctx.Done():
			fmt.Fprintf(c.stderr, "\nstopped watching; the import goes on on the server: GET %s/api/v1/imports/%d\n", cl.base, st.ID)
			return ctx.Err()
		case <-time.After(importPoll):
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/imports/%d", cl.base, st.ID), nil)
		if err != nil {
			return err
		}
		if err := cl.do(req, http.StatusOK, &st); err != nil {
			return fmt.Errorf("lyssna import: %w", err)
		}
		drawImport(bar, &st)
	}
	if bar != nil {
		fmt.Fprintln(bar)
	}
	for _, w := range st.Warnings {
		fmt.Fprintf(c.stderr, "warning: %s\n", w)
	}
	for _, e := range st.Errors {
		fmt.Fprintf(c.stderr, "failed: %q: %s\n", e.GUID, e.Message)
	}
	if st.State == "failed" {
		return fmt.Errorf("lyssna import: the import failed: %s", st.Message)
	}
	fmt.Fprintf(c.stdout, "imported %d of %d new items into %q (%d failed)\n", st.ItemsDone, st.ItemsTotal, st.Show, st.ItemsFailed)
	if st.Message != "" {
		fmt.Fprintln(c.stdout, st.Message)
	}
	if st.ItemsFailed > 0 {
		return fmt.Errorf("lyssna import: %d items failed; run the same command again to retry them", st.ItemsFailed)
	}
	return nil
}

// drawImport draws a one-line progress bar on a terminal.
func drawImport(w io.Writer, st *importStatus) {
	if w == nil {
		return
	}
	const width = 30
	done := st.ItemsDone + st.ItemsFailed
	filled := 0
	if st.ItemsTotal > 0 {
		filled = width * done / st.ItemsTotal
	}
	fmt.Fprintf(w, "\r[%s%s] %d/%d items, %d failed  %s ", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		done, st.ItemsTotal, st.ItemsFailed, st.State)
}
