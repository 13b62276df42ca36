package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"testing"
)

// TestPublicCORSAndGzip: feeds, chapters, transcripts and media answer any
// origin on GET and HEAD, media with the range headers exposed; /api and /admin
// never; pages, JSON and transcripts are gzipped for clients that accept
// it, media and ranges are not.
func TestPublicCORSAndGzip(t *testing.T) {
	e := newE2E(t, newFilesystemBucket(t), nil)
	ep := e.publishSample("lab", "cbr.mp3")
	_, feed := e.feed("lab")
	m := regexp.MustCompile(`<podcast:transcript url="([^"]+)"`).FindSubmatch(feed)
	if m == nil {
		t.Fatal("no transcript in the feed")
	}
	transcript := string(m[1])
	auth := map[string]string{"Authorization": "Bearer " + e.token}
	public := map[string]string{
		"feed": e.base + "/lab/feed.xml", "chapters": e.base + "/lab/" + ep.Slug + "/chapters.json",
		"transcript": transcript, "audio": ep.Audio.URL,
	}
	for name, u := range public {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			res, _ := e.do(method, u, nil, map[string]string{"Origin": "https://player.example"})
			exposed := "" // a whole answer has none of the range headers
			if name == "transcript" || name == "audio" {
				exposed = "Range, Content-Range, Accept-Ranges, Content-Length" // media, fetched in ranges
			}
			if res.StatusCode != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") != "*" ||
				res.Header.Get("Access-Control-Expose-Headers") != exposed {
				t.Errorf("%s %s: %d, CORS %q / %q, want * / %q", method, name, res.StatusCode,
					res.Header.Get("Access-Control-Allow-Origin"), res.Header.Get("Access-Control-Expose-Headers"), exposed)
			}
		}
	}
	for _, c := range []struct {
		path   string
		header map[string]string
	}{{"/api/v1/shows", auth}, {"/admin/signin", nil}, {"/lab/", nil}} {
		res, _ := e.do(http.MethodGet, e.base+c.path, nil, c.header)
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("GET %s: Access-Control-Allow-Origin %q, want none", c.path, got)
		}
	}

	gz := func(u string, header map[string]string) (*http.Response, []byte, []byte) {
		t.Helper()
		h := map[string]string{"Accept-Encoding": "gzip"}
		for k, v := range header {
			h[k] = v
		}
		// A transport of its own: the default one would ungzip silently.
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		_, plain := e.do(http.MethodGet, u, nil, header)
		return res, raw, plain
	}
	for name, c := range map[string]struct {
		u      string
		header map[string]string
	}{
		"episode page": {e.base + "/lab/" + ep.Slug + "/", nil},
		"API JSON":     {e.base + "/api/v1/shows/lab", auth},
		"transcript":   {transcript, nil},
	} {
		res, raw, plain := gz(c.u, c.header)
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: Content-Encoding %q, want gzip", name, res.Header.Get("Content-Encoding"))
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, _ := io.ReadAll(zr)
		if !bytes.Equal(got, plain) {
			t.Errorf("%s: the gzipped answer is not the plain one (%d vs %d bytes)", name, len(got), len(plain))
		}
	}
	for name, h := range map[string]map[string]string{"audio": nil, "a range of a transcript": {"Range": "bytes=0-5"}} {
		u := ep.Audio.URL
		if h != nil {
			u = transcript
		}
		if res, _, _ := gz(u, h); res.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: Content-Encoding %q, want none", name, res.Header.Get("Content-Encoding"))
		}
	}
}
