package account

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/dbtest"
	"github.com/kin-social/kin/svc/internal/password"
	"github.com/kin-social/kin/svc/internal/session"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newService(t *testing.T) *Service {
	db := dbtest.New(t)
	return New(db, password.NewHasher(cheap, 2), session.NewStore(db))
}

func field(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func TestRegistrationCheck(t *testing.T) {
	ok := Registration{Email: "ann@example.org", Password: "long enough", DisplayName: "Ann"}
	tests := []struct {
		name  string
		edit  func(*Registration)
		field string // "" for valid
	}{
		{"valid", func(r *Registration) {}, ""},
		{"email trimmed", func(r *Registration) { r.Email = "  ann@example.org\t" }, ""},
		{"email upper case", func(r *Registration) { r.Email = "Ann@Example.ORG" }, ""},
		{"email plus", func(r *Registration) { r.Email = "ann+kin@mail.example.org" }, ""},
		{"email empty", func(r *Registration) { r.Email = "" }, "email"},
		{"email no at", func(r *Registration) { r.Email = "ann.example.org" }, "email"},
		{"email no domain dot", func(r *Registration) { r.Email = "ann@localhost" }, "email"},
		{"email with name", func(r *Registration) { r.Email = "Ann <ann@example.org>" }, "email"},
		{"email two", func(r *Registration) { r.Email = "a@example.org, b@example.org" }, "email"},
		{"email space", func(r *Registration) { r.Email = "an n@example.org" }, "email"},
		{"email 254", func(r *Registration) { r.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".org" }, ""},
		{"email 255", func(r *Registration) { r.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".org" }, "email"},
		{"password 7", func(r *Registration) { r.Password = "1234567" }, "password"},
		{"password 8", func(r *Registration) { r.Password = "12345678" }, ""},
		{"password 1024", func(r *Registration) { r.Password = strings.Repeat("ä", 1024) }, ""},
		{"password 1025", func(r *Registration) { r.Password = strings.Repeat("a", 1025) }, "password"},
		{"name empty", func(r *Registration) { r.DisplayName = "" }, "display_name"},
		{"name spaces", func(r *Registration) { r.DisplayName = "   " }, "display_name"},
		{"name 80", func(r *Registration) { r.DisplayName = strings.Repeat("й", 80) }, ""},
		{"name 80 after trimming", func(r *Registration) { r.DisplayName = "  " + strings.Repeat("n", 80) + "  " }, ""},
		{"name 81", func(r *Registration) { r.DisplayName = strings.Repeat("n", 81) }, "display_name"},
		{"name newline", func(r *Registration) { r.DisplayName = "Ann\nB" }, "display_name"},
		{"name NUL", func(r *Registration) { r.DisplayName = "Ann\x00" }, "display_name"},
		{"name html", func(r *Registration) { r.DisplayName = "<script>alert(1)</script>" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.edit(&r)
			if got := field(r.Check()); got != tt.field {
				t.Errorf("Check(%+.40v) field %q, want %q", r, got, tt.field)
			}
		})
	}
}

func TestProfileChecks(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		err   error
		field string
	}{
		{"headline 120", checkText("headline", strings.Repeat("h", 120), MaxHeadline, false), ""},
		{"headline 121", checkText("headline", strings.Repeat("h", 121), MaxHeadline, false), "headline"},
		{"headline tab", checkText("headline", "a\tb", MaxHeadline, false), "headline"},
		{"about 5000", checkText("about", strings.Repeat("ü", 5000), MaxAbout, true), ""},
		{"about 5001", checkText("about", strings.Repeat("a", 5001), MaxAbout, true), "about"},
		{"about lines", checkText("about", "one\r\ntwo\tthree", MaxAbout, true), ""},
		{"about escape", checkText("about", "bell\x07", MaxAbout, true), "about"},
		{"city 100", checkText("city", strings.Repeat("c", 100), MaxCity, false), ""},
		{"city 101", checkText("city", strings.Repeat("c", 101), MaxCity, false), "city"},
		{"visibility public", checkVisibility("public"), ""},
		{"visibility friends", checkVisibility("friends"), ""},
		{"visibility private", checkVisibility("private"), ""},
		{"visibility other", checkVisibility("everyone"), "birthday_visibility"},
		{"visibility case", checkVisibility("Public"), "birthday_visibility"},
		{"visibility empty", checkVisibility(""), "birthday_visibility"},
	}
	for _, b := range []struct {
		in    string
		field string
	}{
		{"", ""},
		{"1990-05-01", ""},
		{"1900-01-01", ""},
		{"1899-12-31", "birthday"},
		{"2000-02-29", ""},
		{"2001-02-29", "birthday"},
		{"1990-13-01", "birthday"},
		{"1990-5-1", "birthday"},
		{"01.05.1990", "birthday"},
		{"1990-05-01T00:00:00Z", "birthday"},
		{"2026-11-25", ""},
		{"2026-11-26", ""}, // today east of UTC
		{"2026-11-27", "birthday"},
		{"3000-01-01", "birthday"},
	} {
		_, err := parseBirthday(b.in, now)
		tests = append(tests, struct {
			name  string
			err   error
			field string
		}{"birthday " + b.in, err, b.field})
	}
	for _, tt := range tests {
		if got := field(tt.err); got != tt.field {
			t.Errorf("%s: field %q (%v), want %q", tt.name, got, tt.err, tt.field)
		}
	}
}

