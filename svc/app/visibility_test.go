package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/kin-social/kin/svc/app/friend"
)

// viewers makes an owner O and one viewer of each kind: O themselves, a
// friend, a stranger, someone O blocked, someone who blocked O, and an
// anonymous visitor.
func viewers(t *testing.T, a *app, base string) (owner member, vs map[string]member) {
	t.Helper()
	ctx := context.Background()
	owner = newMember(t, a, base, "O")
	vs = map[string]member{
		"self":      owner,
		"friend":    newMember(t, a, base, "F"),
		"stranger":  newMember(t, a, base, "S"),
		"blocked":   newMember(t, a, base, "B"),
		"blocker":   newMember(t, a, base, "K"),
		"anonymous": {b: newBrowser(t, base)},
	}
	befriend(t, a, owner.id, vs["friend"].id)
	if err := a.friends.Block(ctx, owner.id, vs["blocked"].id); err != nil {
		t.Fatal(err)
	}
	if err := a.friends.Block(ctx, vs["blocker"].id, owner.id); err != nil {
		t.Fatal(err)
	}
	return owner, vs
}

func setPrivacy(t *testing.T, m member, profile, friends string) {
	t.Helper()
	r := m.b.do("PUT", "/api/v1/me/privacy", map[string]string{"profile_visibility": profile, "friends_visibility": friends})
	if r.status != 200 {
		t.Fatalf("set privacy %s/%s: %v", profile, friends, r)
	}
	u := r.json(t)["user"].(map[string]any)
	if u["profile_visibility"] != profile || u["friends_visibility"] != friends {
		t.Fatalf("privacy set: %s", r.body)
	}
}

// TestProfileVisibility checks GET /api/v1/users/{id} against every
// viewer for each profile_visibility, with a friends-only birthday.
func TestProfileVisibility(t *testing.T) {
	a, base := startApp(t)
	owner, vs := viewers(t, a, base)
	r := owner.b.do("PUT", "/api/v1/me/profile", map[string]string{"display_name": "O", "headline": "H", "about": "About",
		"city": "C", "birthday": "1990-05-01", "birthday_visibility": "friends"})
	if r.status != 200 {
		t.Fatal(r)
	}
	// A mutual friend of the owner and the stranger.
	m := newMember(t, a, base, "M")
	befriend(t, a, owner.id, m.id)
	befriend(t, a, vs["stranger"].id, m.id)

	const hidden = "404"
	for _, tt := range []struct {
		profile string
		want    map[string]string // viewer: "details", "name" (details hidden) or hidden
	}{
		{"everyone", map[string]string{"self": "details", "friend": "details", "stranger": "details", "anonymous": "details", "blocked": hidden, "blocker": "name"}},
		{"members", map[string]string{"self": "details", "friend": "details", "stranger": "details", "anonymous": "name", "blocked": hidden, "blocker": "name"}},
		{"friends", map[string]string{"self": "details", "friend": "details", "stranger": "name", "anonymous": "name", "blocked": hidden, "blocker": "name"}},
	} {
		setPrivacy(t, owner, tt.profile, "everyone")
		for who, want := range tt.want {
			r := vs[who].b.do("GET", idPath("/api/v1/users/", owner.id, ""), nil)
			what := fmt.Sprintf("%s profile seen by %s", tt.profile, who)
			if want == hidden {
				wantError(t, what, r, 404, "")
				// Exactly as for no one.
				if none := vs[who].b.do("GET", "/api/v1/users/999999999", nil); string(none.body) != string(r.body) {
					t.Errorf("%s: %s, but no one is %s", what, r.body, none.body)
				}
				continue
			}
			if r.status != 200 {
				t.Errorf("%s: %v", what, r)
				continue
			}
			body := r.json(t)
			p := body["profile"].(map[string]any)
			if p["display_name"] != "O" || p["id"] != float64(owner.id) {
				t.Errorf("%s: %s", what, r.body)
			}
			if got := map[bool]string{true: "name", false: "details"}[p["details_hidden"] == true]; got != want {
				t.Errorf("%s: %s shown, want %s: %s", what, got, want, r.body)
			}
			if want == "name" && (p["headline"] != "" || p["about"] != "" || p["city"] != "" || p["birthday"] != "" || p["created_at"] != "") {
				t.Errorf("%s: details shown: %s", what, r.body)
			}
			if want == "details" && (p["headline"] != "H" || p["city"] != "C") {
				t.Errorf("%s: details missing: %s", what, r.body)
			}
			// The birthday is for friends (and the owner) only.
			if wantBday := who == "self" || who == "friend"; (p["birthday"] == "1990-05-01") != wantBday {
				t.Errorf("%s: birthday %q", what, p["birthday"])
			}
			wantRel := map[string]string{"self": "self", "friend": "friends", "stranger": "none", "anonymous": "none", "blocker": "blocked"}[who]
			if body["relation"] != wantRel {
				t.Errorf("%s: relation %v, want %s", what, body["relation"], wantRel)
			}
			wantMutual := map[string]float64{"stranger": 1}[who]
			if body["mutual_friends"] != wantMutual {
				t.Errorf("%s: mutual_friends %v, want %v", what, body["mutual_friends"], wantMutual)
			}
		}
	}
	wantError(t, "a bad setting", owner.b.do("PUT", "/api/v1/me/privacy", map[string]string{"profile_visibility": "nobody", "friends_visibility": "everyone"}), 400, "profile_visibility")
	wantError(t, "a bad setting", owner.b.do("PUT", "/api/v1/me/privacy", map[string]string{"profile_visibility": "members", "friends_visibility": "members"}), 400, "friends_visibility")
	wantError(t, "a missing setting", owner.b.do("PUT", "/api/v1/me/privacy", map[string]string{"profile_visibility": "members"}), 400, "friends_visibility")
	wantError(t, "privacy, anonymous", vs["anonymous"].b.do("PUT", "/api/v1/me/privacy", map[string]string{"profile_visibility": "members", "friends_visibility": "only_me"}), 401, "")
}

