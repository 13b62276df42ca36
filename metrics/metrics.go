// Package metrics owns Lyssna's Prometheus metrics: the collectors for HTTP
// requests, storage calls, uploads, probes, sweeps and the database pool,
// and the handler that serves them. It keeps no global registry: cmd/lyssna
// builds one, hands it to New, and passes the result to the parts it
// observes through their own small interfaces (server.RequestObserver,
// uploads.Observer) or wraps them (Bucket).
package metrics

import (
	"database/sql"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace starts every metric name Lyssna defines.
const namespace = "lyssna"

// Metrics holds Lyssna's collectors, registered on one registry. Its methods
// are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	requestSeries   requestSeriesCache

	storageCalls    *prometheus.CounterVec
	storageErrors   *prometheus.CounterVec
	storageDuration *prometheus.HistogramVec

	uploads       *prometheus.CounterVec
	uploadBytes   prometheus.Counter
	probeDuration prometheus.Histogram

	sweeps       *prometheus.CounterVec
	sweptObjects prometheus.Counter
}

// NewRegistry returns a registry with the Go runtime and process collectors,
// the usual base that Lyssna's own collectors are added to.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// New registers Lyssna's collectors on reg.
func New(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by route pattern (unmatched for none), method and status.",
		}, []string{"route", "method", "status"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer an HTTP request in full, by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60, 300},
		}, []string{"route", "method"}),
		storageCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "storage", Name: "operations_total",
			Help: "Calls to the media bucket, by operation.",
		}, []string{"operation"}),
		storageErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "storage", Name: "errors_total",
			Help: "Calls to the media bucket that failed, by operation (a missing object is an answer, not an error).",
		}, []string{"operation"}),
		storageDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "storage", Name: "operation_duration_seconds",
			Help:    "Time a bucket call took, by operation (for reads: until the object is open).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60},
		}, []string{"operation"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "uploads", Name: "total",
			Help: "Audio uploads spooled, by result: ok, too_large, incomplete (the client stopped), refused (not MP3 or M4A, or malformed) or failed (on the server's side).",
		}, []string{"result"}),
		uploadBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "uploads", Name: "bytes_total",
			Help: "Bytes of audio uploads spooled, accepted or not.",
		}),
		probeDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "uploads", Name: "probe_duration_seconds",
			Help:    "Time to probe an uploaded file (tags, duration, chapters, artwork).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9),
		}),
		sweeps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "sweeper", Name: "runs_total",
			Help: "Orphan sweeps run, by result: ok or error.",
		}, []string{"result"}),
		sweptObjects: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "sweeper", Name: "deleted_total",
			Help: "Orphaned media objects and stale temp files the sweeps deleted.",
		}),
	}
	// Start every known series at 0, so that rates and dashboards see them
	// before the first event.
	for _, op := range []string{"put", "get", "get_range", "stat", "delete", "list", "ping", "open", "presign"} {
		m.storageCalls.WithLabelValues(op)
		m.storageErrors.WithLabelValues(op)
	}
	for _, result := range []string{"ok", "too_large", "incomplete", "refused", "failed"} {
		m.uploads.WithLabelValues(result)
	}
	for _, result := range []string{"ok", "error"} {
		m.sweeps.WithLabelValues(result)
	}
	reg.MustRegister(m.requests, m.requestDuration, m.storageCalls, m.storageErrors, m.storageDuration,
		m.uploads, m.uploadBytes, m.probeDuration, m.sweeps, m.sweptObjects)
	return m
}

// WatchDB adds the database pool's statistics (open, in use, idle, waits,
// closed connections) as go_sql_* metrics with db_name="lyssna".
func (m *Metrics) WatchDB(db *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, namespace))
}

// Handler serves the registry in the Prometheus text format (or OpenMetrics
// when asked), answering errors of a collector as a 500.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorHandling: promhttp.HTTPErrorOnError})
}
