package notify

import (
	"slices"
	"testing"
)

func TestIDs(t *testing.T) {
	for _, list := range [][]int64{nil, {1}, {9223372036854775807, 2, 3}} {
		got, err := parseIDs(formatIDs(list))
		if err != nil || !slices.Equal(got, list) {
			t.Errorf("round trip of %v: %v, %v", list, got, err)
		}
	}
	// The longest list fits the column.
	if s := formatIDs([]int64{9223372036854775807, 9223372036854775806, 9223372036854775805}); len(s) > 64 {
		t.Errorf("%d bytes do not fit latest_actors VARCHAR(64)", len(s))
	}
	for _, bad := range []string{",", "1,", "a", "1,,2", " 1"} {
		if _, err := parseIDs(bad); err == nil {
			t.Errorf("parseIDs(%q) took it", bad)
		}
	}
}

func TestEventCheck(t *testing.T) {
	ok := Event{Kind: Like, Recipient: 1, Actor: 2, Subject: 3}
	if err := ok.check(); err != nil {
		t.Error(err)
	}
	for _, e := range []Event{
		{Kind: "poke", Recipient: 1, Actor: 2, Subject: 3},
		{Kind: Like, Actor: 2, Subject: 3},
		{Kind: Like, Recipient: 1, Subject: 3},
		{Kind: Like, Recipient: 1, Actor: 2},
		{Kind: Comment, Recipient: -1, Actor: 2, Subject: 3},
	} {
		if err := e.check(); err == nil {
			t.Errorf("%+v passed", e)
		}
	}
}
