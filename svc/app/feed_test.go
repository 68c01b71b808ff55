package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/app/feed"
	"github.com/kin-social/kin/svc/internal/db"
)

// person is a signed-in visitor of the feed tests.
type person struct {
	*browser
	id int64
}

var personCounter atomic.Int32

// newPerson registers a person through the account service (the HTTP
// registration is tested elsewhere) and signs a browser in as them.
func newPerson(t testing.TB, a *app, base, name string) *person {
	t.Helper()
	ctx := context.Background()
	n := personCounter.Add(1)
	u, err := a.accounts.Register(ctx, account.Registration{
		Email: fmt.Sprintf("p%d@example.org", n), Password: "long enough", DisplayName: name})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := a.sessions.Create(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, base)
	b.setSessid(sess.Token)
	return &person{browser: b, id: u.ID}
}

func makeFriends(t testing.TB, a *app, x, y *person) {
	t.Helper()
	ctx := context.Background()
	if _, err := a.friends.Request(ctx, x.id, y.id); err != nil {
		t.Fatal(err)
	}
	if _, err := a.friends.Accept(ctx, y.id, x.id); err != nil {
		t.Fatal(err)
	}
}

// post publishes a post as p and returns its id.
func (p *person) post(text, vis string) int64 {
	p.t.Helper()
	r := p.do("POST", "/api/v1/posts", map[string]string{"text": text, "visibility": vis})
	if r.status != http.StatusCreated {
		p.t.Fatalf("POST /api/v1/posts: %v", r)
	}
	var body struct{ Post feed.Post }
	if err := json.Unmarshal(r.body, &body); err != nil {
		p.t.Fatal(err)
	}
	return body.Post.ID
}

// postsBody is a page of posts as the API sends it.
type postsPage struct {
	Posts []feed.Post `json:"posts"`
	Next  *string     `json:"next"`
}

// posts GETs a page of posts, failing unless it is a 200.
func (b *browser) posts(url string) postsPage {
	b.t.Helper()
	r := b.do("GET", url, nil)
	if r.status != http.StatusOK {
		b.t.Fatalf("GET %s: %v", url, r)
	}
	var p postsPage
	if err := json.Unmarshal(r.body, &p); err != nil {
		b.t.Fatal(err)
	}
	if p.Posts == nil {
		b.t.Fatalf("GET %s: posts is not a list: %s", url, r.body)
	}
	return p
}

// allPosts follows a list's pages to the end and returns the ids.
func (b *browser) allPosts(url string) []int64 {
	b.t.Helper()
	return b.allPostsBetween(url, func() {})
}

// allPostsBetween is allPosts calling between after each page.
func (b *browser) allPostsBetween(url string, between func()) []int64 {
	b.t.Helper()
	var out []int64
	for u := url; ; {
		p := b.posts(u)
		for _, x := range p.Posts {
			out = append(out, x.ID)
		}
		if p.Next == nil {
			return out
		}
		between()
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		u = url + sep + "cursor=" + *p.Next
	}
}

func sortedIDs(list ...int64) []int64 {
	list = slices.Clone(list)
	slices.Sort(list)
	return list
}

