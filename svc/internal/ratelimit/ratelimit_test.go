package ratelimit

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAllow(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(3, 10*time.Second, 100)
	l.SetClock(func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 10*time.Second {
		t.Fatalf("4th attempt: ok=%v wait=%v, want refused with 10s", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key was limited too")
	}
	now = now.Add(10 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("not refilled after the period")
	}
}

func TestRefundAndReset(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(2, time.Minute, 100)
	l.SetClock(func() time.Time { return now })
	l.Allow("x")
	l.Allow("x")
	if ok, wait := l.Allow("x"); ok || wait != time.Minute {
		t.Fatalf("Allow = %v, %v; want false, 1m", ok, wait)
	}
	l.Refund("x")
	if ok, _ := l.Allow("x"); !ok {
		t.Fatal("refused after a Refund")
	}
	for range 5 {
		l.Refund("x")
	}
	for i := range 3 {
		if ok, _ := l.Allow("x"); ok != (i < 2) {
			t.Fatalf("after refunds attempt %d: %v; refunds must not exceed the burst", i+1, ok)
		}
	}
	l.Reset("x")
	if ok, _ := l.Allow("x"); !ok {
		t.Fatal("still limited after Reset")
	}
	l.Refund("unknown") // a no-op, not a panic
}

// Allow is atomic: of many concurrent callers exactly the burst pass.
func TestAllowConcurrent(t *testing.T) {
	l := New(5, time.Hour, 100)
	var wg sync.WaitGroup
	var passed atomic.Int32
	for range 100 {
		wg.Go(func() {
			if ok, _ := l.Allow("k"); ok {
				passed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := passed.Load(); n != 5 {
		t.Errorf("%d of 100 concurrent attempts passed, want 5", n)
	}
}

func TestBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(1, time.Second, 50)
	l.SetClock(func() time.Time { return now })
	for i := range 1000 {
		l.Allow(fmt.Sprint(i))
		now = now.Add(time.Millisecond)
	}
	if n := l.Len(); n > 50 {
		t.Fatalf("tracks %d keys, want at most 50", n)
	}
}

// A flood of new keys must not free the keys that are locked: when the
// table is full the buckets closest to full go first.
func TestFullTableKeepsLocks(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(3, time.Minute, 100)
	l.SetClock(func() time.Time { return now })
	for i := range 10 {
		for range 3 {
			l.Allow(fmt.Sprint("locked", i))
		}
	}
	for i := range 1000 {
		l.Allow(fmt.Sprint("flood", i))
		now = now.Add(time.Millisecond)
	}
	if n := l.Len(); n > 100 {
		t.Fatalf("tracks %d keys, want at most 100", n)
	}
	for i := range 10 {
		if ok, _ := l.Allow(fmt.Sprint("locked", i)); ok {
			t.Errorf("locked%d was forgotten by the flood of new keys", i)
		}
	}
}
