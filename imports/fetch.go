package imports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Limits bound what one import may fetch. The zero value of a field takes
// its default (DefaultLimits).
type Limits struct {
	FeedSize     int64         // bytes of one feed document
	Items        int           // items in one feed
	MediaSize    int64         // bytes of one enclosure
	SideSize     int64         // bytes of one transcript, chapters file or picture
	Redirects    int           // redirects followed by one request
	FeedTimeout  time.Duration // one feed, transcript, chapters or picture request, body included
	MediaTimeout time.Duration // one enclosure request, body included
}

// DefaultLimits are the limits an import runs with unless told otherwise.
var DefaultLimits = Limits{
	FeedSize:     32 << 20,
	Items:        5000,
	MediaSize:    2 << 30,
	SideSize:     16 << 20,
	Redirects:    10,
	FeedTimeout:  60 * time.Second,
	MediaTimeout: 30 * time.Minute,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.FeedSize > 0 {
		d.FeedSize = l.FeedSize
	}
	if l.Items > 0 {
		d.Items = l.Items
	}
	if l.MediaSize > 0 {
		d.MediaSize = l.MediaSize
	}
	if l.SideSize > 0 {
		d.SideSize = l.SideSize
	}
	if l.Redirects > 0 {
		d.Redirects = l.Redirects
	}
	if l.FeedTimeout > 0 {
		d.FeedTimeout = l.FeedTimeout
	}
	if l.MediaTimeout > 0 {
		d.MediaTimeout = l.MediaTimeout
	}
	return d
}

// Errors of the fetcher (match with errors.Is).
var (
	// ErrForbiddenAddress means a URL's host resolved to a private,
	// loopback, link-local or otherwise non-public address.
	ErrForbiddenAddress = errors.New("imports: the address is not a public internet address")
	// ErrTooLarge means a response went past its size limit.
	ErrTooLarge = errors.New("imports: the response is larger than the limit")
	// ErrTooManyRedirects means a request was redirected more than the limit.
	ErrTooManyRedirects = errors.New("imports: too many redirects")
)

// Fetcher gets feeds, enclosures, transcripts, chapters and pictures over
// HTTP(S) for an import. Unless AllowPrivate, it refuses to connect to any
// address that is not a public unicast address: the check runs on the
// address being dialled, after DNS, so a public name that resolves to
// 127.0.0.1 (or a redirect to one) is refused too. It uses no proxy from
// the environment, since a proxy would hide the address from that check.
type Fetcher struct {
	client       *http.Client
	limits       Limits
	allowPrivate bool
	userAgent    string
}

// NewFetcher makes a Fetcher. allowPrivate lifts the address guard (tests,
// and LYSSNA_IMPORT_ALLOW_PRIVATE=true).
func NewFetcher(limits Limits, allowPrivate bool, userAgent string) *Fetcher {
	f := &Fetcher{limits: limits.withDefaults(), allowPrivate: allowPrivate, userAgent: userAgent}
	if f.userAgent == "" {
		f.userAgent = "Lyssna-import/1 (+https://github.com/lyssna/lyssna)"
	}
	dialer := &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second, Control: f.control}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       60 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
	}
	f.client = &http.Client{Transport: transport, CheckRedirect: f.checkRedirect}
	return f
}

// Limits returns the limits the fetcher applies.
func (f *Fetcher) Limits() Limits { return f.limits }

// control runs on every connection about to be made, with the resolved
// address: this is where the private-address guard is enforced.
func (f *Fetcher) control(network, address string, _ syscall.RawConn) error {
	if f.allowPrivate {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !publicAddr(ip) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, host)
	}
	return nil
}

// publicAddr reports whether ip is a public unicast address: not loopback,
// private (RFC 1918, RFC 4193), link-local, multicast, unspecified,
// carrier-grade NAT, or one of the reserved and documentation ranges.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range reservedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var reservedPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
		"64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "2002::/16", "fc00::/7", "fec0::/10",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.limits.Redirects {
		return fmt.Errorf("%w (more than %d, starting at %s)", ErrTooManyRedirects, f.limits.Redirects, via[0].URL.Redacted())
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("imports: a redirect to %q is not http or https", req.URL.Redacted())
	}
	return nil
}

// CheckURL accepts an absolute http(s) URL with a host and returns it parsed.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("imports: %q is not an absolute http or https URL", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("imports: %q carries a user name or password; give the feed's public URL", raw)
	}
	return u, nil
}

// Response is a fetched body with where it ended up after redirects. Close
// it; reading past the limit fails with ErrTooLarge.
type Response struct {
	Body        io.ReadCloser
	URL         string // final URL after redirects
	ContentType string
	Size        int64 // Content-Length, -1 when not known
	cancel      context.CancelFunc
}

// Close closes the body and ends the request's deadline.
func (r *Response) Close() error {
	err := r.Body.Close()
	r.cancel()
	return err
}

