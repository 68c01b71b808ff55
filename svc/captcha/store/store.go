// Package store keeps the captchas that are waiting to be solved, in memory:
// at most one per visitor session, each usable once, gone after its time to
// live, and never more than a fixed number in all, so a flood of requests
// cannot grow the process without bound.
//
// The captcha service runs as exactly one replica, which is what makes
// memory the right place: there is no other copy to agree with.
package store

import (
	"container/list"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Defaults for Options.
const (
	DefaultTTL        = 10 * time.Minute
	DefaultMaxEntries = 100_000
	DefaultLength     = 4
)

// ErrNotFound means there is no live captcha for an id or session: never
// made, already used, replaced, expired or evicted.
var ErrNotFound = errors.New("no such captcha")

// Options configure a Store. Zero fields take the defaults.
type Options struct {
	// TTL is how long a captcha stays solvable.
	TTL time.Duration
	// MaxEntries caps the captchas kept; past it the oldest are evicted.
	MaxEntries int
	// Length is the number of digits of a captcha.
	Length int
	// Answer, when set, is every captcha's solution instead of random
	// digits: the test mode, for browser tests that must type it. It must
	// be Length digits 0-9.
	Answer []byte
	// Now is the clock; tests inject their own.
	Now func() time.Time
}

// A Captcha is one challenge as the picture needs it.
type Captcha struct {
	// ID names the captcha in its picture's URL. It is unguessable: 128
	// random bits.
	ID string
	// Digits is the solution, each 0-9.
	Digits []byte
	// Seed drives the picture's random choices, so the same captcha is
	// drawn the same way every time it is fetched.
	Seed uint64
}

// sessionKey identifies a visitor session by the SHA-256 of its cookie,
// so the store holds no session tokens and every key is the same size.
type sessionKey [sha256.Size]byte

type entry struct {
	Captcha
	session sessionKey
	expires time.Time
}

// Store holds captchas. It is safe for concurrent use.
type Store struct {
	ttl    time.Duration
	max    int
	length int
	answer []byte
	now    func() time.Time

	mu        sync.Mutex
	order     list.List // of *entry, oldest first: creation and expiry order
	byID      map[string]*list.Element
	bySession map[sessionKey]*list.Element
}

// New returns an empty Store.
func New(o Options) (*Store, error) {
	s := &Store{
		ttl:       o.TTL,
		max:       o.MaxEntries,
		length:    o.Length,
		now:       o.Now,
		byID:      make(map[string]*list.Element),
		bySession: make(map[sessionKey]*list.Element),
	}
	if s.ttl <= 0 {
		s.ttl = DefaultTTL
	}
	if s.max <= 0 {
		s.max = DefaultMaxEntries
	}
	if s.length <= 0 {
		s.length = DefaultLength
	}
	if s.now == nil {
		s.now = time.Now
	}
	if o.Answer != nil {
		if len(o.Answer) != s.length {
			return nil, fmt.Errorf("captcha store: test answer has %d digits, want %d", len(o.Answer), s.length)
		}
		for _, d := range o.Answer {
			if d > 9 {
				return nil, fmt.Errorf("captcha store: test answer digit %d, want 0-9", d)
			}
		}
		s.answer = append([]byte(nil), o.Answer...)
	}
	return s, nil
}

// New makes a captcha for session, replacing the one it had.
func (s *Store) New(session string) Captcha {
	c := Captcha{ID: rand.Text(), Digits: s.digits(), Seed: randomUint64()}
	key := sessionKey(sha256.Sum256([]byte(session)))

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweepLocked(now)
	if el, ok := s.bySession[key]; ok {
		s.removeLocked(el)
	}
	for s.order.Len() >= s.max {
		s.removeLocked(s.order.Front())
	}
	el := s.order.PushBack(&entry{Captcha: c, session: key, expires: now.Add(s.ttl)})
	s.byID[c.ID] = el
	s.bySession[key] = el
	return c.clone()
}

// Get returns session's live captcha with id, to draw it or speak it. It
// does not use it up. A captcha of another session is ErrNotFound, as if
// it did not exist, so an id seen elsewhere (a shared link, a log) cannot
// be fetched by anyone else and listening cannot be farmed out.
func (s *Store) Get(session, id string) (Captcha, error) {
	key := sessionKey(sha256.Sum256([]byte(session)))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(s.now())
	el, ok := s.byID[id]
	if !ok {
		return Captcha{}, ErrNotFound
	}
	e := el.Value.(*entry)
	if subtle.ConstantTimeCompare(e.session[:], key[:]) != 1 {
		return Captcha{}, ErrNotFound
	}
	return e.Captcha.clone(), nil
}

// clone returns a copy of c that shares no memory with the store, so a
// caller cannot change a stored solution.
func (c Captcha) clone() Captcha {
	c.Digits = append([]byte(nil), c.Digits...)
	return c
}

// Verify checks solution against session's captcha and uses the captcha
// up, whether or not the solution is right, so each captcha allows one
// guess. It returns ErrNotFound when session has no live captcha.
func (s *Store) Verify(session, solution string) (bool, error) {
	key := sessionKey(sha256.Sum256([]byte(session)))
	s.mu.Lock()
	el, ok := s.bySession[key]
	if ok {
		// An expired one still counts as absent, even before a sweep.
		if !s.now().Before(el.Value.(*entry).expires) {
			ok = false
		}
		s.removeLocked(el)
	}
	s.mu.Unlock()
	if !ok {
		return false, ErrNotFound
	}
	want := el.Value.(*entry).Digits
	got := make([]byte, len(want))
	for i := range got {
		got[i] = '0' + want[i]
	}
	return subtle.ConstantTimeCompare(got, []byte(solution)) == 1, nil
}

// Sweep frees every expired captcha and returns how many it freed. The
// store also sweeps as it is used; Sweep is for a janitor that frees memory
// when the service is idle.
func (s *Store) Sweep() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sweepLocked(s.now())
}

// Len returns the number of captchas held.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}

// sweepLocked drops expired captchas from the front of the list. Every
// captcha lives equally long, so creation order is expiry order and the
// sweep stops at the first live one.
func (s *Store) sweepLocked(now time.Time) int {
	n := 0
	for el := s.order.Front(); el != nil && !now.Before(el.Value.(*entry).expires); el = s.order.Front() {
		s.removeLocked(el)
		n++
	}
	return n
}

func (s *Store) removeLocked(el *list.Element) {
	e := el.Value.(*entry)
	s.order.Remove(el)
	delete(s.byID, e.ID)
	if cur, ok := s.bySession[e.session]; ok && cur == el {
		delete(s.bySession, e.session)
	}
}

// digits returns a new solution: the test answer, or uniformly random
// digits from crypto/rand.
func (s *Store) digits() []byte {
	if s.answer != nil {
		return append([]byte(nil), s.answer...)
	}
	d := make([]byte, 0, s.length)
	var buf [16]byte
	for len(d) < s.length {
		rand.Read(buf[:])
		for _, b := range buf {
			// 250 is the largest multiple of 10 in a byte: rejecting
			// the rest keeps every digit equally likely.
			if b < 250 && len(d) < s.length {
				d = append(d, b%10)
			}
		}
	}
	return d
}

func randomUint64() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}
