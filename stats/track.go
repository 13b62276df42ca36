package stats

import (
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// probe reports whether r is a request that never counts: HEAD, anything
// but GET, and the one- and two-byte probes apps send before a download.
func probe(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return true
	}
	switch strings.ReplaceAll(r.Header.Get("Range"), " ", "") {
	case "bytes=0-1", "bytes=0-0":
		return true
	}
	return false
}

// Track wraps w so that the media answer it carries is counted for the
// object key and the client at addr (see Truncate). Serve the request
// through the returned writer, then call done. Bytes served (200, 206) are
// counted as they went out; a redirect (302) counts the bytes asked for (the
// whole object without Range), since the download itself happens elsewhere:
// the weaker estimate. Counting is a non-blocking queue send in done, so the
// answer is never delayed by it. A nil Counter tracks nothing.
func (c *Counter) Track(w http.ResponseWriter, r *http.Request, key string, addr netip.Addr) (http.ResponseWriter, func()) {
	if c == nil || probe(r) {
		return w, func() {}
	}
	tw := &trackWriter{ResponseWriter: w}
	return tw, func() {
		ev := Event{Key: key, Addr: Truncate(addr), UserAgent: r.UserAgent(), Referrer: r.Referer(), At: c.now()}
		switch {
		case tw.status == http.StatusFound:
			c.recordRequested(ev, r.Header.Get("Range"))
		case tw.bytes == 0:
		case tw.status == http.StatusOK:
			ev.End = tw.bytes
			c.Record(ev)
		case tw.status != http.StatusPartialContent:
		default:
			if start, ok := contentRangeStart(w.Header().Get("Content-Range")); ok {
				ev.Start, ev.End = start, start+tw.bytes
				c.Record(ev)
				return
			}
			// A multipart answer mixes part headers with the bytes, so
			// credit the ranges asked for.
			c.recordRequested(ev, r.Header.Get("Range"))
		}
	}
}

// recordRequested records ev for the ranges a Range header asks for, or
// for the whole object when there is none.
func (c *Counter) recordRequested(ev Event, rangeHeader string) {
	if rangeHeader == "" {
		ev.End = 1 << 62 // cut to the object's size when aggregated
		c.Record(ev)
		return
	}
	for _, s := range requestedSpans(rangeHeader) {
		ev.Start, ev.End = s.start, s.end
		c.Record(ev)
	}
}

// contentRangeStart is the first byte of "bytes a-b/size".
func contentRangeStart(v string) (int64, bool) {
	v, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, false
	}
	a, _, ok := strings.Cut(v, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(a, 10, 64)
	return n, err == nil
}

// trackWriter notes the status and the body bytes of an answer. It passes
// io.ReaderFrom through, so http.ServeContent keeps using sendfile.
type trackWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (tw *trackWriter) WriteHeader(status int) {
	if tw.status == 0 || tw.status < 200 {
		tw.status = status
	}
	tw.ResponseWriter.WriteHeader(status)
}

func (tw *trackWriter) Write(p []byte) (int, error) {
	if tw.status == 0 {
		tw.status = http.StatusOK
	}
	n, err := tw.ResponseWriter.Write(p)
	tw.bytes += int64(n)
	return n, err
}

func (tw *trackWriter) ReadFrom(src io.Reader) (int64, error) {
	if tw.status == 0 {
		tw.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := tw.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(tw.ResponseWriter, src)
	}
	tw.bytes += n
	return n, err
}

// Flush sends buffered data to the client.
func (tw *trackWriter) Flush() {
	if tw.status == 0 {
		tw.status = http.StatusOK
	}
	_ = http.NewResponseController(tw.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (tw *trackWriter) Unwrap() http.ResponseWriter { return tw.ResponseWriter }
