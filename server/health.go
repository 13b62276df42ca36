package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// readyTimeout bounds how long /readyz waits for the database and the bucket.
const readyTimeout = 3 * time.Second

// healthz answers 200 while the process can serve HTTP at all.
func (h *handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, "ok")
}

// readyz answers 200 when the database and the bucket both answer, else 503
// "not ready", so a load balancer stops sending traffic here; what failed is
// logged, never shown.
func (h *handler) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	failures := make([]string, len(h.checks))
	var wg sync.WaitGroup
	for i, c := range h.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.ping(ctx); err != nil {
				failures[i] = c.name + ": " + err.Error()
			}
		}()
	}
	wg.Wait()

	var reasons []string
	for _, f := range failures {
		if f != "" {
			reasons = append(reasons, f)
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if len(reasons) > 0 {
		// What failed (database users, hosts, endpoints) goes to the log
		// only: /readyz answers anyone.
		h.Logger.LogAttrs(r.Context(), slog.LevelWarn, "not ready", slog.String("reason", strings.Join(reasons, "; ")))
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready")
		return
	}
	fmt.Fprintln(w, "ok")
}
