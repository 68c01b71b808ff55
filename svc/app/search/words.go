package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FoldVersion is the version of Fold's rules. search_people records the
// version each person's words were made with; raising it makes Backfill
// index everyone again at the next start.
const FoldVersion = 1

// MaxWord is the length, in characters, at which words are cut, in the
// index and in queries alike: a longer query word matches as its first
// MaxWord characters.
const MaxWord = 64

// letters maps the letters that carry their "accent" in the letter
// itself, so that NFKD does not take it off, to what people type for them.
var letters = map[rune]string{
	'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'ħ': "h", 'ŧ': "t", 'ı': "i",
	'æ': "ae", 'œ': "oe", 'þ': "th", 'ß': "ss", 'ĸ': "k", 'ŀ': "l", 'ſ': "s",
}

// Fold returns s as search compares it: decomposed (NFKD, so ligatures
// and fullwidth letters become plain ones), without combining accents,
// lower case, with the letters of the table above spelled as people type
// them. "José", "JOSE" and "jose" fold to "jose". Identity never uses
// it: it is for finding people, not for telling them apart.
func Fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if r == 'ς' { // final sigma
			r = 'σ'
		}
		if t, ok := letters[r]; ok {
			b.WriteString(t)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Words returns the distinct words of s, folded, in their order: the runs
// of letters, digits and marks, everything else (spaces, punctuation, SQL's
// and HTML's metacharacters) separating them. Each is cut at MaxWord
// characters.
func Words(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r)
	}) {
		if utf8.RuneCountInString(w) > MaxWord {
			w = string([]rune(w)[:MaxWord])
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
