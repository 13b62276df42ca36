package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestObserveRequest: each request counts once in its series, whether the
// series is new or cached, and its duration is observed.
func TestObserveRequest(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	for range 3 {
		m.ObserveRequest("/{show}/feed.xml", "GET", 200, time.Millisecond)
	}
	m.ObserveRequest("/{show}/feed.xml", "GET", 304, time.Millisecond)
	m.ObserveRequest("/{show}/feed.xml", "BREW", 200, time.Millisecond)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	var observed uint64
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			labels := ""
			for _, l := range metric.GetLabel() {
				labels += l.GetName() + "=" + l.GetValue() + " "
			}
			switch f.GetName() {
			case "lyssna_http_requests_total":
				counts[labels] = metric.GetCounter().GetValue()
			case "lyssna_http_request_duration_seconds":
				observed += metric.GetHistogram().GetSampleCount()
			}
		}
	}
	want := map[string]float64{
		"method=GET route=/{show}/feed.xml status=200 ":   3,
		"method=GET route=/{show}/feed.xml status=304 ":   1,
		"method=OTHER route=/{show}/feed.xml status=200 ": 1,
	}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("requests_total{%s} = %v, want %v (all: %v)", k, counts[k], v, counts)
		}
	}
	if len(counts) != len(want) || observed != 5 {
		t.Errorf("%d series and %d durations observed, want %d and 5", len(counts), observed, len(want))
	}
}
