package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/app/friend"
)

// addFriendships writes friendships of owner with each of the others
// directly, at the times given (several may share one, to test the
// tie-break).
func addFriendships(t testing.TB, a *app, owner int64, others []int64, at func(i int) time.Time) {
	t.Helper()
	for i, o := range others {
		ts := at(i)
		if _, err := a.db.Exec("INSERT INTO friendships (user_id, friend_id, created_at) VALUES (?, ?, ?), (?, ?, ?)",
			owner, o, ts, o, owner, ts); err != nil {
			t.Fatal(err)
		}
	}
}

// pages reads every page of a list, returning the ids in order; between
// (if not nil) runs after each page.
func pages(t *testing.T, b *browser, path, key string, between func()) []int64 {
	t.Helper()
	var ids []int64
	cursor := ""
	for n := 0; ; n++ {
		p := path
		if cursor != "" {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			p += sep + "cursor=" + url.QueryEscape(cursor)
		}
		r := b.do("GET", p, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %v", p, r)
		}
		body := r.json(t)
		list := body[key].([]any)
		if len(list) > friend.PageSize {
			t.Fatalf("page of %d", len(list))
		}
		for _, x := range list {
			ids = append(ids, int64(x.(map[string]any)["id"].(float64)))
		}
		next, _ := body["next"].(string)
		if next == "" {
			return ids
		}
		if len(list) != friend.PageSize {
			t.Errorf("a page of %d before the last", len(list))
		}
		cursor = next
		if between != nil {
			between()
		}
		if n > 1000 {
			t.Fatal("endless pages")
		}
	}
}

// TestFriendPagesUnderInserts pages through a friend list while new
// friendships are made: every friend there was at the start is seen once,
// no one twice, and the order is newest first (ties broken by id).
func TestFriendPagesUnderInserts(t *testing.T) {
	a, base := startApp(t)
	owner := newMember(t, a, base, "Owner")
	var old []int64
	for range 73 {
		old = append(old, newMember(t, a, base, "Old").id)
	}
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	// Groups of five share a time.
	addFriendships(t, a, owner.id, old, func(i int) time.Time { return start.Add(time.Duration(i/5) * time.Second) })
	var fresh []int64
	for range 40 {
		fresh = append(fresh, newMember(t, a, base, "New").id)
	}

	// New friendships are made all the time, through the API, and
	// between pages some are written at the old ones' times, ties
	// included, before and after the cursor.
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, f := range fresh[:20] {
			if stop.Load() {
				return
			}
			befriend(t, a, f, owner.id)
		}
	})
	late := fresh[20:]
	seen := pages(t, owner.b, "/api/v1/friends", "friends", func() {
		for i := 0; i < 4 && len(late) > 0; i++ {
			addFriendships(t, a, owner.id, late[:1], func(int) time.Time { return start.Add(time.Duration(len(late)%15) * time.Second) })
			late = late[1:]
		}
	})
	stop.Store(true)
	wg.Wait()
	if len(late) == len(fresh[20:]) {
		t.Fatal("nothing was written between pages")
	}

	count := map[int64]int{}
	for _, id := range seen {
		count[id]++
		if count[id] > 1 {
			t.Errorf("friend %d seen twice", id)
		}
	}
	for _, id := range old {
		if count[id] != 1 {
			t.Errorf("friend %d seen %d times, want once", id, count[id])
		}
	}
	for _, id := range fresh {
		if count[id] > 1 {
			t.Errorf("new friend %d seen %d times", id, count[id])
		}
	}
	// The old ones come in order: newest group first, higher id first
	// within a group.
	want := slices.Clone(old)
	slices.SortFunc(want, func(x, y int64) int {
		ix, iy := slices.Index(old, x)/5, slices.Index(old, y)/5
		if ix != iy {
			return iy - ix
		}
		return int(y - x)
	})
	var gotOld []int64
	for _, id := range seen {
		if slices.Contains(old, id) {
			gotOld = append(gotOld, id)
		}
	}
	if !slices.Equal(gotOld, want) {
		t.Errorf("order of the old friends\n got %v\nwant %v", gotOld, want)
	}
}

