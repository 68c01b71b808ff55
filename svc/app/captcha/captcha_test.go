package captcha

import "testing"

func TestValidSolution(t *testing.T) {
	for s, want := range map[string]bool{
		"":                  false,
		"0":                 true,
		"4817":              true,
		"0000000000000000":  true,
		"00000000000000000": false,
		"48a7":              false,
		"4 17":              false,
		"../getnew":         false,
		"4817/../x":         false,
		"٤٨١٧":              false, // Arabic-Indic digits are not ASCII digits
		"４８１７":              false, // nor are full-width ones
		"-1":                false,
	} {
		if got := ValidSolution(s); got != want {
			t.Errorf("ValidSolution(%q) = %v, want %v", s, got, want)
		}
	}
}