func TestFeedVisibilityMatrix(t *testing.T) {
	a, base := startApp(t)
	author := newPerson(t, a, base, "Author")
	friend := newPerson(t, a, base, "Friend")
	stranger := newPerson(t, a, base, "Stranger")
	blocked := newPerson(t, a, base, "Blocked")
	blocker := newPerson(t, a, base, "Blocker")
	anon := newBrowser(t, base)
	makeFriends(t, a, author, friend)
	// The two blocks: author blocked blocked, and blocker blocked author
	// (after being friends, which the block ends).
	makeFriends(t, a, author, blocked)
	makeFriends(t, a, author, blocker)
	ctx := context.Background()
	if err := a.friends.Block(ctx, author.id, blocked.id); err != nil {
		t.Fatal(err)
	}
	if err := a.friends.Block(ctx, blocker.id, author.id); err != nil {
		t.Fatal(err)
	}

	pub := author.post("public words", "public")
	fr := author.post("friends words", "friends")
	only := author.post("my words", "only_me")
	// Each post gets a like and a comment by its author, so the lists
	// have something to show.
	for _, id := range []int64{pub, fr, only} {
		if r := author.do("PUT", fmt.Sprintf("/api/v1/posts/%d/like", id), nil); r.status != http.StatusOK {
			t.Fatalf("like: %v", r)
		}
		if r := author.do("POST", fmt.Sprintf("/api/v1/posts/%d/comments", id), map[string]string{"text": "mine"}); r.status != http.StatusCreated {
			t.Fatalf("comment: %v", r)
		}
	}

	// ofThree keeps the three posts of a list (not friendship items).
	ofThree := func(list []int64) []int64 {
		var out []int64
		for _, id := range list {
			if id == pub || id == fr || id == only {
				out = append(out, id)
			}
		}
		return sortedIDs(out...)
	}
	wallURL := fmt.Sprintf("/api/v1/users/%d/posts", author.id)
	for _, tt := range []struct {
		name    string
		b       *browser
		sees    []int64 // of the three posts, singly and on the wall
		wall404 bool
		home    []int64 // of the three, in the viewer's home feed; nil for signed out
	}{
		{"self", author.browser, []int64{pub, fr, only}, false, []int64{pub, fr, only}},
		{"friend", friend.browser, []int64{pub, fr}, false, []int64{pub, fr}},
		{"stranger", stranger.browser, []int64{pub}, false, []int64{}},
		{"blocked by the author", blocked.browser, nil, true, []int64{}},
		{"who blocked the author", blocker.browser, nil, true, []int64{}},
		{"anonymous", anon, []int64{pub}, false, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := *tt.b
			b.t = t
			tt.b = &b
			for _, id := range []int64{pub, fr, only} {
				want := slices.Contains(tt.sees, id)
				for _, path := range []string{"/api/v1/posts/%d", "/api/v1/posts/%d/likes", "/api/v1/posts/%d/comments"} {
					url := fmt.Sprintf(path, id)
					r := tt.b.do("GET", url, nil)
					switch {
					case want && r.status != http.StatusOK:
						t.Errorf("GET %s: %v, want 200", url, r)
					case !want && r.status != http.StatusNotFound:
						t.Errorf("GET %s: %v, want 404", url, r)
					case want && strings.HasSuffix(path, "likes"):
						if p := r.json(t)["people"].([]any); len(p) != 1 {
							t.Errorf("GET %s: %s, want the author's like", url, r.body)
						}
					case want && strings.HasSuffix(path, "comments"):
						if c := r.json(t)["comments"].([]any); len(c) != 1 {
							t.Errorf("GET %s: %s, want the author's comment", url, r.body)
						}
					}
				}
			}
			if tt.wall404 {
				if r := tt.b.do("GET", wallURL, nil); r.status != http.StatusNotFound {
					t.Errorf("wall: %v, want 404", r)
				}
			} else if got := ofThree(tt.b.allPosts(wallURL)); !slices.Equal(got, sortedIDs(tt.sees...)) {
				t.Errorf("wall shows %v of the three posts, want %v", got, tt.sees)
			}
			if tt.home == nil {
				if r := tt.b.do("GET", "/api/v1/feed", nil); r.status != http.StatusUnauthorized {
					t.Errorf("home feed signed out: %v, want 401", r)
				}
				return
			}
			if got := ofThree(tt.b.allPosts("/api/v1/feed")); !slices.Equal(got, sortedIDs(tt.home...)) {
				t.Errorf("home feed shows %v of the author's posts, want %v", got, tt.home)
			}
		})
	}
	// Nobody can like, unlike or comment on what they cannot see.
	for _, v := range []*person{stranger, blocked, blocker} {
		for _, id := range []int64{fr, only} {
			for _, req := range []struct{ method, path string }{
				{"PUT", "/api/v1/posts/%d/like"}, {"DELETE", "/api/v1/posts/%d/like"}, {"POST", "/api/v1/posts/%d/comments"},
			} {
				url := fmt.Sprintf(req.path, id)
				if r := v.do(req.method, url, map[string]string{"text": "hi"}); r.status != http.StatusNotFound {
					t.Errorf("%s %s by %d: %v, want 404", req.method, url, v.id, r)
				}
			}
		}
	}
	var likes, comments int
	if err := a.db.QueryRow("SELECT SUM(like_count), SUM(comment_count) FROM posts WHERE id IN (?, ?, ?)", pub, fr, only).Scan(&likes, &comments); err != nil {
		t.Fatal(err)
	}
	if likes != 3 || comments != 3 {
		t.Errorf("after refused likes and comments: %d likes, %d comments, want 3 and 3", likes, comments)
	}
}

