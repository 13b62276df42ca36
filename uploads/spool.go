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
	"runtime"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/uploads/probe"
)

// Temp files are named tempPrefix*tempSuffix so the sweep removes only its own.
const (
	tempPrefix = "upload-"
	tempSuffix = ".part"
)

// File is an upload spooled to a temp file, hashed, sniffed and probed, and
// streamed into the bucket under Key while it arrived. Its object becomes
// visible only once the pipeline commits it (Create, Replace, PutAlternate).
// Close aborts a put not committed and removes the temp file; call it on
// every path.
type File struct {
	Size   int64
	SHA256 string // lowercase hex
	Format probe.Format
	Info   *probe.Info
	// Key is the audio object's new key (audioKey).
	Key string

	showID int64
	f      *os.File
	put    *streamPut // nil once committed or aborted
}

// Close aborts the bucket put unless it was committed, then removes the
// temp file. It is safe to call more than once.
func (f *File) Close() error {
	if f == nil {
		return nil
	}
	if f.put != nil {
		f.put.abort(context.Background(), errAbandoned)
		f.put = nil
	}
	if f.f == nil {
		return nil
	}
	tmp := f.f
	f.f = nil
	// The name goes first, while the file is open: that is cheap, and no
	// one finds the file after Close. Freeing its blocks happens when the
	// last descriptor closes, which for a big upload takes a while (~100 ms
	// for 200 MB), so that close is not waited for where the system allows
	// removing an open file (not Windows).
	if err := os.Remove(tmp.Name()); err == nil {
		go tmp.Close()
		return nil
	} else if !errors.Is(err, os.ErrNotExist) && runtime.GOOS != "windows" {
		tmp.Close()
		return fmt.Errorf("uploads: remove temp file: %w", err)
	}
	name := tmp.Name()
	cerr := tmp.Close()
	if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("uploads: remove temp file: %w", err)
	}
	if cerr != nil {
		return fmt.Errorf("uploads: close temp file: %w", cerr)
	}
	return nil
}

// commit ends the put's stream, so the object becomes visible under f.Key,
// and waits for it. On error nothing is left under the key.
func (f *File) commit(ctx context.Context) error {
	if f.put == nil {
		return fmt.Errorf("uploads: the object %s is already committed or aborted", f.Key)
	}
	p := f.put
	f.put = nil
	return p.commit(ctx)
}

// errAbandoned breaks the stream of a spooled file closed without a commit
// (a duplicate, an invalid field, the same bytes again), so its Put fails.
var errAbandoned = errors.New("uploads: the upload was not committed")

// Spool reads body to its end into a temp file in TempDir and, at the same
// time, into the bucket under a new key of show (File.Key), sniffing it from
// its first bytes and computing SHA-256, size and (for an MP3) the frame
// walk as the bytes pass, then probes the tags and the end of the file. The
// body is never held in memory: one copy buffer and the bucket's own bounded
// buffers are. The key is recorded pending before the first byte goes to the
// bucket, and the object becomes visible only when the file is committed; a
// file that turns out bad breaks the stream, so the bucket keeps nothing. It
// stops reading at MaxSize+1 bytes and answers a TooLarge *episodes.Error
// (its cause a *TooLargeError); bytes that are not MP3 or M4A are refused
// after the first few KB, before anything is recorded or put. On error
// nothing is left in TempDir or the bucket.
func (in *Ingester) Spool(ctx context.Context, show *episodes.Show, body io.Reader) (*File, error) {
	f, err := in.spool(ctx, show, body)
	return f, audioError(err)
}

func (in *Ingester) spool(ctx context.Context, show *episodes.Show, body io.Reader) (_ *File, err error) {
	tmp, err := os.CreateTemp(in.TempDir, tempPrefix+"*"+tempSuffix)
	if err != nil {
		return nil, fmt.Errorf("uploads: create temp file: %w", err)
	}
	file := &File{f: tmp, showID: show.ID}
	var read int64
	var probeTime time.Duration
	defer func() {
		if err != nil {
			if file.put != nil {
				file.put.abort(ctx, err)
				file.put = nil
			}
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

	// One pass: the bytes are hashed, put into the bucket and, for an MP3,
	// their frames walked (probe.Scan) as they are spooled, so after the
	// last byte the probe reads only the tags and the end of the file, and
	// the put has only its last part left.
	file.Key = audioKey(show.ID, file.Format)
	if file.put, err = in.startPut(ctx, show.ID, file.Key, file.Format.ContentType()); err != nil {
		return nil, err
	}
	h := sha256.New()
	var scan *probe.Scan
	sinks := []io.Writer{tmp, h}
	if file.Format == probe.MP3 {
		scan = probe.NewScan()
		sinks = append(sinks, scan)
	}
	// The put comes last: its pipe blocks until the bucket has taken the bytes.
	sinks = append(sinks, file.put)
	dst := &countingWriter{w: io.MultiWriter(sinks...)}
	if _, err := dst.Write(head); err != nil {
		return nil, in.sinkError(ctx, file, err)
	}
	_, err = copyFull(dst, src, make([]byte, 256<<10))
	read = dst.n
	if err != nil {
		return nil, in.sinkError(ctx, file, err)
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

// sinkError classifies an error of the spooling copy: the body's (or the
// request's end), the bucket put's, or the temp file's.
func (in *Ingester) sinkError(ctx context.Context, file *File, err error) error {
	switch {
	case errors.As(err, new(*readErr)), ctx.Err() != nil:
		// A cancelled request also fails the put, maybe first.
		return in.bodyError(ctx, err)
	case errors.As(err, new(*putErr)):
		p := file.put
		file.put = nil
		return p.wait(ctx)
	}
	return fmt.Errorf("uploads: write temp file: %w", err)
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

// copyFull copies src to dst in writes of len(buf) bytes but the last. A
// multipart part returns at most 4 KiB a Read, and every write goes to the
// temp file (a system call), the hash, the scan and the bucket's pipe (a
// hand-over to another goroutine), so gathering a buffer's worth first makes
// 64 times fewer of each than io.Copy would for a 256 KiB buffer. Each read
// of the body still waits only as long as the body guard's idle deadline.
// Only io.EOF ends the copy well: any other error of src, io.ErrUnexpectedEOF
// from a body cut short included, is returned, as io.Copy would.
func copyFull(dst io.Writer, src io.Reader, buf []byte) (int64, error) {
	var written int64
	for {
		n, err := 0, error(nil)
		for n < len(buf) && err == nil {
			var m int
			m, err = src.Read(buf[n:])
			n += m
		}
		if n > 0 {
			w, werr := dst.Write(buf[:n])
			written += int64(w)
			if werr != nil {
				return written, werr
			}
		}
		if err == io.EOF {
			return written, nil
		}
		if err != nil {
			return written, err
		}
	}
}

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