// TestFriendListVisibility checks GET /api/v1/friends?user= against every
// viewer for each friends_visibility.
func TestFriendListVisibility(t *testing.T) {
	a, base := startApp(t)
	owner, vs := viewers(t, a, base)
	for _, tt := range []struct {
		setting string
		may     map[string]bool
	}{
		{"everyone", map[string]bool{"self": true, "friend": true, "stranger": true, "anonymous": true}},
		{"friends", map[string]bool{"self": true, "friend": true}},
		{"only_me", map[string]bool{"self": true}},
	} {
		setPrivacy(t, owner, "everyone", tt.setting)
		for who, v := range vs {
			what := fmt.Sprintf("%s friend list seen by %s", tt.setting, who)
			r := v.b.do("GET", idPath("/api/v1/friends?user=", owner.id, ""), nil)
			if !tt.may[who] {
				wantError(t, what, r, 404, "")
				if none := v.b.do("GET", "/api/v1/friends?user=999999999", nil); string(none.body) != string(r.body) {
					t.Errorf("%s: %s, but no one's is %s", what, r.body, none.body)
				}
				continue
			}
			if r.status != 200 {
				t.Errorf("%s: %v", what, r)
				continue
			}
			list := r.json(t)["friends"].([]any)
			if len(list) != 1 || list[0].(map[string]any)["id"] != float64(vs["friend"].id) || r.json(t)["next"] != nil {
				t.Errorf("%s: %s, want the one friend", what, r.body)
			}
		}
	}
	// My own list needs no ?user=, and a sign-in.
	if r := owner.b.do("GET", "/api/v1/friends", nil); r.status != 200 || len(r.json(t)["friends"].([]any)) != 1 {
		t.Errorf("my friends: %v", r)
	}
	wantError(t, "my friends, anonymous", vs["anonymous"].b.do("GET", "/api/v1/friends", nil), 401, "")
	for _, bad := range []string{"0", "-1", "abc", "1%20OR%201=1", "99999999999999999999"} {
		wantError(t, "user="+bad, owner.b.do("GET", "/api/v1/friends?user="+bad, nil), 404, "")
	}
}

