package metrics

import (
	"net/http"
	"strconv"
	"time"
)

// ObserveRequest counts one answered request. route is the pattern that
// matched ("/api/v1/shows/{show}"), never the path, so the label set stays
// bounded; methods outside the standard ones count as OTHER.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
	default:
		method = "OTHER"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(route, method).Observe(d.Seconds())
}
