// Package password hashes and verifies account passwords with argon2id.
//
// A hash is stored as a PHC-style string that carries its parameters,
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// (salt and key in unpadded standard base64), so the parameters can be
// raised later: old hashes still verify, and NeedsRehash tells the caller
// to store a new hash at the next successful sign-in.
//
// Hashing costs tens of milliseconds of CPU and 19 MiB of memory each, so
// a Hasher lets only a bounded number run at once; the rest wait in line
// for as long as their context allows, which keeps a flood of sign-ins
// from exhausting the machine.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Length limits, counted in characters (Unicode code points), not bytes.
// The maximum bounds the work an attacker can ask for; there are no
// composition rules (NIST SP 800-63B).
const (
	MinLength = 8
	MaxLength = 1024
)

// Errors of Check. Their text is written for the person choosing a
// password.
var (
	ErrTooShort = fmt.Errorf("the password is too short: use at least %d characters", MinLength)
	ErrTooLong  = fmt.Errorf("the password is too long: use at most %d characters", MaxLength)
)

// ErrMalformedHash means a stored hash is not one this package wrote.
var ErrMalformedHash = errors.New("password: malformed hash")

// Check reports whether pw is acceptable as a new password.
func Check(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinLength:
		return ErrTooShort
	case n > MaxLength:
		return ErrTooLong
	}
	return nil
}

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are OWASP's recommended argon2id settings: 19 MiB, two
// passes, one thread, a 16-byte salt and a 32-byte key.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on the parameters a stored hash may claim, so a corrupted or
// planted row cannot make one verification take gigabytes or minutes.
const (
	maxMemory = 1 << 20 // 1 GiB in KiB
	maxTime   = 64
	minSalt   = 8
	maxSalt   = 64
	minKey    = 16
	maxKey    = 64
)

// A Hasher hashes and verifies passwords with fixed parameters, running at
// most a fixed number of argon2 computations at once. Its methods are safe
// for concurrent use.
type Hasher struct {
	params Params
	sem    chan struct{}
}

// NewHasher returns a Hasher with the parameters p that runs at most
// concurrency hashes at once (at least one).
func NewHasher(p Params, concurrency int) *Hasher {
	return &Hasher{params: p, sem: make(chan struct{}, max(concurrency, 1))}
}

// acquire waits for a hashing slot until ctx ends.
func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait to hash password: %w", context.Cause(ctx))
	}
}

func (h *Hasher) release() { <-h.sem }

// Hash returns the encoded argon2id hash of pw with a new random salt. It
// does not apply Check; callers check new passwords first.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	rand.Read(salt) // never fails (crypto/rand panics if the OS cannot supply randomness)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	h.release()
	return encode(h.params, salt, key), nil
}

// Verify reports whether pw matches the encoded hash, comparing in
// constant time. A password longer than MaxLength never matches, and is
// rejected without hashing it. It returns an error only for a malformed
// hash or when ctx ends while waiting for a hashing slot.
func (h *Hasher) Verify(ctx context.Context, pw, encoded string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	if utf8.RuneCountInString(pw) > MaxLength {
		return false, nil
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	h.release()
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than
// the Hasher's (or cannot be read), so the caller should store a new hash
// of the password it has just verified.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, salt, _, err := decode(encoded)
	if err != nil {
		return true
	}
	p.SaltLen = uint32(len(salt))
	return p != h.params
}

const prefix = "$argon2id$v=19$"

func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", prefix, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses an encoded hash. The returned Params carry KeyLen from the
// key; SaltLen is left zero (the salt's own length is what counts).
func decode(s string) (p Params, salt, key []byte, err error) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return p, nil, nil, ErrMalformedHash
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return p, nil, nil, ErrMalformedHash
	}
	var seen [3]bool
	for _, kv := range strings.Split(parts[0], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, ErrMalformedHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, ErrMalformedHash
		}
		switch {
		case k == "m" && !seen[0] && n >= 8 && n <= maxMemory:
			p.Memory, seen[0] = uint32(n), true
		case k == "t" && !seen[1] && n >= 1 && n <= maxTime:
			p.Time, seen[1] = uint32(n), true
		case k == "p" && !seen[2] && n >= 1 && n <= 255:
			p.Threads, seen[2] = uint8(n), true
		default:
			return p, nil, nil, ErrMalformedHash
		}
	}
	if seen != [3]bool{true, true, true} || p.Memory < 8*uint32(p.Threads) {
		return p, nil, nil, ErrMalformedHash
	}
	b64 := base64.RawStdEncoding.Strict()
	if salt, err = b64.DecodeString(parts[1]); err != nil || len(salt) < minSalt || len(salt) > maxSalt {
		return p, nil, nil, ErrMalformedHash
	}
	if key, err = b64.DecodeString(parts[2]); err != nil || len(key) < minKey || len(key) > maxKey {
		return p, nil, nil, ErrMalformedHash
	}
	p.KeyLen = uint32(len(key))
	return p, salt, key, nil
}
