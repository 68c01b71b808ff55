package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kin-social/kin/svc/app/account"
)

// searchTown is a few people on one app, made through the features' Go
// APIs (registration over HTTP is tested elsewhere), searched over HTTP.
type searchTown struct {
	t    *testing.T
	a    *app
	base string
	ids  map[string]int64 // by display name
	keys map[string]string
}

func newSearchTown(t *testing.T) *searchTown {
	a, base := startApp(t)
	return &searchTown{t: t, a: a, base: base, ids: map[string]int64{}, keys: map[string]string{}}
}

// add registers a person and sets their headline, city and
// profile_visibility.
func (st *searchTown) add(name, headline, city, visibility string) int64 {
	st.t.Helper()
	ctx := context.Background()
	u, err := st.a.accounts.Register(ctx, account.Registration{
		Email: fmt.Sprintf("p%d@example.org", len(st.ids)), Password: "long enough", DisplayName: name})
	if err != nil {
		st.t.Fatalf("register %q: %v", name, err)
	}
	if headline != "" || city != "" {
		if _, err := st.a.accounts.UpdateProfile(ctx, u.ID, account.ProfileUpdate{DisplayName: name,
			Headline: headline, City: city, BirthdayVisibility: account.Private}); err != nil {
			st.t.Fatalf("profile of %q: %v", name, err)
		}
	}
	if visibility != "" {
		if _, err := st.a.accounts.UpdatePrivacy(ctx, u.ID, account.Privacy{ProfileVisibility: visibility,
			FriendsVisibility: account.Everyone}); err != nil {
			st.t.Fatalf("privacy of %q: %v", name, err)
		}
	}
	st.ids[name] = u.ID
	return u.ID
}

func (st *searchTown) befriend(a, b string) {
	st.t.Helper()
	ctx := context.Background()
	if _, err := st.a.friends.Request(ctx, st.ids[a], st.ids[b]); err != nil {
		st.t.Fatalf("%s asks %s: %v", a, b, err)
	}
	if _, err := st.a.friends.Accept(ctx, st.ids[b], st.ids[a]); err != nil {
		st.t.Fatalf("%s accepts %s: %v", b, a, err)
	}
}

func (st *searchTown) ask(a, b string) {
	st.t.Helper()
	if _, err := st.a.friends.Request(context.Background(), st.ids[a], st.ids[b]); err != nil {
		st.t.Fatalf("%s asks %s: %v", a, b, err)
	}
}

func (st *searchTown) block(a, b string) {
	st.t.Helper()
	if err := st.a.friends.Block(context.Background(), st.ids[a], st.ids[b]); err != nil {
		st.t.Fatalf("%s blocks %s: %v", a, b, err)
	}
}

// as returns a browser signed in as the person.
func (st *searchTown) as(name string) *browser {
	st.t.Helper()
	b := newBrowser(st.t, st.base)
	if st.keys[name] == "" {
		sess, err := st.a.sessions.Create(context.Background(), st.ids[name])
		if err != nil {
			st.t.Fatal(err)
		}
		st.keys[name] = sess.Token
	}
	b.setSessid(st.keys[name])
	return b
}

// found is a person in a search's answer.
type found struct {
	ID            int64  `json:"id"`
	DisplayName   string `json:"display_name"`
	Headline      string `json:"headline"`
	City          string `json:"city"`
	DetailsHidden bool   `json:"details_hidden"`
	Relation      string `json:"relation"`
	MutualFriends int    `json:"mutual_friends"`
}

