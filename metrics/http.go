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
// and formatting of the status. It is as bounded as the label sets are. A
// sync.Map, since every request reads it and almost none write: its reads
// write no shared memory, where an RWMutex's read lock bounces a counter
// between the cores serving requests.
type requestSeriesCache struct {
	series sync.Map // requestLabels → requestSeries
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
	v, ok := m.requestSeries.series.Load(k)
	if !ok {
		// Two first requests may both make the series: the vectors hand
		// both the same one.
		v, _ = m.requestSeries.series.LoadOrStore(k, requestSeries{m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
			m.requestDuration.WithLabelValues(route, method)})
	}
	s := v.(requestSeries)
	s.count.Inc()
	s.duration.Observe(d.Seconds())
}
