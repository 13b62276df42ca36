package metrics

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lyssna/lyssna/feed"
)

// WatchFeedCache exports the feed cache's counters, read from stats at each
// scrape: hits, builds (the misses), evictions, feeds and bytes held, the
// rendered notes' cache, and whether stale feeds are being served in a
// database outage. Only the first cache given is watched.
func (m *Metrics) WatchFeedCache(stats func() feed.Stats) {
	err := m.reg.Register(newFeedCacheCollector(stats))
	if err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
		panic(err) // the descriptions are fixed: only a bug gets here
	}
}

// feedCacheCollector reads a feed cache's Stats at each scrape.
type feedCacheCollector struct {
	stats   func() feed.Stats
	metrics []statMetric
}

// statMetric is one metric taken from feed.Stats.
type statMetric struct {
	desc  *prometheus.Desc
	typ   prometheus.ValueType
	value func(feed.Stats) float64
}

func newFeedCacheCollector(stats func() feed.Stats) feedCacheCollector {
	m := func(name, help string, typ prometheus.ValueType, value func(feed.Stats) float64) statMetric {
		return statMetric{prometheus.NewDesc(namespace+"_"+name, help, nil, nil), typ, value}
	}
	return feedCacheCollector{stats: stats, metrics: []statMetric{
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
		m("notes_cache_entries", "Rendered show notes held in the cache.", prometheus.GaugeValue,
			func(s feed.Stats) float64 { return float64(s.NotesEntries) }),
		m("notes_cache_bytes", "Bytes of the rendered show notes held.", prometheus.GaugeValue,
			func(s feed.Stats) float64 { return float64(s.NotesBytes) }),
		m("notes_cache_evictions_total", "Rendered show notes dropped to stay under the bound.", prometheus.CounterValue,
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

func (c feedCacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.metrics {
		ch <- m.desc
	}
}

func (c feedCacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	for _, m := range c.metrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.typ, m.value(s))
	}
}
