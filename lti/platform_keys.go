package lti

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Bounds of the platform key cache: it is in process memory, so it holds at
// most maxKeySets sets of at most maxKeySetBytes each, and is safe to lose
// (the keys are fetched again).
const (
	maxKeySets     = 64
	maxKeySetBytes = 256 << 10
	keySetTTL      = time.Hour
	// refetchAfter is the least time between two fetches of one set when a
	// token names a key ID the cached set lacks (the platform rotated), so
	// tokens with made-up key IDs cannot make Lyssna hammer the platform.
	refetchAfter  = 10 * time.Second
	fetchDeadline = 10 * time.Second
)

// errUnknownKey means the platform's JWKS has no key for the token.
var errUnknownKey = errors.New("the platform publishes no key with the token's key ID")

// platformKeys caches the platforms' JSON Web Key Sets by URL.
type platformKeys struct {
	client *http.Client
	now    func() time.Time

	mu   sync.Mutex
	sets map[string]*keySet
}

type keySet struct {
	keys    jose.JSONWebKeySet
	fetched time.Time
}

func newPlatformKeys(client *http.Client, now func() time.Time) *platformKeys {
	if client == nil {
		client = &http.Client{Timeout: fetchDeadline}
	}
	return &platformKeys{client: client, now: now, sets: map[string]*keySet{}}
}

// key returns the key of the set at url with the key ID kid (any kid when
// the set has one key and the token names none). A set older than keySetTTL,
// or one lacking kid and not fetched in the last refetchAfter, is fetched
// again first.
func (c *platformKeys) key(ctx context.Context, url, kid string) (*jose.JSONWebKey, error) {
	c.mu.Lock()
	set := c.sets[url]
	c.mu.Unlock()
	now := c.now()
	if set != nil && now.Sub(set.fetched) < keySetTTL {
		if k := pick(set.keys, kid); k != nil {
			return k, nil
		}
		if now.Sub(set.fetched) < refetchAfter {
			return nil, errUnknownKey
		}
	}
	fresh, err := c.fetch(ctx, url)
	if err != nil {
		if set != nil { // the platform is down: the keys it had still verify
			if k := pick(set.keys, kid); k != nil {
				return k, nil
			}
		}
		return nil, err
	}
	c.mu.Lock()
	if len(c.sets) >= maxKeySets && c.sets[url] == nil {
		var oldest string
		for u, s := range c.sets {
			if oldest == "" || s.fetched.Before(c.sets[oldest].fetched) {
				oldest = u
			}
		}
		delete(c.sets, oldest)
	}
	c.sets[url] = &keySet{keys: fresh, fetched: now}
	c.mu.Unlock()
	if k := pick(fresh, kid); k != nil {
		return k, nil
	}
	return nil, errUnknownKey
}

// pick finds the signing key with the ID kid; with no kid, the set's only key.
func pick(set jose.JSONWebKeySet, kid string) *jose.JSONWebKey {
	if kid == "" {
		if len(set.Keys) == 1 {
			return &set.Keys[0]
		}
		return nil
	}
	for i, k := range set.Keys {
		if k.KeyID == kid && (k.Use == "" || k.Use == "sig") {
			return &set.Keys[i]
		}
	}
	return nil
}

func (c *platformKeys) fetch(ctx context.Context, url string) (jose.JSONWebKeySet, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchDeadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("lti: platform keys %s: %w", url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("lti: fetch the platform's keys from %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return jose.JSONWebKeySet{}, fmt.Errorf("lti: fetch the platform's keys from %s: HTTP %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySetBytes+1))
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("lti: read the platform's keys from %s: %w", url, err)
	}
	if len(body) > maxKeySetBytes {
		return jose.JSONWebKeySet{}, fmt.Errorf("lti: the platform's key set at %s is over %d bytes", url, maxKeySetBytes)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("lti: the platform's key set at %s is not a JWKS: %w", url, err)
	}
	return set, nil
}
