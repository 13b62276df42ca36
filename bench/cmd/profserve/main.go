// Command profserve serves a Lyssna data directory (SQLite and filesystem
// media, as `lyssna serve` keeps them) through the same site.Build handler
// as `lyssna serve`, with net/http/pprof on a second loopback port, so that
// a load test against it can be profiled:
//
//	go run ./bench/cmd/profserve -data bench/work/lyssna-fs/data -listen 127.0.0.1:8090 -pprof 127.0.0.1:6060 &
//	wrk -c64 -d20s http://127.0.0.1:8090/bench/feed.xml &
//	go tool pprof -top http://127.0.0.1:6060/debug/pprof/profile?seconds=10
//
// It is a tool for finding where time goes, not part of make bench's figures.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/site"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/storage/filesystem"
	"github.com/lyssna/lyssna/uploads"
)

func main() {
	data := flag.String("data", "", "Lyssna data `dir` (lyssna.db and media/)")
	listen := flag.String("listen", "127.0.0.1:8090", "serve Lyssna on `addr`")
	pprofAddr := flag.String("pprof", "127.0.0.1:6060", "serve /debug/pprof on `addr`")
	logFile := flag.String("log", "", "write the access log to `file` (default: discard)")
	flag.Parse()
	if *data == "" {
		fmt.Fprintln(os.Stderr, "usage: profserve -data DIR [-listen ADDR] [-pprof ADDR] [-log FILE]")
		os.Exit(2)
	}
	if err := run(*data, *listen, *pprofAddr, *logFile); err != nil {
		fmt.Fprintln(os.Stderr, "profserve:", err)
		os.Exit(1)
	}
}

func run(data, listen, pprofAddr, logFile string) error {
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	if logFile != "" {
		f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		logger = slog.New(slog.NewTextHandler(f, nil))
	}
	store, err := episodes.Open(ctx, "sqlite:"+filepath.Join(data, "lyssna.db"), time.Now)
	if err != nil {
		return err
	}
	defer store.Close()
	bucket, err := filesystem.New(filepath.Join(data, "media"))
	if err != nil {
		return err
	}
	defer bucket.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() {
		if err := http.ListenAndServe(pprofAddr, mux); err != nil {
			fmt.Fprintln(os.Stderr, "profserve: pprof:", err)
		}
	}()
	in, err := uploads.New(uploads.Deps{Store: store, Bucket: bucket, TempDir: filepath.Join(data, "tmp"), Logger: logger})
	if err != nil {
		return err
	}
	h, err := site.Build(site.Parts{Store: store, Bucket: bucket, Uploads: in, Links: links.New("http://" + listen),
		Logger: logger, Now: time.Now})
	if err != nil {
		return err
	}
	fmt.Printf("serving %s on http://%s/, pprof on http://%s/debug/pprof/\n", data, listen, pprofAddr)
	srv := &http.Server{Addr: listen, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}
