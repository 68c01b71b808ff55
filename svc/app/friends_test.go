package main

// Tests of friends and blocks (svc/app/friend) and the profile and
// friend-list visibility they decide, through the real HTTP stack and the
// real database.

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/app/friend"
)

// A member is a signed-in person of a test: their id and a browser with
// their session.
type member struct {
	id   int64
	name string
	b    *browser
}

var memberCounter int64

// newMember adds a person to the app's database and signs them in. The row
// is written directly (with a hash nobody can match): these tests are not
// about registration, and hashing a password per person would make the
// larger graphs slow.
func newMember(t testing.TB, a *app, base, name string) member {
	t.Helper()
	memberCounter++
	now := time.Now().UTC()
	res, err := a.db.Exec(`INSERT INTO users (email, email_key, password_hash, display_name, headline, about, city, created_at, updated_at)
		VALUES (?, ?, 'x', ?, ?, '', '', ?, ?)`, fmt.Sprintf("m%d@example.org", memberCounter),
		[]byte(fmt.Sprintf("m%d@example.org", memberCounter)), name, "headline of "+name, now, now)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	sess, err := a.sessions.Create(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, base)
	b.setSessid(sess.Token)
	return member{id: id, name: name, b: b}
}

func idPath(prefix string, id int64, suffix string) string {
	return prefix + strconv.FormatInt(id, 10) + suffix
}

// befriend makes the two friends through the Go API.
func befriend(t testing.TB, a *app, x, y int64) {
	t.Helper()
	ctx := context.Background()
	if _, err := a.friends.Request(ctx, x, y); err != nil {
		t.Fatalf("request %d→%d: %v", x, y, err)
	}
	if _, err := a.friends.Accept(ctx, y, x); err != nil {
		t.Fatalf("accept %d→%d: %v", x, y, err)
	}
}

// relationRows returns every row of the friend tables that involves one
// of the people, named with letters: "F S A" is the friendship row (S, A),
// "R S A" a request from S to A, "D S A" S's request declined by A, "B S A"
// S blocking A.
func relationRows(t testing.TB, a *app, names map[int64]string) []string {
	t.Helper()
	var ids []any
	for id := range names {
		ids = append(ids, id)
	}
	in := "(?" + strings.Repeat(", ?", len(ids)-1) + ")"
	var out []string
	for _, tbl := range []struct{ letter, query string }{
		{"F", "SELECT user_id, friend_id FROM friendships WHERE user_id IN " + in + " OR friend_id IN " + in},
		{"R", "SELECT sender_id, addressee_id FROM friend_requests WHERE sender_id IN " + in + " OR addressee_id IN " + in},
		{"D", "SELECT sender_id, addressee_id FROM friend_declines WHERE sender_id IN " + in + " OR addressee_id IN " + in},
		{"B", "SELECT blocker_id, blocked_id FROM blocks WHERE blocker_id IN " + in + " OR blocked_id IN " + in},
	} {
		rows, err := a.db.Query(tbl.query, append(append([]any{}, ids...), ids...)...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var x, y int64
			if err := rows.Scan(&x, &y); err != nil {
				t.Fatal(err)
			}
			out = append(out, tbl.letter+" "+names[x]+" "+names[y])
		}
		rows.Close()
	}
	sort.Strings(out)
	return out
}

