package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// requestLabels are the labels of one request series.
type requestLabels struct {
	route, method string
	status        int
}

// requestSeries are the request counter and duration histogram of one
// route, method and status, looked up in the vectors once.
type requestSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// requestSeriesCache keeps the series ObserveRequest has used, so that a
// request costs a map lookup, not the vectors' hashing of the label values
// and formatting of the status. It is as bounded as the label sets are.
type requestSeriesCache struct {
	mu     sync.RWMutex
	series map[requestLabels]requestSeries
}

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
	k := requestLabels{route, method, status}
	c := &m.requestSeries
	c.mu.RLock()
	s, ok := c.series[k]
	c.mu.RUnlock()
	if !ok {
		s = requestSeries{m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
			m.requestDuration.WithLabelValues(route, method)}
		c.mu.Lock()
		if c.series == nil {
			c.series = map[requestLabels]requestSeries{}
		}
		c.series[k] = s
		c.mu.Unlock()
	}
	s.count.Inc()
	s.duration.Observe(d.Seconds())
}