// TestBlockHides: after a block, the blocked person sees the blocker as
// no one anywhere, the blocker sees only their name, and lists of third
// people leave each out for the other.
func TestBlockHides(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	k, b, c := newMember(t, a, base, "Blocker"), newMember(t, a, base, "Blocked"), newMember(t, a, base, "Common")
	befriend(t, a, k.id, b.id)
	befriend(t, a, k.id, c.id)
	befriend(t, a, b.id, c.id)
	if r := k.b.do("PUT", idPath("/api/v1/blocks/", b.id, ""), nil); r.status != 204 {
		t.Fatal(r)
	}
	// The friendship ended.
	if ok, err := a.friends.AreFriends(ctx, k.id, b.id); ok || err != nil {
		t.Errorf("still friends after a block: %v %v", ok, err)
	}
	if ok, err := a.friends.IsBlocked(ctx, b.id, k.id); !ok || err != nil {
		t.Errorf("IsBlocked(blocked, blocker) = %v, %v", ok, err)
	}
	if _, err := a.friends.Relation(ctx, b.id, k.id); err != friend.ErrHidden {
		t.Errorf("Relation(blocked, blocker) = %v, want ErrHidden", err)
	}
	if rel, err := a.friends.Relation(ctx, k.id, b.id); rel != friend.Blocked || err != nil {
		t.Errorf("Relation(blocker, blocked) = %v, %v", rel, err)
	}
	none := b.b.do("GET", "/api/v1/users/999999999", nil)
	for _, p := range []string{
		idPath("/api/v1/users/", k.id, ""),
		idPath("/api/v1/friends?user=", k.id, ""),
		idPath("/api/v1/friends/mutual/", k.id, ""),
		idPath("/api/v1/friends/path/", k.id, ""),
	} {
		r := b.b.do("GET", p, nil)
		wantError(t, "blocked: GET "+p, r, 404, "")
		if string(r.body) != string(none.body) {
			t.Errorf("blocked: GET %s: %s, unlike no one: %s", p, r.body, none.body)
		}
		wantError(t, "blocker: GET "+p, k.b.do("GET", strings.Replace(p, strconv.FormatInt(k.id, 10), strconv.FormatInt(b.id, 10), 1), nil), 404, "")
	}
	// The blocker still sees the profile (to unblock), without details.
	r := k.b.do("GET", idPath("/api/v1/users/", b.id, ""), nil)
	if r.status != 200 || r.json(t)["relation"] != "blocked" || r.json(t)["profile"].(map[string]any)["details_hidden"] != true {
		t.Errorf("blocker sees the blocked: %v", r)
	}
	// The common friend's list leaves each out for the other.
	for _, tt := range []struct {
		m    member
		gone int64
	}{{k, b.id}, {b, k.id}} {
		r := tt.m.b.do("GET", idPath("/api/v1/friends?user=", c.id, ""), nil)
		if r.status != 200 {
			t.Fatal(r)
		}
		for _, p := range r.json(t)["friends"].([]any) {
			if p.(map[string]any)["id"] == float64(tt.gone) {
				t.Errorf("%s sees %d in a friend's list: %s", tt.m.name, tt.gone, r.body)
			}
		}
		if n := len(r.json(t)["friends"].([]any)); n != 1 {
			t.Errorf("%s sees %d of the common friend's friends, want 1 (themselves)", tt.m.name, n)
		}
		// Nor in suggestions, though they are friends of a friend.
		for _, s := range tt.m.b.do("GET", "/api/v1/friends/suggestions", nil).json(t)["suggestions"].([]any) {
			if s.(map[string]any)["id"] == float64(tt.gone) {
				t.Errorf("%s is suggested %d", tt.m.name, tt.gone)
			}
		}
	}
	// The blocker's list of blocks.
	r = k.b.do("GET", "/api/v1/blocks", nil)
	if list := r.json(t)["blocked"].([]any); len(list) != 1 || list[0].(map[string]any)["id"] != float64(b.id) {
		t.Errorf("blocks: %s", r.body)
	}
	if list := b.b.do("GET", "/api/v1/blocks", nil).json(t)["blocked"].([]any); len(list) != 0 {
		t.Errorf("the blocked person's blocks: %v", list)
	}
}
