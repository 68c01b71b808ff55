package password

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// cheap keeps the tests fast; one test uses DefaultParams for real.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want error
	}{
		{"empty", "", ErrTooShort},
		{"seven", "1234567", ErrTooShort},
		{"eight", "12345678", nil},
		{"spaces count", "        ", nil},
		// Four characters of three bytes each are twelve bytes but still
		// too short: the limit counts characters.
		{"multibyte short", "пароль7", ErrTooShort},
		{"multibyte eight", "密码密码密码密码", nil},
		{"max", strings.Repeat("a", MaxLength), nil},
		{"max multibyte", strings.Repeat("ж", MaxLength), nil},
		{"over max", strings.Repeat("a", MaxLength+1), ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Check(tt.pw); got != tt.want {
				t.Errorf("Check(%.20q) = %v, want %v", tt.pw, got, tt.want)
			}
		})
	}
}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(cheap, 2)
	tests := []struct {
		name     string
		stored   string
		attempt  string
		want     bool
		tooLong  bool
		wantHash bool
	}{
		{name: "same", stored: "correct horse", attempt: "correct horse", want: true},
		{name: "different", stored: "correct horse", attempt: "correct horsf"},
		{name: "case matters", stored: "Correct Horse", attempt: "correct horse"},
		{name: "prefix", stored: "correct horse", attempt: "correct hors"},
		{name: "longer", stored: "correct horse", attempt: "correct horse "},
		{name: "unicode", stored: "пароль-密码-🔑", attempt: "пароль-密码-🔑", want: true},
		{name: "max length", stored: strings.Repeat("x", MaxLength), attempt: strings.Repeat("x", MaxLength), want: true},
		{name: "over max never matches", stored: strings.Repeat("x", MaxLength+1), attempt: strings.Repeat("x", MaxLength+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := h.Hash(ctx, tt.stored)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
				t.Errorf("Hash = %q, want the PHC argon2id form with its parameters", enc)
			}
			ok, err := h.Verify(ctx, tt.attempt, enc)
			if err != nil || ok != tt.want {
				t.Errorf("Verify = %v, %v; want %v, nil", ok, err, tt.want)
			}
		})
	}
}

func TestSaltIsPerHash(t *testing.T) {
	h := NewHasher(cheap, 1)
	a, _ := h.Hash(context.Background(), "same password")
	b, _ := h.Hash(context.Background(), "same password")
	if a == b {
		t.Fatalf("two hashes of one password are equal (%s): the salt is not random", a)
	}
}

func TestDefaultParams(t *testing.T) {
	h := NewHasher(DefaultParams, 1)
	enc, err := h.Hash(context.Background(), "hunter2hunter2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("Hash = %q, want m=19456,t=2,p=1", enc)
	}
	_, salt, key, err := decode(enc)
	if err != nil || len(salt) != 16 || len(key) != 32 {
		t.Errorf("decode: salt %d bytes, key %d bytes, err %v; want 16, 32, nil", len(salt), len(key), err)
	}
	if ok, err := h.Verify(context.Background(), "hunter2hunter2", enc); !ok || err != nil {
		t.Errorf("Verify = %v, %v", ok, err)
	}
}

// A hash made with older, weaker parameters still verifies under a Hasher
// with new ones, and is flagged for rehashing.
func TestRaisedParams(t *testing.T) {
	ctx := context.Background()
	old := NewHasher(cheap, 1)
	enc, _ := old.Hash(ctx, "long enough")
	raised := cheap
	raised.Memory, raised.Time = 128, 2
	h := NewHasher(raised, 1)
	if ok, err := h.Verify(ctx, "long enough", enc); !ok || err != nil {
		t.Fatalf("Verify old hash with raised params = %v, %v; want true", ok, err)
	}
	if !h.NeedsRehash(enc) {
		t.Error("NeedsRehash(old hash) = false, want true")
	}
	if old.NeedsRehash(enc) {
		t.Error("NeedsRehash(own hash) = true, want false")
	}
	fresh, _ := h.Hash(ctx, "long enough")
	if h.NeedsRehash(fresh) {
		t.Error("NeedsRehash(fresh hash) = true, want false")
	}
}

func TestMalformedHash(t *testing.T) {
	h := NewHasher(cheap, 1)
	good, _ := h.Hash(context.Background(), "long enough")
	parts := strings.Split(good, "$") // "", argon2id, v=19, params, salt, key
	salt, key := parts[4], parts[5]
	for _, enc := range []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=18$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=99999999,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1,x=2$" + salt + "$" + key,
		"$argon2id$v=19$m=-1,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "=$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=64,t=1,p=1$QUJD$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$QUJD",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$!!!!",
	} {
		ok, err := h.Verify(context.Background(), "long enough", enc)
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformedHash", enc, ok, err)
		}
		if !h.NeedsRehash(enc) {
			t.Errorf("NeedsRehash(%q) = false, want true", enc)
		}
	}
}

// With every slot taken, Hash and Verify wait, and give up when their
// context ends instead of piling up.
func TestConcurrencyCap(t *testing.T) {
	h := NewHasher(cheap, 2)
	enc, _ := h.Hash(context.Background(), "long enough")
	h.sem <- struct{}{}
	h.sem <- struct{}{}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "long enough"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash with full semaphore = %v, want DeadlineExceeded", err)
	}
	if _, err := h.Verify(ctx, "long enough", enc); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Verify with full semaphore = %v, want DeadlineExceeded", err)
	}

	// Freeing a slot lets a waiting hash through.
	done := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), "long enough")
		done <- err
	}()
	select {
	case <-done:
		t.Fatal("Hash ran while every slot was taken")
	case <-time.After(20 * time.Millisecond):
	}
	<-h.sem
	if err := <-done; err != nil {
		t.Errorf("Hash after a slot freed: %v", err)
	}
	if n := len(h.sem); n != 1 {
		t.Errorf("%d slots taken after the waiter finished, want 1 (it must release its slot)", n)
	}
}

func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(DefaultParams, 1)
	for b.Loop() {
		h.Hash(context.Background(), "correct horse battery staple")
	}
}
