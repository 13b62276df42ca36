package imports

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestPublicAddr(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fd00::1": false, "0.0.0.0": false, "::": false,
		"100.64.0.1": false, "::ffff:127.0.0.1": false, "224.0.0.1": false, "192.0.2.5": false,
		"93.184.216.34": true, "2606:2800:220:1:248:1893:25c8:1946": true, "1.1.1.1": true,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestGuardAtDialTime proves the guard looks at the address dialled, after
// DNS and after redirects, not at the URL's text: a name that resolves to
// the loopback address is refused, and so is a redirect to one.
func TestGuardAtDialTime(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }))
	defer srv.Close()
	port := srv.URL[strings.LastIndexByte(srv.URL, ':'):]
	guarded := NewFetcher(Limits{}, false, "")
	for _, u := range []string{srv.URL + "/", "http://localhost" + port + "/", "http://[::ffff:127.0.0.1]" + port + "/"} {
		_, _, err := guarded.Get(context.Background(), u, 0)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("guarded get %s: err = %v, want ErrForbiddenAddress", u, err)
		}
	}
	open := NewFetcher(Limits{}, true, "")
	b, _, err := open.Get(context.Background(), "http://localhost"+port+"/", 0)
	if err != nil || string(b) != "secret" {
		t.Fatalf("with private addresses allowed: %q, %v", b, err)
	}
}

func TestFetchLimits(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush() // no Content-Length: the body limit must catch it
		for range 100 {
			w.Write(make([]byte, 1024))
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/file", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/hop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/file", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.org/x", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := NewFetcher(Limits{SideSize: 50 << 10, Redirects: 5, FeedTimeout: 300 * time.Millisecond}, true, "")
	ctx := context.Background()
	if _, _, err := f.Get(ctx, srv.URL+"/loop", 0); !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("redirect loop: %v", err)
	}
	if _, _, err := f.Get(ctx, srv.URL+"/big", 0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("big body: %v", err)
	}
	if _, _, err := f.Get(ctx, srv.URL+"/slow", 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow body: %v", err)
	}
	if _, _, err := f.Get(ctx, srv.URL+"/ftp", 0); err == nil || !strings.Contains(err.Error(), "not http") {
		t.Errorf("redirect to ftp: %v", err)
	}
	b, res, err := f.Get(ctx, srv.URL+"/hop", 0)
	if err != nil || string(b) != "ok" || res.URL != srv.URL+"/file" {
		t.Errorf("redirect: %q %v", b, err)
	}
	for _, bad := range []string{"file:///etc/passwd", "gopher://x/", "/relative", "http://user:pw@example.org/feed"} {
		if _, _, err := f.Get(ctx, bad, 0); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestUnwrap(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://dts.podtrac.com/redirect.mp3/traffic.libsyn.com/show/ep1.mp3":                   "https://traffic.libsyn.com/show/ep1.mp3",
		"https://www.podtrac.com/pts/redirect.mp3/chrt.fm/track/ABC12/cdn.example.com/a.mp3?x=1": "https://cdn.example.com/a.mp3?x=1",
		"https://op3.dev/e/https://cdn.example.com/a.mp3":                                        "https://cdn.example.com/a.mp3",
		"https://op3.dev/e/cdn.example.com/a.mp3":                                                "https://cdn.example.com/a.mp3",
		"https://op3.dev/e,pg=8c2f1f4e-0b3a-5c7e-9d61-000000000000/cdn.example.com/a.mp3":        "https://cdn.example.com/a.mp3",
		"http://media.blubrry.com/myshow/content.blubrry.com/myshow/ep.mp3":                      "http://content.blubrry.com/myshow/ep.mp3",
		"https://chtbl.com/track/12345/https://www.buzzsprout.com/1/2.mp3":                       "https://www.buzzsprout.com/1/2.mp3",
		"https://pdst.fm/e/pscrb.fm/rss/p/mgln.ai/e/42/traffic.megaphone.fm/ABC.mp3?updated=16":  "https://traffic.megaphone.fm/ABC.mp3?updated=16",
		"https://cdn.example.com/plain.mp3":                                                      "https://cdn.example.com/plain.mp3",
		"https://dts.podtrac.com/redirect.mp3/":                                                  "https://dts.podtrac.com/redirect.mp3/",
	} {
		if got := Unwrap(in); got != want {
			t.Errorf("Unwrap(%s)\n = %s\nwant %s", in, got, want)
		}
	}
}
