package uploads

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
)

// streamSize is past the S3 backend's first part (8 MiB), so its multipart
// upload has begun by the time a body stops at streamCut.
const (
	streamSize = 20 << 20
	streamCut  = 12 << 20
)

// gateReader gives r's bytes up to at, then waits for open to close before
// giving the rest; it closes reached when it starts waiting.
type gateReader struct {
	r             io.Reader
	at, n         int64
	reached, open chan struct{}
	once          sync.Once
}

func newGateReader(r io.Reader, at int64) *gateReader {
	return &gateReader{r: r, at: at, reached: make(chan struct{}), open: make(chan struct{})}
}

func (g *gateReader) Read(p []byte) (int, error) {
	if g.n >= g.at {
		g.once.Do(func() { close(g.reached) })
		<-g.open
	} else if rest := g.at - g.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// TestIngestStreamsWhileArriving stops an upload's body halfway and looks at
// the bucket: the audio is already going into it (an S3 multipart upload
// under way, a filesystem temp file), yet no object is visible until the
// last byte has come and the file is committed.
func TestIngestStreamsWhileArriving(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		body := newGateReader(newMP3Stream(streamSize, 1), streamCut)
		type result struct {
			ep  *episodes.Episode
			err error
		}
		done := make(chan result, 1)
		go func() {
			ep, err := r.in.Ingest(context.Background(), r.show, body, nil)
			done <- result{ep, err}
		}()
		select {
		case <-body.reached:
		case res := <-done:
			t.Fatalf("Ingest returned before the body ended: %v", res.err)
		}
		// Waits for what the upload does on its own; the bound only keeps a
		// broken pipeline from hanging the test.
		deadline := time.Now().Add(time.Minute)
		for r.incomplete(t) == 0 {
			if time.Now().After(deadline) {
				close(body.open)
				<-done
				t.Fatal("nothing went into the bucket while the body was arriving")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if keys := r.state(t).keys; len(keys) != 0 {
			t.Errorf("the bucket shows %q before the upload ended, want no object", keys)
		}
		close(body.open)
		res := <-done
		if res.err != nil {
			t.Fatalf("Ingest: %v", res.err)
		}
		info, err := r.bucket.Stat(t.Context(), res.ep.Audio.Key)
		if err != nil || info.Size != res.ep.Audio.Size || res.ep.Audio.Size != streamSize/mp3FrameLen*mp3FrameLen {
			t.Errorf("Stat(%s) = %+v (%v), want the whole file of %d bytes", res.ep.Audio.Key, info, err, res.ep.Audio.Size)
		}
		r.wantState(t, res.ep.Audio.Key, "referenced")
		if n := r.incomplete(t); n != 0 {
			t.Errorf("%d incomplete uploads left after a committed one", n)
		}
	})
}

// m4aWithoutMovie is an M4A whose boxes hold size bytes of media data and no
// movie box: it sniffs as M4A, and only its end shows it cannot play.
func m4aWithoutMovie(size int) []byte {
	ftyp := []byte("\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isomiso2")
	b := make([]byte, len(ftyp)+8+size)
	copy(b, ftyp)
	binary.BigEndian.PutUint32(b[len(ftyp):], uint32(8+size))
	copy(b[len(ftyp)+4:], "mdat")
	return b
}

// TestIngestBadFileAfterStreaming refuses files that turn out bad after
// more than a part of them has gone into the bucket: nothing is left, not
// an object, an incomplete upload, a pending row or a temp file.
func TestIngestBadFileAfterStreaming(t *testing.T) {
	eachBackend(t, func(t *testing.T, r *rig) {
		dup := repeatMP3(t, streamSize)
		if _, err := r.in.Ingest(t.Context(), r.show, bytes.NewReader(dup), nil); err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		before := r.state(t)
		pending := pendingCount(t, r.store)
		cases := []struct {
			name  string
			body  func(context.CancelFunc) io.Reader
			limit int64
			want  error
		}{
			{"too large", func(context.CancelFunc) io.Reader { return newMP3Stream(streamSize, 2) }, streamCut, ErrTooLarge},
			{"no movie box", func(context.CancelFunc) io.Reader { return bytes.NewReader(m4aWithoutMovie(streamSize)) }, 0, ErrMalformed},
			{"body breaks off", func(context.CancelFunc) io.Reader {
				return io.MultiReader(io.LimitReader(newMP3Stream(streamSize, 3), streamCut), iotest.ErrReader(io.ErrUnexpectedEOF))
			}, 0, ErrIncomplete},
			{"client goes away", func(cancel context.CancelFunc) io.Reader {
				return &cancellingReader{r: newMP3Stream(streamSize, 4), after: streamCut, cancel: cancel}
			}, 0, context.Canceled},
			{"the same file again", func(context.CancelFunc) io.Reader { return bytes.NewReader(dup) }, 0, episodes.ErrConflict},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				in := *r.in
				if c.limit > 0 {
					in.MaxSize = c.limit
				}
				_, err := in.Ingest(ctx, r.show, c.body(cancel), nil)
				if !errors.Is(err, c.want) {
					t.Fatalf("Ingest = %v, want %v", err, c.want)
				}
				r.sameState(t, before)
				if n := pendingCount(t, r.store); n != pending {
					t.Errorf("%d pending objects, want %d", n, pending)
				}
			})
		}
	})
}

