package uploads

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/lyssna/lyssna/uploads/probe"
)

// Temp files are named tempPrefix*tempSuffix so the sweep removes only its own.
const (
	tempPrefix = "upload-"
	tempSuffix = ".part"
)

// File is an upload spooled to a temp file, hashed, sniffed and probed. Close
// removes the temp file; call it on every path.
type File struct {
	Size   int64
	SHA256 string // lowercase hex
	Format probe.Format
	Info   *probe.Info

	f *os.File
}

// Close removes the temp file. It is safe to call more than once.
func (f *File) Close() error {
	if f == nil || f.f == nil {
		return nil
	}
	name := f.f.Name()
	cerr := f.f.Close()
	f.f = nil
	if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("uploads: remove temp file: %w", err)
	}
	if cerr != nil {
		return fmt.Errorf("uploads: close temp file: %w", cerr)
	}
	return nil
}

// reader gives a fresh reader over the whole spooled file.
func (f *File) reader() io.Reader { return io.NewSectionReader(f.f, 0, f.Size) }

// Spool reads body to its end into a temp file in TempDir, sniffing it from
// its first bytes and computing SHA-256, size and (for an MP3) the frame walk
// as the bytes pass, then probes the tags and the end of the file. The body
// is never held in memory: at most one copy buffer is. It stops reading at
// MaxSize+1 bytes and answers a TooLarge *episodes.Error (its cause a
// *TooLargeError); bytes that are not MP3 or M4A are refused after the first
// few KB. On error nothing is left in TempDir.
func (in *Ingester) Spool(ctx context.Context, body io.Reader) (*File, error) {
	f, err := in.spool(ctx, body)
	return f, audioError(err)
}

func (in *Ingester) spool(ctx context.Context, body io.Reader) (_ *File, err error) {
	tmp, err := os.CreateTemp(in.TempDir, tempPrefix+"*"+tempSuffix)
	if err != nil {
		return nil, fmt.Errorf("uploads: create temp file: %w", err)
	}
	file := &File{f: tmp}
	var read int64
	var probeTime time.Duration
	defer func() {
		if err != nil {
			file.Close()
		}
		if in.Observer != nil {
			in.Observer.Spooled(read, probeTime, err)
		}
	}()

	src := &ctxReader{ctx: ctx, r: body}
	limit := in.MaxSize
	if limit > 0 {
		src.r = io.LimitReader(body, limit+1)
	}
	head := make([]byte, probe.SniffLen)
	n, err := io.ReadFull(src, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, in.bodyError(ctx, err)
	}
	head = head[:n]
	read = int64(n)
	if file.Format, err = probe.Sniff(head); err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}

	// One pass: the bytes are hashed and, for an MP3, their frames walked
	// (probe.Scan) as they are spooled, so the probe after the last byte
	// reads only the tags and the end of the file.
	h := sha256.New()
	var scan *probe.Scan
	sinks := []io.Writer{tmp, h}
	if file.Format == probe.MP3 {
		scan = probe.NewScan()
		sinks = append(sinks, scan)
	}
	dst := &countingWriter{w: io.MultiWriter(sinks...)}
	if _, err := dst.Write(head); err != nil {
		return nil, fmt.Errorf("uploads: write temp file: %w", err)
	}
	_, err = io.CopyBuffer(dst, src, make([]byte, 256<<10))
	read = dst.n
	if err != nil {
		if errors.As(err, new(*readErr)) {
			return nil, in.bodyError(ctx, err)
		}
		return nil, fmt.Errorf("uploads: write temp file: %w", err)
	}
	if limit > 0 && dst.n > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	file.Size = dst.n
	file.SHA256 = hex.EncodeToString(h.Sum(nil))

	start := time.Now()
	file.Info, err = scan.Probe(ctx, tmp, file.Size)
	probeTime = time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	return file, nil
}

// BodyError classifies an error from reading an upload's body, for callers
// that read around the file (multipart headers): a TooLarge *episodes.Error
// for an http.MaxBytesReader's limit, else ErrIncomplete with the cause (a
// stalled body keeps its *bodyguard.IdleError in the chain, for a 408).
func (in *Ingester) BodyError(ctx context.Context, err error) error {
	return audioError(in.bodyError(ctx, err))
}

func (in *Ingester) bodyError(ctx context.Context, err error) error {
	var re *readErr
	if errors.As(err, &re) {
		err = re.err
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		limit := in.MaxSize
		if limit <= 0 {
			limit = mbe.Limit
		}
		return &TooLargeError{Limit: limit}
	case errors.Is(err, os.ErrDeadlineExceeded):
		// Checked before ctx: a stalled read also cancels the request's context.
		return fmt.Errorf("%w: %w", ErrIncomplete, err)
	case ctx.Err() != nil:
		return fmt.Errorf("uploads: %w: %w", ErrIncomplete, context.Cause(ctx))
	}
	return fmt.Errorf("%w: %w", ErrIncomplete, err)
}

// readErr marks errors that came from the body rather than the temp file.
type readErr struct{ err error }

func (e *readErr) Error() string { return e.err.Error() }
func (e *readErr) Unwrap() error { return e.err }

// ctxReader stops reading once ctx is done and marks its errors as the body's.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, &readErr{err}
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		err = &readErr{err}
	}
	return n, err
}

// countingWriter counts what it passes on.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