func TestRegisterAndAuthenticate(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	u, err := s.Register(ctx, Registration{Email: " Ann@Example.org ", Password: "long enough", DisplayName: "  Ann  "})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Email != "Ann@Example.org" || u.DisplayName != "Ann" || u.BirthdayVisibility != Private || u.Birthday != "" {
		t.Errorf("Register = %+v", u)
	}
	got, err := s.Get(ctx, u.ID)
	if err != nil || got != u {
		t.Errorf("Get = %+v, %v; want %+v", got, err, u)
	}
	for _, email := range []string{"Ann@Example.org", "ann@example.org", "ANN@EXAMPLE.ORG"} {
		if _, err := s.Register(ctx, Registration{Email: email, Password: "another one", DisplayName: "Imposter"}); err != ErrEmailTaken {
			t.Errorf("Register(%s) again: %v, want ErrEmailTaken", email, err)
		}
	}
	for _, tt := range []struct {
		email, pw string
		want      error
	}{
		{"ann@example.org", "long enough", nil},
		{" ANN@example.org", "long enough", nil},
		{"ann@example.org", "long enougH", ErrBadCredentials},
		{"ann@example.org", "", ErrBadCredentials},
		{"nobody@example.org", "long enough", ErrBadCredentials},
		{"' OR '1'='1", "' OR '1'='1", ErrBadCredentials},
	} {
		got, err := s.Authenticate(ctx, tt.email, tt.pw)
		if err != tt.want || (err == nil && got.ID != u.ID) {
			t.Errorf("Authenticate(%q, %q) = %d, %v; want %v", tt.email, tt.pw, got.ID, err, tt.want)
		}
	}
	if _, err := s.Get(ctx, u.ID+1000); err != ErrNotFound {
		t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
	}
}