func TestFeedMutationsByOthers(t *testing.T) {
	a, base := startApp(t)
	author := newPerson(t, a, base, "Author")
	friend := newPerson(t, a, base, "Friend")
	other := newPerson(t, a, base, "Other friend")
	makeFriends(t, a, author, friend)
	makeFriends(t, a, author, other)
	id := author.post("original", "public")
	postURL := fmt.Sprintf("/api/v1/posts/%d", id)
	comment := func(p *person, text string) int64 {
		t.Helper()
		r := p.do("POST", postURL+"/comments", map[string]string{"text": text})
		if r.status != http.StatusCreated {
			t.Fatalf("comment: %v", r)
		}
		return int64(r.json(t)["comment"].(map[string]any)["id"].(float64))
	}
	c1 := comment(friend, "by the friend")
	c2 := comment(friend, "by the friend, again")
	c3 := comment(other, "by the other")

	for _, p := range []*person{friend, other} {
		if r := p.do("PUT", postURL, map[string]string{"text": "hacked", "visibility": "only_me"}); r.status != http.StatusNotFound {
			t.Errorf("PUT another's post: %v, want 404", r)
		}
		if r := p.do("DELETE", postURL, nil); r.status != http.StatusNotFound {
			t.Errorf("DELETE another's post: %v, want 404", r)
		}
	}
	// other may not delete friend's comment; nobody deletes a comment of
	// no one.
	if r := other.do("DELETE", fmt.Sprintf("/api/v1/comments/%d", c1), nil); r.status != http.StatusNotFound {
		t.Errorf("DELETE another's comment on another's post: %v, want 404", r)
	}
	if r := other.do("DELETE", "/api/v1/comments/999999", nil); r.status != http.StatusNotFound {
		t.Errorf("DELETE a comment of no one: %v, want 404", r)
	}
	got := author.posts("/api/v1/users/" + fmt.Sprint(author.id) + "/posts").Posts[0]
	if got.Text != "original" || got.Visibility != feed.Public || got.EditedAt != nil || got.CommentCount != 3 {
		t.Errorf("after refused changes: %+v", got)
	}
	if !got.Mine {
		t.Error("the author's own post is not mine")
	}

	// The commenter deletes their own; the post's author deletes anyone's.
	if r := friend.do("DELETE", fmt.Sprintf("/api/v1/comments/%d", c1), nil); r.status != http.StatusNoContent {
		t.Errorf("DELETE own comment: %v", r)
	}
	if r := author.do("DELETE", fmt.Sprintf("/api/v1/comments/%d", c3), nil); r.status != http.StatusNoContent {
		t.Errorf("DELETE a comment on one's post: %v", r)
	}
	if r := author.do("DELETE", fmt.Sprintf("/api/v1/comments/%d", c3), nil); r.status != http.StatusNotFound {
		t.Errorf("DELETE a deleted comment: %v, want 404", r)
	}
	r := friend.do("GET", postURL+"/comments", nil)
	list := r.json(t)["comments"].([]any)
	if len(list) != 1 || int64(list[0].(map[string]any)["id"].(float64)) != c2 || list[0].(map[string]any)["mine"] != true {
		t.Errorf("comments left: %s, want only %d, the friend's", r.body, c2)
	}
	if r := other.do("GET", postURL+"/comments", nil); r.json(t)["comments"].([]any)[0].(map[string]any)["mine"] != false {
		t.Errorf("another's comment is mine: %s", r.body)
	}

	// The author edits (shown as edited) and deletes.
	r = author.do("PUT", postURL, map[string]string{"text": "changed", "visibility": "friends"})
	if r.status != http.StatusOK {
		t.Fatalf("PUT: %v", r)
	}
	edited := r.json(t)["post"].(map[string]any)
	if edited["text"] != "changed" || edited["visibility"] != "friends" || edited["edited_at"] == nil {
		t.Errorf("edited post: %s", r.body)
	}
	if r := author.do("DELETE", postURL, nil); r.status != http.StatusNoContent {
		t.Errorf("DELETE: %v", r)
	}
	if r := author.do("GET", postURL, nil); r.status != http.StatusNotFound {
		t.Errorf("GET a deleted post: %v", r)
	}
	var n int
	a.db.QueryRow("SELECT (SELECT COUNT(*) FROM comments WHERE post_id = ?) + (SELECT COUNT(*) FROM post_likes WHERE post_id = ?)", id, id).Scan(&n)
	if n != 0 {
		t.Errorf("%d likes and comments outlive their post", n)
	}
}

// unread returns how many unread notifications p has, and the list.
func (p *person) notifications() (int, []map[string]any) {
	p.t.Helper()
	r := p.do("GET", "/api/v1/notifications", nil)
	if r.status != http.StatusOK {
		p.t.Fatalf("notifications: %v", r)
	}
	m := r.json(p.t)
	var list []map[string]any
	for _, n := range m["notifications"].([]any) {
		list = append(list, n.(map[string]any))
	}
	return int(m["unread"].(float64)), list
}

// find returns p's notification of the kind about the subject, or nil.
func (p *person) find(kind string, subject int64) map[string]any {
	p.t.Helper()
	_, list := p.notifications()
	for _, n := range list {
		if n["kind"] == kind && int64(n["subject_id"].(float64)) == subject {
			return n
		}
	}
	return nil
}

