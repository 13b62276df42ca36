package main

import (
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetricsAfterTraffic runs a real `lyssna serve`, sends it traffic (a
// show, an upload, a refused upload, feeds, a 404, a 401), then scrapes
// /metrics on the main listener (with the token) and on
// LYSSNA_METRICS_LISTEN, parses it with Prometheus' own parser and checks
// the counts. It also checks every metric the Grafana dashboard queries exists.
func TestMetricsAfterTraffic(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "lyssna-data")
	token := createToken(t, dataDir)
	const metricsToken = "scrape-me-please-0123456789"
	metricsAddr := freeAddr(t)
	s := startServe(t, dir, "LYSSNA_LISTEN=127.0.0.1:0", "LYSSNA_METRICS_TOKEN="+metricsToken, "LYSSNA_METRICS_LISTEN="+metricsAddr)

	do := func(method, path, auth, body string) int {
		code, _ := apiCall(s.base, auth, method, path, body)
		return code
	}
	if got := do("POST", "/api/v1/shows", token, `{"slug":"talks","title":"Talks","language":"en"}`); got != http.StatusCreated {
		t.Fatalf("create show: %d", got)
	}
	env := map[string]string{"LYSSNA_SERVER": s.base, "LYSSNA_TOKEN": token}
	audio := filepath.Join("..", "..", "testdata", "audio", "chapters.mp3")
	if code, _, stderr := runCLI(t, env, "upload", "--show", "talks", "--publish", audio); code != 0 {
		t.Fatalf("upload: exit %d: %s", code, stderr)
	}
	if code, _, _ := runCLI(t, env, "upload", "--show", "talks", filepath.Join("..", "..", "testdata", "audio", "cover.png")); code != 1 {
		t.Fatalf("upload of a PNG: exit %d, want 1", code)
	}
	for range 2 {
		if got := do("GET", "/talks/feed.xml", "", ""); got != http.StatusOK {
			t.Fatalf("feed: %d", got)
		}
	}
	// A podcast app downloads the episode: a media event for the download counter.
	resp, err := http.Get(s.base + "/talks/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	feedXML, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	enclosure := regexp.MustCompile(`<enclosure url="([^"]+)"`).FindSubmatch(feedXML)
	if enclosure == nil {
		t.Fatalf("no enclosure in the feed:\n%s", feedXML)
	}
	req, _ := http.NewRequest(http.MethodGet, html.UnescapeString(string(enclosure[1])), nil)
	req.Header.Set("User-Agent", "AppleCoreMedia/1.0.0.20E247 (iPhone; U; CPU OS 16_4 like Mac OS X; en_us)")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET the enclosure: %v %v", resp, err)
	} else {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if got := do("GET", "/no/such/page/here", "", ""); got != http.StatusNotFound {
		t.Fatalf("unknown path: %d", got)
	}
	if got := do("GET", "/api/v1/shows", "", ""); got != http.StatusUnauthorized {
		t.Fatalf("API without a token: %d", got)
	}
	if got := do("GET", "/metrics", "", ""); got != http.StatusNotFound {
		t.Errorf("/metrics without the token: %d, want 404", got)
	}
	if got := do("GET", "/metrics", "wrong-token-wrong-token", ""); got != http.StatusNotFound {
		t.Errorf("/metrics with a wrong token: %d, want 404", got)
	}

	var families map[string]*dto.MetricFamily
	// The sweeper's first run starts with serve; give it a moment to report.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		families = scrape(t, s.base+"/metrics", metricsToken)
		if value(families, "lyssna_sweeper_runs_total", map[string]string{"result": "ok"}) >= 1 || time.Now().After(deadline) {
			break
		}
	}
	checks := []struct {
		name   string
		labels map[string]string
		min    float64
		max    float64
	}{
		{"lyssna_http_requests_total", map[string]string{"route": "/api/v1/shows", "method": "POST", "status": "201"}, 1, 1},
		{"lyssna_http_requests_total", map[string]string{"route": "/api/v1/shows", "method": "GET", "status": "401"}, 1, 1},
		{"lyssna_http_requests_total", map[string]string{"route": "/{show}/feed.xml", "method": "GET", "status": "200"}, 3, 3},
		{"lyssna_http_requests_total", map[string]string{"route": "/media/{key:.+}", "method": "GET", "status": "200"}, 1, 1},
		{"lyssna_download_events_recorded_total", nil, 1, 1},
		{"lyssna_download_events_dropped_total", nil, 0, 0},
		{"lyssna_http_requests_total", map[string]string{"route": "unmatched", "method": "GET", "status": "404"}, 1, 3},
		{"lyssna_http_requests_total", map[string]string{"route": "/api/v1/shows/{show}/episodes", "method": "POST", "status": "201"}, 1, 1},
		{"lyssna_http_request_duration_seconds", map[string]string{"route": "/{show}/feed.xml", "method": "GET"}, 3, 3},
		{"lyssna_uploads_total", map[string]string{"result": "ok"}, 1, 1},
		{"lyssna_uploads_total", map[string]string{"result": "refused"}, 1, 1},
		{"lyssna_uploads_bytes_total", nil, fileSize(t, audio), 1e9},
		{"lyssna_uploads_probe_duration_seconds", nil, 1, 1},
		{"lyssna_storage_operations_total", map[string]string{"operation": "put"}, 1, 100},
		{"lyssna_storage_operations_total", map[string]string{"operation": "list"}, 1, 100},
		{"lyssna_sweeper_runs_total", map[string]string{"result": "ok"}, 1, 100},
		{"lyssna_feed_cache_misses_total", nil, 1, 5},
		{"lyssna_feed_cache_hits_total", nil, 3, 3},
		{"lyssna_feed_cache_entries", nil, 1, 1},
		{"lyssna_feed_cache_bytes", nil, 100, 1e6},
		{"go_sql_open_connections", map[string]string{"db_name": "lyssna"}, 1, 1000},
		{"process_resident_memory_bytes", nil, 1, 1e12},
	}
	for _, c := range checks {
		if got := value(families, c.name, c.labels); got < c.min || got > c.max {
			t.Errorf("%s%v = %v, want %v..%v", c.name, c.labels, got, c.min, c.max)
		}
	}
	if got := value(families, "lyssna_storage_errors_total", map[string]string{"operation": "put"}); got != 0 {
		t.Errorf("storage errors: %v, want none", got)
	}

	// The separate listener serves the same registry without a token.
	private := scrape(t, "http://"+metricsAddr+"/metrics", "")
	if value(private, "lyssna_uploads_total", map[string]string{"result": "ok"}) != 1 {
		t.Errorf("LYSSNA_METRICS_LISTEN does not serve the same metrics")
	}

	// Every metric the dashboard queries is one Lyssna exports.
	dash, err := os.ReadFile("../../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range dashboardMetrics(t, dash) {
		base := name
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			if b, ok := strings.CutSuffix(name, suffix); ok && families[b] != nil && families[b].GetType() == dto.MetricType_HISTOGRAM {
				base = b
			}
		}
		if families[base] == nil {
			t.Errorf("the dashboard queries %s, which /metrics does not export", name)
		}
	}
}

// scrape GETs a metrics URL and parses it as the Prometheus text format.
func scrape(t *testing.T, url, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return families
}

// value sums the metric's samples whose labels include want: a counter's or
// gauge's value, a histogram's count.
func value(families map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var sum float64
	mf := families[name]
	if mf == nil {
		return -1
	}
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func fileSize(t *testing.T, path string) float64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return float64(fi.Size())
}

// dashboardMetrics is every metric name in the dashboard's queries.
func dashboardMetrics(t *testing.T, dash []byte) []string {
	var d struct {
		Panels []struct {
			Targets []struct{ Expr string } `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(dash, &d); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	names := map[string]bool{}
	re := regexp.MustCompile(`\b((?:lyssna|go|process)_[a-z_]+)\b`)
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			for _, m := range re.FindAllStringSubmatch(tg.Expr, -1) {
				names[m[1]] = true
			}
		}
	}
	if len(names) < 10 {
		t.Fatalf("the dashboard queries only %d metrics", len(names))
	}
	var out []string
	for n := range names {
		out = append(out, n)
	}
	return out
}