// TestCursors: a cursor that was altered, or made for another list or
// another viewer, is a 400 naming the cursor, for every list.
func TestCursors(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	x, y := newMember(t, a, base, "X"), newMember(t, a, base, "Y")
	var others []int64
	for range 25 {
		o := newMember(t, a, base, "O")
		others = append(others, o.id)
		befriend(t, a, x.id, o.id)
		befriend(t, a, y.id, o.id)
		if _, err := a.friends.Request(ctx, o.id, x.id); err != nil && err != friend.ErrAlreadyFriends {
			t.Fatal(err)
		}
	}
	lists := []struct{ path, key string }{
		{"/api/v1/friends", "friends"},
		{idPath("/api/v1/friends?user=", y.id, ""), "friends"},
		{idPath("/api/v1/friends/mutual/", y.id, ""), "mutual"},
	}
	var cursors []string
	for _, l := range lists {
		r := x.b.do("GET", l.path, nil)
		next, _ := r.json(t)["next"].(string)
		if r.status != 200 || next == "" {
			t.Fatalf("GET %s: %v, want a next page", l.path, r)
		}
		cursors = append(cursors, next)
	}
	with := func(path, cursor string) string {
		if strings.Contains(path, "?") {
			return path + "&cursor=" + url.QueryEscape(cursor)
		}
		return path + "?cursor=" + url.QueryEscape(cursor)
	}
	for i, l := range lists {
		cur := cursors[i]
		tampered := []byte(cur)
		tampered[3] ^= 1
		for _, bad := range []string{string(tampered), cur[:len(cur)-1], cur + "A", "not-a-cursor", "' OR 1=1 --", cursors[(i+1)%len(cursors)]} {
			wantError(t, fmt.Sprintf("GET %s with cursor %q", l.path, bad), x.b.do("GET", with(l.path, bad), nil), 400, "cursor")
		}
		// Another viewer's cursor of the "same" list.
		wantError(t, "another viewer's cursor", y.b.do("GET", with(l.path, cur), nil), 400, "cursor")
		if r := x.b.do("GET", with(l.path, cur), nil); r.status != 200 {
			t.Errorf("the right cursor: %v", r)
		}
	}
	// The notification list's cursor, checked in notifications_test.go;
	// the requests' two cursors here.
	wantError(t, "incoming cursor", x.b.do("GET", "/api/v1/friends/requests?incoming_cursor=junk", nil), 400, "incoming_cursor")
	wantError(t, "outgoing cursor", x.b.do("GET", "/api/v1/friends/requests?outgoing_cursor=junk", nil), 400, "outgoing_cursor")
	_ = others
}

