package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// runExport writes a show's export archive to a file:
// lyssna export --server URL --token T --show SLUG [--to FILE].
func runExport(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("export")
	var server, token, show, to string
	fs.StringVar(&server, "server", "", "base URL of the Lyssna server (or LYSSNA_SERVER)")
	fs.StringVar(&token, "token", "", "API token (or LYSSNA_TOKEN)")
	fs.StringVar(&show, "show", "", "slug of the show to export")
	fs.StringVar(&to, "to", "", "file to write (default SLUG-export.zip)")
	if err := c.parse(fs, "export", args); err != nil {
		return err
	}
	problems := c.apiTarget(&server, &token)
	if show == "" {
		problems = append(problems, "no show: give --show SLUG")
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	if len(problems) > 0 {
		return usageError{fmt.Errorf("lyssna export: %s; run `lyssna export --help`", strings.Join(problems, "\n  "))}
	}
	if to == "" {
		to = show + "-export.zip"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(server, "/")+"/api/v1/shows/"+url.PathEscape(show)+"/export", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("lyssna export: cannot reach the server: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return fmt.Errorf("lyssna export: the server answered %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	// Written beside the target and renamed at the end: no half archive
	// under the name asked for.
	tmp, err := os.CreateTemp(filepath.Dir(to), ".lyssna-export-*")
	if err != nil {
		return fmt.Errorf("lyssna export: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("lyssna export: the download broke off: %w", err)
	}
	if err := os.Rename(tmp.Name(), to); err != nil {
		return fmt.Errorf("lyssna export: %w", err)
	}
	fmt.Fprintf(c.stdout, "wrote %s (%d bytes)\n", to, n)
	return nil
}
