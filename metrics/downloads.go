package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lyssna/lyssna/stats"
)

// WatchDownloads exports the download counter's totals, read at each
// scrape: media events recorded, dropped (queue full or the database away)
// and ignored, downloads counted, failed aggregation rounds and the queue.
func (m *Metrics) WatchDownloads(totals func() stats.Metrics) {
	f := newFuncMetric[stats.Metrics]
	m.register(funcCollector[stats.Metrics]{snapshot: totals, metrics: []funcMetric[stats.Metrics]{
		f("download_events_recorded_total", "Media events taken into the download counter's queue.", prometheus.CounterValue,
			func(s stats.Metrics) float64 { return float64(s.Recorded) }),
		f("download_events_dropped_total", "Media events lost: the queue was full or the database away too long.", prometheus.CounterValue,
			func(s stats.Metrics) float64 { return float64(s.Dropped) }),
		f("download_events_ignored_total", "Media events that could never count (bots, unpublished or unknown media, late events).", prometheus.CounterValue,
			func(s stats.Metrics) float64 { return float64(s.Ignored) }),
		f("downloads_counted_total", "Downloads counted by the IAB rules (each listener, episode and day once).", prometheus.CounterValue,
			func(s stats.Metrics) float64 { return float64(s.Counted) }),
		f("download_aggregation_failures_total", "Aggregation rounds that failed (the database was away).", prometheus.CounterValue,
			func(s stats.Metrics) float64 { return float64(s.Failures) }),
		f("download_events_queued", "Media events waiting to be aggregated.", prometheus.GaugeValue,
			func(s stats.Metrics) float64 { return float64(s.Queued) }),
	}})
}
