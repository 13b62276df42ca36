package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/lyssna/lyssna/config"
)

// healthcheckTimeout bounds the whole check: a container runtime kills a
// HEALTHCHECK that hangs anyway, and a hung server is unhealthy.
const healthcheckTimeout = 5 * time.Second

// runHealthcheck asks /healthz of the server the settings describe (or
// --url) and fails unless it answers 200. A static container image has no
// curl or wget, so the image's HEALTHCHECK runs this.
func runHealthcheck(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("healthcheck")
	url := fs.String("url", "", "the `URL` to ask (default: /healthz on LYSSNA_LISTEN, a wildcard host read as localhost)")
	cfg, err := c.loadConfig(fs, "healthcheck", args)
	if err != nil {
		return err
	}
	target := *url
	if target == "" {
		target = config.BaseURLFor(cfg.Listen) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return usageError{fmt.Errorf("lyssna healthcheck: bad URL %q: %v", target, err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", target, resp.Status)
	}
	fmt.Fprintf(c.stdout, "%s: %s\n", target, resp.Status)
	return nil
}
