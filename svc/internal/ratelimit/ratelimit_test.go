package ratelimit

import (
	"fmt"
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

func TestBlockedAndReset(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(2, time.Minute, 100)
	l.SetClock(func() time.Time { return now })
	if b, _ := l.Blocked("x"); b {
		t.Fatal("unknown key blocked")
	}
	l.Allow("x")
	l.Allow("x")
	if b, wait := l.Blocked("x"); !b || wait != time.Minute {
		t.Fatalf("Blocked = %v, %v; want true, 1m", b, wait)
	}
	l.Reset("x")
	if b, _ := l.Blocked("x"); b {
		t.Fatal("still blocked after Reset")
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
