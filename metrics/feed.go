package metrics

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lyssna/lyssna/feed"
)

// WatchFeedCache exports the feed cache's counters, read from stats at each
// scrape: hits, builds (the misses), evictions, feeds and bytes held, the
// per-episode cache of encoded items, and whether stale feeds are being served in a
// database outage. Only the first cache given is watched.
func (m *Metrics) WatchFeedCache(stats func() feed.Stats) {
	m.register(newFeedCacheCollector(stats))
}

// funcCollector exports metrics read from one snapshot of T, taken at each scrape.
type funcCollector[T any] struct {
	snapshot func() T
	metrics  []funcMetric[T]
}

// funcMetric is one metric taken from a snapshot.
type funcMetric[T any] struct {
	desc  *prometheus.Desc
	typ   prometheus.ValueType
	value func(T) float64
}

// newFuncMetric describes one metric named lyssna_NAME.
func newFuncMetric[T any](name, help string, typ prometheus.ValueType, value func(T) float64) funcMetric[T] {
	return funcMetric[T]{prometheus.NewDesc(namespace+"_"+name, help, nil, nil), typ, value}
}

// Describe sends every metric's description.
func (c funcCollector[T]) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.metrics {
		ch <- m.desc
	}
}

// Collect takes one snapshot and sends every metric's value from it.
func (c funcCollector[T]) Collect(ch chan<- prometheus.Metric) {
	s := c.snapshot()
	for _, m := range c.metrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.typ, m.value(s))
	}
}

// register adds c, once: a second collector of the same metrics is ignored.
func (m *Metrics) register(c prometheus.Collector) {
	err := m.reg.Register(c)
	if err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
		panic(err) // the descriptions are fixed: only a bug gets here
	}
}

func newFeedCacheCollector(stats func() feed.Stats) funcCollector[feed.Stats] {
	m := newFuncMetric[feed.Stats]
	return funcCollector[feed.Stats]{snapshot: stats, metrics: []funcMetric[feed.Stats]{
		m("feed_cache_hits_total", "Feed requests answered from the cache (200, 304 or 301).", prometheus.CounterValue,
			func(s feed.Stats) float64 { return float64(s.Served) }),
		m("feed_cache_misses_total", "Feeds built because the cache had none or a stale one.", prometheus.CounterValue,
			func(s feed.Stats) float64 { return float64(s.Builds) }),
		m("feed_cache_evictions_total", "Feeds dropped to keep the cache under LYSSNA_CACHE_SIZE.", prometheus.CounterValue,
			func(s feed.Stats) float64 { return float64(s.Evictions) }),
		m("feed_cache_entries", "Feeds held in the cache.", prometheus.GaugeValue,
			func(s feed.Stats) float64 { return float64(s.Feeds) }),
		m("feed_cache_bytes", "Bytes of the feeds held in the cache.", prometheus.GaugeValue,
			func(s feed.Stats) float64 { return float64(s.Bytes) }),
		m("notes_cache_entries", "Episodes' encoded feed items (show notes included) held in the cache.", prometheus.GaugeValue,
			func(s feed.Stats) float64 { return float64(s.NotesEntries) }),
		m("notes_cache_bytes", "Bytes of the encoded feed items held.", prometheus.GaugeValue,
			func(s feed.Stats) float64 { return float64(s.NotesBytes) }),
		m("notes_cache_evictions_total", "Encoded feed items dropped to stay under the bound.", prometheus.CounterValue,
			func(s feed.Stats) float64 { return float64(s.NotesEvictions) }),
		m("feed_cache_outage", "1 while the database fails and stale feeds are served, else 0.", prometheus.GaugeValue,
			func(s feed.Stats) float64 {
				if s.Outage {
					return 1
				}
				return 0
			}),
	}}
}