// TestMutualSuggestionsPath checks mutual friends, suggestions and the
// chain of friends on a small graph:
//
//	V - a - x - z - w
//	V - b - x
//	a - y
func TestMutualSuggestionsPath(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	m := map[string]member{}
	for _, n := range []string{"V", "a", "b", "x", "y", "z", "w", "q"} {
		m[n] = newMember(t, a, base, n)
	}
	for _, e := range [][2]string{{"V", "a"}, {"V", "b"}, {"a", "x"}, {"b", "x"}, {"a", "y"}, {"x", "z"}, {"z", "w"}} {
		befriend(t, a, m[e[0]].id, m[e[1]].id)
	}
	v := m["V"]
	names := func(list []any) string {
		var s []string
		for _, p := range list {
			id := int64(p.(map[string]any)["id"].(float64))
			for n, mm := range m {
				if mm.id == id {
					s = append(s, n)
				}
			}
		}
		return strings.Join(s, " ")
	}
	suggestions := func() string {
		r := v.b.do("GET", "/api/v1/friends/suggestions", nil)
		if r.status != 200 {
			t.Fatal(r)
		}
		return names(r.json(t)["suggestions"].([]any))
	}
	if got := suggestions(); got != "x y" {
		t.Errorf("suggestions %q, want x (2 mutual) then y (1)", got)
	}
	r := v.b.do("GET", "/api/v1/friends/suggestions", nil).json(t)["suggestions"].([]any)
	if r[0].(map[string]any)["mutual_friends"] != 2.0 || r[1].(map[string]any)["mutual_friends"] != 1.0 {
		t.Errorf("suggestions' mutual counts: %v", r)
	}
	r2 := v.b.do("GET", idPath("/api/v1/friends/mutual/", m["x"].id, ""), nil)
	if body := r2.json(t); r2.status != 200 || body["count"] != 2.0 || names(body["mutual"].([]any)) != "b a" {
		t.Errorf("mutual friends with x: %s, want b and a (newest friendship first), count 2", r2.body)
	}
	if body := v.b.do("GET", idPath("/api/v1/users/", m["x"].id, ""), nil).json(t); body["mutual_friends"] != 2.0 {
		t.Errorf("profile of x: mutual_friends %v", body["mutual_friends"])
	}
	for _, tt := range []struct{ to, want string }{
		{"a", "V a"}, {"x", "V a x"}, {"z", "V a x z"}, {"w", ""}, {"q", ""}, {"V", "V"},
	} {
		r := v.b.do("GET", idPath("/api/v1/friends/path/", m[tt.to].id, ""), nil)
		if r.status != 200 {
			t.Errorf("path to %s: %v", tt.to, r)
			continue
		}
		got := names(r.json(t)["path"].([]any))
		// x is reached through a or b, both shortest.
		if got != tt.want && strings.ReplaceAll(got, " b ", " a ") != tt.want {
			t.Errorf("path to %s: %q, want %q", tt.to, got, tt.want)
		}
	}
	// From the far end, where z has fewer friends than V: the chain is
	// found from the other side and still reads from the viewer.
	if got := names(m["z"].b.do("GET", idPath("/api/v1/friends/path/", v.id, ""), nil).json(t)["path"].([]any)); got != "z x a V" && got != "z x b V" {
		t.Errorf("path from z to V: %q", got)
	}

	// Requested, declined and blocked people are not suggested.
	if _, err := a.friends.Request(ctx, v.id, m["y"].id); err != nil {
		t.Fatal(err)
	}
	if got := suggestions(); got != "x" {
		t.Errorf("after requesting y: %q, want x", got)
	}
	if err := a.friends.Decline(ctx, m["y"].id, v.id); err != nil {
		t.Fatal(err)
	}
	if got := suggestions(); got != "x" {
		t.Errorf("after y declined: %q, want x", got)
	}
	if _, err := a.friends.Request(ctx, m["x"].id, v.id); err != nil {
		t.Fatal(err)
	}
	if got := suggestions(); got != "" {
		t.Errorf("after x asked V: %q, want none", got)
	}
	if err := a.friends.Decline(ctx, v.id, m["x"].id); err != nil {
		t.Fatal(err)
	}
	if got := suggestions(); got != "" {
		t.Errorf("after V declined x: %q, want none", got)
	}
	// A block hides x from the chain too: V - b - x was the way to z.
	if err := a.friends.Block(ctx, v.id, m["x"].id); err != nil {
		t.Fatal(err)
	}
	if got := names(v.b.do("GET", idPath("/api/v1/friends/path/", m["z"].id, ""), nil).json(t)["path"].([]any)); got != "" {
		t.Errorf("path to z through a blocked x: %q", got)
	}
	wantError(t, "mutual, anonymous", newBrowser(t, base).do("GET", idPath("/api/v1/friends/mutual/", v.id, ""), nil), 401, "")
}

