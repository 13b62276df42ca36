package server

import (
	"math"
	"sync"
	"time"
)

// Default API rate limit per token, per replica: a sustained rate and a burst.
const (
	defaultAPIRate  = 20  // requests a second (LYSSNA_API_RATE_LIMIT)
	defaultAPIBurst = 200 // requests at once
	maxLimitedKeys  = 10_000
)

// tokenLimiter is a token bucket per API token. It lives in this replica's
// memory (N replicas allow N times the rate) and is bounded: it holds at
// most maxLimitedKeys buckets, forgetting full ones first, and the keys are
// tokens that exist, since it runs after authentication. It measures real
// time (a rate limit is about the requests arriving, not the domain clock).
type tokenLimiter struct {
	mu      sync.Mutex
	rate    float64 // per second
	burst   float64
	now     func() time.Time
	buckets map[string]*tokenBucket
}

type tokenBucket struct {
	tokens float64
	at     time.Time
}

func newTokenLimiter(rate float64, burst int, now func() time.Time) *tokenLimiter {
	if rate <= 0 {
		rate = defaultAPIRate
	}
	if burst <= 0 {
		burst = defaultAPIBurst
	}
	return &tokenLimiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*tokenBucket{}}
}

// allow takes one request from key's bucket, or says how long until one is there.
func (l *tokenLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxLimitedKeys {
			l.forget(now)
		}
		b = &tokenBucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// forget drops the buckets that have refilled (they hold no state worth
// keeping), or, if none has, half of them.
func (l *tokenLimiter) forget(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < maxLimitedKeys/2 {
			break
		}
		delete(l.buckets, k)
	}
}
