package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/lyssna/lyssna/config"
	"github.com/lyssna/lyssna/internal/logline"
)

// newLogger builds the process's logger from LYSSNA_LOG_LEVEL and LYSSNA_LOG_FORMAT
// (logline's handler: slog's text or JSON handler, with the access log's lines
// written without a record).
// Over a *logBuffer, a record at warning level or above is written out at
// once, with whatever access-log lines wait before it.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	// The config has validated the name; UnmarshalText knows debug, info, warn and error.
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	var h slog.Handler = logline.New(w, cfg.LogFormat == "json", level)
	if b, ok := w.(*logBuffer); ok {
		h = flushingHandler{Handler: h, buf: b}
	}
	return slog.New(h)
}

// logFlushInterval is the longest a log line waits in a logBuffer.
const logFlushInterval = 100 * time.Millisecond

// logBufferSize is how many bytes a logBuffer holds before it writes them out.
const logBufferSize = 64 << 10

// logBuffer batches the log lines written to w, so that the access log costs
// one write system call per many requests instead of one per request. Lines
// are written out when the buffer fills, every interval, when a warning or
// error is logged (see flushingHandler), and on Close. It is safe for
// concurrent use; each Write is one whole line from slog, never split.
type logBuffer struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	closed bool // after Close, writes go straight to w
	stop   chan struct{}
	done   chan struct{}
}

// newLogBuffer starts a logBuffer over w, flushed every interval until Close.
func newLogBuffer(w io.Writer, interval time.Duration) *logBuffer {
	b := &logBuffer{w: w, buf: make([]byte, 0, logBufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_ = b.Flush()
			case <-b.stop:
				return
			}
		}
	}()
	return b
}

// Write appends p to the buffer, writing the buffer out first when p would
// overflow it. A line larger than the buffer is written through.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.w.Write(p)
	}
	if len(b.buf)+len(p) > cap(b.buf) {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > cap(b.buf) {
			return b.w.Write(p)
		}
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes out what the buffer holds.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

func (b *logBuffer) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0] // a failed write to stderr loses those lines; there is nowhere else to say so
	return err
}

// Close stops the periodic flush and writes out what is left; later writes
// go straight to w (a goroutine may still log while the process ends).
func (b *logBuffer) Close() error {
	close(b.stop)
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return b.flushLocked()
}

// flushingHandler writes a logBuffer out after every record at warning level
// or above, so problems show at once and in order with the requests before them.
type flushingHandler struct {
	slog.Handler
	buf *logBuffer
}

// Handle formats r with the wrapped handler and flushes for a warning or worse.
func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := h.buf.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// LogRequest writes an access line through the wrapped handler (a
// logline.Handler), flushing as Handle does.
func (h flushingHandler) LogRequest(ctx context.Context, t time.Time, level slog.Level, q logline.Request) error {
	var err error
	if rl, ok := h.Handler.(logline.RequestLogger); ok {
		err = rl.LogRequest(ctx, t, level, q)
	} else {
		err = h.Handler.Handle(ctx, q.Record(t, level))
	}
	if level >= slog.LevelWarn {
		if ferr := h.buf.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// WithAttrs keeps the flushing for the derived handler.
func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithAttrs(attrs), buf: h.buf}
}

// WithGroup keeps the flushing for the derived handler.
func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithGroup(name), buf: h.buf}
}
