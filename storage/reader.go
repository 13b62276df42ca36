package storage

import (
	"context"
	"io"
)

// ContextReader returns a reader that stops with ctx's error once ctx is
// done, so a Put of a slow or endless stream ends when its request does. It
// also hides any io.Seeker or length r has, which backends rely on to treat
// every Put as a stream of unknown length.
func ContextReader(ctx context.Context, r io.Reader) io.Reader {
	return ctxReader{ctx, r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