// Raising the hashing parameters upgrades a user's hash at their next
// sign-in.
func TestRehashOnSignIn(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	u, err := s.Register(ctx, Registration{Email: "bo@example.org", Password: "long enough", DisplayName: "Bo"})
	if err != nil {
		t.Fatal(err)
	}
	raised := cheap
	raised.Time = 2
	s.hasher = password.NewHasher(raised, 1)
	if _, err := s.Authenticate(ctx, "bo@example.org", "long enough"); err != nil {
		t.Fatal(err)
	}
	var hash string
	s.h.Pool().QueryRow("SELECT password_hash FROM users WHERE id = ?", u.ID).Scan(&hash)
	if !strings.Contains(hash, "t=2") || s.hasher.NeedsRehash(hash) {
		t.Errorf("hash after sign-in %q, want the raised parameters", hash)
	}
	if _, err := s.Authenticate(ctx, "bo@example.org", "long enough"); err != nil {
		t.Errorf("sign in after rehash: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	u, _ := s.Register(ctx, Registration{Email: "cy@example.org", Password: "old password", DisplayName: "Cy"})
	keep, _ := s.sessions.Create(ctx, u.ID)
	other, _ := s.sessions.Create(ctx, u.ID)

	if err := s.ChangePassword(ctx, u.ID, keep.Token, "old password", "short"); field(err) != "new_password" {
		t.Errorf("short new password: %v, want a new_password field error", err)
	}
	if err := s.ChangePassword(ctx, u.ID, keep.Token, "wrong password", "new password"); err != ErrBadCredentials {
		t.Errorf("wrong current password: %v, want ErrBadCredentials", err)
	}
	if _, err := s.sessions.Lookup(ctx, other.Token); err != nil {
		t.Fatalf("a failed change ended a session: %v", err)
	}
	if err := s.ChangePassword(ctx, u.ID, keep.Token, "old password", "new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "cy@example.org", "old password"); err != ErrBadCredentials {
		t.Errorf("old password after change: %v, want ErrBadCredentials", err)
	}
	if _, err := s.Authenticate(ctx, "cy@example.org", "new password"); err != nil {
		t.Errorf("new password after change: %v", err)
	}
	if _, err := s.sessions.Lookup(ctx, keep.Token); err != nil {
		t.Errorf("the changing session ended: %v", err)
	}
	if _, err := s.sessions.Lookup(ctx, other.Token); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("another session lives on after the change: %v", err)
	}
}

func TestUpdateProfile(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	u, _ := s.Register(ctx, Registration{Email: "di@example.org", Password: "long enough", DisplayName: "Di"})
	evil := `<img src=x onerror=alert(1)> '; DROP TABLE users; -- " \ %_ ` + "`"
	p := ProfileUpdate{
		DisplayName:        " " + evil + " ",
		Headline:           evil,
		About:              evil + "\nline two\ttabbed",
		City:               evil,
		Birthday:           "1990-05-01",
		BirthdayVisibility: Friends,
	}
	got, err := s.UpdateProfile(ctx, u.ID, p)
	if err != nil {
		t.Fatal(err)
	}
	want := u
	want.DisplayName, want.Headline, want.About, want.City = evil, evil, p.About, evil
	want.Birthday, want.BirthdayVisibility = "1990-05-01", Friends
	if got != want {
		t.Errorf("UpdateProfile = %+v\nwant %+v", got, want)
	}
	if fetched, _ := s.Get(ctx, u.ID); fetched != want {
		t.Errorf("Get after update = %+v\nwant %+v", fetched, want)
	}

	// Clearing the birthday stores NULL, returned as "".
	p.Birthday = ""
	if got, err := s.UpdateProfile(ctx, u.ID, p); err != nil || got.Birthday != "" {
		t.Errorf("clear birthday: %+v, %v", got, err)
	}

	// A bad field changes nothing.
	before, _ := s.Get(ctx, u.ID)
	bad := p
	bad.Headline = "fine"
	bad.City = strings.Repeat("c", MaxCity+1)
	if _, err := s.UpdateProfile(ctx, u.ID, bad); field(err) != "city" {
		t.Errorf("long city: %v, want a city field error", err)
	}
	if after, _ := s.Get(ctx, u.ID); after != before {
		t.Errorf("a rejected update changed the user: %+v", after)
	}
}

func TestProfileFor(t *testing.T) {
	u := User{ID: 7, Email: "e@example.org", DisplayName: "E", Headline: "H", Birthday: "1990-05-01", CreatedAt: "2026-01-01T00:00:00Z"}
	var (
		stranger = Standing{Relation: "none"}
		friend   = Standing{Relation: "friends", Friends: true}
		blocked  = Standing{Relation: "blocked", Blocked: true}
	)
	for _, tt := range []struct {
		profile, birthday string
		viewer            int64
		st                Standing
		headline, want    string
	}{
		{Everyone, Public, 0, stranger, "H", "1990-05-01"},
		{Everyone, Public, 8, stranger, "H", "1990-05-01"},
		{Everyone, Public, 8, blocked, "", ""},
		{Everyone, Friends, 0, stranger, "H", ""},
		{Everyone, Friends, 8, stranger, "H", ""},
		{Everyone, Friends, 8, friend, "H", "1990-05-01"},
		{Everyone, Friends, 7, stranger, "H", "1990-05-01"},
		{Everyone, Private, 8, friend, "H", ""},
		{Everyone, Private, 7, stranger, "H", "1990-05-01"},
		{Members, Public, 0, stranger, "", ""},
		{Members, Public, 8, stranger, "H", "1990-05-01"},
		{Friends, Public, 8, stranger, "", ""},
		{Friends, Public, 8, friend, "H", "1990-05-01"},
		{Friends, Public, 7, stranger, "H", "1990-05-01"},
	} {
		u.ProfileVisibility, u.BirthdayVisibility = tt.profile, tt.birthday
		p := u.ProfileFor(tt.viewer, tt.st)
		if p.Birthday != tt.want || p.Headline != tt.headline || p.DetailsHidden != (tt.headline == "") || p.DisplayName != "E" {
			t.Errorf("%s profile, %s birthday, seen by %d (%s): %+v, want headline %q birthday %q",
				tt.profile, tt.birthday, tt.viewer, tt.st.Relation, p, tt.headline, tt.want)
		}
	}
}

func TestNamesAndText(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"\u200b", false},
		{"Alice A\u200b", false},
		{"\ufeffBob", false},
		{"Bob \u202egnp.exe", false},
		{"Bob\u2066x", false},
		{"Bob\u200e", false},
		{"Bob\u061c", false},
		{"Al\u00adice", false},
		{"Al\u2060ice", false},
		{"\u3164", false},
		{"\u2800", false},
		{"A\u200dB", false}, // a joiner between letters
		{"\u200d👩", false},
		{"a" + strings.Repeat("\u0301", 79), false},
		{"a\u0301\u0302\u0303\u0304", false},
		{"a\u0301\u0302\u0303", true},
		{"Bob\xff\xfe", false},
		{"\xed\xa0\x80", false}, // a lone surrogate, as CESU-8
		{"Анна", true},
		{"محمد علي", true},
		{"王小明", true},
		{"हिन्दी", true},
		{"ქართული", true},
		{"👩‍👩‍👧", true},
		{"🏳️‍🌈 Pride", true},
		{"👍🏽‍👩", true},
		{"❤️", true},
	} {
		_, err := normalizeDisplayName(tt.name)
		if got := field(err); (got == "") != tt.ok || (!tt.ok && got != "display_name") {
			t.Errorf("display name %+q: %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	bad := "Bob\xff\xfe"
	for _, tt := range []struct {
		field string
		err   error
	}{
		{"email", (&Registration{Email: "a\xff@example.org", Password: "long enough", DisplayName: "A"}).Check()},
		{"password", (&Registration{Email: "a@example.org", Password: "long enough" + bad, DisplayName: "A"}).Check()},
		{"headline", checkText("headline", bad, MaxHeadline, false)},
		{"about", checkText("about", bad, MaxAbout, true)},
		{"birthday", func() error { _, err := parseBirthday(bad, time.Now()); return err }()},
		{"birthday_visibility", checkVisibility(bad)},
	} {
		if got := field(tt.err); got != tt.field {
			t.Errorf("invalid UTF-8 in %s: %v", tt.field, tt.err)
		}
	}
	s := newService(t)
	if _, err := s.Authenticate(context.Background(), "a\xff@example.org", "x"); field(err) != "email" {
		t.Errorf("Authenticate with invalid UTF-8: %v, want an email field error", err)
	}
}

func TestCanonicalEmail(t *testing.T) {
	for in, want := range map[string]string{
		" Ann@Example.ORG\t":      "ann@example.org",
		"JOSÉ@example.org":        "josé@example.org",
		"jose\u0301@example.org":  "josé@example.org",
		"JOSE\u0301@EXAMPLE.ORG":  "josé@example.org",
		"al\u200bice@example.org": "al\u200bice@example.org", // kept, so it matches nobody
	} {
		if got := CanonicalEmail(in); got != want {
			t.Errorf("CanonicalEmail(%+q) = %+q, want %+q", in, got, want)
		}
	}
}

// Account operations join a caller's transaction: rolled back with it.
func TestWithTx(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.InTx(ctx, s.h.Pool(), func(q db.Querier) error {
		if _, err := s.WithTx(q).Register(ctx, Registration{Email: "tx@example.org", Password: "long enough", DisplayName: "Tx"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, Registration{Email: "tx@example.org", Password: "long enough", DisplayName: "Tx"}); err != nil {
		t.Errorf("the rolled-back registration left the address taken: %v", err)
	}
}

// Rows the migration could not canonicalize in SQL are finished in Go.
func TestRecanonicalize(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	if _, err := s.h.Pool().Exec(`INSERT INTO users (email, email_key, email_legacy, password_hash, display_name, about, created_at, updated_at)
		VALUES (?, ?, 1, 'x', 'n', '', NOW(6), NOW(6))`, "Jose\u0301@Example.org", "jose\u0301@example.org"); err != nil {
		t.Fatal(err)
	}
	n, err := s.Recanonicalize(ctx, nil)
	if err != nil || n != 1 {
		t.Fatalf("Recanonicalize = %d, %v; want 1", n, err)
	}
	var email, key string
	var legacy int
	s.h.Pool().QueryRow("SELECT email, email_key, email_legacy FROM users").Scan(&email, &key, &legacy)
	if email != "José@Example.org" || key != "josé@example.org" || legacy != 0 {
		t.Errorf("after Recanonicalize: %+q %+q %d", email, key, legacy)
	}
	if n, err := s.Recanonicalize(ctx, nil); err != nil || n != 0 {
		t.Errorf("second Recanonicalize = %d, %v; want 0", n, err)
	}
}
