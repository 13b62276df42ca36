// Package access owns who may see what is not public: the grants a request
// carries (a listener key, or a time-limited grant an LTI launch or a
// producer's session mints), the signed URLs that carry them (HMAC with the
// server's secret, never stored in the database), and the one decision
// whether a grant opens a show or an episode (Allows).
package access

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
)

// PathPrefix starts every signed URL's path: /p/{grant}/{signature}/{path}.
const PathPrefix = "/p/"

// MinSecretLen is the least number of bytes of a server secret.
const MinSecretLen = 16

// Errors of Resolve and Verify. ErrRevoked and ErrExpired are answered 401,
// ErrInvalid 404: a link that was never good tells nothing.
var (
	ErrInvalid = errors.New("access: this link is not valid")
	ErrRevoked = errors.New("access: this listener key has been revoked")
	ErrExpired = errors.New("access: this link or listener key has expired")
)

// Grant is what a request may see besides public content: one show's
// private shows and episodes. It is made by a Signer, which it signs paths
// with.
type Grant struct {
	// ShowID is the show the grant opens.
	ShowID int64
	// ListenerKey is the key's id for a listener key's grant, 0 otherwise.
	ListenerKey int64
	// Until is when a time-limited grant ends; zero for a listener key,
	// whose own expiry and revocation are checked on every request.
	Until time.Time

	signer *Signer
}

// token is the grant as it appears in a signed path: k{id} or s{show}-{unix}.
func (g Grant) token() string {
	if g.ListenerKey > 0 {
		return "k" + strconv.FormatInt(g.ListenerKey, 10)
	}
	return "s" + strconv.FormatInt(g.ShowID, 10) + "-" + strconv.FormatInt(g.Until.Unix(), 10)
}

// Sign returns path (which starts with "/": "/media/audio/...",
// "/{show}/feed.xml") as a signed path carrying the grant:
// /p/{grant}/{signature}{path}. The signature is in the path, so apps that
// strip query strings keep it.
func (g Grant) Sign(path string) string {
	if g.signer == nil {
		return path
	}
	tok := g.token()
	return PathPrefix + tok + "/" + g.signer.mac("path", tok, path) + path
}

// Allows reports whether a request holding g (nil: none) may see the show,
// or the episode of it when e is not nil: everything not private, and
// private things of the show the grant is for. It is the one access
// decision: pages, feeds, media, embeds and oEmbed all ask it. A page
// answered because of a grant is personal and must not be shared by a cache
// (see Personal).
func Allows(g *Grant, show *episodes.Show, e *episodes.Episode) bool {
	if episodes.EffectiveVisibility(show, e) != episodes.VisibilityPrivate {
		return true
	}
	return g != nil && g.ShowID == show.ID
}

type ctxKey struct{}

// WithGrant returns ctx carrying g.
func WithGrant(ctx context.Context, g Grant) context.Context {
	return context.WithValue(ctx, ctxKey{}, g)
}

// FromContext returns the grant ctx carries, nil when none.
func FromContext(ctx context.Context) *Grant {
	if g, ok := ctx.Value(ctxKey{}).(Grant); ok {
		return &g
	}
	return nil
}

// Personal reports whether the answer to r depends on who asks: it carries
// a grant, a signed path or a listener key. Such answers are never stored
// in a shared cache (pages, feeds).
func Personal(r *http.Request) bool {
	return FromContext(r.Context()) != nil || strings.HasPrefix(r.URL.Path, PathPrefix) ||
		(r.URL.RawQuery != "" && r.URL.Query().Has("key")) // no query: no map to parse
}

// Signer signs and checks grants with the server's secret.
type Signer struct {
	secret []byte
}

// NewSigner returns a Signer over secret (LYSSNA_SECRET), at least
// MinSecretLen bytes.
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("access: the secret is %d bytes; at least %d are needed", len(secret), MinSecretLen)
	}
	return &Signer{secret: append([]byte(nil), secret...)}, nil
}

