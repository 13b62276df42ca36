package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Opener is implemented by backends that can open an object for reading at
// any offset without a request per range (the filesystem). Serve prefers it
// over ranged reads.
type Opener interface {
	// Open opens the whole object for random access; the caller closes it.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, ObjectInfo, error)
}

// CacheControl is the Cache-Control header sent with every object: a new
// file always gets a new key and an object is never overwritten, so caches
// may keep it.
const CacheControl = "public, max-age=31536000, immutable"

// DefaultPresignTTL is how long a presigned URL made by Redirect stays valid
// when the caller passes no positive ttl.
const DefaultPresignTTL = 15 * time.Minute

// Serve answers a GET or HEAD request for the object under key: Range
// (206 with Content-Range, 416 when unsatisfiable), Accept-Ranges, ETag,
// Last-Modified, conditional requests (304), its content type and a long
// immutable Cache-Control. Range follows RFC 9110 and is bounded (see
// planRanges): unknown units are ignored, unsatisfiable ranges get 416 with
// Content-Range: bytes */SIZE, ranges are merged and at most maxRanges
// served. Backends that implement Opener are served from the open file;
// others through one GetRange per request, spanning the requested ranges.
//
// A missing object or an invalid key is answered 404 and a wrong method 405,
// and Serve returns nil. When the backend fails, Serve answers 503 with Retry-After (or cuts a
// response already under way short) and returns the error for the caller to
// log; it writes nothing more to w.
func Serve(w http.ResponseWriter, r *http.Request, b Bucket, key string) error {
	if !allowMethod(w, r) {
		return nil
	}
	if err := ValidateKey(key); err != nil {
		http.Error(w, "404 object not found", http.StatusNotFound)
		return nil
	}
	ctx := r.Context()
	if o, ok := b.(Opener); ok {
		f, info, err := o.Open(ctx, key)
		if err != nil {
			return fail(w, r, key, err)
		}
		defer f.Close()
		setObjectHeaders(w.Header(), key, info)
		if r, ok = planRanges(w, r, info.Size); ok {
			http.ServeContent(w, r, "", info.ModTime, f)
		}
		return nil
	}
	info, err := b.Stat(ctx, key)
	if err != nil {
		return fail(w, r, key, err)
	}
	setObjectHeaders(w.Header(), key, info)
	r, ok := planRanges(w, r, info.Size)
	if !ok {
		return nil
	}
	// One backend read per request: the ranges, sorted and merged, are
	// served from one ranged read spanning them all.
	rr := &rangeReader{ctx: ctx, b: b, key: key, size: info.Size}
	if ws, _ := parseRanges(r.Header.Get("Range"), info.Size); len(ws) > 0 {
		rr.windows = []window{{ws[0].start, ws[len(ws)-1].end}}
	}
	defer rr.Close()
	http.ServeContent(w, r, "", info.ModTime, rr)
	if rr.err != nil && ctx.Err() == nil {
		return fmt.Errorf("storage: serve %q: %w", key, rr.err)
	}
	return nil
}

// Redirect answers a GET or HEAD request for the object under key with a 302
// to where the client can fetch it directly: mediaBaseURL + "/" + key when a
// public or CDN base is set, else a presigned URL valid for ttl when b is a
// URLSigner (except for HEAD, which a GET signature does not cover);
// otherwise it serves the object itself with Serve. It neither
// checks that the object exists nor returns an error, except as Serve does
// and when presigning fails (answered 503).
func Redirect(w http.ResponseWriter, r *http.Request, b Bucket, key, mediaBaseURL string, ttl time.Duration) error {
	if !allowMethod(w, r) {
		return nil
	}
	if err := ValidateKey(key); err != nil {
		http.Error(w, "404 object not found", http.StatusNotFound)
		return nil
	}
	if mediaBaseURL != "" {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.Redirect(w, r, strings.TrimRight(mediaBaseURL, "/")+"/"+escapeKey(key), http.StatusFound)
		return nil
	}
	s, ok := b.(URLSigner)
	// A presigned URL is signed for GET only, and a HEAD is cheap to answer here.
	if !ok || r.Method == http.MethodHead {
		return Serve(w, r, b, key)
	}
	if ttl <= 0 {
		ttl = DefaultPresignTTL
	}
	u, err := s.PresignGet(r.Context(), key, ttl)
	if err != nil {
		return fail(w, r, key, err)
	}
	// A client may reuse the redirect while the signature is still good.
	w.Header().Set("Cache-Control", "private, max-age="+strconv.Itoa(int(ttl.Seconds()/2)))
	http.Redirect(w, r, u, http.StatusFound)
	return nil
}

func allowMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "405 method not allowed: use GET or HEAD", http.StatusMethodNotAllowed)
	return false
}

// RetryAfterSeconds is the Retry-After of a 503 for a storage outage.
const RetryAfterSeconds = 5

// fail answers a failed lookup: 404 for a missing object, nothing for a
// client that went away, else 503 with Retry-After and the error returned
// for logging.
func fail(w http.ResponseWriter, r *http.Request, key string, err error) error {
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrInvalidKey):
		http.Error(w, "404 object not found", http.StatusNotFound)
		return nil
	case r.Context().Err() != nil:
		return nil
	}
	// An outage is the server's to fix and the client's to retry: 503.
	w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	http.Error(w, "503 the storage backend failed; try again later (the error is logged on the server)", http.StatusServiceUnavailable)
	return fmt.Errorf("storage: serve %q: %w", key, err)
}

func setObjectHeaders(h http.Header, key string, info ObjectInfo) {
	ct := info.ContentType
	if ct == "" {
		ct = mime.TypeByExtension(path.Ext(key))
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	if info.ETag != "" {
		h.Set("ETag", quoteETag(info.ETag))
	}
	h.Set("Cache-Control", CacheControl)
	// Stored HTML or SVG must not run script on this origin.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
}

func quoteETag(etag string) string {
	if strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, `W/"`) {
		return etag
	}
	return `"` + etag + `"`
}

func escapeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// window is a byte span [start, end) of an object that a request asks for.
type window struct{ start, end int64 }

// Range limits: ranges closer than rangeGap bytes are merged into one (as
// RFC 9110 allows), and a request that still asks for more than maxRanges
// gets the whole object, so no request can turn into hundreds of backend
// reads or multipart parts.
const (
	maxRanges = 8
	rangeGap  = 1024
)

// planRanges applies RFC 9110 to the request's Range header before
// http.ServeContent sees it: an unknown range unit is ignored (200 with the
// whole object); a header that is malformed or that no range of can be
// satisfied (bytes=-0, bytes=500-100, a start past the end) is answered here
// with 416 and Content-Range: bytes */SIZE; satisfiable ranges are sorted,
// merged when they overlap or lie within rangeGap, and dropped for the whole
// object when more than maxRanges remain. It returns the request to serve,
// or false when it has answered. With If-Range the header is left to
// http.ServeContent, which may ignore it.
func planRanges(w http.ResponseWriter, r *http.Request, size int64) (*http.Request, bool) {
	h := r.Header.Get("Range")
	if h == "" || r.Header.Get("If-Range") != "" {
		return r, true
	}
	r = r.Clone(r.Context())
	ws, ok := parseRanges(h, size)
	switch {
	case !ok:
		w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		http.Error(w, "416 range not satisfiable", http.StatusRequestedRangeNotSatisfiable)
		return nil, false
	case ws == nil || len(ws) > maxRanges:
		r.Header.Del("Range")
	default:
		var b strings.Builder
		b.WriteString("bytes=")
		for i, x := range ws {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%d-%d", x.start, x.end-1)
		}
		r.Header.Set("Range", b.String())
	}
	return r, true
}

