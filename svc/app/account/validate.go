package account

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

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
	Friends = "friends"
	Private = "private"
)

// Who may see a person's profile details (profile_visibility: Everyone,
// Members or Friends) and friend list (friends_visibility: Everyone,
// Friends or OnlyMe).
const (
	Everyone = "everyone"
	Members  = "members" // signed-in people
	OnlyMe   = "only_me"
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

// CanonicalEmail returns the form in which addresses are compared
// (DESIGN.md "Identity"): trimmed, NFC, lower-cased. Two addresses are one
// account's exactly when their canonical forms are the same bytes.
func CanonicalEmail(s string) string {
	return norm.NFC.String(strings.ToLower(norm.NFC.String(strings.TrimSpace(s))))
}

// normalizeEmail checks an address being registered and returns it as
// stored for display (trimmed, NFC, letter case as typed) and its
// canonical key.
func normalizeEmail(s string) (email, key string, err error) {
	if !utf8.ValidString(s) {
		return "", "", errInvalidUTF8("email")
	}
	s = norm.NFC.String(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", "", fieldErr("email", "enter your email address")
	case utf8.RuneCountInString(s) > MaxEmail:
		return "", "", fieldErr("email", "the email address is too long: use at most %d characters", MaxEmail)
	}
	for _, r := range s {
		if invisible(r) {
			return "", "", fieldErr("email", "the email address holds the invisible or control character %U: remove it", r)
		}
	}
	a, err := mail.ParseAddress(s)
	// ParseAddress also accepts "Name <a@b.c>": only a bare address will do.
	if err != nil || a.Name != "" || a.Address != s || strings.ContainsAny(s, " \t\r\n<>") || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", "", fieldErr("email", "this is not an email address: enter one like name@example.org")
	}
	key = CanonicalEmail(s)
	// Fullwidth letters, ligatures and the like look like ordinary ones
	// but are other addresses: an account as ａlice@ would pass for alice@.
	if compat := norm.NFKC.String(key); compat != key {
		return "", "", fieldErr("email", "the email address holds look-alike characters (such as fullwidth letters): write it as %s if that is your address", compat)
	}
	return s, key, nil
}

// invisible reports whether r shows nothing by itself or changes how the
// text around it is shown: control and format characters (zero-width
// spaces and joiners, bidirectional marks and overrides, the BOM, the soft
// hyphen), other default-ignorable ones (Hangul fillers, variation
// selectors), line and paragraph separators, private-use, unassigned and
// surrogate code points, and blanks that are letters or symbols.
func invisible(r rune) bool {
	switch r {
	case '\u2800', '\u3164', '\u115f', '\u1160', '\uffa0', '\u034f', '\u180e', '\u17b4', '\u17b5':
		return true
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp,
		unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) ||
		!unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z)
}

func errInvalidUTF8(field string) *FieldError {
	return fieldErr(field, "this is not valid UTF-8 text: send it as UTF-8")
}

// checkUTF8 refuses text that is not valid UTF-8 rather than repairing it.
func checkUTF8(field, s string) error {
	if !utf8.ValidString(s) {
		return errInvalidUTF8(field)
	}
	return nil
}

func checkPassword(field, pw string) error {
	if err := checkUTF8(field, pw); err != nil {
		return err
	}
	if err := password.Check(pw); err != nil {
		return &FieldError{Field: field, Msg: err.Error()}
	}
	return nil
}

// MaxMarks is the longest run of combining marks a display name may hold:
// enough for any script's stacked vowel signs and accents, too few to
// pile marks over the neighbouring text.
const MaxMarks = 3

// normalizeDisplayName trims the name (a name of spaces is no name) and
// checks it: it must show something, and may not hold characters that
// make it pass for another name (see checkName).
func normalizeDisplayName(s string) (string, error) {
	if err := checkUTF8("display_name", s); err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fieldErr("display_name", "enter a display name")
	}
	if err := checkText("display_name", s, MaxDisplayName, false); err != nil {
		return "", err
	}
	return s, checkName(s)
}

// checkName refuses a display name that shows nothing, holds a character
// that shows nothing or reorders the text (bidirectional controls, zero
// width characters, the BOM; see invisible), or piles up more than
// MaxMarks combining marks on one character.
//
// The zero-width joiner is the one exception: emoji sequences such as
// 👩‍👩‍👧 and 🏳️‍🌈 need it, so it is allowed between two symbols (after
// an optional variation selector or skin-tone modifier), and nowhere else.
// Variation selector 16 likewise only after a symbol.
func checkName(s string) error {
	rs := []rune(s)
	visible, marks := false, 0
	for i, r := range rs {
		if unicode.Is(unicode.M, r) && !unicode.Is(unicode.Variation_Selector, r) {
			if marks++; marks > MaxMarks {
				return fieldErr("display_name", "too many accents or marks on one character: use at most %d in a row", MaxMarks)
			}
			continue
		}
		marks = 0
		switch {
		case r == '\u200d' && i > 0 && i+1 < len(rs) && emojiBefore(rs[:i]) && unicode.Is(unicode.So, rs[i+1]):
			continue
		case (r == '\ufe0f' || r == '\ufe0e') && i > 0 && unicode.Is(unicode.So, rs[i-1]):
			continue
		case invisible(r):
			return fieldErr("display_name", "remove the invisible or formatting character %U: a name may only hold characters that show", r)
		}
		if !unicode.IsSpace(r) {
			visible = true
		}
	}
	if !visible {
		return fieldErr("display_name", "the name shows nothing: enter letters, digits or symbols")
	}
	return nil
}

// emojiBefore reports whether the text before a joiner ends in a symbol,
// perhaps followed by a variation selector or skin-tone modifier.
func emojiBefore(rs []rune) bool {
	for i := len(rs) - 1; i >= 0; i-- {
		switch r := rs[i]; {
		case r == '\ufe0f' || (r >= 0x1f3fb && r <= 0x1f3ff):
			continue
		default:
			return unicode.Is(unicode.So, r)
		}
	}
	return false
}

// checkText checks a text field's encoding, its length and that it holds
// no control characters, which have no business in a name or headline and
// could disturb logs or terminals; multiline text may hold line breaks and
// tabs.
func checkText(field, s string, maxLen int, multiline bool) error {
	if err := checkUTF8(field, s); err != nil {
		return err
	}
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
	if err := checkUTF8("birthday", s); err != nil {
		return nil, err
	}
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
	if err := checkUTF8("birthday_visibility", s); err != nil {
		return err
	}
	switch s {
	case Public, Friends, Private:
		return nil
	}
	return fieldErr("birthday_visibility", "choose public, friends or private")
}