func TestLikesConcurrentAndNotified(t *testing.T) {
	a, base := startApp(t)
	author := newPerson(t, a, base, "Author")
	id := author.post("like me", "public")
	url := fmt.Sprintf("/api/v1/posts/%d/like", id)
	const n = 50
	fans := make([]*person, n)
	for i := range fans {
		fans[i] = newPerson(t, a, base, fmt.Sprintf("Fan %d", i))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 2*n)
	for _, f := range fans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Twice each: the second changes nothing.
			for range 2 {
				r := f.do("PUT", url, nil)
				if r.status != http.StatusOK || r.json(t)["liked"] != true {
					errs <- r.String()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent like: %s", e)
	}
	p := author.do("GET", fmt.Sprintf("/api/v1/posts/%d", id), nil).json(t)["post"].(map[string]any)
	if p["like_count"] != float64(n) || p["liked"] != false {
		t.Errorf("after %d concurrent likes: %v", n, p)
	}
	if fp := fans[0].do("GET", fmt.Sprintf("/api/v1/posts/%d", id), nil).json(t)["post"].(map[string]any); fp["liked"] != true {
		t.Errorf("a fan's view: %v, want liked", fp)
	}
	// Who liked: three pages, every fan once.
	var seen []int64
	for u := url + "s"; ; {
		r := author.do("GET", u, nil)
		m := r.json(t)
		for _, x := range m["people"].([]any) {
			seen = append(seen, int64(x.(map[string]any)["id"].(float64)))
		}
		if m["next"] == nil {
			break
		}
		u = url + "s?cursor=" + m["next"].(string)
	}
	want := make([]int64, n)
	for i, f := range fans {
		want[i] = f.id
	}
	if !slices.Equal(sortedIDs(seen...), sortedIDs(want...)) {
		t.Errorf("likes list has %d people %v, want the %d fans", len(seen), seen, n)
	}
	note := author.find("like", id)
	if note == nil || note["count"] != float64(n) {
		t.Fatalf("the author's like notification: %v, want one counting %d", note, n)
	}

	// Unlike, twice; the last unlike withdraws the notification.
	for i, f := range fans {
		for range 2 {
			r := f.do("DELETE", url, nil)
			if m := r.json(t); r.status != http.StatusOK || m["liked"] != false || m["like_count"] != float64(n-i-1) {
				t.Fatalf("unlike %d: %v", i, r)
			}
		}
	}
	if note := author.find("like", id); note != nil {
		t.Errorf("after every unlike, a like notification is left: %v", note)
	}
}

func TestCommentsNotifiedAndWithdrawn(t *testing.T) {
	a, base := startApp(t)
	author := newPerson(t, a, base, "Author")
	first := newPerson(t, a, base, "First")
	second := newPerson(t, a, base, "Second")
	id := author.post("talk to me", "public")
	url := fmt.Sprintf("/api/v1/posts/%d/comments", id)
	comment := func(p *person) int64 {
		t.Helper()
		r := p.do("POST", url, map[string]string{"text": "hello"})
		if r.status != http.StatusCreated {
			t.Fatalf("comment: %v", r)
		}
		return int64(r.json(t)["comment"].(map[string]any)["id"].(float64))
	}
	comment(author) // notifies nobody: their own post
	c1 := comment(first)
	c2 := comment(second)
	if n := author.find("comment", id); n == nil || n["count"] != float64(2) {
		t.Errorf("author's comment notification: %v, want 2 commenters", n)
	}
	if n := first.find("comment_reply", id); n == nil || n["count"] != float64(1) {
		t.Errorf("first commenter's reply notification: %v, want second's", n)
	}
	if n := second.find("comment_reply", id); n != nil {
		t.Errorf("second commenter told of a reply: %v", n)
	}
	// second blocks first: first's new comment tells second nothing.
	if err := a.friends.Block(context.Background(), second.id, first.id); err != nil {
		t.Fatal(err)
	}
	comment(first)
	if n := second.find("comment_reply", id); n != nil {
		t.Errorf("a blocked person's comment notified the blocker: %v", n)
	}
	// second deletes their comment: author's notification drops them,
	// first's reply notification goes.
	if r := second.do("DELETE", fmt.Sprintf("/api/v1/comments/%d", c2), nil); r.status != http.StatusNoContent {
		t.Fatal(r)
	}
	if n := author.find("comment", id); n == nil || n["count"] != float64(1) {
		t.Errorf("after a deletion, author's comment notification: %v, want 1 commenter", n)
	}
	if n := first.find("comment_reply", id); n != nil {
		t.Errorf("after a deletion, first's reply notification is left: %v", n)
	}
	// first keeps one comment of two: nothing is withdrawn.
	if r := first.do("DELETE", fmt.Sprintf("/api/v1/comments/%d", c1), nil); r.status != http.StatusNoContent {
		t.Fatal(r)
	}
	if n := author.find("comment", id); n == nil || n["count"] != float64(1) {
		t.Errorf("first still has a comment, but the author's notification is %v", n)
	}
	// Deleting the post takes everything back.
	third := newPerson(t, a, base, "Third")
	comment(third)
	if first.find("comment_reply", id) == nil {
		t.Fatal("third's comment did not notify first")
	}
	if r := first.do("PUT", fmt.Sprintf("/api/v1/posts/%d/like", id), nil); r.status != http.StatusOK {
		t.Fatal(r)
	}
	if r := author.do("DELETE", fmt.Sprintf("/api/v1/posts/%d", id), nil); r.status != http.StatusNoContent {
		t.Fatal(r)
	}
	for _, k := range []string{"like", "comment"} {
		if n := author.find(k, id); n != nil {
			t.Errorf("after the post's deletion, a %s notification is left: %v", k, n)
		}
	}
	if n := first.find("comment_reply", id); n != nil {
		t.Errorf("after the post's deletion, first's reply notification is left: %v", n)
	}
}

func TestFeedKeysetUnderInserts(t *testing.T) {
	a, base := startApp(t)
	reader := newPerson(t, a, base, "Reader")
	writer := newPerson(t, a, base, "Writer")
	makeFriends(t, a, reader, writer)
	var before []int64
	for i := range 45 {
		before = append(before, writer.post(fmt.Sprintf("post %d", i), "friends"))
	}
	id := writer.post("commented", "public")
	for i := range 45 {
		if r := writer.do("POST", fmt.Sprintf("/api/v1/posts/%d/comments", id), map[string]string{"text": fmt.Sprint(i)}); r.status != http.StatusCreated {
			t.Fatal(r)
		}
	}
	before = append(before, id)
	// Posts and comments keep coming while the reader pages.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := newBrowser(t, base)
		w.setSessid(writer.sessid())
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			w.do("POST", "/api/v1/posts", map[string]string{"text": "new", "visibility": "friends"})
			w.do("POST", fmt.Sprintf("/api/v1/posts/%d/comments", id), map[string]string{"text": "new"})
		}
	}()
	for _, url := range []string{"/api/v1/feed", fmt.Sprintf("/api/v1/users/%d/posts", writer.id)} {
		// Besides the writer's stream, one new post lands between any two
		// pages, newer than every cursor.
		got := reader.allPostsBetween(url, func() { writer.post("between pages", "public") })
		seen := map[int64]bool{}
		for _, x := range got {
			if seen[x] {
				t.Errorf("%s: post %d twice", url, x)
			}
			seen[x] = true
		}
		for _, x := range before {
			if !seen[x] {
				t.Errorf("%s: post %d missing", url, x)
			}
		}
	}
	// Comments, oldest first, with new ones arriving at the end.
	seen := map[float64]bool{}
	var last float64
	for u := fmt.Sprintf("/api/v1/posts/%d/comments", id); ; {
		m := reader.do("GET", u, nil).json(t)
		for _, c := range m["comments"].([]any) {
			cid := c.(map[string]any)["id"].(float64)
			if seen[cid] || cid < last {
				t.Errorf("comment %v twice or out of order", cid)
			}
			seen[cid], last = true, cid
		}
		if m["next"] == nil || len(seen) > 200 {
			break
		}
		// One new comment lands between any two pages, after them all.
		if r := writer.do("POST", fmt.Sprintf("/api/v1/posts/%d/comments", id), map[string]string{"text": "between"}); r.status != http.StatusCreated {
			t.Fatal(r)
		}
		u = fmt.Sprintf("/api/v1/posts/%d/comments?cursor=%s", id, m["next"])
	}
	close(stop)
	wg.Wait()
	if len(seen) < 45 {
		t.Errorf("%d comments seen, want at least the first 45", len(seen))
	}

	// A cursor of another list, another reader's, or tampered: 400.
	p := reader.posts("/api/v1/feed")
	if p.Next == nil {
		t.Fatal("no second page")
	}
	cur := *p.Next
	tampered := []byte(cur)
	tampered[3] ^= 1
	for what, url := range map[string]string{
		"tampered":           "/api/v1/feed?cursor=" + string(tampered),
		"junk":               "/api/v1/feed?cursor=%27%3B--",
		"another list's":     fmt.Sprintf("/api/v1/users/%d/posts?cursor=%s", writer.id, cur),
		"another reader's":   "/api/v1/feed?cursor=" + cur,
		"on a comments list": fmt.Sprintf("/api/v1/posts/%d/comments?cursor=%s", id, cur),
		"on a likes list":    fmt.Sprintf("/api/v1/posts/%d/likes?cursor=%s", id, cur),
	} {
		b := reader.browser
		if what == "another reader's" {
			b = writer.browser
		}
		wantError(t, what+" cursor", b.do("GET", url, nil), http.StatusBadRequest, "cursor")
	}
}