// TestFriendStateMachine runs every transition of the friend state
// machine by every party: the sender S of a request, its addressee A, a
// third person T, and an anonymous visitor, from every state between S and
// A, and checks the answer and the rows left. A party that may not do
// something gets 404 (401 when not signed in) and changes nothing.
func TestFriendStateMachine(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	// The states, made through the Go API.
	setups := map[string]func(s, ad int64) error{
		"none": func(s, ad int64) error { return nil },
		"requested": func(s, ad int64) error {
			_, err := a.friends.Request(ctx, s, ad)
			return err
		},
		"friends": func(s, ad int64) error {
			if _, err := a.friends.Request(ctx, s, ad); err != nil {
				return err
			}
			_, err := a.friends.Accept(ctx, ad, s)
			return err
		},
		"declined": func(s, ad int64) error {
			if _, err := a.friends.Request(ctx, s, ad); err != nil {
				return err
			}
			return a.friends.Decline(ctx, ad, s)
		},
		"S blocked A": func(s, ad int64) error { return a.friends.Block(ctx, s, ad) },
		"A blocked S": func(s, ad int64) error { return a.friends.Block(ctx, ad, s) },
	}
	want := map[string][]string{
		"none":        nil,
		"requested":   {"R S A"},
		"incoming":    {"R A S"},
		"friends":     {"F A S", "F S A"},
		"declined":    {"D S A"},
		"S blocked A": {"B S A"},
		"A blocked S": {"B A S"},

		"S blocked A, T asked A": {"B S A", "R T A"},
	}
	const same = "" // the rows do not change
	for _, tt := range []struct {
		state  string
		party  string // S, A, T or anon
		action string // request, accept, decline, cancel, unfriend, block, unblock
		target string // S, A, T, self or nobody
		status int
		after  string // a key of want, or same
	}{
		// From none.
		{"none", "S", "request", "A", 201, "requested"},
		{"none", "S", "request", "self", 400, same},
		{"none", "S", "request", "nobody", 404, same},
		{"none", "anon", "request", "A", 401, same},
		{"none", "S", "accept", "A", 404, same},
		{"none", "A", "accept", "S", 404, same},
		{"none", "S", "decline", "A", 404, same},
		{"none", "S", "cancel", "A", 404, same},
		{"none", "S", "unfriend", "A", 404, same},
		{"none", "S", "unblock", "A", 204, same},
		{"none", "S", "block", "A", 204, "S blocked A"},
		{"none", "S", "block", "self", 400, same},
		{"none", "S", "block", "nobody", 404, same},
		// From a pending request S → A.
		{"requested", "S", "accept", "A", 404, same}, // the original site's bug: the sender confirming their own request
		{"requested", "S", "decline", "A", 404, same},
		{"requested", "A", "accept", "S", 200, "friends"},
		{"requested", "A", "decline", "S", 204, "declined"},
		{"requested", "S", "cancel", "A", 204, "none"},
		{"requested", "A", "cancel", "S", 404, same},
		{"requested", "S", "request", "A", 201, same},
		{"requested", "A", "request", "S", 200, "friends"},
		{"requested", "S", "unfriend", "A", 404, same},
		{"requested", "A", "unfriend", "S", 404, same},
		{"requested", "T", "accept", "S", 404, same},
		{"requested", "T", "decline", "S", 404, same},
		{"requested", "T", "cancel", "A", 404, same},
		{"requested", "T", "cancel", "S", 404, same},
		{"requested", "anon", "accept", "S", 401, same},
		{"requested", "anon", "cancel", "A", 401, same},
		{"requested", "A", "block", "S", 204, "A blocked S"},
		{"requested", "S", "block", "A", 204, "S blocked A"},
		// From friends.
		{"friends", "S", "unfriend", "A", 204, "none"},
		{"friends", "A", "unfriend", "S", 204, "none"},
		{"friends", "T", "unfriend", "S", 404, same},
		{"friends", "anon", "unfriend", "S", 401, same},
		{"friends", "S", "request", "A", 409, same},
		{"friends", "A", "request", "S", 409, same},
		{"friends", "A", "accept", "S", 404, same},
		{"friends", "S", "cancel", "A", 404, same},
		{"friends", "S", "block", "A", 204, "S blocked A"},
		{"friends", "A", "block", "S", 204, "A blocked S"},
		// From a declined request.
		{"declined", "S", "request", "A", 409, same},
		{"declined", "A", "accept", "S", 404, same},
		{"declined", "S", "cancel", "A", 404, same},
		{"declined", "A", "request", "S", 201, "incoming+declined"},
		// From a block: S blocked A; A is the blocked party.
		{"S blocked A", "A", "request", "S", 404, same},
		{"S blocked A", "A", "accept", "S", 404, same},
		{"S blocked A", "A", "decline", "S", 404, same},
		{"S blocked A", "A", "cancel", "S", 404, same},
		{"S blocked A", "A", "unfriend", "S", 404, same},
		{"S blocked A", "A", "block", "S", 404, same},
		{"S blocked A", "A", "unblock", "S", 404, same},
		{"S blocked A", "S", "request", "A", 409, same},
		{"S blocked A", "S", "block", "A", 204, same},
		{"S blocked A", "S", "unblock", "A", 204, "none"},
		{"S blocked A", "T", "request", "A", 201, "S blocked A, T asked A"},
		{"S blocked A", "T", "unblock", "A", 204, same},
		{"A blocked S", "S", "request", "A", 404, same},
		{"A blocked S", "S", "unblock", "A", 404, same},
		{"A blocked S", "A", "unblock", "S", 204, "none"},
		{"A blocked S", "anon", "unblock", "S", 401, same},
	} {
		name := fmt.Sprintf("%s/%s %s %s", tt.state, tt.party, tt.action, tt.target)
		t.Run(name, func(t *testing.T) {
			s, ad, third := newMember(t, a, base, "S"), newMember(t, a, base, "A"), newMember(t, a, base, "T")
			names := map[int64]string{s.id: "S", ad.id: "A", third.id: "T"}
			if err := setups[tt.state](s.id, ad.id); err != nil {
				t.Fatalf("setup: %v", err)
			}
			before := relationRows(t, a, names)
			if !slices.Equal(before, want[tt.state]) {
				t.Fatalf("setup %s made rows %q", tt.state, before)
			}
			by := map[string]member{"S": s, "A": ad, "T": third, "anon": {b: newBrowser(t, base)}}[tt.party]
			target := map[string]int64{"S": s.id, "A": ad.id, "T": third.id, "self": by.id, "nobody": third.id + 1000}[tt.target]
			var r response
			switch tt.action {
			case "request":
				r = by.b.do("POST", "/api/v1/friends/requests", map[string]int64{"user_id": target})
			case "accept":
				r = by.b.do("POST", idPath("/api/v1/friends/requests/", target, "/accept"), nil)
			case "decline":
				r = by.b.do("POST", idPath("/api/v1/friends/requests/", target, "/decline"), nil)
			case "cancel":
				r = by.b.do("DELETE", idPath("/api/v1/friends/requests/", target, ""), nil)
			case "unfriend":
				r = by.b.do("DELETE", idPath("/api/v1/friends/", target, ""), nil)
			case "block":
				r = by.b.do("PUT", idPath("/api/v1/blocks/", target, ""), nil)
			case "unblock":
				r = by.b.do("DELETE", idPath("/api/v1/blocks/", target, ""), nil)
			}
			if r.status != tt.status {
				t.Errorf("%v, want %d", r, tt.status)
			}
			if r.status >= 400 {
				if m := r.json(t); m["error"] == "" || m["error"] == nil {
					t.Errorf("error without a message: %s", r.body)
				}
			}
			after := relationRows(t, a, names)
			wantRows := before
			switch tt.after {
			case same:
			case "incoming+declined":
				wantRows = []string{"D S A", "R A S"}
			default:
				wantRows = want[tt.after]
			}
			if !slices.Equal(after, wantRows) {
				t.Errorf("rows after: %q, want %q", after, wantRows)
			}
			// What the answer says of the other person.
			switch r.status {
			case 200:
				if p, _ := r.json(t)["friendship"].(map[string]any); p == nil || p["id"] != float64(target) || p["since"] == "" {
					t.Errorf("answer %s, want the friendship with %d", r.body, target)
				}
			case 201:
				if p, _ := r.json(t)["request"].(map[string]any); p == nil || p["id"] != float64(target) || p["display_name"] == "" {
					t.Errorf("answer %s, want the request to %d", r.body, target)
				}
			}
		})
	}
}