// mac is the first 128 bits of HMAC-SHA256 over the parts, base64url.
func (s *Signer) mac(parts ...string) string {
	m := hmac.New(sha256.New, s.secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// ListenerGrant is the grant of a listener key.
func (s *Signer) ListenerGrant(k *episodes.ListenerKey) Grant {
	return Grant{ShowID: k.ShowID, ListenerKey: k.ID, signer: s}
}

// TimeGrant is a grant to the show until the given time: what an LTI
// launch or a producer's preview link carries. Keep it short (hours): it
// cannot be revoked.
func (s *Signer) TimeGrant(showID int64, until time.Time) Grant {
	return Grant{ShowID: showID, Until: until.Truncate(time.Second), signer: s}
}

// KeyToken is the listener key's token for ?key= (k{id}.{mac}).
func (s *Signer) KeyToken(id int64) string {
	tok := "k" + strconv.FormatInt(id, 10)
	return tok + "." + s.mac("key", tok)
}

// Keys is what Resolve reads of the store.
type Keys interface {
	GetListenerKey(ctx context.Context, id int64) (*episodes.ListenerKey, error)
}

// Verify checks a signed path's grant and signature (not whether a listener
// key is still active: Resolve does) and returns the grant.
func (s *Signer) Verify(token, sig, path string) (Grant, error) {
	g, err := parseToken(token)
	if err != nil || !hmac.Equal([]byte(sig), []byte(s.mac("path", token, path))) {
		return Grant{}, ErrInvalid
	}
	g.signer = s
	return g, nil
}

// ParseKeyToken checks a ?key= token and returns its grant (unchecked
// against the store, as Verify).
func (s *Signer) ParseKeyToken(tok string) (Grant, error) {
	head, mac, ok := strings.Cut(tok, ".")
	if !ok || !strings.HasPrefix(head, "k") || !hmac.Equal([]byte(mac), []byte(s.mac("key", head))) {
		return Grant{}, ErrInvalid
	}
	g, err := parseToken(head)
	if err != nil {
		return Grant{}, ErrInvalid
	}
	g.signer = s
	return g, nil
}

func parseToken(tok string) (Grant, error) {
	switch {
	case strings.HasPrefix(tok, "k"):
		id, err := strconv.ParseInt(tok[1:], 10, 64)
		if err != nil || id <= 0 || "k"+strconv.FormatInt(id, 10) != tok {
			return Grant{}, ErrInvalid
		}
		return Grant{ListenerKey: id}, nil
	case strings.HasPrefix(tok, "s"):
		show, until, ok := strings.Cut(tok[1:], "-")
		id, err1 := strconv.ParseInt(show, 10, 64)
		unix, err2 := strconv.ParseInt(until, 10, 64)
		if !ok || err1 != nil || err2 != nil || id <= 0 {
			return Grant{}, ErrInvalid
		}
		return Grant{ShowID: id, Until: time.Unix(unix, 0).UTC()}, nil
	}
	return Grant{}, ErrInvalid
}

// Resolve completes a verified grant at now: a listener key's must exist,
// be neither revoked (ErrRevoked) nor expired (ErrExpired), and gives the
// grant its show; a time grant must not have ended (ErrExpired). Other
// store failures are returned as they are.
func Resolve(ctx context.Context, keys Keys, g Grant, now time.Time) (Grant, *episodes.ListenerKey, error) {
	if g.ListenerKey == 0 {
		if !now.Before(g.Until) {
			return Grant{}, nil, ErrExpired
		}
		return g, nil, nil
	}
	k, err := keys.GetListenerKey(ctx, g.ListenerKey)
	if errors.Is(err, episodes.ErrNotFound) {
		return Grant{}, nil, ErrInvalid
	}
	if err != nil {
		return Grant{}, nil, err
	}
	if k.RevokedAt != nil {
		return Grant{}, nil, ErrRevoked
	}
	if !k.Active(now) {
		return Grant{}, nil, ErrExpired
	}
	g.ShowID = k.ShowID
	return g, k, nil
}

// PersonalFeed returns a listener key's feed URLs: the path form, which
// apps keep whole (/p/k{id}/{sig}/{show}/feed.xml), and the query form
// (/{show}/feed.xml?key=...). Both stop working the moment the key is
// revoked or expires.
func (s *Signer) PersonalFeed(lb links.Builder, showSlug string, k *episodes.ListenerKey) (path, query string) {
	g := s.ListenerGrant(k)
	return lb.Signed(g.Sign).Feed(showSlug), lb.Feed(showSlug) + "?key=" + s.KeyToken(k.ID)
}
