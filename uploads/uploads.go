// Package uploads owns the ingest pipeline: an uploaded audio file is sniffed,
// then in one pass spooled to a temp file, hashed, walked and streamed into
// the bucket under a new random key, probed at its end, committed, and
// turned into a draft episode. Failures leave nothing behind; a sweep
// removes what a killed process could not. It also owns the media lifecycle's side in the
// bucket: every key is recorded pending in the store before its object is
// put (the store marks it referenced, released or withdrawn as shows and
// episodes change), and Sweep deletes, one replica at a time, only what the
// store's rows say is done with.
package uploads

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/uploads/probe"
)

// Causes of the pipeline's errors (match with errors.Is). A refused file
// comes as an *episodes.Error of the field "audio" (kind TooLarge,
// Unsupported or Malformed) wrapping ErrTooLarge, ErrUnsupported or
// ErrMalformed; a refused picture as one of the field "image". A file
// already in the show is a Conflict; invalid episode fields are Invalid.
// ErrIncomplete is the request's fault, not the file's.
var (
	// ErrTooLarge is matched by *TooLargeError.
	ErrTooLarge = errors.New("uploads: file too large")
	// ErrUnsupported means the bytes are not MP3 or M4A (the message says what they are).
	ErrUnsupported = probe.ErrUnsupported
	// ErrMalformed means the bytes look like MP3 or M4A but cannot be read as audio.
	ErrMalformed = probe.ErrMalformed
	// ErrIncomplete means the body broke off before its end (the client went away or stalled).
	ErrIncomplete = errors.New("uploads: the upload broke off before the end of the file")
)

// TooLargeError says an upload went past the configured limit.
type TooLargeError struct {
	Limit int64 // bytes
}

// Error names the limit.
func (e *TooLargeError) Error() string { return "uploads: " + e.message() }

func (e *TooLargeError) message() string {
	return fmt.Sprintf("the file is larger than the limit of %s (%d bytes); shorten or re-encode it at a lower bitrate, or ask the operator to raise LYSSNA_MAX_UPLOAD_SIZE",
		humanBytes(e.Limit), e.Limit)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// Deps is what an Ingester needs.
type Deps struct {
	Store  *episodes.Store
	Bucket storage.Bucket
	// TempDir holds the spooled uploads; it should be on the data directory's
	// disk (not a small tmpfs) and is created when missing.
	TempDir string
	// MaxSize is the largest accepted file in bytes; 0 or less means no limit.
	MaxSize int64
	// Now is the clock for the sweep; nil means time.Now.
	Now func() time.Time
	// Logger receives what cannot be returned: failed clean-ups and sweep
	// results. Nil discards.
	Logger *slog.Logger
	// Observer is told about every spooled upload and every sweep (the
	// metrics); nil tells no one.
	Observer Observer
}

// Observer is told what uploads and sweeps did. Its methods must be cheap
// and safe for concurrent use.
type Observer interface {
	// Spooled reports one upload through Spool: the bytes read, the probe's
	// time (0 when it was not reached) and Spool's error.
	Spooled(size int64, probe time.Duration, err error)
	// Swept reports one sweep of RunSweeper: what it deleted and its error.
	Swept(deleted int, err error)
}

// Ingester runs uploads into the bucket and the store. It is safe for
// concurrent use.
type Ingester struct {
	Deps

	sweeps *sweepLog // shared by copies of the Ingester
}

// sweepLog keeps the sweeps' results for LastSweep.
type sweepLog struct {
	mu    sync.Mutex
	stats SweepStats
}

// New checks deps and creates the temp directory.
func New(deps Deps) (*Ingester, error) {
	if deps.Store == nil || deps.Bucket == nil {
		return nil, errors.New("uploads: a store and a bucket are required")
	}
	if deps.TempDir == "" {
		return nil, errors.New("uploads: no temp directory given")
	}
	if err := os.MkdirAll(deps.TempDir, 0o700); err != nil {
		return nil, fmt.Errorf("uploads: create temp directory: %w", err)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	return &Ingester{Deps: deps, sweeps: &sweepLog{}}, nil
}

// Patch changes a draft episode after the file's tags have filled it in, so
// fields the producer gave win over the tags. It may return a
// *episodes.Error for bad input.
type Patch func(*episodes.Episode) error

// cleanupTimeout bounds deleting what a failed upload put; it runs on a fresh
// context because the request's may already be cancelled.
const cleanupTimeout = 30 * time.Second

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	s := fmt.Sprintf("%.1f", v)
	if v == float64(int64(v)) {
		s = fmt.Sprintf("%d", int64(v))
	}
	return s + " " + string("KMGTPE"[exp]) + "iB"
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
