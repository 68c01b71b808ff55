package search

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Anna Smith", []string{"anna", "smith"}},
		{"  ANNA   smith anna ", []string{"anna", "smith"}},
		{"José", []string{"jose"}},
		{"Jose\u0301", []string{"jose"}}, // decomposed
		{"Zoë Ångström-Łukasiewicz", []string{"zoe", "angstrom", "lukasiewicz"}},
		{"Søren Kierkegaard", []string{"soren", "kierkegaard"}},
		{"Straße", []string{"strasse"}},
		{"ΟΔΥΣΣΕΥΣ", []string{"οδυσσευσ"}},
		{"ﬁnn ＡＢＣ", []string{"finn", "abc"}}, // ligature, fullwidth
		{"O'Brien, Dublin (IE)", []string{"o", "brien", "dublin", "ie"}},
		{"100%_real\\deal", []string{"100", "real", "deal"}},
		{"<b>x</b>'; DROP TABLE users; --", []string{"b", "x", "drop", "table", "users"}},
		{"王小明", []string{"王小明"}},
		{"an\u200bna\u00adbel \u202eSmith\u202c \u2066x\u2069", []string{"annabel", "smith", "x"}}, // invisible, bidi
		{"a\tb\nc\x00d", []string{"a", "b", "c", "d"}},
		{"", nil},
		{"%_\\ -- !!", nil},
		{strings.Repeat("a", 70), []string{strings.Repeat("a", MaxWord)}},
	} {
		if got := Words(tc.in); !cmp.Equal(got, tc.want) {
			t.Errorf("Words(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTerms(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"ann smi", []string{"ann", "smi"}, false},
		{"smi ann", []string{"smi", "ann"}, false},
		{"an anna ann", []string{"anna"}, false}, // the shorter are implied
		{"a smith", []string{"smith", "a"}, false},
		{"José", []string{"jose"}, false},
		{"", nil, false},
		{" %_\\ ", nil, false},
		{strings.Repeat("a", MaxQuery), []string{strings.Repeat("a", MaxWord)}, false},
		{strings.Repeat("a", MaxQuery+1), nil, true},
		{strings.Repeat("é", MaxQuery), []string{strings.Repeat("e", MaxWord)}, false}, // characters, not bytes
		{"a b c d e f", []string{"a", "b", "c", "d", "e", "f"}, false},
		{"a b c d e f g", nil, true},
		{"a a a a a a a a", []string{"a"}, false},
		{"ann\xff", nil, true},
	} {
		got, err := Terms(tc.in)
		var qe *QueryError
		if tc.wantErr != errors.As(err, &qe) || !cmp.Equal(got, tc.want) {
			t.Errorf("Terms(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
