// Package s3 is the storage backend for Amazon S3 and S3-compatible services
// (MinIO, Garage, Ceph, R2, versitygw, ...) through aws-sdk-go-v2. Uploads of
// unknown length stream as multipart parts through a small fixed set of part
// buffers; a failed or cancelled upload is aborted, leaving nothing behind.
package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lyssna/lyssna/storage"
)

// Defaults for Options; together they bound an upload's part buffers to
// (DefaultConcurrency+2) * DefaultPartSize bytes, 15 MiB: the first part,
// and a pool of Concurrency+1 that the upload helper allocates for each
// multipart upload. Uploads stream into the bucket while their bodies
// arrive, so parts fill at the client's pace and one part in flight while
// the next fills keeps up (bench: a 1 GiB upload into versitygw at the
// speed of aws s3 cp); S3's smallest part, one at a time, keeps a replica
// taking a 1 GiB and then a 200 MB upload under 100 MB of memory (3 parts
// of 8 MiB peaked at 108 MB). A part size of 5 MiB limits an object to
// 10,000 parts, 48.8 GiB; PartSize grows it for a larger Options.MaxObjectSize.
const (
	DefaultPartSize    = minPartSize
	DefaultConcurrency = 1
	DefaultRegion      = "us-east-1"
	minPartSize        = 5 << 20 // S3's smallest part but the last
	maxParts           = 10000   // S3's most parts in one upload
)

// PartSize is the part size that lets a multipart upload of maxObject bytes
// fit in S3's 10,000 parts: DefaultPartSize, or the next whole MiB above
// maxObject/10,000 when that is larger (a 100 GiB limit: 11 MiB parts). An
// upload streams in with no length known, so the size must be chosen before
// its first byte; one past the last part would fail after the 10,000th.
func PartSize(maxObject int64) int64 {
	need := (maxObject + maxParts - 1) / maxParts
	if need <= DefaultPartSize {
		return DefaultPartSize
	}
	return (need + 1<<20 - 1) &^ (1<<20 - 1)
}

// Options configure a Bucket. Endpoint, Region, Bucket, Prefix, AccessKey,
// SecretKey and PathStyle mirror the LYSSNA_S3_* settings.
type Options struct {
	Endpoint  string // base URL of an S3-compatible service; empty for AWS
	Region    string // empty: from the AWS environment, else DefaultRegion
	Bucket    string
	Prefix    string // prepended to every key, as a folder ("media" -> "media/KEY")
	AccessKey string // with SecretKey: static credentials; both empty: the default AWS chain
	SecretKey string
	PathStyle bool // address the bucket as ENDPOINT/BUCKET, as most S3-compatible services need

	PartSize    int64 // bytes per multipart part; 0: PartSize(MaxObjectSize)
	Concurrency int   // parts uploaded at once; 0: DefaultConcurrency
	// MaxObjectSize is the largest object a Put must take
	// (LYSSNA_MAX_UPLOAD_SIZE); 0: no bound is checked.
	MaxObjectSize int64
	// Timeout bounds every call that is not a transfer (Stat, Delete, List
	// pages, Ping), a response's headers, and how long a transfer may move
	// no byte (for a Put, not counting the time its source takes to give
	// them); 0: DefaultTimeout. A stalled server then fails the call
	// instead of holding the request (and an upload is aborted).
	Timeout time.Duration
}

// DefaultTimeout is Options.Timeout's default.
const DefaultTimeout = 30 * time.Second

// Bucket is an S3 bucket (or a prefix in one) holding the objects.
type Bucket struct {
	client   *s3.Client
	presign  *s3.PresignClient
	upload   *transfermanager.Client
	bucket   string
	prefix   string
	endpoint string // for messages
	timeout  time.Duration
}

var (
	_ storage.Bucket            = (*Bucket)(nil)
	_ storage.URLSigner         = (*Bucket)(nil)
	_ storage.IncompleteAborter = (*Bucket)(nil)
)