// TestRequestLists checks the incoming and outgoing lists and their pages.
func TestRequestLists(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	me := newMember(t, a, base, "Me")
	var in, out []int64
	for i := range 23 {
		o := newMember(t, a, base, fmt.Sprint("In", i))
		if _, err := a.friends.Request(ctx, o.id, me.id); err != nil {
			t.Fatal(err)
		}
		in = append(in, o.id)
	}
	for i := range 3 {
		o := newMember(t, a, base, fmt.Sprint("Out", i))
		if _, err := a.friends.Request(ctx, me.id, o.id); err != nil {
			t.Fatal(err)
		}
		out = append(out, o.id)
	}
	r := me.b.do("GET", "/api/v1/friends/requests", nil)
	body := r.json(t)
	inc, outg := body["incoming"].([]any), body["outgoing"].([]any)
	next, _ := body["next_incoming"].(string)
	if len(inc) != friend.PageSize || len(outg) != 3 || next == "" || body["next_outgoing"] != nil {
		t.Fatalf("requests: %s", r.body)
	}
	if first := inc[0].(map[string]any); first["id"] != float64(in[len(in)-1]) || first["since"] == "" || first["headline"] != "headline of In22" {
		t.Errorf("newest incoming request: %v", first)
	}
	if outg[0].(map[string]any)["id"] != float64(out[2]) {
		t.Errorf("newest outgoing request: %v", outg[0])
	}
	r = me.b.do("GET", "/api/v1/friends/requests?incoming_cursor="+url.QueryEscape(next), nil)
	if rest := r.json(t)["incoming"].([]any); len(rest) != 3 || rest[2].(map[string]any)["id"] != float64(in[0]) {
		t.Errorf("second page of incoming requests: %s", r.body)
	}
	wantError(t, "requests, anonymous", newBrowser(t, base).do("GET", "/api/v1/friends/requests", nil), 401, "")
	// Bad bodies of a request.
	for _, body := range []string{`{}`, `{"user_id": "7"}`, `{"user_id": 1.5}`, `{"user_id": 7, "x": 1}`, `[]`} {
		if r := me.b.do("POST", "/api/v1/friends/requests", body); r.status != 400 {
			t.Errorf("request %s: %v, want 400", body, r)
		}
	}
	wantError(t, "request to id 0", me.b.do("POST", "/api/v1/friends/requests", `{"user_id": 0}`), 404, "")
	for _, p := range []string{"/api/v1/friends/requests/abc/accept", "/api/v1/friends/requests/0/accept", "/api/v1/friends/requests/-1/decline"} {
		wantError(t, p, me.b.do("POST", p, nil), 404, "")
	}
	// Routing: friends' paths that look alike.
	wantError(t, "DELETE /api/v1/friends/requests", me.b.do("DELETE", "/api/v1/friends/requests", nil), 405, "")
	wantError(t, "PUT /api/v1/friends/suggestions", me.b.do("PUT", "/api/v1/friends/suggestions", nil), 405, "")
	wantError(t, "GET /api/v1/friends/7", me.b.do("GET", "/api/v1/friends/7", nil), 405, "")
}

// TestSQLForOtherFeatures runs the SQL friend exports for the feed and
// search in queries of the kind they will write.
func TestSQLForOtherFeatures(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	v, f1, f2, k, s := newMember(t, a, base, "V"), newMember(t, a, base, "F1"), newMember(t, a, base, "F2"), newMember(t, a, base, "K"), newMember(t, a, base, "S")
	befriend(t, a, v.id, f1.id)
	befriend(t, a, v.id, f2.id)
	if err := a.friends.Block(ctx, k.id, v.id); err != nil {
		t.Fatal(err)
	}
	query := func(q string, args ...any) []int64 {
		t.Helper()
		rows, err := a.db.Query(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		return ids
	}
	if got := query("SELECT id FROM users WHERE id IN ("+friend.FriendsOfSQL+") ORDER BY id", v.id); !slices.Equal(got, []int64{f1.id, f2.id}) {
		t.Errorf("FriendsOfSQL: %v", got)
	}
	if got := query("SELECT id FROM users WHERE id IN ("+friend.BlockedWithSQL+")", v.id, v.id); !slices.Equal(got, []int64{k.id}) {
		t.Errorf("BlockedWithSQL: %v", got)
	}
	if got := query("SELECT u.id FROM users u WHERE u.id IN (?, ?, ?)"+friend.NotBlockedSQL("u.id")+" ORDER BY u.id", k.id, s.id, f1.id, v.id, v.id); !slices.Equal(got, []int64{f1.id, s.id}) {
		t.Errorf("NotBlockedSQL: %v", got)
	}
	if m, err := a.friends.FriendsAmong(ctx, v.id, []int64{f1.id, s.id, k.id}); err != nil || len(m) != 1 || !m[f1.id] {
		t.Errorf("FriendsAmong = %v, %v", m, err)
	}
}