// search returns what viewer finds with the raw (already escaped) query
// string rawQ, failing the test on any answer but 200.
func (st *searchTown) searchRaw(viewer, rawQ string) []found {
	st.t.Helper()
	r := st.as(viewer).do("GET", "/api/v1/search/people?q="+rawQ, nil)
	if r.status != 200 {
		st.t.Fatalf("%s searches %q: %v", viewer, rawQ, r)
	}
	var body struct {
		People []found `json:"people"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.People == nil {
		st.t.Fatalf("%s searches %q: body %s, want {\"people\": [...]} (%v)", viewer, rawQ, r.body, err)
	}
	return body.People
}

func (st *searchTown) search(viewer, q string) []found {
	st.t.Helper()
	return st.searchRaw(viewer, url.QueryEscape(q))
}

func names(fs []found) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.DisplayName)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}

func TestSearchMatching(t *testing.T) {
	st := newSearchTown(t)
	st.add("Viewer Zed", "", "", "")
	st.add("Anna Smith", "Gardener at Kew", "London", "")
	st.add("Annabel Smithers", "", "", "")
	st.add("Ann O'Neil", "", "", "")
	st.add("José Álvarez", "", "Málaga", "")
	st.add("Bob Jones", "", "Annecy", "")
	st.add(`100%_Real\Deal`, "", "", "")
	st.add("Søren Łukasz", "", "", "")

	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"ann smi", []string{"Anna Smith", "Annabel Smithers"}},
		{"smi ann", []string{"Anna Smith", "Annabel Smithers"}},
		{"anna smith", []string{"Anna Smith", "Annabel Smithers"}}, // each word a prefix
		{"smith annab", []string{"Annabel Smithers"}},
		{"smith anna", []string{"Anna Smith", "Annabel Smithers"}},
		{"ANNA SMITHE", []string{"Annabel Smithers"}},
		{"  anna,  smith!  ", []string{"Anna Smith", "Annabel Smithers"}},
		{"ann", []string{"Anna Smith", "Annabel Smithers", "Ann O'Neil", "Bob Jones"}}, // Bob by his city
		{"annabel", []string{"Annabel Smithers"}},
		{"annx", nil},
		{"jose", []string{"José Álvarez"}},
		{"JOSÉ", []string{"José Álvarez"}},
		{"Jose\u0301", []string{"José Álvarez"}}, // decomposed
		{"alv", []string{"José Álvarez"}},
		{"malaga", []string{"José Álvarez"}},
		{"soren lukasz", []string{"Søren Łukasz"}},
		{"kew", []string{"Anna Smith"}},              // headline
		{"gard lon", []string{"Anna Smith"}},         // headline and city
		{"lon", []string{"Anna Smith"}},              // city
		{"o'neil", []string{"Ann O'Neil"}},           // o and neil
		{"j", []string{"José Álvarez", "Bob Jones"}}, // one letter
		{"s", []string{"Anna Smith", "Annabel Smithers", "Søren Łukasz"}},
		{"100", []string{`100%_Real\Deal`}},
		{"real deal", []string{`100%_Real\Deal`}},
		{"", nil},
		{"   ", nil},
		{"zed", nil}, // the viewer does not find themselves
		// LIKE's metacharacters are no wildcards.
		{"%", nil},
		{"_", nil},
		{`\`, nil},
		{"%nna", nil},
		{"_nna", nil},
		{`\nna`, nil},
		{"a%", []string{"Anna Smith", "Annabel Smithers", "Ann O'Neil", "José Álvarez", "Bob Jones"}},
		{"'; DROP TABLE search_words; --", nil},
	} {
		if got := names(st.search("Viewer Zed", tc.q)); !cmp.Equal(sorted(got), sorted(tc.want)) {
			t.Errorf("search %q: got %q, want %q", tc.q, sorted(got), sorted(tc.want))
		}
	}
	if got := names(st.searchRaw("Viewer Zed", "")); len(got) != 0 {
		t.Errorf("no q at all: got %q, want nobody", got)
	}

	b := st.as("Viewer Zed")
	for _, tc := range []struct{ what, rawQ string }{
		{"300 characters", strings.Repeat("a", 300)},
		{"101 characters", strings.Repeat("ab+", 33) + "ab"},
		{"7 words", "a+b+c+d+e+f+g"},
		{"invalid UTF-8", "ann%FF"},
		{"a lone continuation byte", "%80"},
	} {
		wantError(t, tc.what, b.do("GET", "/api/v1/search/people?q="+tc.rawQ, nil), 400, "q")
	}
	wantError(t, "signed out", newBrowser(t, st.base).do("GET", "/api/v1/search/people?q=ann", nil), 401, "")
	if r := b.do("POST", "/api/v1/search/people?q=ann", nil); r.status != 405 {
		t.Errorf("POST: %v, want 405", r)
	}
}

func TestSearchRanking(t *testing.T) {
	st := newSearchTown(t)
	for _, n := range []string{"Viewer", "Sam Alpha", "Sam Beta", "Sam Gamma", "Sam Gone", "Sam Gtwo",
		"Sam Stranger", "Samantha Other", "Sam Asked", "Sam Asking"} {
		st.add(n, "", "", "")
	}
	st.befriend("Viewer", "Sam Alpha")
	st.befriend("Viewer", "Sam Beta")
	st.befriend("Viewer", "Sam Gamma")
	st.befriend("Sam Gamma", "Sam Alpha")
	st.befriend("Sam Gamma", "Sam Beta")
	st.befriend("Sam Gone", "Sam Alpha") // 2 mutual
	st.befriend("Sam Gone", "Sam Beta")
	st.befriend("Sam Gtwo", "Sam Alpha") // 1 mutual
	st.ask("Viewer", "Sam Asked")
	st.ask("Sam Asking", "Viewer")

	got := st.search("Viewer", "sam")
	type row struct {
		Name     string
		Relation string
		Mutual   int
	}
	var rows []row
	for _, f := range got {
		rows = append(rows, row{f.DisplayName, f.Relation, f.MutualFriends})
	}
	// Friends by mutual friends then name; friends of friends by mutual
	// friends; then the others by the word matched ("sam" before
	// "samantha"), then id.
	want := []row{
		{"Sam Gamma", "friends", 2},
		{"Sam Alpha", "friends", 1},
		{"Sam Beta", "friends", 1},
		{"Sam Gone", "none", 2},
		{"Sam Gtwo", "none", 1},
		{"Sam Stranger", "none", 0},
		{"Sam Asked", "requested", 0},
		{"Sam Asking", "incoming", 0},
		{"Samantha Other", "none", 0},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("search sam (-want +got):\n%s", diff)
	}
	if got := names(st.search("Viewer", "sam g")); !cmp.Equal(got, []string{"Sam Gamma", "Sam Gone", "Sam Gtwo"}) {
		t.Errorf("search sam g: %q", got)
	}

	// At most MaxResults, friends kept first.
	for i := range 25 {
		st.add(fmt.Sprintf("Samuel Many%02d", i), "", "", "")
	}
	got = st.search("Viewer", "sam")
	if len(got) != 20 || got[0].DisplayName != "Sam Gamma" || got[4].DisplayName != "Sam Gtwo" {
		t.Errorf("search sam among many: %d people, %q", len(got), names(got))
	}
}

func TestSearchBlocks(t *testing.T) {
	st := newSearchTown(t)
	for _, n := range []string{"Viewer Vee", "Blo Friend", "Blo Fof", "Blo Stranger", "Blo Blocker", "Third Person", "Blo Bridge"} {
		st.add(n, "", "", "")
	}
	st.befriend("Viewer Vee", "Blo Friend")
	st.befriend("Viewer Vee", "Blo Bridge")
	st.befriend("Blo Bridge", "Blo Fof")
	st.befriend("Blo Bridge", "Blo Blocker")
	if got := sorted(names(st.search("Viewer Vee", "blo"))); !cmp.Equal(got, sorted([]string{"Blo Friend", "Blo Fof", "Blo Stranger", "Blo Blocker", "Blo Bridge"})) {
		t.Fatalf("before blocks: %q", got)
	}
	st.block("Viewer Vee", "Blo Friend")   // a friend, now not
	st.block("Viewer Vee", "Blo Fof")      // a friend of a friend
	st.block("Viewer Vee", "Blo Stranger") // a stranger
	st.block("Blo Blocker", "Viewer Vee")  // blocked the viewer
	if got := names(st.search("Viewer Vee", "blo")); !cmp.Equal(got, []string{"Blo Bridge"}) {
		t.Errorf("viewer after blocks: %q, want only Blo Bridge", got)
	}
	for _, n := range []string{"Blo Friend", "Blo Fof", "Blo Stranger", "Blo Blocker"} {
		if got := names(st.search(n, "vee")); len(got) != 0 {
			t.Errorf("%s searches the viewer: %q, want nobody", n, got)
		}
	}
	if got := sorted(names(st.search("Third Person", "blo"))); len(got) != 5 {
		t.Errorf("a third person: %q, want all five", got)
	}
	if got := names(st.search("Third Person", "vee")); !cmp.Equal(got, []string{"Viewer Vee"}) {
		t.Errorf("a third person searches the viewer: %q", got)
	}
}

func TestSearchVisibility(t *testing.T) {
	st := newSearchTown(t)
	st.add("Priya Private", "Secret headline", "Hiddenville", account.Friends)
	st.add("Mona Member", "Member headline", "Memberton", account.Members)
	st.add("Eve Everyone", "Open headline", "Openburg", account.Everyone)
	st.add("Fred Friend", "", "", "")
	st.add("Fiona Fof", "", "", "")
	st.add("Sid Stranger", "", "", "")
	st.befriend("Fred Friend", "Priya Private")
	st.befriend("Fiona Fof", "Fred Friend") // Priya is a friend of Fiona's friend

	for _, tc := range []struct {
		viewer, q string
		want      []string
	}{
		{"Sid Stranger", "hiddenville", nil},
		{"Sid Stranger", "secret", nil},
		{"Fiona Fof", "hiddenville", nil},
		{"Fiona Fof", "secret priya", nil},
		{"Fred Friend", "hiddenville", []string{"Priya Private"}},
		{"Fred Friend", "secret priya", []string{"Priya Private"}},
		{"Sid Stranger", "memberton", []string{"Mona Member"}},
		{"Sid Stranger", "openburg", []string{"Eve Everyone"}},
		{"Sid Stranger", "headline", []string{"Mona Member", "Eve Everyone"}},
		{"Fred Friend", "headline", []string{"Priya Private", "Mona Member", "Eve Everyone"}},
	} {
		if got := names(st.search(tc.viewer, tc.q)); !cmp.Equal(sorted(got), sorted(tc.want)) {
			t.Errorf("%s searches %q: %q, want %q", tc.viewer, tc.q, got, tc.want)
		}
	}
	details := func(viewer string) found {
		t.Helper()
		got := st.search(viewer, "priya")
		if len(got) != 1 {
			t.Fatalf("%s searches priya: %q", viewer, names(got))
		}
		return got[0]
	}
	for _, v := range []string{"Sid Stranger", "Fiona Fof"} {
		if got, want := details(v), (found{ID: st.ids["Priya Private"], DisplayName: "Priya Private", DetailsHidden: true,
			Relation: "none", MutualFriends: map[string]int{"Fiona Fof": 1}[v]}); got != want {
			t.Errorf("%s sees %+v, want %+v", v, got, want)
		}
	}
	if got, want := details("Fred Friend"), (found{ID: st.ids["Priya Private"], DisplayName: "Priya Private",
		Headline: "Secret headline", City: "Hiddenville", Relation: "friends"}); got != want {
		t.Errorf("a friend sees %+v, want %+v", got, want)
	}
	if got := st.search("Sid Stranger", "mona"); len(got) != 1 || got[0].City != "Memberton" || got[0].Headline != "Member headline" {
		t.Errorf("a member sees %+v, want the details of a members profile", got)
	}
}

func TestSearchIndexCurrent(t *testing.T) {
	st := newSearchTown(t)
	st.add("Viewer", "", "", "")
	id := st.add("Old Name", "Old headline", "Oldtown", "")
	ctx := context.Background()

	// Registration over HTTP indexes the new person.
	b := newBrowser(t, st.base)
	b.register("new@example.org", "long enough", "Registered Rita")
	if got := names(st.search("Viewer", "rita")); !cmp.Equal(got, []string{"Registered Rita"}) {
		t.Errorf("after registration: %q", got)
	}

	// A profile update over HTTP replaces the old words.
	st.ids["Old Name"] = id
	r := st.as("Old Name").do("PUT", "/api/v1/me/profile", map[string]string{"display_name": "Zoë New", "headline": "New headline",
		"about": "oldtown in about is not searched", "city": "Newcastle", "birthday": "", "birthday_visibility": "private"})
	if r.status != 200 {
		t.Fatalf("update profile: %v", r)
	}
	for q, want := range map[string][]string{"old": nil, "oldtown": nil, "zoe": {"Zoë New"}, "new": {"Zoë New"}, "newc": {"Zoë New"}} {
		if got := names(st.search("Viewer", q)); !cmp.Equal(sorted(got), sorted(want)) {
			t.Errorf("after the update, search %q: %q, want %q", q, got, want)
		}
	}
	var n int
	if err := st.a.db.QueryRow("SELECT COUNT(*) FROM search_words WHERE user_id = ?", id).Scan(&n); err != nil || n != 5 {
		t.Errorf("%d words of the updated person (%v), want 5: zoe, new (name), new, headline, newcastle", n, err)
	}

	// People from before search are indexed by Backfill, once.
	for _, q := range []string{"DELETE FROM search_words WHERE user_id = ?", "DELETE FROM search_people WHERE user_id = ?"} {
		if _, err := st.a.db.Exec(q, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := names(st.search("Viewer", "zoe")); len(got) != 0 {
		t.Fatalf("unindexed: %q", got)
	}
	if n, err := st.a.search.Backfill(ctx, nil); err != nil || n != 1 {
		t.Errorf("Backfill = %d, %v; want 1 person", n, err)
	}
	if got := names(st.search("Viewer", "newcastle zoe")); !cmp.Equal(got, []string{"Zoë New"}) {
		t.Errorf("after the backfill: %q", got)
	}
	if n, err := st.a.search.Backfill(ctx, nil); err != nil || n != 0 {
		t.Errorf("second Backfill = %d, %v; want nobody", n, err)
	}
}