// New checks the options and sets up a client; it makes no request (use Ping).
func New(ctx context.Context, o Options) (*Bucket, error) {
	var problems []string
	if o.Bucket == "" {
		problems = append(problems, "no bucket name: set LYSSNA_S3_BUCKET")
	}
	if o.Endpoint != "" {
		if u, err := url.Parse(o.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, fmt.Sprintf("LYSSNA_S3_ENDPOINT %q is not an http:// or https:// URL", o.Endpoint))
		}
	}
	if (o.AccessKey == "") != (o.SecretKey == "") {
		problems = append(problems, "set both LYSSNA_S3_ACCESS_KEY and LYSSNA_S3_SECRET_KEY, or neither to use the AWS credential chain")
	}
	prefix := strings.Trim(o.Prefix, "/")
	if prefix != "" {
		if err := storage.ValidateKey(prefix); err != nil {
			problems = append(problems, fmt.Sprintf("LYSSNA_S3_PREFIX %q is not a usable key prefix: %v", o.Prefix, err))
		}
		prefix += "/"
	}
	if o.PartSize == 0 {
		o.PartSize = PartSize(o.MaxObjectSize)
	}
	if o.PartSize < minPartSize {
		problems = append(problems, fmt.Sprintf("part size %d is below S3's minimum of %d bytes", o.PartSize, minPartSize))
	}
	if o.MaxObjectSize > maxParts*o.PartSize {
		problems = append(problems, fmt.Sprintf("part size %d puts at most %d bytes in S3's %d parts, less than the upload limit LYSSNA_MAX_UPLOAD_SIZE (%d bytes)",
			o.PartSize, maxParts*o.PartSize, maxParts, o.MaxObjectSize))
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("s3: %s", strings.Join(problems, "; "))
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	loadOpts := []func(*config.LoadOptions) error{config.WithHTTPClient(awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = o.Timeout }).
		WithTransportOptions(func(tr *http.Transport) {
			tr.ResponseHeaderTimeout = o.Timeout
			tr.TLSHandshakeTimeout = o.Timeout
		}))}

	if o.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(o.Region))
	}
	if o.AccessKey != "" {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(o.AccessKey, o.SecretKey, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("s3: load the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
		so.UsePathStyle = o.PathStyle
		// Many S3-compatible services reject the CRC32 trailers the SDK
		// sends by default since service/s3 v1.73.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = "AWS S3 (" + cfg.Region + ")"
	}
	return &Bucket{
		client:  client,
		presign: s3.NewPresignClient(client),
		upload: transfermanager.New(client, func(to *transfermanager.Options) {
			// The upload helper has its own checksum setting, which wins.
			to.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			to.PartSizeBytes = o.PartSize
			to.MultipartUploadThreshold = o.PartSize
			to.Concurrency = o.Concurrency
			// Abort a failed upload even when its context is cancelled.
			to.FailTimeout = 30 * time.Second
		}),
		bucket:   o.Bucket,
		prefix:   prefix,
		endpoint: endpoint,
		timeout:  o.Timeout,
	}, nil
}

func (b *Bucket) full(key string) *string { return aws.String(b.prefix + key) }

// Put streams r to key: one PutObject when it fits in one part, else a
// multipart upload with bounded memory that is aborted on any error.
func (b *Bucket) Put(ctx context.Context, key, contentType string, r io.Reader) (storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("s3: put: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("s3: put %q: %w", key, err)
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	// A server that stops taking bytes stops the reads: the watchdog then
	// cancels the upload, which the helper aborts (FailTimeout).
	wctx, stall := newWatchdog(ctx, b.timeout)
	_, err := b.upload.UploadObject(wctx, &transfermanager.UploadObjectInput{
		Bucket:      aws.String(b.bucket),
		Key:         b.full(key),
		Body:        stall.sourceReader(storage.ContextReader(wctx, r)), // also hides any Seeker: the length is never needed
		ContentType: aws.String(contentType),
	})
	err = stall.cause(err)
	stall.stop()
	if err != nil {
		return storage.ObjectInfo{}, b.mapErr("put", key, err)
	}
	return b.Stat(ctx, key)
}

// Get opens the whole object; the caller closes it.
func (b *Bucket) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	return b.GetRange(ctx, key, 0, -1)
}

// GetRange opens length bytes from offset (length < 0 reads to the end); a
// range past the end reads nothing.
func (b *Bucket) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return nil, storage.ObjectInfo{}, fmt.Errorf("s3: get: %w", err)
	}
	if offset < 0 {
		return nil, storage.ObjectInfo{}, fmt.Errorf("s3: get %q: negative offset %d", key, offset)
	}
	if length == 0 {
		info, err := b.Stat(ctx, key)
		return io.NopCloser(bytes.NewReader(nil)), info, err
	}
	in := &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: b.full(key)}
	if offset > 0 || length > 0 {
		rng := "bytes=" + strconv.FormatInt(offset, 10) + "-"
		if length > 0 {
			rng += strconv.FormatInt(offset+length-1, 10)
		}
		in.Range = aws.String(rng)
	}
	wctx, stall := newWatchdog(ctx, b.timeout)
	out, err := b.client.GetObject(wctx, in)
	if err != nil {
		err = stall.cause(err)
		stall.stop()
		if httpStatus(err) == 416 { // the range starts past the end
			info, err := b.Stat(ctx, key)
			if err != nil {
				return nil, storage.ObjectInfo{}, err
			}
			return io.NopCloser(bytes.NewReader(nil)), info, nil
		}
		return nil, storage.ObjectInfo{}, b.mapErr("get", key, err)
	}
	info := storage.ObjectInfo{
		Key:         key,
		Size:        aws.ToInt64(out.ContentLength),
		ContentType: aws.ToString(out.ContentType),
		ModTime:     aws.ToTime(out.LastModified),
		ETag:        strings.Trim(aws.ToString(out.ETag), `"`),
	}
	// A body that stops arriving is cut after the timeout; closing it stops the watchdog.
	body := stall.readCloser(out.Body)
	if total, ok := rangeTotal(aws.ToString(out.ContentRange)); ok {
		info.Size = total
	} else if in.Range != nil {
		// The server ignored the range and sent the whole object.
		if _, err := io.CopyN(io.Discard, body, offset); err != nil {
			body.Close()
			return nil, storage.ObjectInfo{}, b.mapErr("get", key, err)
		}
		if length > 0 {
			body = readCloser{io.LimitReader(body, length), body}
		}
	}
	return body, info, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// rangeTotal reads the object size from a Content-Range "bytes a-b/size".
