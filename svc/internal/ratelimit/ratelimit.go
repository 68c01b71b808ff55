// Package ratelimit limits how often a key (a client address, an account)
// may act, with a token bucket per key and a bounded number of keys so a
// flood of distinct keys cannot exhaust memory.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter holds one token bucket per key.
type Limiter struct {
	rate    float64 // tokens per second
	burst   float64
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// New returns a Limiter allowing burst actions at once per key, refilled at
// one action every per, tracking at most maxKeys keys.
func New(burst int, per time.Duration, maxKeys int) *Limiter {
	return &Limiter{
		rate:    1 / per.Seconds(),
		burst:   float64(burst),
		maxKeys: maxKeys,
		now:     time.Now,
		buckets: make(map[string]*bucket),
	}
}

// SetClock replaces the clock, for tests.
func (l *Limiter) SetClock(now func() time.Time) { l.now = now }

// Allow takes one token from key's bucket. When none is left it reports
// false and how long until one is.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.refill(key, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// Blocked reports whether key has no token left, without taking one: for
// limits charged only on failure, such as failed sign-ins.
func (l *Limiter) Blocked(key string) (blocked bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.buckets[key]; !ok {
		return false, 0
	}
	b := l.refill(key, l.now())
	if b.tokens >= 1 {
		return false, 0
	}
	return true, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// Reset forgets key, as after a successful sign-in.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	delete(l.buckets, key)
	l.mu.Unlock()
}

func (l *Limiter) refill(key string, now time.Time) *bucket {
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
		return b
	}
	b.tokens += now.Sub(b.last).Seconds() * l.rate
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.last = now
	return b
}

// sweep drops the buckets that have refilled, which carry no state; if
// every key is still limited it drops them all rather than grow, trading a
// brief lapse of limiting for bounded memory under a flood of keys.
func (l *Limiter) sweep(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.last) >= full {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= l.maxKeys {
		clear(l.buckets)
	}
}

// Len returns the number of keys tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
