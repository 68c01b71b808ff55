package search

import (
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
		{"", nil},
		{"%_\\ -- !!", nil},
		{strings.Repeat("a", 70), []string{strings.Repeat("a", MaxWord)}},
	} {
		if got := Words(tc.in); !cmp.Equal(got, tc.want) {
			t.Errorf("Words(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