func rangeTotal(cr string) (int64, bool) {
	_, total, ok := strings.Cut(cr, "/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(total, 10, 64)
	return n, err == nil
}

// Stat describes the object without reading it.
func (b *Bucket) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("s3: stat: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.bucket), Key: b.full(key)})
	if err != nil {
		return storage.ObjectInfo{}, b.mapErr("stat", key, err)
	}
	return storage.ObjectInfo{
		Key:         key,
		Size:        aws.ToInt64(out.ContentLength),
		ContentType: aws.ToString(out.ContentType),
		ModTime:     aws.ToTime(out.LastModified),
		ETag:        strings.Trim(aws.ToString(out.ETag), `"`),
	}, nil
}

// Delete removes the object; a missing key is not an error.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := storage.ValidateKey(key); err != nil {
		return fmt.Errorf("s3: delete: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	_, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.bucket), Key: b.full(key)})
	if err != nil {
		if err := b.mapErr("delete", key, err); !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	return nil
}

// List calls fn for every object whose key starts with prefix, in key order.
// Listings carry no content type (use Stat for it); objects whose names are
// not valid keys (made by other tools) are skipped.
func (b *Bucket) List(ctx context.Context, prefix string, fn func(storage.ObjectInfo) error) error {
	p := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(b.bucket),
		Prefix: aws.String(b.prefix + prefix),
	})
	for p.HasMorePages() {
		pctx, cancel := context.WithTimeout(ctx, b.timeout)
		page, err := p.NextPage(pctx)
		cancel()
		if err != nil {
			return b.mapErr("list", prefix, err)
		}
		for _, o := range page.Contents {
			key, ok := strings.CutPrefix(aws.ToString(o.Key), b.prefix)
			if !ok || storage.ValidateKey(key) != nil {
				continue
			}
			err := fn(storage.ObjectInfo{
				Key:     key,
				Size:    aws.ToInt64(o.Size),
				ModTime: aws.ToTime(o.LastModified),
				ETag:    strings.Trim(aws.ToString(o.ETag), `"`),
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// AbortIncomplete aborts the multipart uploads to keys under prefix
// initiated before cutoff: a process killed mid-Put leaves one, invisible
// but stored (and billed). A live Put's upload is younger than any cutoff
// the sweep uses.
func (b *Bucket) AbortIncomplete(ctx context.Context, prefix string, cutoff time.Time) (int, error) {
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(b.bucket), Prefix: aws.String(b.prefix + prefix)}
	n := 0
	for {
		pctx, cancel := context.WithTimeout(ctx, b.timeout)
		page, err := b.client.ListMultipartUploads(pctx, in)
		cancel()
		if err != nil {
			if httpStatus(err) == 501 || errorCode(err) == "NotImplemented" {
				return n, nil // a service without multipart listings
			}
			return n, b.mapErr("list incomplete uploads", prefix, err)
		}
		for _, u := range page.Uploads {
			if u.Initiated == nil || !u.Initiated.Before(cutoff) {
				continue
			}
			actx, cancel := context.WithTimeout(ctx, b.timeout)
			_, err := b.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
				Bucket: aws.String(b.bucket), Key: u.Key, UploadId: u.UploadId,
			})
			cancel()
			if err != nil && httpStatus(err) != 404 { // already aborted or completed
				return n, b.mapErr("abort incomplete upload", strings.TrimPrefix(aws.ToString(u.Key), b.prefix), err)
			}
			n++
		}
		if !aws.ToBool(page.IsTruncated) {
			return n, nil
		}
		in.KeyMarker, in.UploadIdMarker = page.NextKeyMarker, page.NextUploadIdMarker
	}
}

// Ping checks that the bucket exists and the credentials may use it.
func (b *Bucket) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	_, err := b.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b.bucket)})
	if err == nil {
		return nil
	}
	if s := httpStatus(err); s >= 400 && s < 500 {
		// A HEAD answer has no body to say what is wrong; a listing does.
		_, lerr := b.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b.bucket), MaxKeys: aws.Int32(1)})
		if lerr != nil && httpStatus(lerr) >= 400 {
			err = lerr
		}
		if httpStatus(err) == 404 && (errorCode(err) == "" || errorCode(err) == "NotFound") {
			err = &bucketMissing{err}
		}
	}
	return b.mapErr("ping", "", err)
}

