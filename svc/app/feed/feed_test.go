package feed

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
		max            int
		bad            bool
	}{
		{name: "plain", in: "hello", want: "hello", max: 10},
		{name: "trimmed", in: " \n\thello \r\n", want: "hello", max: 10},
		{name: "inner line breaks and tabs", in: "a\nb\r\nc\td", want: "a\nb\r\nc\td", max: 10},
		{name: "blank", in: " \n\t\u00a0\u3000 ", max: 10, bad: true},
		{name: "empty", in: "", max: 10, bad: true},
		{name: "at the limit in characters", in: strings.Repeat("ü", 10), want: strings.Repeat("ü", 10), max: 10},
		{name: "over the limit", in: strings.Repeat("a", 11), max: 10, bad: true},
		{name: "over the limit after trimming is fine", in: " " + strings.Repeat("a", 10) + " ", want: strings.Repeat("a", 10), max: 10},
		{name: "NUL", in: "a\x00b", max: 10, bad: true},
		{name: "escape", in: "a\x1b[2Jb", max: 10, bad: true},
		{name: "DEL", in: "a\x7fb", max: 10, bad: true},
		{name: "C1 control", in: "a\u0085b", max: 10, bad: true},
		{name: "invalid UTF-8", in: "a\xffb", max: 10, bad: true},
		{name: "encoded surrogate", in: "a\xed\xa0\x80b", max: 10, bad: true},
		{name: "bidirectional and invisible kept", in: "\u202eab\u202c\u200b\u2066c\u2069", want: "\u202eab\u202c\u200b\u2066c\u2069", max: 10},
		{name: "markup kept", in: "<b>'x'</b>", want: "<b>'x'</b>", max: 10},
	} {
		got, err := checkText("text", tt.in, tt.max)
		var fe *FieldError
		switch {
		case tt.bad && (!errors.As(err, &fe) || fe.Field != "text" || fe.Msg == ""):
			t.Errorf("%s: checkText(%q) = %q, %v; want a FieldError for text", tt.name, tt.in, got, err)
		case !tt.bad && (err != nil || got != tt.want):
			t.Errorf("%s: checkText(%q) = %q, %v; want %q", tt.name, tt.in, got, err, tt.want)
		}
	}
}

func TestVisible(t *testing.T) {
	const author, viewer = 1, 2
	post := func(vis Visibility) postRow { return postRow{Author: author, Kind: KindPost, Visibility: vis} }
	for _, tt := range []struct {
		name   string
		r      postRow
		viewer int64
		want   bool
	}{
		{"public to anyone", post(Public), viewer, true},
		{"public signed out", post(Public), 0, true},
		{"friends to a stranger", post(Friends), viewer, false},
		{"friends signed out", post(Friends), 0, false},
		{"friends to a friend", postRow{Author: author, Kind: KindPost, Visibility: Friends, ViewerFriend: true}, viewer, true},
		{"only_me to a friend", postRow{Author: author, Kind: KindPost, Visibility: OnlyMe, ViewerFriend: true}, viewer, false},
		{"only_me to the author", post(OnlyMe), author, true},
		{"public across a block", postRow{Author: author, Kind: KindPost, Visibility: Public, Blocked: true}, viewer, false},
		{"friendship item to its author", postRow{Author: author, Kind: KindFriendship, Visibility: OnlyMe}, author, true},
		{"friendship item to the friend", postRow{Author: author, Kind: KindFriendship, Visibility: OnlyMe, ViewerFriend: true}, viewer, false},
		{"a public friendship item to others", postRow{Author: author, Kind: KindFriendship, Visibility: Public}, viewer, false},
		{"stale friendship item to its author", postRow{Author: author, Kind: KindFriendship, Visibility: OnlyMe, Stale: true}, author, false},
	} {
		if got := tt.r.visible(tt.viewer); got != tt.want {
			t.Errorf("%s: visible = %v, want %v", tt.name, got, tt.want)
		}
	}
}