// TestDeclineCooldown: a declined sender may ask again after
// friend.DeclineCooldown, not before.
func TestDeclineCooldown(t *testing.T) {
	a, base := startApp(t)
	s, ad := newMember(t, a, base, "S"), newMember(t, a, base, "A")
	ask := func() response {
		return s.b.do("POST", "/api/v1/friends/requests", map[string]int64{"user_id": ad.id})
	}
	if r := ask(); r.status != 201 {
		t.Fatal(r)
	}
	if _, unread := notifications(t, ad); unread != 1 {
		t.Errorf("unread after a request: %v", unread)
	}
	if r := ad.b.do("POST", idPath("/api/v1/friends/requests/", s.id, "/decline"), nil); r.status != 204 {
		t.Fatal(r)
	}
	if list, unread := notifications(t, ad); unread != 0 || len(list) != 1 {
		t.Errorf("after declining: %v, unread %v; want the request's notification, read", list, unread)
	}
	// The request is gone from both lists; the sender sees no relation.
	for _, m := range []member{s, ad} {
		r := m.b.do("GET", "/api/v1/friends/requests", nil).json(t)
		if len(r["incoming"].([]any)) != 0 || len(r["outgoing"].([]any)) != 0 {
			t.Errorf("requests after a decline: %v", r)
		}
	}
	if rel := s.b.do("GET", idPath("/api/v1/users/", ad.id, ""), nil).json(t)["relation"]; rel != "none" {
		t.Errorf("relation after a decline: %v", rel)
	}
	wantError(t, "asking again at once", ask(), 409, "user_id")
	real := time.Now
	a.friends.SetClock(func() time.Time { return real().Add(friend.DeclineCooldown - time.Hour) })
	wantError(t, "asking again a day early", ask(), 409, "user_id")
	a.friends.SetClock(func() time.Time { return real().Add(friend.DeclineCooldown + time.Minute) })
	if r := ask(); r.status != 201 {
		t.Errorf("asking again after the cooldown: %v", r)
	}
	a.friends.SetClock(real)
	// Accepting forgets the decline.
	if r := ad.b.do("POST", idPath("/api/v1/friends/requests/", s.id, "/accept"), nil); r.status != 200 {
		t.Fatal(r)
	}
	if got := relationRows(t, a, map[int64]string{s.id: "S", ad.id: "A"}); !slices.Equal(got, []string{"F A S", "F S A"}) {
		t.Errorf("rows after accepting: %q", got)
	}
}