// PresignGet returns a URL that downloads key for the next ttl.
func (b *Bucket) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := storage.ValidateKey(key); err != nil {
		return "", fmt.Errorf("s3: presign: %w", err)
	}
	req, err := b.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: b.full(key)},
		s3.WithPresignExpires(ttl))
	if err != nil {
		return "", b.mapErr("presign", key, err)
	}
	return req.URL, nil
}

// errStalled is the cause of a transfer cut off by its watchdog.
var errStalled = errors.New("s3: the transfer moved no byte within the timeout")

// watchdog cancels a transfer's context when no byte has moved for idle:
// every read through it starts the wait again.
type watchdog struct {
	ctx    context.Context
	idle   time.Duration
	timer  *time.Timer
	cancel context.CancelCauseFunc
}

func newWatchdog(ctx context.Context, idle time.Duration) (context.Context, *watchdog) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &watchdog{ctx: ctx, idle: idle, cancel: cancel}
	w.timer = time.AfterFunc(idle, func() { cancel(errStalled) })
	return ctx, w
}

func (w *watchdog) kick() { w.timer.Reset(w.idle) }

// cause marks err as the watchdog's doing when it fired.
func (w *watchdog) cause(err error) error {
	if err != nil && context.Cause(w.ctx) == errStalled {
		return fmt.Errorf("%w: %w", errStalled, err)
	}
	return err
}

// stop ends the watch and the transfer's context.
func (w *watchdog) stop() {
	w.timer.Stop()
	w.cancel(context.Canceled)
}

// sourceReader kicks the watchdog on every read of r, a Put's source, and
// holds the watch while a read waits for bytes: a source slow to give them
// (a client uploading at its own pace, bounded by its own idle deadline) is
// not the server stalling. A stalled server stops the reads, so the watch
// runs and fires.
func (w *watchdog) sourceReader(r io.Reader) io.Reader { return &watchedReader{r: r, w: w, hold: true} }

// readCloser kicks the watchdog on every read of rc and stops it on Close.
func (w *watchdog) readCloser(rc io.ReadCloser) io.ReadCloser {
	return readCloser{&watchedReader{r: rc, w: w}, closerFunc(func() error { w.stop(); return rc.Close() })}
}

type watchedReader struct {
	r    io.Reader
	w    *watchdog
	hold bool // stop the watch while a read waits
}

func (r *watchedReader) Read(p []byte) (int, error) {
	if r.hold {
		r.w.timer.Stop()
		defer r.w.kick()
	}
	n, err := r.r.Read(p)
	if n > 0 {
		r.w.kick()
	}
	if err != nil && err != io.EOF {
		if err = r.w.cause(err); errors.Is(err, errStalled) {
			err = fmt.Errorf("%w: %w", storage.ErrUnavailable, err)
		}
	}
	return n, err
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }
