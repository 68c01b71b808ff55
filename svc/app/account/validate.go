package account

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kin-social/kin/svc/internal/password"
)

// Limits on what a person may enter, counted in characters. The columns of
// the users table are sized to match.
const (
	MaxEmail       = 254 // RFC 5321's path limit
	MaxDisplayName = 80
	MaxHeadline    = 120
	MaxAbout       = 5000
	MaxCity        = 100
	MinBirthYear   = 1900
)

// Who may see a person's birthday.
const (
	Public  = "public"
	Friends = "friends" // only the person until the friends feature lands
	Private = "private"
)

// A FieldError says what is wrong with one input and what to do about it.
type FieldError struct {
	Field string // the JSON name of the input
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// normalizeEmail trims an email address and checks it. Case is kept as
// entered: addresses compare case-insensitively in the database.
func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", fieldErr("email", "enter your email address")
	case utf8.RuneCountInString(s) > MaxEmail:
		return "", fieldErr("email", "the email address is too long: use at most %d characters", MaxEmail)
	}
	a, err := mail.ParseAddress(s)
	// ParseAddress also accepts "Name <a@b.c>": only a bare address will do.
	if err != nil || a.Name != "" || a.Address != s || strings.ContainsAny(s, " \t\r\n<>") || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", fieldErr("email", "this is not an email address: enter one like name@example.org")
	}
	return s, nil
}

func checkPassword(field, pw string) error {
	if err := password.Check(pw); err != nil {
		return &FieldError{Field: field, Msg: err.Error()}
	}
	return nil
}

// normalizeDisplayName trims the name (a name of spaces is no name) and
// checks it.
func normalizeDisplayName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fieldErr("display_name", "enter a display name")
	}
	return s, checkText("display_name", s, MaxDisplayName, false)
}

// checkText checks a text field's length and that it holds no control
// characters, which have no business in a name or headline and could
// disturb logs or terminals; multiline text may hold line breaks and tabs.
func checkText(field, s string, maxLen int, multiline bool) error {
	if n := utf8.RuneCountInString(s); n > maxLen {
		return fieldErr(field, "this is %d characters long: use at most %d", n, maxLen)
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			if multiline {
				return fieldErr(field, "remove the control character %U: only text, line breaks and tabs are allowed", r)
			}
			return fieldErr(field, "remove the control character %U: only text on one line is allowed", r)
		}
	}
	return nil
}

// parseBirthday checks a birthday, "" (none) or YYYY-MM-DD. now bounds it:
// no one is born in the future. A day's slack lets someone east of UTC
// enter their local today.
func parseBirthday(s string, now time.Time) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != len(time.DateOnly) {
		return nil, fieldErr("birthday", "enter a real date as YYYY-MM-DD, or leave it empty")
	}
	if d.Year() < MinBirthYear {
		return nil, fieldErr("birthday", "enter a date from %d on", MinBirthYear)
	}
	if d.After(now.UTC().Add(24 * time.Hour)) {
		return nil, fieldErr("birthday", "this date is in the future: enter the day you were born")
	}
	return &d, nil
}

func checkVisibility(s string) error {
	switch s {
	case Public, Friends, Private:
		return nil
	}
	return fieldErr("birthday_visibility", "choose public, friends or private")
}
