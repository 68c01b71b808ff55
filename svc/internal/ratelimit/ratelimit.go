// Package ratelimit limits how often a key (a client address, an account)
// may act, with a token bucket per key and a bounded number of keys so a
// flood of distinct keys cannot exhaust memory.
//
// A limit is checked and charged in one step (Allow), so concurrent
// requests cannot all pass a check before any of them is charged; an
// action that turns out not to count is refunded afterwards (Refund).
package ratelimit

import (
	"cmp"
	"slices"
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

// Refund gives back one token taken by Allow, as when the action it
// paid for turned out not to count (a sign-in that succeeded). The bucket
// never holds more than its burst.
func (l *Limiter) Refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		b.tokens = min(b.tokens+1, l.burst)
	}
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

// sweep makes room for a new key. It drops the buckets that have
// refilled, which carry no state. If every key is still limited, it drops
// the tenth of them closest to full: they hold the least of what the
// limiter knows, and the keys it is holding back (those nearest empty) stay
// held back. A flood of new keys therefore costs a few old keys some of
// their wait at worst, never every lock at once. Refusing new keys instead
// would let the flood shut out every newcomer.
func (l *Limiter) sweep(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.last) >= full {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.maxKeys {
		return
	}
	type entry struct {
		key    string
		tokens float64
	}
	all := make([]entry, 0, len(l.buckets))
	for k, b := range l.buckets {
		all = append(all, entry{k, min(b.tokens+now.Sub(b.last).Seconds()*l.rate, l.burst)})
	}
	slices.SortFunc(all, func(a, b entry) int { return cmp.Compare(b.tokens, a.tokens) })
	for _, e := range all[:max(1, len(all)/10)] {
		delete(l.buckets, e.key)
	}
}

// Len returns the number of keys tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
