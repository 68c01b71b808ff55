package friend

import "testing"

func TestParseID(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int64
	}{
		{"1", 1}, {"42", 42}, {"9223372036854775807", 9223372036854775807}, {"007", 7},
		{"", 0}, {"0", 0}, {"-1", 0}, {"+1", 0}, {"1.0", 0}, {"1e3", 0}, {" 1", 0}, {"abc", 0},
		{"9223372036854775808", 0}, {"99999999999999999999", 0}, {"1 OR 1=1", 0}, {"١", 0},
	} {
		got, ok := parseID(tt.s)
		if ok != (tt.want != 0) || got != tt.want && ok {
			t.Errorf("parseID(%q) = %d, %v; want %d", tt.s, got, ok, tt.want)
		}
	}
}
