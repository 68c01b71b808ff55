package site

import "testing"

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"0", 0, false},
		{"100", 100, false},
		{"512k", 512 << 10, false},
		{"1m", 1 << 20, false},
		{"64M", 64 << 20, false},
		{"2g", 2 << 30, false},
		{"", 0, true},
		{"m", 0, true},
		{"-1m", 0, true},
		{"64mb", 0, true},
		{"99999999999g", 0, true},
	} {
		got, err := ParseSize(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
