package s3_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/storage"
)

// stallProxy is a TCP proxy in front of the S3 server that, once stalled,
// keeps every connection open but passes no more bytes either way: an S3
// server that stopped mid-response.
type stallProxy struct {
	ln      net.Listener
	target  string
	stalled atomic.Bool
	mu      sync.Mutex
	conns   []net.Conn
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	return p
}

func (p *stallProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go p.pipe(up, c)
		go p.pipe(c, up)
	}
}

// pipe copies src to dst until the proxy stalls, then holds on.
func (p *stallProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for p.stalled.Load() {
			time.Sleep(10 * time.Millisecond)
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// TestStalledServer: with the S3 server stalled mid-response, every call
// fails within the timeout (as storage.ErrUnavailable where it has not
// begun to stream) instead of hanging, and an upload cut off this way
// leaves no multipart upload behind.
func TestStalledServer(t *testing.T) {
	srv := testenv.S3(t)
	name := srv.NewBucket(t)
	u, _ := url.Parse(srv.Endpoint)
	proxy := newStallProxy(t, u.Host)
	o := options(srv, name)
	o.Endpoint = "http://" + proxy.ln.Addr().String()
	o.Timeout = 2 * time.Second
	o.PartSize = 5 << 20
	b := newBucket(t, o)
	ctx := t.Context()
	data := bytes.Repeat([]byte("lyssna "), 3<<20) // 21 MB: a multipart upload
	// The object is put straight to the server, without the proxy's short
	// timeout: on a loaded machine a 21 MB upload can pause for more than
	// 2 s, and what is tested here is the stall, not this set-up.
	direct := newBucket(t, options(srv, name))
	if _, err := direct.Put(ctx, "a.bin", "application/octet-stream", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}

	// A download stalled after it began: the read fails, it does not hang.
	body, _, err := b.GetRange(ctx, "a.bin", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	io.CopyN(io.Discard, body, 1000)
	proxy.stalled.Store(true)
	done := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, body); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("a stalled download ended with %v, want storage.ErrUnavailable", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a stalled download still hangs after 30 s")
	}
	body.Close()

	for name, call := range map[string]func() error{
		"Stat":   func() error { _, err := b.Stat(ctx, "a.bin"); return err },
		"Delete": func() error { return b.Delete(ctx, "a.bin") },
		"Ping":   func() error { return b.Ping(ctx) },
		"Get":    func() error { _, _, err := b.Get(ctx, "a.bin"); return err },
		"Put": func() error {
			_, err := b.Put(ctx, "big.bin", "application/octet-stream", bytes.NewReader(data))
			return err
		},
	} {
		done := make(chan error, 1)
		go func() { done <- call() }()
		select {
		case err := <-done:
			if !errors.Is(err, storage.ErrUnavailable) {
				t.Errorf("%s on a stalled server: %v, want storage.ErrUnavailable", name, err)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("%s on a stalled server still hangs after 60 s", name)
		}
	}

	// Once the server answers again, the failed upload's abort (sent with
	// the transfer manager's own 30 s deadline, which outlives the stall)
	// gets through: within that time no multipart upload is left.
	proxy.stalled.Store(false)
	deadline := time.Now().Add(40 * time.Second)
	for {
		out, err := srv.Client().ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Uploads) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d multipart uploads left in the bucket 40 s after the stalled upload", len(out.Uploads))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// pausingReader gives first, waits for pause, then gives rest.
type pausingReader struct {
	first, rest io.Reader
	pause       time.Duration
	paused      bool
}

func (p *pausingReader) Read(b []byte) (int, error) {
	n, err := p.first.Read(b)
	if err != io.EOF {
		return n, err
	}
	if !p.paused {
		p.paused = true
		time.Sleep(p.pause)
	}
	return p.rest.Read(b)
}

// TestSlowSourceIsNotAStall puts a stream whose source gives nothing for
// longer than the timeout, as a client uploading slowly does while its bytes
// stream into the bucket: the server is not stalled, so the Put succeeds.
// (The source's own deadlines, such as the request body's idle time, bound it.)
func TestSlowSourceIsNotAStall(t *testing.T) {
	srv := testenv.S3(t)
	o := options(srv, srv.NewBucket(t))
	o.Timeout = 2 * time.Second
	b := newBucket(t, o)
	data := bytes.Repeat([]byte("lyssna "), 300_000) // 2.1 MB, one part: no request is open during the pause
	r := &pausingReader{first: bytes.NewReader(data[:1<<20]), rest: bytes.NewReader(data[1<<20:]), pause: 5 * time.Second}
	info, err := b.Put(t.Context(), "slow.bin", "application/octet-stream", r)
	if err != nil {
		t.Fatalf("Put from a slow source: %v", err)
	}
	if info.Size != int64(len(data)) {
		t.Errorf("Put stored %d bytes, want %d", info.Size, len(data))
	}
}
