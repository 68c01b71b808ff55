package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newStore(t *testing.T, o Options) *Store {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func solution(c Captcha) string {
	b := make([]byte, len(c.Digits))
	for i, d := range c.Digits {
		b[i] = '0' + d
	}
	return string(b)
}

func TestNewCaptcha(t *testing.T) {
	s := newStore(t, Options{})
	seen := map[string]bool{}
	counts := [10]int{}
	for i := range 2000 {
		c := s.New(fmt.Sprint("session", i))
		if len(c.ID) < 22 || seen[c.ID] {
			t.Fatalf("captcha id %q is short or repeated", c.ID)
		}
		seen[c.ID] = true
		if len(c.Digits) != 4 {
			t.Fatalf("captcha has %d digits, want 4", len(c.Digits))
		}
		for _, d := range c.Digits {
			if d > 9 {
				t.Fatalf("digit %d out of range", d)
			}
			counts[d]++
		}
	}
	// 8000 digits: each value should appear about 800 times; a broken
	// generator (always 0, modulo bias towards low digits, ...) misses.
	for d, n := range counts {
		if n < 600 || n > 1000 {
			t.Errorf("digit %d drawn %d times in 8000, want about 800", d, n)
		}
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name     string
		solution func(Captcha) string
		want     bool
	}{
		{"right", solution, true},
		{"wrong digit", func(c Captcha) string { b := []byte(solution(c)); b[0] = '0' + (c.Digits[0]+1)%10; return string(b) }, false},
		{"too short", func(c Captcha) string { return solution(c)[:3] }, false},
		{"too long", func(c Captcha) string { return solution(c) + "0" }, false},
		{"empty", func(Captcha) string { return "" }, false},
		{"not digits", func(Captcha) string { return "abcd" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, Options{})
			c := s.New("sess")
			got, err := s.Verify("sess", tt.solution(c))
			if err != nil || got != tt.want {
				t.Errorf("Verify = %v, %v; want %v, nil", got, err, tt.want)
			}
			// One use only, whatever the answer was.
			if _, err := s.Verify("sess", solution(c)); !errors.Is(err, ErrNotFound) {
				t.Errorf("second Verify: err = %v, want ErrNotFound", err)
			}
			if _, err := s.Get("sess", c.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get after Verify: err = %v, want ErrNotFound", err)
			}
			if s.Len() != 0 {
				t.Errorf("Len = %d after use, want 0", s.Len())
			}
		})
	}
}

func TestVerifyOtherSession(t *testing.T) {
	s := newStore(t, Options{})
	c := s.New("alice")
	if _, err := s.Verify("mallory", solution(c)); !errors.Is(err, ErrNotFound) {
		t.Errorf("Verify from another session: err = %v, want ErrNotFound", err)
	}
	if ok, err := s.Verify("alice", solution(c)); !ok || err != nil {
		t.Errorf("Verify = %v, %v after another session tried; want true, nil", ok, err)
	}
}

// TestGetOtherSession checks that a captcha's picture and sound are only
// its own session's: an id alone is not enough.
func TestGetOtherSession(t *testing.T) {
	s := newStore(t, Options{})
	c := s.New("alice")
	if _, err := s.Get("mallory", c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get from another session: err = %v, want ErrNotFound", err)
	}
	got, err := s.Get("alice", c.ID)
	if err != nil || solution(got) != solution(c) {
		t.Errorf("Get from its session = %v, %v; want its captcha", got, err)
	}
}

func TestNewReplacesSessionCaptcha(t *testing.T) {
	s := newStore(t, Options{})
	old := s.New("sess")
	cur := s.New("sess")
	if _, err := s.Get("sess", old.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("replaced captcha still served: err = %v", err)
	}
	if s.Len() != 1 {
		t.Errorf("Len = %d, want 1", s.Len())
	}
	if old.ID == cur.ID {
		t.Fatal("new captcha reused the old id")
	}
	// The old solution is only accepted if the digits happen to match.
	ok, err := s.Verify("sess", solution(cur))
	if !ok || err != nil {
		t.Errorf("Verify(current) = %v, %v; want true, nil", ok, err)
	}
}

