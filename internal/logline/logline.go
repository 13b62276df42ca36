// Package logline owns the process's log handler: log/slog's TextHandler or
// JSONHandler, and beside it the access log's one line a request, written
// straight into a pooled buffer in the very form that handler gives the same
// record (TestRequestLineAsSlog compares them), without slog's per-record
// work (a Record, its attributes, a handle state, a formatted duration).
package logline

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Request is the access log's line for one request: msg "request" and
// these attributes, in this order.
type Request struct {
	Method    string
	Path      string
	Status    int
	Bytes     int64
	Duration  time.Duration
	Client    netip.Prefix // the client's network; the zero Prefix is logged as "unknown"
	RequestID string
}

// client is how the line names the client.
func (q *Request) client() string {
	if !q.Client.IsValid() {
		return "unknown"
	}
	return q.Client.String()
}

// Record is the line as a slog record at t and level, for any handler.
func (q *Request) Record(t time.Time, level slog.Level) slog.Record {
	r := slog.NewRecord(t, level, "request", 0)
	r.AddAttrs(
		slog.String("method", q.Method),
		slog.String("path", q.Path),
		slog.Int("status", q.Status),
		slog.Int64("bytes", q.Bytes),
		slog.Duration("duration", q.Duration),
		slog.String("client", q.client()),
		slog.String("request_id", q.RequestID),
	)
	return r
}

// RequestLogger is a slog.Handler that writes a Request's line itself.
type RequestLogger interface {
	slog.Handler
	// LogRequest writes q's line at t and level, as Handle would its Record.
	LogRequest(ctx context.Context, t time.Time, level slog.Level, q Request) error
}

// Handler is slog's TextHandler or JSONHandler over w, and a RequestLogger.
// Both write w through one lock, one whole line a Write.
type Handler struct {
	slog.Handler
	json  bool
	level slog.Leveler
	w     *lockedWriter
	last  atomic.Pointer[second] // the second of the latest line
}

// second is the start of a line's time, its date and clock to the second,
// and the zone after its fraction, for one second in one location: the
// lines of a busy server fall mostly in the second of the line before, so
// LogRequest formats the date once a second, not once a line.
type second struct {
	unix int64
	loc  *time.Location
	date []byte // "2006-01-02T15:04:05"
	zone []byte // "Z" or "+01:00"
}

// second is t's second, made anew when t is not in the latest line's; nil
// for a year RFC 3339 cannot write in four digits.
func (h *Handler) second(t time.Time) *second {
	unix, loc := t.Unix(), t.Location()
	if s := h.last.Load(); s != nil && s.unix == unix && s.loc == loc {
		return s
	}
	if y := t.Year(); y < 0 || y >= 10000 {
		return nil
	}
	f := t.Truncate(time.Second).AppendFormat(nil, time.RFC3339)
	s := &second{unix: unix, loc: loc, date: f[:len("2006-01-02T15:04:05")], zone: f[len("2006-01-02T15:04:05"):]}
	h.last.Store(s)
	return s
}

// New is the handler writing to w, as JSON when json is set, and text
// (key=value) otherwise, of the records at level or above (nil: info).
func New(w io.Writer, json bool, level slog.Leveler) *Handler {
	if level == nil {
		level = slog.LevelInfo
	}
	lw := &lockedWriter{w: w}
	opts := &slog.HandlerOptions{Level: level}
	h := &Handler{json: json, level: level, w: lw}
	if json {
		h.Handler = slog.NewJSONHandler(lw, opts)
	} else {
		h.Handler = slog.NewTextHandler(lw, opts)
	}
	return h
}

// lockedWriter serialises the writes of the slog handler and of LogRequest.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (lw *lockedWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.Write(p)
}

var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// LogRequest writes q's line as the wrapped handler would write q.Record(t,
// level). A line with a string the handler would quote or escape (rare: a
// path with a space, say) is handed to it as that record.
func (h *Handler) LogRequest(ctx context.Context, t time.Time, level slog.Level, q Request) error {
	if level < h.level.Level() {
		return nil
	}
	var sec *second
	if plain(q.Method) && plain(q.Path) && plain(q.RequestID) && !t.IsZero() {
		t = t.Round(0)
		sec = h.second(t)
	}
	if sec == nil {
		return h.Handler.Handle(ctx, q.Record(t, level))
	}
	bp := buffers.Get().(*[]byte)
	b := (*bp)[:0]
	if h.json {
		b = append(b, `{"time":"`...)
		b = sec.appendNano(b, t)
		b = append(b, `","level":"`...)
		b = append(b, level.String()...)
		b = append(b, `","msg":"request","method":"`...)
		b = append(b, q.Method...)
		b = append(b, `","path":"`...)
		b = append(b, q.Path...)
		b = append(b, `","status":`...)
		b = strconv.AppendInt(b, int64(q.Status), 10)
		b = append(b, `,"bytes":`...)
		b = strconv.AppendInt(b, q.Bytes, 10)
		b = append(b, `,"duration":`...)
		b = strconv.AppendInt(b, int64(q.Duration), 10)
		b = append(b, `,"client":"`...)
		b = appendClient(b, q.Client)
		b = append(b, `","request_id":"`...)
		b = append(b, q.RequestID...)
		b = append(b, "\"}\n"...)
	} else {
		b = append(b, "time="...)
		b = sec.appendMillis(b, t)
		b = append(b, " level="...)
		b = append(b, level.String()...)
		b = append(b, " msg=request method="...)
		b = append(b, q.Method...)
		b = append(b, " path="...)
		b = append(b, q.Path...)
		b = append(b, " status="...)
		b = strconv.AppendInt(b, int64(q.Status), 10)
		b = append(b, " bytes="...)
		b = strconv.AppendInt(b, q.Bytes, 10)
		b = append(b, " duration="...)
		b = appendDuration(b, q.Duration)
		b = append(b, " client="...)
		b = appendClient(b, q.Client)
		b = append(b, " request_id="...)
		b = append(b, q.RequestID...)
		b = append(b, '\n')
	}
	_, err := h.w.Write(b)
	*bp = b
	if cap(b) <= 4<<10 {
		buffers.Put(bp)
	}
	return err
}

// plain tells a string that both handlers write as it is: not empty, and
// printable ASCII other than a space, '=', a quote, a backslash and the
// characters JSON may escape for HTML.
func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '=' || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

func appendClient(b []byte, p netip.Prefix) []byte {
	if !p.IsValid() {
		return append(b, "unknown"...)
	}
	return p.AppendTo(b)
}

// appendMillis appends t, which falls in s, as TextHandler writes a time:
// RFC 3339 with exactly three digits of milliseconds, truncated.
func (s *second) appendMillis(b []byte, t time.Time) []byte {
	ms := t.Nanosecond() / 1e6
	b = append(b, s.date...)
	b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	return append(b, s.zone...)
}

// appendNano appends t, which falls in s, as JSONHandler writes a time:
// RFC 3339 with the nanoseconds less their trailing zeros (time.RFC3339Nano).
func (s *second) appendNano(b []byte, t time.Time) []byte {
	b = append(b, s.date...)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, s.zone...)
}

// appendDuration appends d.String() without making the string.
func appendDuration(b []byte, d time.Duration) []byte {
	var buf [32]byte
	w := len(buf)
	u := uint64(d)
	neg := d < 0
	if neg {
		u = -u
	}
	if u < uint64(time.Second) {
		// Less than a second: one unit of ns, µs or ms, and a fraction.
		var prec int
		w--
		buf[w] = 's'
		w--
		switch {
		case u == 0:
			return append(b, "0s"...)
		case u < uint64(time.Microsecond):
			prec = 0
			buf[w] = 'n'
		case u < uint64(time.Millisecond):
			prec = 3
			// U+00B5 'µ' micro sign == 0xC2 0xB5
			w-- // need room for two bytes
			copy(buf[w:], "µ")
		default:
			prec = 6
			buf[w] = 'm'
		}
		w, u = fmtFrac(buf[:w], u, prec)
		w = fmtInt(buf[:w], u)
	} else {
		w--
		buf[w] = 's'
		w, u = fmtFrac(buf[:w], u, 9)
		w = fmtInt(buf[:w], u%60) // u is now whole seconds
		u /= 60
		if u > 0 { // minutes
			w--
			buf[w] = 'm'
			w = fmtInt(buf[:w], u%60)
			u /= 60
			if u > 0 { // hours
				w--
				buf[w] = 'h'
				w = fmtInt(buf[:w], u)
			}
		}
	}
	if neg {
		w--
		buf[w] = '-'
	}
	return append(b, buf[w:]...)
}

// fmtFrac formats the fraction of v/10**prec (e.g., ".12345") into the tail
// of buf, omitting trailing zeros and the period when the fraction is zero;
// it returns the index where the output begins and v/10**prec (as package
// time's function of the same name).
func fmtFrac(buf []byte, v uint64, prec int) (nw int, nv uint64) {
	w := len(buf)
	print := false
	for i := 0; i < prec; i++ {
		digit := v % 10
		print = print || digit != 0
		if print {
			w--
			buf[w] = byte(digit) + '0'
		}
		v /= 10
	}
	if print {
		w--
		buf[w] = '.'
	}
	return w, v
}

// fmtInt formats v into the tail of buf and returns the index where the
// output begins (as package time's function of the same name).
func fmtInt(buf []byte, v uint64) int {
	w := len(buf)
	if v == 0 {
		w--
		buf[w] = '0'
	} else {
		for v > 0 {
			w--
			buf[w] = byte(v%10) + '0'
			v /= 10
		}
	}
	return w
}