// parseRanges reads a Range header for an object of size bytes: the
// satisfiable byte ranges, sorted and merged (nil, ok for a unit other than
// bytes, which is to be ignored), or ok false when the header is malformed or
// nothing in it can be satisfied.
func parseRanges(h string, size int64) (_ []window, ok bool) {
	unit, spec, found := strings.Cut(h, "=")
	if !found || !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
		return nil, true
	}
	var ws []window
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		first, last, found := strings.Cut(part, "-")
		if !found {
			return nil, false
		}
		first, last = strings.TrimSpace(first), strings.TrimSpace(last)
		if first == "" { // a suffix: the last n bytes
			n, ok := digits(last)
			if !ok {
				return nil, false
			}
			if n > 0 && size > 0 {
				ws = append(ws, window{max(size-n, 0), size})
			}
			continue
		}
		start, ok := digits(first)
		if !ok {
			return nil, false
		}
		end := size
		if last != "" {
			e, ok := digits(last)
			if !ok || e < start {
				return nil, false
			}
			end = min(e+1, size)
		}
		if start < end {
			ws = append(ws, window{start, end})
		}
	}
	if len(ws) == 0 {
		return nil, false
	}
	slices.SortFunc(ws, func(a, b window) int { return cmp.Compare(a.start, b.start) })
	merged := ws[:1]
	for _, x := range ws[1:] {
		if last := &merged[len(merged)-1]; x.start <= last.end+rangeGap {
			last.end = max(last.end, x.end)
		} else {
			merged = append(merged, x)
		}
	}
	return merged, true
}

// digits parses a non-empty run of ASCII digits.
func digits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// rangeReader is an io.ReadSeeker over an object that fetches bytes only when
// read: each read at a new offset opens one GetRange up to the end of the
// requested window holding that offset (or the end of the object).
type rangeReader struct {
	ctx     context.Context
	b       Bucket
	key     string
	size    int64
	windows []window

	pos     int64
	body    io.ReadCloser
	bodyPos int64 // offset of the next byte body yields
	bodyEnd int64
	err     error // the first backend failure, for Serve to report
}

func (rr *rangeReader) Read(p []byte) (int, error) {
	if rr.err != nil {
		return 0, rr.err
	}
	if rr.pos >= rr.size {
		return 0, io.EOF
	}
	if rr.body != nil && rr.bodyPos < rr.pos && rr.pos < rr.bodyEnd {
		// A later range of the same read: skip to it rather than read again.
		if _, err := io.CopyN(io.Discard, rr.body, rr.pos-rr.bodyPos); err != nil {
			rr.err = err
			return 0, err
		}
		rr.bodyPos = rr.pos
	}
	if rr.body != nil && rr.bodyPos != rr.pos {
		rr.closeBody()
	}
	if rr.body == nil {
		end := rr.size
		for _, w := range rr.windows {
			if w.start <= rr.pos && rr.pos < w.end {
				end = w.end
				break
			}
		}
		body, _, err := rr.b.GetRange(rr.ctx, rr.key, rr.pos, end-rr.pos)
		if err != nil {
			rr.err = err
			return 0, err
		}
		rr.body, rr.bodyPos, rr.bodyEnd = body, rr.pos, end
	}
	if want := rr.bodyEnd - rr.bodyPos; int64(len(p)) > want {
		p = p[:want]
	}
	n, err := rr.body.Read(p)
	rr.pos += int64(n)
	rr.bodyPos += int64(n)
	if rr.bodyPos >= rr.bodyEnd {
		rr.closeBody()
		if err == io.EOF {
			err = nil
		}
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF // the object ended before its stated size
	}
	if err != nil {
		rr.err = err
	}
	return n, err
}

func (rr *rangeReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += rr.pos
	case io.SeekEnd:
		offset += rr.size
	default:
		return 0, errors.New("storage: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("storage: negative position")
	}
	rr.pos = offset
	return offset, nil
}

func (rr *rangeReader) closeBody() {
	if rr.body != nil {
		rr.body.Close()
		rr.body = nil
	}
}

// Close releases the open ranged read, if any.
func (rr *rangeReader) Close() error {
	rr.closeBody()
	return nil
}
