package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lyssna/lyssna/internal/bodyguard"
	"github.com/lyssna/lyssna/internal/clientip"
	"github.com/lyssna/lyssna/internal/logline"
)

type ctxKey int

const exchangeKey ctxKey = iota

// exchange is what the middleware keeps of one request, made in one
// allocation, and the request's context: its ID, the client's address (under
// clientip.ContextKey), the route that matched (for the metrics; noteRoute
// writes it), and the writers that record the answer for the access log and
// gzip it. Being the context itself, it costs no context values of its own.
type exchange struct {
	context.Context // the request's, as the server made it
	client          netip.Addr
	id              string
	idv             [1]string // X-Request-Id's value, which rec adds
	route           string
	rec             recorder
	gz              gzipWriter
}

// Value is the exchange itself under exchangeKey and a pointer to the
// client's address under clientip.ContextKey; other keys go to the parent.
func (x *exchange) Value(key any) any {
	switch key {
	case exchangeKey:
		return x
	case clientip.ContextKey{}:
		return &x.client
	}
	return x.Context.Value(key)
}

// exchangeOf is the exchange of the request whose context is ctx; nil
// outside the middleware.
func exchangeOf(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey).(*exchange)
	return x
}

// requestID is the request's ID, as sent back in X-Request-Id.
func requestID(ctx context.Context) string {
	if x := exchangeOf(ctx); x != nil {
		return x.id
	}
	return ""
}

// requestLogger is the logger with the request's method, path, client and ID,
// for handlers that log (a 5xx, once, at the edge).
func (h *handler) requestLogger(r *http.Request) *slog.Logger {
	return h.Logger.With(
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("client", clientip.Logged(r)),
		slog.String("request_id", requestID(r.Context())),
	)
}

// middleware wraps next in what every request passes: a request ID, the
// client's address (clientip: forwarding headers only from trusted
// proxies), the access log, panic recovery (so a panic is logged as a 500),
// and the body guard (a size cap and an idle deadline on every body). Inside
// it, compress gzips pages, JSON and transcripts (see New). hot, when not
// nil, answers the cached feeds and pages first, inside the access log and
// panic recovery (it reads no body).
func (h *handler) middleware(hot hotPath, next http.Handler) http.Handler {
	return h.accessLog(newRequestIDs(), clientip.Resolver{Trusted: h.TrustedProxies}, hot, h.recoverPanics(h.bodyGuard().Wrap(next)))
}

// bodyGuard is the guard on every request body: the idle deadline, and a cap
// of the upload limit plus what a multipart form carries beside the file.
func (h *handler) bodyGuard() bodyguard.Guard {
	g := bodyguard.Guard{Idle: h.BodyIdleTimeout}
	if h.Uploads.MaxSize > 0 {
		g.Max = h.Uploads.MaxSize + multipartSlack
	}
	return g
}

// requestIDs makes request IDs: a random prefix per process and a counter,
// as hex ("3f9a1c0e5b7d-1a"). Unique without reading crypto/rand per request;
// an ID names a request in the logs and is no secret.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return &requestIDs{prefix: hex.EncodeToString(b[:]) + "-"}
}

func (ids *requestIDs) next() string {
	var buf [32]byte
	b := append(buf[:0], ids.prefix...)
	return string(strconv.AppendUint(b, ids.n.Add(1), 16))
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// accessLog gives each request its exchange: an ID (a sane incoming
// X-Request-Id from a proxy in front, or a new one, echoed in the answer
// unless a shared cache may keep it: see recorder.begin) and
// the client's address, as the request's new context; then it writes one line per
// request: method, path, status, bytes, duration and client (its /24 or /64
// network, never the full address), and tells the metrics. Health probes
// log at debug so they do not drown the rest. The line is handed to the
// logger's handler directly, as Logger.LogAttrs would, less the caller's
// program counter (no source position), which costs a stack walk per request;
// a logline.RequestLogger (the process's handler) writes it without a record.
// A request hot answers keeps the context the server gave it: nothing on
// that path reads the exchange from it, which saves the request's copy.
func (h *handler) accessLog(ids *requestIDs, clients clientip.Resolver, hot hotPath, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = ids.next()
		}
		x := &exchange{Context: r.Context(), client: clients.Addr(r), id: id, idv: [1]string{id}, route: unmatchedRoute}
		x.rec.ResponseWriter = w
		x.rec.id = x.idv[:1:1]
		if route := h.serveHot(hot, x, r); route != "" {
			x.route = route
		} else {
			r = r.WithContext(x)
			next.ServeHTTP(&x.rec, r)
		}
		// One clock read for the end: the monotonic clock's (time.Since
		// reads no wall clock when start has a monotonic reading), from
		// which the end's wall time follows.
		took := time.Since(start)
		end := start.Add(took)
		status := x.rec.status
		if status == 0 {
			status = http.StatusOK
		}
		if h.Metrics != nil {
			h.Metrics.ObserveRequest(x.route, r.Method, status, took)
		}
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			level = slog.LevelDebug
		}
		ctx := r.Context()
		log := h.Logger.Handler()
		if !log.Enabled(ctx, level) {
			return
		}
		line := logline.Request{Method: r.Method, Path: r.URL.Path, Status: status, Bytes: x.rec.bytes,
			Duration: took, Client: clientip.Truncate(x.client), RequestID: id}
		if rl, ok := log.(logline.RequestLogger); ok {
			_ = rl.LogRequest(ctx, end, level, line)
			return
		}
		_ = log.Handle(ctx, line.Record(end, level))
	})
}

