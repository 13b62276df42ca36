package admin

import (
	"sync"
	"time"
)

// Sign-in attempts allowed per client address in a sliding window.
const (
	signInBurst  = 10
	signInWindow = 5 * time.Minute
)

// attemptLimiter counts attempts per key in a sliding window. It forgets
// keys whose attempts have all aged out, so its size stays bounded by the
// number of recent clients.
type attemptLimiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	seen   map[string][]time.Time
	sweep  time.Time
}

func newAttemptLimiter(max int, window time.Duration, now func() time.Time) *attemptLimiter {
	return &attemptLimiter{max: max, window: window, now: now, seen: map[string][]time.Time{}}
}

// allow records an attempt by key and reports whether it is within the
// limit; when not, it also says how long until the next is allowed.
func (l *attemptLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	cutoff := now.Add(-l.window)
	if now.Sub(l.sweep) > l.window {
		for k, ts := range l.seen {
			if len(ts) == 0 || !ts[len(ts)-1].After(cutoff) {
				delete(l.seen, k)
			}
		}
		l.sweep = now
	}
	ts := l.seen[key]
	i := 0
	for i < len(ts) && !ts[i].After(cutoff) {
		i++
	}
	ts = ts[i:]
	if len(ts) >= l.max {
		l.seen[key] = ts
		return false, ts[0].Add(l.window).Sub(now)
	}
	l.seen[key] = append(ts, now)
	return true, 0
}