// TestCrossedRequests: two people asking each other at once become
// friends, once.
func TestCrossedRequests(t *testing.T) {
	a, base := startApp(t)
	for i := range 10 {
		x, y := newMember(t, a, base, "X"), newMember(t, a, base, "Y")
		var wg sync.WaitGroup
		var rx, ry response
		wg.Go(func() { rx = x.b.do("POST", "/api/v1/friends/requests", map[string]int64{"user_id": y.id}) })
		wg.Go(func() { ry = y.b.do("POST", "/api/v1/friends/requests", map[string]int64{"user_id": x.id}) })
		wg.Wait()
		statuses := []int{rx.status, ry.status}
		slices.Sort(statuses)
		if !slices.Equal(statuses, []int{200, 201}) {
			t.Errorf("round %d: crossed requests answered %v and %v, want one 201 and one 200", i, rx, ry)
		}
		if got := relationRows(t, a, map[int64]string{x.id: "X", y.id: "Y"}); !slices.Equal(got, []string{"F X Y", "F Y X"}) {
			t.Errorf("round %d: rows %q, want one friendship", i, got)
		}
	}
}

// TestBlockRacesAccept: a block and an acceptance at once leave the block
// alone: no friendship, no request.
func TestBlockRacesAccept(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	for i := range 10 {
		s, ad := newMember(t, a, base, "S"), newMember(t, a, base, "A")
		if _, err := a.friends.Request(ctx, s.id, ad.id); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var accept, block response
		wg.Go(func() { accept = ad.b.do("POST", idPath("/api/v1/friends/requests/", s.id, "/accept"), nil) })
		wg.Go(func() { block = s.b.do("PUT", idPath("/api/v1/blocks/", ad.id, ""), nil) })
		wg.Wait()
		if block.status != 204 || (accept.status != 200 && accept.status != 404) {
			t.Errorf("round %d: accept %v, block %v", i, accept, block)
		}
		if got := relationRows(t, a, map[int64]string{s.id: "S", ad.id: "A"}); !slices.Equal(got, []string{"B S A"}) {
			t.Errorf("round %d: rows %q, want only the block", i, got)
		}
	}
}

// TestNamesVerbatim: names with HTML and SQL metacharacters and
// non-ASCII text come back in lists and notifications exactly as stored
// (JSON escapes <, > and &; the client sets them with textContent).
func TestNamesVerbatim(t *testing.T) {
	a, base := startApp(t)
	const name = `<img src=x onerror=alert(1)> '; DROP TABLE friendships; -- "Zoë" 名前 \ %_`
	x, y := newMember(t, a, base, name), newMember(t, a, base, "Y")
	if r := x.b.do("POST", "/api/v1/friends/requests", map[string]int64{"user_id": y.id}); r.status != 201 {
		t.Fatal(r)
	}
	r := y.b.do("GET", "/api/v1/friends/requests", nil)
	if strings.Contains(string(r.body), "<img") {
		t.Errorf("raw < in JSON: %s", r.body)
	}
	if got := r.json(t)["incoming"].([]any)[0].(map[string]any)["display_name"]; got != name {
		t.Errorf("name in the requests list: %q", got)
	}
	list, _ := notifications(t, y)
	if got := actorNames(list[0]); len(got) != 1 || got[0] != name {
		t.Errorf("name in the notification: %q", got)
	}
	y.b.do("POST", idPath("/api/v1/friends/requests/", x.id, "/accept"), nil)
	if got := y.b.do("GET", "/api/v1/friends", nil).json(t)["friends"].([]any)[0].(map[string]any)["display_name"]; got != name {
		t.Errorf("name in the friends list: %q", got)
	}
}
