package metrics

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/lyssna/lyssna/storage"
)

// Bucket wraps b so that every call is counted and timed by operation. The
// optional interfaces of b (storage.Opener, storage.URLSigner) stay visible,
// so serving and redirects work as they do unwrapped.
func (m *Metrics) Bucket(b storage.Bucket) storage.Bucket {
	ib := instrumentedBucket{b: b, m: m}
	o, opens := b.(storage.Opener)
	s, signs := b.(storage.URLSigner)
	switch {
	case opens && signs:
		return instrumentedOpenerSigner{instrumentedOpener{ib, o}, s}
	case opens:
		return instrumentedOpener{ib, o}
	case signs:
		return instrumentedSigner{ib, s}
	}
	return ib
}

// observe records one call that started at start and ended with err.
func (m *Metrics) observe(op string, start time.Time, err error) {
	m.storageCalls.WithLabelValues(op).Inc()
	m.storageDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		m.storageErrors.WithLabelValues(op).Inc()
	}
}

type instrumentedBucket struct {
	b storage.Bucket
	m *Metrics
}

func (ib instrumentedBucket) Put(ctx context.Context, key, contentType string, r io.Reader) (storage.ObjectInfo, error) {
	start := time.Now()
	info, err := ib.b.Put(ctx, key, contentType, r)
	ib.m.observe("put", start, err)
	return info, err
}

func (ib instrumentedBucket) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	start := time.Now()
	rc, info, err := ib.b.Get(ctx, key)
	ib.m.observe("get", start, err)
	return rc, info, err
}

func (ib instrumentedBucket) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, storage.ObjectInfo, error) {
	start := time.Now()
	rc, info, err := ib.b.GetRange(ctx, key, offset, length)
	ib.m.observe("get_range", start, err)
	return rc, info, err
}

func (ib instrumentedBucket) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	start := time.Now()
	info, err := ib.b.Stat(ctx, key)
	ib.m.observe("stat", start, err)
	return info, err
}

func (ib instrumentedBucket) Delete(ctx context.Context, key string) error {
	start := time.Now()
	err := ib.b.Delete(ctx, key)
	ib.m.observe("delete", start, err)
	return err
}

func (ib instrumentedBucket) List(ctx context.Context, prefix string, fn func(storage.ObjectInfo) error) error {
	start := time.Now()
	err := ib.b.List(ctx, prefix, fn)
	ib.m.observe("list", start, err)
	return err
}

func (ib instrumentedBucket) Ping(ctx context.Context) error {
	start := time.Now()
	err := ib.b.Ping(ctx)
	ib.m.observe("ping", start, err)
	return err
}

type instrumentedOpener struct {
	instrumentedBucket
	o storage.Opener
}

func (op instrumentedOpener) Open(ctx context.Context, key string) (io.ReadSeekCloser, storage.ObjectInfo, error) {
	start := time.Now()
	f, info, err := op.o.Open(ctx, key)
	op.m.observe("open", start, err)
	return f, info, err
}

type instrumentedSigner struct {
	instrumentedBucket
	s storage.URLSigner
}

func (is instrumentedSigner) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return is.m.presign(ctx, is.s, key, ttl)
}

type instrumentedOpenerSigner struct {
	instrumentedOpener
	s storage.URLSigner
}

func (ios instrumentedOpenerSigner) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return ios.m.presign(ctx, ios.s, key, ttl)
}

func (m *Metrics) presign(ctx context.Context, s storage.URLSigner, key string, ttl time.Duration) (string, error) {
	start := time.Now()
	u, err := s.PresignGet(ctx, key, ttl)
	m.observe("presign", start, err)
	return u, err
}
