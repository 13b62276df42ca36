package uploads

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// streamPut is a bucket Put fed, through a pipe, with an upload's bytes as
// they arrive. The pipe is synchronous: a slow bucket slows the reading of
// the body instead of growing a buffer, so the backend's own bounded
// buffers (the S3 part buffers, see storage/s3) are all the memory a put
// holds. The stream ends normally only on commit, after the file's final
// checks; any other end breaks it with an error, so the Put fails and no
// object becomes visible (the S3 backend aborts its multipart upload, the
// filesystem removes its temp file).
type streamPut struct {
	in   *Ingester
	key  string
	pw   *io.PipeWriter
	done chan struct{}
	err  error // the Put's, once done is closed
}

// errPutEnded answers a write after the Put has returned.
var errPutEnded = errors.New("uploads: the bucket put has ended")

// startPut records key pending for the show, makes sure no object has it,
// and starts a Put of the stream that Write feeds.
func (in *Ingester) startPut(ctx context.Context, showID int64, key, contentType string) (*streamPut, error) {
	if err := in.reserve(ctx, showID, key); err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	p := &streamPut{in: in, key: key, pw: pw, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		_, p.err = in.Bucket.Put(ctx, key, contentType, pr)
		// Writes after the Put has returned (a failure) fail instead of blocking.
		if p.err != nil {
			pr.CloseWithError(p.err)
		} else {
			pr.CloseWithError(errPutEnded)
		}
	}()
	return p, nil
}

// Write passes b to the Put, blocking until the bucket has taken it; its
// errors are *putErr.
func (p *streamPut) Write(b []byte) (int, error) {
	n, err := p.pw.Write(b)
	if err != nil {
		err = &putErr{err}
	}
	return n, err
}

// commit ends the stream normally, so the object becomes visible, and waits
// for the Put. On error nothing is left under the key.
func (p *streamPut) commit(ctx context.Context) error {
	p.pw.Close()
	return p.wait(ctx)
}

// abort breaks the stream with cause, waits for the failed Put and forgets
// the key.
func (p *streamPut) abort(ctx context.Context, cause error) {
	p.pw.CloseWithError(cause)
	<-p.done
	p.in.deleteObjects(ctx, []string{p.key})
}

// wait waits for the Put to return; when it failed, it deletes whatever the
// Put may have left and answers its error.
func (p *streamPut) wait(ctx context.Context) error {
	<-p.done
	if p.err != nil {
		// A failed Put leaves nothing, but one cut off by a cancelled
		// context may have finished on the server's side.
		p.in.deleteObjects(ctx, []string{p.key})
		return fmt.Errorf("uploads: store %s: %w", p.key, p.err)
	}
	return nil
}

// putErr marks errors that came from the bucket put rather than the temp file.
type putErr struct{ err error }

func (e *putErr) Error() string { return e.err.Error() }
func (e *putErr) Unwrap() error { return e.err }
