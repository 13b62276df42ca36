package server

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/feed"
)

// RequestObserver is told about every answered request, for the metrics:
// the route pattern that matched ("unmatched" for none), the method, the
// status and the time taken.
type RequestObserver interface {
	ObserveRequest(route, method string, status int, d time.Duration)
}

// feedCacheWatcher is a RequestObserver that also exports the feed cache's
// counters (metrics.Metrics is).
type feedCacheWatcher interface {
	WatchFeedCache(stats func() feed.Stats)
}

// unmatchedRoute is the route label of a request no route matched.
const unmatchedRoute = "unmatched"

// noteRoute is router middleware (it runs only once a route matched) that
// writes the matched pattern into the request's exchange.
func noteRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if x := exchangeOf(r.Context()); x != nil {
			if route := mux.CurrentRoute(r); route != nil {
				if tpl, err := route.GetPathTemplate(); err == nil {
					x.route = tpl
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// metricsGet serves the Prometheus metrics to a scraper that sends
// "Authorization: Bearer LYSSNA_METRICS_TOKEN"; anyone else gets a 404, so
// the endpoint does not announce itself.
func (h *handler) metricsGet(w http.ResponseWriter, r *http.Request) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") ||
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(h.MetricsToken)) != 1 {
		h.notFound(w, r)
		return
	}
	h.MetricsHandler.ServeHTTP(w, r)
}
