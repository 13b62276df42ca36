// Package storage owns the Bucket interface that every media backend implements,
// the rules for object keys, and serving an object over HTTP.
package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned (wrapped) by every backend when a key has no object.
var ErrNotFound = errors.New("storage: object not found")

// ErrInvalidKey is returned (wrapped) when a key could escape the bucket's root.
var ErrInvalidKey = errors.New("storage: invalid key")

// ErrUnavailable is returned (wrapped) when the backend did not answer in
// time or could not be reached: worth trying again later (HTTP 503).
var ErrUnavailable = errors.New("storage: the storage backend is unavailable")

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key         string
	Size        int64
	ContentType string
	ModTime     time.Time
	ETag        string
}

// Bucket is a flat store of immutable objects addressed by slash-separated keys.
type Bucket interface {
	// Put stores the stream r, of unknown length, under key: either the whole
	// object becomes visible or nothing does.
	Put(ctx context.Context, key, contentType string, r io.Reader) (ObjectInfo, error)
	// Get opens the whole object; the caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	// GetRange opens length bytes from offset (length < 0 reads to the end);
	// a range past the end reads nothing, and the ObjectInfo is the whole object's.
	GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, ObjectInfo, error)
	// Stat describes the object without reading it.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every object whose key starts with prefix, in key
	// order, and stops at fn's first error, returning it. Listed objects may
	// lack ContentType (S3 listings carry none); Stat has it.
	List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error
	// Ping reports whether the backend is reachable and usable.
	Ping(ctx context.Context) error
}

// IncompleteAborter is implemented by backends where a Put cut off by a
// crash can leave an incomplete upload behind, stored but no object (an S3
// multipart upload, a temp file): the sweep aborts those.
type IncompleteAborter interface {
	// AbortIncomplete aborts the incomplete uploads to keys under prefix
	// that have been idle (or, where that is not known, started) since
	// before cutoff, and returns how many it aborted.
	AbortIncomplete(ctx context.Context, prefix string, cutoff time.Time) (int, error)
}

// URLSigner is implemented by backends that can hand out a time-limited URL
// for downloading an object directly.
type URLSigner interface {
	// PresignGet returns a URL that downloads key for the next ttl.
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
}