// Open GETs raw, following redirects, with timeout for the whole exchange,
// body included, and limit bytes for the body. A status other than 200 is
// an error naming it.
func (f *Fetcher) Open(ctx context.Context, raw string, limit int64, timeout time.Duration) (*Response, error) {
	u, err := CheckURL(raw)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("imports: %w", err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	res, err := f.client.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("imports: get %s: %w", u.Redacted(), err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		cancel()
		return nil, fmt.Errorf("imports: get %s: the server answered %s", u.Redacted(), res.Status)
	}
	if res.ContentLength > limit {
		res.Body.Close()
		cancel()
		return nil, fmt.Errorf("%w: %s is %d bytes, the limit is %d", ErrTooLarge, u.Redacted(), res.ContentLength, limit)
	}
	return &Response{
		Body:        &limitedBody{r: res.Body, left: limit, limit: limit, url: u.Redacted()},
		URL:         res.Request.URL.String(),
		ContentType: res.Header.Get("Content-Type"),
		Size:        res.ContentLength,
		cancel:      cancel,
	}, nil
}

// Get reads a whole small document (feed, transcript, chapters, picture)
// within the side limit, or limit when it is more than 0.
func (f *Fetcher) Get(ctx context.Context, raw string, limit int64) ([]byte, *Response, error) {
	if limit <= 0 {
		limit = f.limits.SideSize
	}
	res, err := f.Open(ctx, raw, limit, f.limits.FeedTimeout)
	if err != nil {
		return nil, nil, err
	}
	defer res.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, nil, err
	}
	return b, res, nil
}

// limitedBody fails with ErrTooLarge when more than limit bytes come.
type limitedBody struct {
	r     io.ReadCloser
	left  int64
	limit int64
	url   string
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One more byte says whether the body really goes on.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w: %s is more than %d bytes", ErrTooLarge, l.url, l.limit)
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.r.Close() }

// Measurement prefixes put in front of enclosure URLs by analytics
// services; each maps the URL after the prefix to the file's own URL.
// Importing through them would count every imported file as a download in
// the old host's statistics, so the importer tries the file's own URL first
// and the URL as published second.
var measurementPrefixes = []string{
	"dts.podtrac.com/redirect.mp3/",
	"dts.podtrac.com/redirect.m4a/",
	"www.podtrac.com/pts/redirect.mp3/",
	"podtrac.com/pts/redirect.mp3/",
	"chrt.fm/track/*/",
	"chtbl.com/track/*/",
	"op3.dev/e/",
	"op3.dev/e,*/",
	"media.blubrry.com/*/",
	"pdst.fm/e/",
	"pscrb.fm/rss/p/",
	"verifi.podscribe.com/rss/p/",
	"arttrk.com/p/*/",
	"mgln.ai/e/*/",
	"claritaspod.com/measure/",
	"pfx.vpixl.com/*/",
	"prfx.byspotify.com/e/",
	"tracking.swap.fm/track/*/",
}

// Unwrap strips analytics prefixes (Podtrac, Chartable, OP3, Blubrry,
// Podsights, Podscribe, ...) from an enclosure URL, possibly several
// stacked, and returns the file's own URL with the outer URL's scheme. It
// returns raw unchanged when it has no known prefix.
func Unwrap(raw string) string {
	for range 8 {
		next, ok := unwrapOnce(raw)
		if !ok {
			return raw
		}
		raw = next
	}
	return raw
}

func unwrapOnce(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw, false
	}
	rest := strings.ToLower(u.Host) + u.EscapedPath()
	if u.RawQuery != "" {
		rest += "?" + u.RawQuery
	}
	for _, p := range measurementPrefixes {
		after, ok := matchPrefix(rest, p)
		if !ok || after == "" {
			continue
		}
		// Some services keep the inner scheme (op3.dev/e/https://...).
		if i := strings.Index(after, "://"); i > 0 && i < 6 {
			return after, true
		}
		if strings.HasPrefix(after, "http:/") || strings.HasPrefix(after, "https:/") {
			after = after[strings.Index(after, ":/")+2:]
		}
		return u.Scheme + "://" + after, true
	}
	return raw, false
}

// matchPrefix matches s against a pattern in which * stands for one path
// segment, returning what follows.
func matchPrefix(s, pattern string) (string, bool) {
	for pattern != "" {
		star := strings.IndexByte(pattern, '*')
		if star < 0 {
			if !strings.HasPrefix(s, pattern) {
				return "", false
			}
			return s[len(pattern):], true
		}
		if !strings.HasPrefix(s, pattern[:star]) {
			return "", false
		}
		s = s[star:]
		pattern = pattern[star+1:]
		// * takes everything up to the next literal of the pattern.
		lit := pattern
		if i := strings.IndexByte(lit, '*'); i >= 0 {
			lit = lit[:i]
		}
		if lit == "" {
			return "", false
		}
		j := strings.Index(s, lit)
		if j <= 0 || strings.Contains(s[:j], "/") {
			return "", false
		}
		s = s[j:]
	}
	return s, true
}
