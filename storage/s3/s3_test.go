package s3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/s3"
	"github.com/lyssna/lyssna/storage/storagetest"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

func options(srv *testenv.S3Server, bucket string) s3.Options {
	return s3.Options{
		Endpoint: srv.Endpoint, Region: srv.Region, Bucket: bucket,
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, PathStyle: true,
	}
}

func newBucket(t testing.TB, o s3.Options) *s3.Bucket {
	t.Helper()
	b, err := s3.New(t.Context(), o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

func TestConformance(t *testing.T) {
	srv := testenv.S3(t)
	for _, prefix := range []string{"", "lyssna/media"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			storagetest.Run(t, func(t *testing.T) storage.Bucket {
				o := options(srv, srv.NewBucket(t))
				o.Prefix = prefix
				return newBucket(t, o)
			})
		})
	}
}

// TestPrefixConfines checks that a prefixed bucket reads and lists only under
// its prefix and stores objects there.
func TestPrefixConfines(t *testing.T) {
	srv := testenv.S3(t)
	name := srv.NewBucket(t)
	ctx := t.Context()
	if _, err := srv.Client().PutObject(ctx, &awss3.PutObjectInput{
		Bucket: aws.String(name), Key: aws.String("outside.txt"), Body: strings.NewReader("x"),
	}); err != nil {
		t.Fatal(err)
	}
	o := options(srv, name)
	o.Prefix = "/shows/"
	b := newBucket(t, o)
	if _, err := b.Put(ctx, "a.txt", "text/plain", strings.NewReader("inside")); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client().HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(name), Key: aws.String("shows/a.txt")}); err != nil {
		t.Errorf("object not stored under the prefix: %v", err)
	}
	var keys []string
	if err := b.List(ctx, "", func(o storage.ObjectInfo) error { keys = append(keys, o.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != "a.txt" {
		t.Errorf("List = %q, want [a.txt]", keys)
	}
	if _, err := b.Stat(ctx, "outside.txt"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat of an object outside the prefix: %v, want ErrNotFound", err)
	}
}

// stream is a reader of n deterministic bytes with no Seek or Len, so the
// backend cannot learn the length in advance; it fails with failErr once
// failAt bytes are read, when failAt > 0.
type stream struct {
	n, read, failAt int64
	failErr         error
}

func (s *stream) Read(p []byte) (int, error) {
	if s.failAt > 0 && s.read >= s.failAt {
		return 0, s.failErr
	}
	if s.read >= s.n {
		return 0, io.EOF
	}
	k := int64(len(p))
	if rest := s.n - s.read; k > rest {
		k = rest
	}
	if s.failAt > 0 && k > s.failAt-s.read {
		k = s.failAt - s.read
	}
	for i := range p[:k] {
		off := s.read + int64(i)
		p[i] = byte(off*7 + off>>13)
	}
	s.read += k
	return int(k), nil
}

func digest(t *testing.T, r io.Reader) [32]byte {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func TestMultipart(t *testing.T) {
	srv := testenv.S3(t)
	name := srv.NewBucket(t)
	o := options(srv, name)
	o.PartSize = 8 << 20
	b := newBucket(t, o)
	ctx := t.Context()
	const size = 21<<20 + 123 // three parts of 8 MiB, the last short

	info, err := b.Put(ctx, "big.bin", "audio/mpeg", &stream{n: size})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if info.Size != size || info.ContentType != "audio/mpeg" {
		t.Errorf("Put info = %+v, want %d bytes of audio/mpeg", info, size)
	}
	rc, _, err := b.Get(ctx, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if digest(t, rc) != digest(t, &stream{n: size}) {
		t.Error("the object read back differs from the stream put")
	}

	boom := errors.New("upload source broke")
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	failures := []struct {
		name string
		ctx  context.Context
		r    io.Reader
		want error
	}{
		{"reader fails in the second part", ctx, &stream{n: size, failAt: 12 << 20, failErr: boom}, boom},
		{"reader fails in the third part", ctx, &stream{n: size, failAt: 20 << 20, failErr: boom}, boom},
		{"context cancelled mid-upload", cctx, &cancelAt{r: &stream{n: size}, at: 17 << 20, cancel: cancel}, context.Canceled},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			if _, err := b.Put(f.ctx, "failed.bin", "audio/mpeg", f.r); !errors.Is(err, f.want) {
				t.Errorf("Put = %v, want %v", err, f.want)
			}
			if _, err := b.Stat(ctx, "failed.bin"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Stat after the failed Put: %v, want ErrNotFound", err)
			}
			ups, err := srv.Client().ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			if len(ups.Uploads) != 0 {
				t.Errorf("%d multipart uploads left behind", len(ups.Uploads))
			}
		})
	}
}

type cancelAt struct {
	r      io.Reader
	at     int64
	read   int64
	cancel context.CancelFunc
}

func (c *cancelAt) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	if c.read >= c.at {
		c.cancel()
	}
	return n, err
}

// TestErrors checks that misconfiguration gives messages naming the setting
// to fix, from every kind of call.
func TestErrors(t *testing.T) {
	srv := testenv.S3(t)
	name := srv.NewBucket(t)
	good := newBucket(t, options(srv, name))
	if _, err := good.Put(t.Context(), "exists.txt", "text/plain", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()

	cases := []struct {
		name    string
		edit    func(*s3.Options)
		setting string
	}{
		{"wrong secret key", func(o *s3.Options) { o.SecretKey = "not-the-secret" }, "LYSSNA_S3_SECRET_KEY"},
		{"unknown access key", func(o *s3.Options) { o.AccessKey = "nobody" }, "LYSSNA_S3_ACCESS_KEY"},
		{"missing bucket", func(o *s3.Options) { o.Bucket = "no-such-bucket-here" }, "LYSSNA_S3_BUCKET"},
		{"closed port", func(o *s3.Options) { o.Endpoint = closed }, "LYSSNA_S3_ENDPOINT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := options(srv, name)
			c.edit(&o)
			b := newBucket(t, o)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			calls := map[string]error{"Ping": b.Ping(ctx)}
			_, calls["Put"] = b.Put(ctx, "new.txt", "text/plain", strings.NewReader("x"))
			_, _, calls["Get"] = b.Get(ctx, "exists.txt")
			calls["List"] = b.List(ctx, "", func(storage.ObjectInfo) error { return nil })
			// A HEAD answer has no body, so its 404 cannot tell a missing
			// bucket (or, on versitygw, an unknown access key) from a
			// missing object.
			if c.name != "missing bucket" && c.name != "unknown access key" {
				_, calls["Stat"] = b.Stat(ctx, "exists.txt")
			}
			for call, err := range calls {
				if err == nil || !strings.Contains(err.Error(), c.setting) {
					t.Errorf("%s = %v, want an error naming %s", call, err, c.setting)
				}
				if errors.Is(err, storage.ErrNotFound) {
					t.Errorf("%s = ErrNotFound for a misconfiguration", call)
				}
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	cases := []struct {
		o    s3.Options
		want []string
	}{
		{s3.Options{}, []string{"LYSSNA_S3_BUCKET"}},
		{s3.Options{Bucket: "b", Endpoint: "localhost:9000"}, []string{"LYSSNA_S3_ENDPOINT"}},
		{s3.Options{Bucket: "b", AccessKey: "k"}, []string{"LYSSNA_S3_SECRET_KEY"}},
		{s3.Options{Bucket: "b", Prefix: "a/../b"}, []string{"LYSSNA_S3_PREFIX"}},
		{s3.Options{Endpoint: "ftp://x", SecretKey: "s"}, []string{"LYSSNA_S3_BUCKET", "LYSSNA_S3_ENDPOINT", "LYSSNA_S3_ACCESS_KEY"}},
	}
	for _, c := range cases {
		_, err := s3.New(t.Context(), c.o)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("New(%+v) = %v, want an error naming %s", c.o, err, w)
			}
		}
	}
}

// TestRangeFetchesOnlyItsBytes checks through the server's own access
// accounting that serving bytes=0-1 asks S3 for two bytes, not the object.
func TestRangeReadsOnlyRange(t *testing.T) {
	srv := testenv.S3(t)
	b := newBucket(t, options(srv, srv.NewBucket(t)))
	ctx := t.Context()
	if _, err := b.Put(ctx, "r.bin", "audio/mpeg", bytes.NewReader(bytes.Repeat([]byte("ab"), 1<<19))); err != nil {
		t.Fatal(err)
	}
	rc, info, err := b.GetRange(ctx, "r.bin", 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, _ := io.ReadAll(rc)
	if string(got) != "ba" || info.Size != 1<<20 {
		t.Errorf("GetRange(1, 2) = %q of %d, want \"ba\" of %d", got, info.Size, 1<<20)
	}
}

// TestAbortIncomplete leaves multipart uploads in the bucket, as a process
// killed mid-Put does, and aborts those under a prefix started before a
// cutoff, and only those.
func TestAbortIncomplete(t *testing.T) {
	srv := testenv.S3(t)
	name := srv.NewBucket(t)
	o := options(srv, name)
	o.Prefix = "media"
	b := newBucket(t, o)
	ctx := t.Context()
	for _, key := range []string{"media/audio/1/a.mp3", "media/audio/2/b.mp3", "media/art/1/c.jpg", "elsewhere/audio/d.mp3"} {
		if _, err := srv.Client().CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String(name), Key: aws.String(key)}); err != nil {
			t.Fatal(err)
		}
	}
	left := func() []string {
		out, err := srv.Client().ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, u := range out.Uploads {
			keys = append(keys, aws.ToString(u.Key))
		}
		slices.Sort(keys)
		return keys
	}
	if n, err := b.AbortIncomplete(ctx, "audio/", time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("AbortIncomplete before the uploads began = %d, %v; want 0", n, err)
	}
	if n, err := b.AbortIncomplete(ctx, "audio/", time.Now().Add(time.Minute)); err != nil || n != 2 {
		t.Errorf("AbortIncomplete = %d, %v; want 2", n, err)
	}
	if got, want := left(), []string{"elsewhere/audio/d.mp3", "media/art/1/c.jpg"}; !slices.Equal(got, want) {
		t.Errorf("multipart uploads left: %q, want %q", got, want)
	}
}

// TestPartSizeFitsTheLargestUpload: the part size grows with the upload
// limit so that the largest upload fits in S3's 10,000 parts, and New
// refuses a part size set too small for it.
func TestPartSizeFitsTheLargestUpload(t *testing.T) {
	for _, max := range []int64{0, 2 << 30, 48 << 30, 49 << 30, 100 << 30, 5 << 40} {
		p := s3.PartSize(max)
		if p < s3.DefaultPartSize || p*10000 < max || p%(1<<20) != 0 {
			t.Errorf("PartSize(%d) = %d: want whole MiB of at least %d holding it in 10,000 parts", max, p, s3.DefaultPartSize)
		}
		if max <= 48<<30 && p != s3.DefaultPartSize {
			t.Errorf("PartSize(%d) = %d, want the default %d", max, p, s3.DefaultPartSize)
		}
	}
	_, err := s3.New(t.Context(), s3.Options{Bucket: "b", PartSize: s3.DefaultPartSize, MaxObjectSize: 100 << 30})
	if err == nil || !strings.Contains(err.Error(), "LYSSNA_MAX_UPLOAD_SIZE") {
		t.Errorf("New with 5 MiB parts for a 100 GiB limit = %v, want an error naming LYSSNA_MAX_UPLOAD_SIZE", err)
	}
}
