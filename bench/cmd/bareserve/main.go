// Command bareserve is the floor for bench/run.sh's feed CPU figure: a bare
// net/http server (no router, no middleware, no log) that answers every GET
// with one file's bytes and fixed headers, and 304 for its ETag, as the feed
// cache answers a cached feed. It prints "listening on http://ADDR" once
// it listens. With -timeouts it guards its connections as lyssna serve does
// (ReadHeaderTimeout, IdleTimeout, MaxHeaderBytes), which net/http pays for
// with timers and clock reads on every request.
//
//	go run ./bench/cmd/bareserve -file feed.xml.gz -encoding gzip -etag '"x-gzip"' -type application/rss+xml
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	file := flag.String("file", "", "the `file` whose bytes every answer carries")
	encoding := flag.String("encoding", "", "Content-Encoding of the bytes")
	etag := flag.String("etag", `"bare"`, "the answers' ETag")
	ctype := flag.String("type", "application/rss+xml; charset=utf-8", "Content-Type")
	listen := flag.String("listen", "127.0.0.1:0", "`address` to listen on")
	timeouts := flag.Bool("timeouts", false, "set lyssna serve's read-header and idle timeouts and header limit")
	flag.Parse()
	body, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bareserve:", err)
		os.Exit(1)
	}
	one := func(s string) []string { return []string{s} }
	hdr := http.Header{"Content-Type": one(*ctype), "Etag": one(*etag), "Cache-Control": one("public, max-age=60"),
		"Content-Length": one(strconv.Itoa(len(body))), "Vary": one("Accept-Encoding")}
	if *encoding != "" {
		hdr["Content-Encoding"] = one(*encoding)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bareserve:", err)
		os.Exit(1)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	srv := &http.Server{}
	if *timeouts {
		// cmd/lyssna/serve.go's values.
		srv.ReadHeaderTimeout, srv.IdleTimeout, srv.MaxHeaderBytes = 10*time.Second, 2*time.Minute, 64<<10
	}
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range hdr {
			h[k] = v
		}
		if r.Header.Get("If-None-Match") == *etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(body)
	})
	err = srv.Serve(ln)
	fmt.Fprintln(os.Stderr, "bareserve:", err)
	os.Exit(1)
}