// TestStoreFailsMidStream has the bucket fail while the body is still
// arriving: the upload stops with the bucket's error and leaves nothing.
func TestStoreFailsMidStream(t *testing.T) {
	boom := errors.New("bucket full")
	for _, b := range []backends{{"sqlite", "filesystem"}, {"postgres", "s3"}} {
		t.Run(b.String(), func(t *testing.T) {
			r := newRig(t, b, func(real storage.Bucket) storage.Bucket {
				return &failAfterBucket{Bucket: real, after: streamCut, err: boom}
			})
			before := r.state(t)
			body := &countingReader{r: newMP3Stream(streamSize, 5)}
			_, err := r.in.Ingest(t.Context(), r.show, body, nil)
			if !errors.Is(err, boom) || !strings.Contains(err.Error(), "store") {
				t.Fatalf("Ingest = %v, want the bucket's error", err)
			}
			if body.n >= streamSize/mp3FrameLen*mp3FrameLen {
				t.Errorf("read the whole body (%d bytes) after the bucket failed", body.n)
			}
			r.sameState(t, before)
		})
	}
}

// failAfterBucket's Put fails with err once it has read after bytes.
type failAfterBucket struct {
	storage.Bucket
	after int64
	err   error
}

func (f *failAfterBucket) Put(ctx context.Context, key, contentType string, r io.Reader) (storage.ObjectInfo, error) {
	return f.Bucket.Put(ctx, key, contentType, &failingAfter{r: r, left: f.after, err: f.err})
}

type failingAfter struct {
	r    io.Reader
	left int64
	err  error
}

func (f *failingAfter) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, f.err
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := f.r.Read(p)
	f.left -= int64(n)
	return n, err
}

// smallReads gives its bytes at most 4 KiB a Read, as a multipart part does.
type smallReads struct{ r io.Reader }

func (s smallReads) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), 4<<10)]) }

// writeSizes records the size of each Write.
type writeSizes []int

func (w *writeSizes) Write(p []byte) (int, error) { *w = append(*w, len(p)); return len(p), nil }

// TestCopyGathersBigWrites: the spooling copy writes a buffer's worth at a
// time, whatever size its source's reads are, then the rest; every byte once.
func TestCopyGathersBigWrites(t *testing.T) {
	const size = 3<<18 + 1000 // three buffers of 256 KiB and a bit
	var sizes writeSizes
	n, err := copyFull(&sizes, smallReads{bytes.NewReader(make([]byte, size))}, make([]byte, 256<<10))
	if err != nil || n != size {
		t.Fatalf("copyFull = %d, %v; want %d, nil", n, err, size)
	}
	if want := []int{256 << 10, 256 << 10, 256 << 10, 1000}; !slices.Equal(sizes, want) {
		t.Errorf("writes of %v bytes, want %v", sizes, want)
	}
	boom := errors.New("the client went away")
	if _, err := copyFull(&sizes, io.MultiReader(bytes.NewReader(make([]byte, 10)), iotest.ErrReader(boom)), make([]byte, 64)); !errors.Is(err, boom) {
		t.Errorf("a failing source: %v, want its error", err)
	}
	// A body cut short (multipart's io.ErrUnexpectedEOF) is an error, not the end.
	short := io.MultiReader(bytes.NewReader(make([]byte, 10)), iotest.ErrReader(io.ErrUnexpectedEOF))
	if _, err := copyFull(&sizes, short, make([]byte, 64)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a source cut short: %v, want io.ErrUnexpectedEOF", err)
	}
}