// countingQuerier counts the statements run on it.
type countingQuerier struct {
	db.Querier
	n atomic.Int32
}

func (c *countingQuerier) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return c.Querier.ExecContext(ctx, q, args...)
}

func (c *countingQuerier) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.Querier.QueryContext(ctx, q, args...)
}

func (c *countingQuerier) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	c.n.Add(1)
	return c.Querier.QueryRowContext(ctx, q, args...)
}

// addFriends makes n new people friends of user, in a few multi-row
// statements.
func addFriends(t *testing.T, conn *sql.DB, user int64, n int) {
	t.Helper()
	var first int64
	tx, err := conn.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var vals []string
	var args []any
	for i := range n {
		vals = append(vals, "(?, ?, 'x', ?, '', NOW(6), NOW(6))")
		e := fmt.Sprintf("bulk%d-%d@example.org", user, i)
		args = append(args, e, e, fmt.Sprintf("Bulk %d", i))
	}
	res, err := tx.Exec("INSERT INTO users (email, email_key, password_hash, display_name, about, created_at, updated_at) VALUES "+strings.Join(vals, ", "), args...)
	if err != nil {
		t.Fatal(err)
	}
	first, _ = res.LastInsertId()
	for _, stmt := range []string{
		"INSERT INTO friendships (user_id, friend_id, created_at) SELECT ?, id, NOW(6) FROM users WHERE id >= ? AND id < ?",
		"INSERT INTO friendships (user_id, friend_id, created_at) SELECT id, ?, NOW(6) FROM users WHERE id >= ? AND id < ?",
	} {
		if _, err := tx.Exec(stmt, user, first, first+int64(n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestFeedQueryCount checks that a page of the home feed and of a wall
// costs the same number of queries with one post as with a full page,
// for a reader with few friends and one with many (the two ways of
// walking the feed).
func TestFeedQueryCount(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	count := func(f func(s *feed.Service) (feed.Page, error)) (int, int) {
		t.Helper()
		c := &countingQuerier{Querier: a.db}
		p, err := f(a.feed.WithTx(c))
		if err != nil {
			t.Fatal(err)
		}
		return int(c.n.Load()), len(p.Posts)
	}
	for _, friends := range []int{1, feed.DenseFriends} {
		reader := newPerson(t, a, base, "Reader")
		if friends > 1 {
			addFriends(t, a.db, reader.id, friends-1)
		}
		writer := newPerson(t, a, base, "Writer")
		makeFriends(t, a, reader, writer)
		writer.post("the first", "friends")
		var perPage [2]int
		for i, label := range []string{"one post", "a full page"} {
			if i == 1 {
				for range feed.PageSize {
					writer.post("more", "friends")
				}
			}
			n, got := count(func(s *feed.Service) (feed.Page, error) { return s.Home(ctx, reader.id, "") })
			// One post and the friendship item, or a full page.
			if i == 0 && got != 2 || i == 1 && got != feed.PageSize {
				t.Errorf("%d friends, %s: home feed has %d posts", friends, label, got)
			}
			perPage[i] = n
			w, _ := count(func(s *feed.Service) (feed.Page, error) { return s.Wall(ctx, reader.id, writer.id, "") })
			if w > 5 {
				t.Errorf("a wall page costs %d queries", w)
			}
		}
		if perPage[0] != perPage[1] || perPage[0] > 4 {
			t.Errorf("%d friends: the home feed costs %d queries for one post, %d for a page; want the same, at most 4",
				friends, perPage[0], perPage[1])
		}
	}
}

func TestPostText(t *testing.T) {
	a, base := startApp(t)
	p := newPerson(t, a, base, "Writer")
	id := p.post("to comment", "public")
	tricky := []string{
		`'; DROP TABLE posts; -- " \ %_`,
		`<script>alert(1)</script><img src=x onerror=alert(1)> &amp;`,
		"zero\u200bwidth\u200d joiner 👩\u200d👩\u200d👧 and \u2066isolate\u2069 \u202eoverride\u202c \ufeff",
		"שלום عربي mixed direction",
		"line one\nline two\r\n\ttabbed",
		strings.Repeat("é", feed.MaxText), // the limit, in characters not bytes
	}
	for _, text := range tricky {
		r := p.do("POST", "/api/v1/posts", map[string]string{"text": text, "visibility": "friends"})
		if r.status != http.StatusCreated {
			t.Errorf("post %.40q: %v", text, r)
			continue
		}
		got := r.json(t)["post"].(map[string]any)
		back := p.do("GET", fmt.Sprintf("/api/v1/posts/%d", int64(got["id"].(float64))), nil).json(t)["post"].(map[string]any)
		if got["text"] != text || back["text"] != text {
			t.Errorf("post %.40q came back as %.40q", text, back["text"])
		}
		if len([]rune(text)) <= feed.MaxComment {
			r := p.do("POST", fmt.Sprintf("/api/v1/posts/%d/comments", id), map[string]string{"text": text})
			if r.status != http.StatusCreated || r.json(t)["comment"].(map[string]any)["text"] != text {
				t.Errorf("comment %.40q: %v", text, r)
			}
		}
	}
	if r := p.do("POST", "/api/v1/posts", map[string]string{"text": "  padded \n", "visibility": "public"}); r.json(t)["post"].(map[string]any)["text"] != "padded" {
		t.Errorf("padded text: %v, want it trimmed", r)
	}
	postURL := fmt.Sprintf("/api/v1/posts/%d", id)
	for _, tt := range []struct {
		name, method, url, body, field string
	}{
		{"blank", "POST", "/api/v1/posts", `{"text": " \n\t ", "visibility": "public"}`, "text"},
		{"missing text", "POST", "/api/v1/posts", `{"visibility": "public"}`, "text"},
		{"missing visibility", "POST", "/api/v1/posts", `{"text": "x"}`, "visibility"},
		{"bad visibility", "POST", "/api/v1/posts", `{"text": "x", "visibility": "everyone"}`, "visibility"},
		{"control character", "POST", "/api/v1/posts", `{"text": "bell\u0007", "visibility": "public"}`, "text"},
		{"NUL", "POST", "/api/v1/posts", `{"text": "nul\u0000", "visibility": "public"}`, "text"},
		{"C1 control", "POST", "/api/v1/posts", `{"text": "ne\u0085l", "visibility": "public"}`, "text"},
		{"invalid UTF-8", "POST", "/api/v1/posts", "{\"text\": \"bad \xff\xfe\", \"visibility\": \"public\"}", "text"},
		{"lone surrogate", "POST", "/api/v1/posts", `{"text": "bad \ud800", "visibility": "public"}`, "text"},
		{"too long", "POST", "/api/v1/posts", `{"text": "` + strings.Repeat("é", feed.MaxText+1) + `", "visibility": "public"}`, "text"},
		{"too long, escaped", "POST", "/api/v1/posts", `{"text": "` + strings.Repeat(`\u00e9`, feed.MaxText+1) + `", "visibility": "public"}`, "text"},
		{"edit: too long", "PUT", postURL, `{"text": "` + strings.Repeat("x", feed.MaxText+1) + `", "visibility": "public"}`, "text"},
		{"edit: invalid UTF-8", "PUT", postURL, "{\"text\": \"\xc3\", \"visibility\": \"public\"}", "text"},
		{"edit: bad visibility", "PUT", postURL, `{"text": "x", "visibility": "<b>"}`, "visibility"},
		{"comment: too long", "POST", postURL + "/comments", `{"text": "` + strings.Repeat("x", feed.MaxComment+1) + `"}`, "text"},
		{"comment: blank", "POST", postURL + "/comments", `{"text": ""}`, "text"},
		{"comment: control", "POST", postURL + "/comments", `{"text": "esc\u001b[31m"}`, "text"},
		{"comment: invalid UTF-8", "POST", postURL + "/comments", "{\"text\": \"\xed\xa0\x80\"}", "text"},
		{"comment: unknown field", "POST", postURL + "/comments", `{"text": "x", "html": "<b>"}`, "html"},
	} {
		wantError(t, tt.name, p.do(tt.method, tt.url, tt.body), http.StatusBadRequest, tt.field)
	}
	// Nothing of that was stored.
	var n int
	a.db.QueryRow("SELECT COUNT(*) FROM posts WHERE author_id = ?", p.id).Scan(&n)
	if want := 1 + len(tricky) + 1; n != want {
		t.Errorf("%d posts stored, want %d", n, want)
	}
	for _, url := range []string{"/api/v1/posts/0", "/api/v1/posts/-1", "/api/v1/posts/abc", "/api/v1/posts/99999999999999999999", "/api/v1/users/x/posts"} {
		if r := p.do("GET", url, nil); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %v, want 404", url, r)
		}
	}
}

func TestFriendshipItems(t *testing.T) {
	a, base := startApp(t)
	ann := newPerson(t, a, base, "Ann")
	bob := newPerson(t, a, base, "Bob")
	cat := newPerson(t, a, base, "Cat")
	makeFriends(t, a, ann, cat)
	makeFriends(t, a, ann, bob)
	item := func(p *person, other *person) *feed.Post {
		t.Helper()
		for _, x := range p.posts("/api/v1/feed").Posts {
			if x.Kind == feed.KindFriendship && x.Friend != nil && x.Friend.ID == other.id {
				return &x
			}
		}
		return nil
	}
	for _, pair := range [][2]*person{{ann, bob}, {bob, ann}} {
		it := item(pair[0], pair[1])
		if it == nil {
			t.Fatalf("user %d's feed does not show the friendship with %d", pair[0].id, pair[1].id)
		}
		if it.Author.ID != pair[0].id || !it.Mine || it.Text != "" {
			t.Errorf("friendship item: %+v", it)
		}
	}
	// Cat, Ann's friend, sees neither of them.
	for _, x := range cat.posts("/api/v1/feed").Posts {
		if x.Kind == feed.KindFriendship && x.Author.ID != cat.id {
			t.Errorf("Cat sees %+v", x)
		}
	}
	it := item(ann, bob)
	if r := ann.do("PUT", fmt.Sprintf("/api/v1/posts/%d", it.ID), map[string]string{"text": "x", "visibility": "public"}); r.status != http.StatusConflict {
		t.Errorf("editing a friendship item: %v, want 409", r)
	}
	// Once the friendship ends, its items go.
	if err := a.friends.Unfriend(context.Background(), bob.id, ann.id); err != nil {
		t.Fatal(err)
	}
	if it := item(ann, bob); it != nil {
		t.Errorf("after unfriending, Ann's feed shows %+v", it)
	}
	if r := ann.do("GET", fmt.Sprintf("/api/v1/posts/%d", it.ID), nil); r.status != http.StatusNotFound {
		t.Errorf("after unfriending, the item: %v, want 404", r)
	}
}

// TestListsHideBlocked checks that the likes and comments of a post
// leave out, for each viewer, the people blocked with them either way,
// and only for them.
func TestListsHideBlocked(t *testing.T) {
	a, base := startApp(t)
	author := newPerson(t, a, base, "Author")
	fan := newPerson(t, a, base, "Fan")
	blocker := newPerson(t, a, base, "Blocker")
	blockee := newPerson(t, a, base, "Blockee")
	id := author.post("everyone welcome", "public")
	for _, p := range []*person{fan, blockee} {
		if r := p.do("PUT", fmt.Sprintf("/api/v1/posts/%d/like", id), nil); r.status != http.StatusOK {
			t.Fatal(r)
		}
		if r := p.do("POST", fmt.Sprintf("/api/v1/posts/%d/comments", id), map[string]string{"text": "hi"}); r.status != http.StatusCreated {
			t.Fatal(r)
		}
	}
	if err := a.friends.Block(context.Background(), blocker.id, blockee.id); err != nil {
		t.Fatal(err)
	}
	people := func(b *browser, list, key string) []int64 {
		t.Helper()
		r := b.do("GET", fmt.Sprintf("/api/v1/posts/%d/%s", id, list), nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %v", list, r)
		}
		field := list
		if list == "likes" {
			field = "people"
		}
		var out []int64
		for _, x := range r.json(t)[field].([]any) {
			m := x.(map[string]any)
			if key != "" {
				m = m[key].(map[string]any)
			}
			out = append(out, int64(m["id"].(float64)))
		}
		return sortedIDs(out...)
	}
	both := sortedIDs(fan.id, blockee.id)
	for _, tt := range []struct {
		name string
		b    *browser
		want []int64
	}{
		{"author", author.browser, both},
		{"anonymous", newBrowser(t, base), both},
		{"blocker", blocker.browser, []int64{fan.id}},
		{"blockee", blockee.browser, both}, // blocked only the blocker, who is in neither list
	} {
		if got := people(tt.b, "likes", ""); !slices.Equal(got, tt.want) {
			t.Errorf("%s sees likes of %v, want %v", tt.name, got, tt.want)
		}
		if got := people(tt.b, "comments", "author"); !slices.Equal(got, tt.want) {
			t.Errorf("%s sees comments of %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestHomeFeedBound pages through the home feed of a reader with fewer
// than feed.DenseFriends friends but more authors than a page, and
// compares it with every post the reader may see, in order. The lower
// bound that spares the feed from sorting all the friends' posts must cut
// none off: not when one friend wrote most of them, nor when friends'
// newest posts are ones the reader may not see.
func TestHomeFeedBound(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	reader := newPerson(t, a, base, "Reader")
	var friends []int64
	for range feed.PageSize + 4 {
		f := newPerson(t, a, base, "Friend")
		makeFriends(t, a, reader, f)
		friends = append(friends, f.id)
	}
	clock := time.Now().UTC().Add(-24 * time.Hour)
	a.feed.SetClock(func() time.Time { return clock })
	defer a.feed.SetClock(time.Now)
	post := func(author int64, vis feed.Visibility) {
		t.Helper()
		clock = clock.Add(time.Minute)
		if _, err := a.feed.Create(ctx, author, feed.Draft{Text: "a post", Visibility: vis}); err != nil {
			t.Fatal(err)
		}
	}
	prolific := friends[0]
	for range 3 * feed.PageSize {
		post(prolific, feed.Friends)
	}
	for i, f := range friends[1:] {
		post(f, feed.Public)
		if i%3 == 0 {
			post(prolific, feed.Friends)
		}
	}
	for _, f := range friends[1 : feed.PageSize/2] {
		post(f, feed.OnlyMe) // the newest of these friends, which the reader may not see
	}
	post(reader.id, feed.OnlyMe)
	check := func(what string) {
		t.Helper()
		got := reader.allPostsBetween("/api/v1/feed", func() {})
		want, err := db.IDs(ctx, a.db, `SELECT p.id FROM posts p
			WHERE p.author_id IN (SELECT friend_id FROM friendships WHERE user_id = ? UNION ALL SELECT ?)
			AND p.wall_kind = 'user' AND (p.author_id = ? OR p.visibility <> 'only_me')
			AND (p.kind = 'post' OR EXISTS (SELECT 1 FROM friendships g WHERE g.user_id = p.author_id AND g.friend_id = p.friend_id))
			ORDER BY p.created_at DESC, p.id DESC`, reader.id, reader.id, reader.id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: home feed pages hold %d posts, want %d:\ngot  %v\nwant %v", what, len(got), len(want), got, want)
		}
	}
	check("many authors")
	// Now one author, the reader, wrote all of the newest pages.
	for range 2*feed.PageSize + 3 {
		post(reader.id, feed.Public)
	}
	check("one author's pages first")
}