// serveHot answers r on the hot path, as recoverPanics runs a handler, and
// returns the route it answered for ("" for none: r goes to the table).
func (h *handler) serveHot(hot hotPath, x *exchange, r *http.Request) (route string) {
	if hot == nil {
		return ""
	}
	defer func() {
		if v := recover(); v != nil {
			h.panicked(v, &x.rec, r.WithContext(x))
			route = unmatchedRoute // answered, with a 500
		}
	}()
	return hot(&x.rec, r)
}

// recoverPanics turns a panic in a handler into a 500 (see panicked).
func (h *handler) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				h.panicked(v, w, r)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// panicked answers a handler's panic v with a 500 (JSON under /api/, text
// elsewhere) and logs it once with its stack. http.ErrAbortHandler is passed
// on: it is the standard way to abort a response and not a bug.
func (h *handler) panicked(v any, w http.ResponseWriter, r *http.Request) {
	if v == http.ErrAbortHandler {
		panic(v)
	}
	h.requestLogger(r).LogAttrs(r.Context(), slog.LevelError, "panic serving request",
		slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
	if rec, ok := w.(*recorder); ok && rec.status != 0 {
		return // the answer has begun; the client sees it cut short
	}
	msg := "internal error; the server log has the details under request id " + requestID(r.Context())
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeError(w, http.StatusInternalServerError, codeInternal, msg, "")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = io.WriteString(w, msg+"\n")
}

// recorder notes the status and byte count of an answer for the access log,
// and puts the request's ID on it as it begins.
// It passes io.ReaderFrom through, so http.ServeContent can still use sendfile
// for media, and Unwrap lets http.ResponseController reach Flush and the like.
type recorder struct {
	http.ResponseWriter
	id     []string // X-Request-Id's value; nil for none
	began  bool     // the final answer's header is out
	status int
	bytes  int64
}

// begin adds X-Request-Id to the final answer's header, with status, as it
// goes out; but not to a success that a shared cache may keep
// (Cache-Control: public: feeds, pages, media): a CDN or proxy cache would
// hand this request's ID to every later client, each of whom would then
// name a log line that is not theirs. The access log has the ID either way.
func (rw *recorder) begin(status int) {
	if rw.began {
		return
	}
	rw.began = true
	h := rw.ResponseWriter.Header()
	if rw.id == nil || status < 400 && sharedCacheable(h["Cache-Control"]) {
		return
	}
	h["X-Request-Id"] = rw.id
}

// sharedCacheable reports whether Cache-Control's values have the public
// directive.
func sharedCacheable(cc []string) bool {
	for _, v := range cc {
		for v != "" {
			var d string
			d, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(d), "public") {
				return true
			}
		}
	}
	return false
}

func (rw *recorder) WriteHeader(status int) {
	if status >= 200 {
		rw.begin(status)
	}
	if rw.status == 0 || rw.status < 200 { // 1xx answers may precede the final one
		rw.status = status
	}
	rw.ResponseWriter.WriteHeader(status)
}

func (rw *recorder) Write(p []byte) (int, error) {
	if rw.status < 200 { // none yet, or a 1xx: the final answer is a 200
		rw.status = http.StatusOK
	}
	rw.begin(http.StatusOK)
	n, err := rw.ResponseWriter.Write(p)
	rw.bytes += int64(n)
	return n, err
}

func (rw *recorder) ReadFrom(src io.Reader) (int64, error) {
	if rw.status < 200 { // none yet, or a 1xx: the final answer is a 200
		rw.status = http.StatusOK
	}
	rw.begin(http.StatusOK)
	var n int64
	var err error
	if rf, ok := rw.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(rw.ResponseWriter, src)
	}
	rw.bytes += n
	return n, err
}

// Flush sends buffered data to the client, for streaming answers.
func (rw *recorder) Flush() {
	if rw.status < 200 { // none yet, or a 1xx: the final answer is a 200
		rw.status = http.StatusOK
	}
	rw.begin(http.StatusOK)
	_ = http.NewResponseController(rw.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }
