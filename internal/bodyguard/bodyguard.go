// Package bodyguard owns the one guard every request body passes, on every
// route (API, producer UI, sign-in): an overall size cap, and an idle read
// deadline that moves on with each read, so a client that declares a body and
// then sends nothing is cut off after the idle time, while a long upload that
// keeps moving is never cut. Handlers answer the errors it returns with
// Status: 408 for a stalled body, 413 for one past a limit.
package bodyguard

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// DefaultIdle is the idle deadline when Guard.Idle is zero (LYSSNA_BODY_IDLE_TIMEOUT's default).
const DefaultIdle = 30 * time.Second

// Guard bounds request bodies. The zero value uses DefaultIdle and no size cap.
type Guard struct {
	// Idle is how long a body may send nothing before reads fail with *IdleError.
	Idle time.Duration
	// Max is the largest body any route accepts (the upload limit plus room
	// for form fields); 0 means no overall cap. Routes tighten it with Limit.
	Max int64
}

// IdleError says the client sent no body bytes for Idle. It unwraps to
// os.ErrDeadlineExceeded.
type IdleError struct {
	Idle time.Duration
}

// Error names the idle time.
func (e *IdleError) Error() string {
	return fmt.Sprintf("bodyguard: the request body sent nothing for %s and was cut off", e.Idle)
}

// Unwrap makes errors.Is(err, os.ErrDeadlineExceeded) true.
func (e *IdleError) Unwrap() error { return os.ErrDeadlineExceeded }

// Wrap guards the body of every request passed to next. A request with a
// body gets a read deadline at once (so even a handler that never reads the
// body, and the server's own draining of it, cannot wait forever), moved on by
// each read and cleared at the body's end. Until the body has been read to
// its end the answer carries "Connection: close": an answer given without
// reading the body then goes out at once (net/http would otherwise drain the
// body first), and whatever the client still sends is never parsed as a
// next request.
func (g Guard) Wrap(next http.Handler) http.Handler {
	idle := g.Idle
	if idle <= 0 {
		idle = DefaultIdle
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		// ErrNotSupported (a test recorder) leaves the body without a deadline.
		_ = rc.SetReadDeadline(time.Now().Add(idle))
		w.Header().Set("Connection", "close")
		var src io.ReadCloser = r.Body
		if g.Max > 0 {
			src = http.MaxBytesReader(w, src, g.Max)
		}
		r.Body = &body{rc: rc, w: w, src: src, idle: idle}
		next.ServeHTTP(w, r)
	})
}

// Limit caps the rest of r's body at n bytes (past it reads fail with
// *http.MaxBytesError); the idle deadline stays in force.
func Limit(w http.ResponseWriter, r *http.Request, n int64) {
	r.Body = http.MaxBytesReader(w, r.Body, n)
}

// body moves the connection's read deadline on before every read and turns
// a deadline hit into *IdleError.
type body struct {
	rc   *http.ResponseController
	w    http.ResponseWriter
	src  io.ReadCloser
	idle time.Duration
	done bool
}

func (b *body) Read(p []byte) (int, error) {
	if !b.done {
		_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	}
	n, err := b.src.Read(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		b.done = true
		return n, &IdleError{Idle: b.idle}
	}
	if err != nil && !b.done {
		b.done = true
		// The body is over: no deadline may outlive it, or the server's
		// background read would cancel a handler still working.
		_ = b.rc.SetReadDeadline(time.Time{})
		if err == io.EOF {
			b.w.Header().Del("Connection") // read whole: the connection may be reused
		}
	}
	return n, err
}

func (b *body) Close() error { return b.src.Close() }

// Status is the answer to a body error: 408 for *IdleError, 413 for
// *http.MaxBytesError, with a message for the client; ok is false for any
// other error.
func Status(err error) (status int, msg string, ok bool) {
	var ie *IdleError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ie):
		return http.StatusRequestTimeout, fmt.Sprintf("the request body sent nothing for %s and was cut off; nothing was stored, send it again", ie.Idle), true
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than the limit of %d bytes for this address", mbe.Limit), true
	}
	return 0, "", false
}