func TestExpiry(t *testing.T) {
	clk := newClock()
	s := newStore(t, Options{Now: clk.Now})
	a := s.New("a")
	clk.Advance(4 * time.Minute)
	b := s.New("b")

	clk.Advance(6*time.Minute - time.Nanosecond) // a is 1ns from expiry
	if _, err := s.Get("a", a.ID); err != nil {
		t.Errorf("Get before expiry: %v", err)
	}
	clk.Advance(time.Nanosecond)
	if _, err := s.Get("a", a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get at expiry: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Verify("a", solution(a)); !errors.Is(err, ErrNotFound) {
		t.Errorf("Verify at expiry: err = %v, want ErrNotFound", err)
	}
	if n := s.Len(); n != 1 {
		t.Errorf("Len = %d after a expired, want 1 (b)", n)
	}
	if ok, err := s.Verify("b", solution(b)); !ok || err != nil {
		t.Errorf("Verify(b) = %v, %v; want true, nil", ok, err)
	}
}

func TestVerifyExpiredBeforeSweep(t *testing.T) {
	clk := newClock()
	s := newStore(t, Options{Now: clk.Now, TTL: time.Minute})
	c := s.New("sess")
	clk.Advance(time.Minute)
	// Verify does not sweep first; it must still refuse the expired one.
	if _, err := s.Verify("sess", solution(c)); !errors.Is(err, ErrNotFound) {
		t.Errorf("Verify of expired captcha: err = %v, want ErrNotFound", err)
	}
	if s.Len() != 0 {
		t.Errorf("Len = %d, want 0", s.Len())
	}
}

func TestSweepFreesExpired(t *testing.T) {
	clk := newClock()
	s := newStore(t, Options{Now: clk.Now})
	for i := range 100 {
		s.New(fmt.Sprint(i))
		clk.Advance(time.Second)
	}
	if n := s.Sweep(); n != 0 {
		t.Errorf("Sweep freed %d live captchas", n)
	}
	clk.Advance(10*time.Minute - 50*time.Second) // the first 51 have expired
	if n := s.Sweep(); n != 51 {
		t.Errorf("Sweep freed %d, want 51", n)
	}
	if n := s.Len(); n != 49 {
		t.Errorf("Len = %d, want 49", n)
	}
	s.mu.Lock()
	ids, sessions := len(s.byID), len(s.bySession)
	s.mu.Unlock()
	if ids != 49 || sessions != 49 {
		t.Errorf("indexes hold %d ids and %d sessions, want 49 each", ids, sessions)
	}
}

func TestMaxEntriesEvictsOldest(t *testing.T) {
	s := newStore(t, Options{MaxEntries: 3})
	var cs []Captcha
	for i := range 5 {
		cs = append(cs, s.New(fmt.Sprint("s", i)))
	}
	if s.Len() != 3 {
		t.Errorf("Len = %d, want 3", s.Len())
	}
	for i, c := range cs {
		_, err := s.Get(fmt.Sprint("s", i), c.ID)
		if evicted := i < 2; evicted != errors.Is(err, ErrNotFound) {
			t.Errorf("captcha %d: Get err = %v, want evicted=%v", i, err, evicted)
		}
	}
	if _, err := s.Verify("s0", solution(cs[0])); !errors.Is(err, ErrNotFound) {
		t.Errorf("evicted session still verifies: %v", err)
	}
}

func TestTestAnswer(t *testing.T) {
	s := newStore(t, Options{Answer: []byte{4, 2, 0, 7}})
	for i := range 3 {
		c := s.New(fmt.Sprint(i))
		if solution(c) != "4207" {
			t.Fatalf("test-mode captcha solution %q, want 4207", solution(c))
		}
		c.Digits[0] = 9 // callers must not be able to change the answer
	}
	if ok, _ := s.Verify("0", "4207"); !ok {
		t.Error("Verify(4207) = false in test mode")
	}
	for _, bad := range [][]byte{{1, 2, 3}, {1, 2, 3, 4, 5}, {1, 2, 3, 10}} {
		if _, err := New(Options{Answer: bad}); err == nil {
			t.Errorf("New accepted test answer %v", bad)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newStore(t, Options{MaxEntries: 50})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				sess := fmt.Sprint(g, "-", i%20)
				c := s.New(sess)
				s.Get(sess, c.ID)
				s.Verify(sess, solution(c))
				s.Sweep()
			}
		})
	}
	wg.Wait()
	if n := s.Len(); n > 50 {
		t.Errorf("Len = %d, over MaxEntries 50", n)
	}
}
