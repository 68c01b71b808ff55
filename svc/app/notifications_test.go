package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/app/notify"
	"github.com/kin-social/kin/svc/internal/db"
)

// fakeClock returns a clock that moves a second at each reading.
func fakeClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func notifications(t *testing.T, m member) (list []map[string]any, unread float64) {
	t.Helper()
	r := m.b.do("GET", "/api/v1/notifications", nil)
	if r.status != 200 {
		t.Fatalf("notifications of %s: %v", m.name, r)
	}
	body := r.json(t)
	for _, n := range body["notifications"].([]any) {
		list = append(list, n.(map[string]any))
	}
	if u := m.b.do("GET", "/api/v1/notifications/unread", nil).json(t)["unread"]; u != body["unread"] {
		t.Errorf("unread %v, but the list says %v", u, body["unread"])
	}
	return list, body["unread"].(float64)
}

// actorNames returns the display names of a notification's actors.
func actorNames(n map[string]any) []string {
	var s []string
	for _, a := range n["actors"].([]any) {
		s = append(s, a.(map[string]any)["display_name"].(string))
	}
	return s
}

func TestNotificationsGrouped(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	a.notes.SetClock(fakeClock())
	r := newMember(t, a, base, "R")
	other := newMember(t, a, base, "Other")
	var actors []member
	for i := range 6 {
		actors = append(actors, newMember(t, a, base, fmt.Sprint("A", i+1)))
	}
	const post = 77
	like := func(m member) notify.Event {
		return notify.Event{Kind: notify.Like, Recipient: r.id, Actor: m.id, Subject: post}
	}
	for _, m := range actors[:5] {
		if err := a.notes.Add(ctx, like(m)); err != nil {
			t.Fatal(err)
		}
	}
	list, unread := notifications(t, r)
	if len(list) != 1 || unread != 1 {
		t.Fatalf("after 5 likes: %v, unread %v; want one grouped notification", list, unread)
	}
	n := list[0]
	if n["kind"] != "like" || n["count"] != 5.0 || n["subject_id"] != float64(post) || n["read"] != false ||
		!slices.Equal(actorNames(n), []string{"A5", "A4", "A3"}) || n["created_at"] == n["updated_at"] {
		t.Errorf("grouped like: %v", n)
	}
	// A like again counts once, and makes its actor the latest.
	if err := a.notes.Add(ctx, like(actors[2])); err != nil {
		t.Fatal(err)
	}
	// A comment is another group; the actor's own like of their post is
	// no notification.
	if err := a.notes.Add(ctx, notify.Event{Kind: notify.Comment, Recipient: r.id, Actor: actors[0].id, Subject: post}); err != nil {
		t.Fatal(err)
	}
	if err := a.notes.Add(ctx, notify.Event{Kind: notify.Like, Recipient: r.id, Actor: r.id, Subject: post}); err != nil {
		t.Fatal(err)
	}
	list, unread = notifications(t, r)
	if len(list) != 2 || unread != 2 || list[0]["kind"] != "comment" || list[1]["count"] != 5.0 ||
		!slices.Equal(actorNames(list[1]), []string{"A3", "A5", "A4"}) {
		t.Errorf("after a repeated like and a comment: %v, unread %v", list, unread)
	}
	// An unlike takes the actor out.
	if err := a.notes.Withdraw(ctx, like(actors[2])); err != nil {
		t.Fatal(err)
	}
	list, _ = notifications(t, r)
	likeID := list[1]["id"].(float64)
	if list[1]["count"] != 4.0 || !slices.Equal(actorNames(list[1]), []string{"A5", "A4", "A2"}) {
		t.Errorf("after an unlike: %v", list[1])
	}
	// Marking it read; a new like then starts a new group.
	if resp := r.b.do("POST", "/api/v1/notifications/read", map[string]any{"ids": []float64{likeID}}); resp.status != 204 {
		t.Fatal(resp)
	}
	if _, unread := notifications(t, r); unread != 1 {
		t.Errorf("unread after reading one: %v", unread)
	}
	if err := a.notes.Add(ctx, like(actors[5])); err != nil {
		t.Fatal(err)
	}
	list, unread = notifications(t, r)
	if len(list) != 3 || unread != 2 || list[0]["count"] != 1.0 || list[0]["read"] != false || list[2]["read"] != true || list[2]["count"] != 4.0 {
		t.Errorf("a like after reading: %v, unread %v", list, unread)
	}
	// Someone else's notification cannot be marked: 404, nothing changes.
	if err := a.notes.Add(ctx, notify.Event{Kind: notify.Like, Recipient: other.id, Actor: actors[0].id, Subject: 5}); err != nil {
		t.Fatal(err)
	}
	otherList, _ := notifications(t, other)
	otherID := otherList[0]["id"].(float64)
	wantError(t, "reading another's", r.b.do("POST", "/api/v1/notifications/read", map[string]any{"ids": []float64{list[0]["id"].(float64), otherID}}), 404, "")
	if _, u := notifications(t, other); u != 1 {
		t.Errorf("the other's unread after a refused read: %v", u)
	}
	if _, u := notifications(t, r); u != 2 {
		t.Errorf("unread after a refused read: %v, want 2 (all or nothing)", u)
	}
	for _, body := range []string{`{}`, `{"ids": []}`, `{"ids": [1], "all": true}`, `{"all": "yes"}`, `{"ids": ["1"]}`} {
		if resp := r.b.do("POST", "/api/v1/notifications/read", body); resp.status != 400 {
			t.Errorf("read %s: %v, want 400", body, resp)
		}
	}
	many := make([]int, notify.MaxMark+1)
	wantError(t, "too many ids", r.b.do("POST", "/api/v1/notifications/read", map[string]any{"ids": many}), 400, "ids")
	wantError(t, "id 0", r.b.do("POST", "/api/v1/notifications/read", `{"ids": [0]}`), 404, "")
	if resp := r.b.do("POST", "/api/v1/notifications/read", `{"all": true}`); resp.status != 204 {
		t.Fatal(resp)
	}
	if _, u := notifications(t, r); u != 0 {
		t.Errorf("unread after reading all: %v", u)
	}
	if _, u := notifications(t, other); u != 1 {
		t.Errorf("the other's unread after I read all: %v", u)
	}
	// Withdrawing every actor deletes the notification.
	if err := a.notes.Withdraw(ctx, like(actors[5])); err != nil {
		t.Fatal(err)
	}
	if list, _ := notifications(t, r); len(list) != 2 {
		t.Errorf("after withdrawing the only actor: %v", list)
	}
	for _, p := range []string{"/api/v1/notifications", "/api/v1/notifications/unread"} {
		wantError(t, p+", anonymous", newBrowser(t, base).do("GET", p, nil), 401, "")
	}
	wantError(t, "read, anonymous", newBrowser(t, base).do("POST", "/api/v1/notifications/read", `{"all": true}`), 401, "")
}

// TestFriendNotifications: requests and acceptances notify, a cancelled
// request takes its notification back, and nothing reaches a blocker.
func TestFriendNotifications(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	s, r := newMember(t, a, base, "Sender"), newMember(t, a, base, "Recipient")
	if resp := s.b.do("POST", "/api/v1/friends/requests", map[string]int64{"user_id": r.id}); resp.status != 201 {
		t.Fatal(resp)
	}
	list, unread := notifications(t, r)
	if len(list) != 1 || unread != 1 || list[0]["kind"] != "friend_request" || list[0]["subject_id"] != float64(s.id) ||
		!slices.Equal(actorNames(list[0]), []string{"Sender"}) {
		t.Errorf("after a request: %v", list)
	}
	if resp := s.b.do("DELETE", idPath("/api/v1/friends/requests/", r.id, ""), nil); resp.status != 204 {
		t.Fatal(resp)
	}
	if list, unread := notifications(t, r); len(list) != 0 || unread != 0 {
		t.Errorf("after the request was cancelled: %v", list)
	}
	s.b.do("POST", "/api/v1/friends/requests", map[string]int64{"user_id": r.id})
	if resp := r.b.do("POST", idPath("/api/v1/friends/requests/", s.id, "/accept"), nil); resp.status != 200 {
		t.Fatal(resp)
	}
	// Answering the request marks its notification read; it stays in the
	// list.
	if list, unread := notifications(t, r); len(list) != 1 || unread != 0 || list[0]["read"] != true {
		t.Errorf("the recipient after accepting: %v, unread %v", list, unread)
	}
	list, _ = notifications(t, s)
	if len(list) != 1 || list[0]["kind"] != "friend_accepted" || list[0]["subject_id"] != float64(r.id) {
		t.Errorf("the sender after acceptance: %v", list)
	}
	// A blocker is told nothing more by the blocked, and what they were
	// told is gone, both ways.
	if err := a.notes.Add(ctx, notify.Event{Kind: notify.Like, Recipient: r.id, Actor: s.id, Subject: 9}); err != nil {
		t.Fatal(err)
	}
	if resp := r.b.do("PUT", idPath("/api/v1/blocks/", s.id, ""), nil); resp.status != 204 {
		t.Fatal(resp)
	}
	for _, m := range []member{r, s} {
		if list, unread := notifications(t, m); len(list) != 0 || unread != 0 {
			t.Errorf("%s's notifications after the block: %v", m.name, list)
		}
	}
	for _, e := range []notify.Event{
		{Kind: notify.Like, Recipient: r.id, Actor: s.id, Subject: 9},
		{Kind: notify.CommentReply, Recipient: s.id, Actor: r.id, Subject: 9},
	} {
		if err := a.notes.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	a.db.QueryRow("SELECT COUNT(*) FROM notifications WHERE recipient_id IN (?, ?)", r.id, s.id).Scan(&n)
	if n != 0 {
		t.Errorf("%d notifications across a block", n)
	}
}

// TestNotificationInTransaction: a notification commits with what caused
// it, or not at all.
func TestNotificationInTransaction(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	s, r := newMember(t, a, base, "S"), newMember(t, a, base, "R")
	boom := errors.New("boom")
	count := func(query string) int {
		var n int
		if err := a.db.QueryRow(query, r.id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// A request and its notification, then a failure: both roll back.
	err := db.InTx(ctx, a.db, func(q db.Querier) error {
		if _, err := a.friends.WithTx(q).Request(ctx, s.id, r.id); err != nil {
			return err
		}
		// Inside the transaction both are there.
		var n int
		q.QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications WHERE recipient_id = ?", r.id).Scan(&n)
		if n != 1 {
			t.Errorf("inside the transaction: %d notifications, want 1", n)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if n := count("SELECT COUNT(*) FROM friend_requests WHERE addressee_id = ?"); n != 0 {
		t.Errorf("%d requests after a rollback", n)
	}
	if n := count("SELECT COUNT(*) FROM notifications WHERE recipient_id = ?"); n != 0 {
		t.Errorf("%d notifications after a rollback", n)
	}
	// The same for a like's notification written by another feature.
	err = db.InTx(ctx, a.db, func(q db.Querier) error {
		if err := a.notes.WithTx(q).Add(ctx, notify.Event{Kind: notify.Like, Recipient: r.id, Actor: s.id, Subject: 1}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || count("SELECT COUNT(*) FROM notification_actors a JOIN notifications n ON n.id = a.notification_id WHERE n.recipient_id = ?") != 0 {
		t.Errorf("a like's notification outlived its rollback: %v", err)
	}
	// And commits with it.
	if err := db.InTx(ctx, a.db, func(q db.Querier) error {
		_, err := a.friends.WithTx(q).Request(ctx, s.id, r.id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n := count("SELECT COUNT(*) FROM notifications WHERE recipient_id = ?"); n != 1 {
		t.Errorf("%d notifications after a commit, want 1", n)
	}
}

// TestNotificationPages pages through the list while new notifications
// arrive: each old one once, none twice; a bad cursor is a 400.
func TestNotificationPages(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	r, actor := newMember(t, a, base, "R"), newMember(t, a, base, "A")
	for i := range 45 {
		if err := a.notes.Add(ctx, notify.Event{Kind: notify.Comment, Recipient: r.id, Actor: actor.id, Subject: int64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[float64]int{}
	cursor, pagesRead := "", 0
	for {
		p := "/api/v1/notifications"
		if cursor != "" {
			p += "?cursor=" + url.QueryEscape(cursor)
		}
		resp := r.b.do("GET", p, nil)
		if resp.status != 200 {
			t.Fatal(resp)
		}
		body := resp.json(t)
		for _, n := range body["notifications"].([]any) {
			seen[n.(map[string]any)["subject_id"].(float64)]++
		}
		pagesRead++
		// New ones arrive between pages.
		for j := range 3 {
			a.notes.Add(ctx, notify.Event{Kind: notify.Like, Recipient: r.id, Actor: actor.id, Subject: int64(1000 + pagesRead*10 + j)})
		}
		next, _ := body["next"].(string)
		if next == "" {
			break
		}
		if cursor == "" {
			wantError(t, "another's cursor", actor.b.do("GET", "/api/v1/notifications?cursor="+url.QueryEscape(next), nil), 400, "cursor")
			bad := []byte(next)
			bad[0] ^= 1
			wantError(t, "tampered cursor", r.b.do("GET", "/api/v1/notifications?cursor="+url.QueryEscape(string(bad)), nil), 400, "cursor")
		}
		cursor = next
	}
	for i := range 45 {
		if seen[float64(i+1)] != 1 {
			t.Errorf("comment notification %d seen %d times", i+1, seen[float64(i+1)])
		}
	}
	if pagesRead != 3 {
		t.Errorf("%d pages, want 3", pagesRead)
	}
}

// TestNotifyStaysInTransaction: notify's check for blocks runs in the
// caller's transaction, not on another connection of the pool, which a
// busy pool may not have to give (with every connection in a transaction
// waiting for a second one, none would ever finish).
func TestNotifyStaysInTransaction(t *testing.T) {
	a, base := startApp(t)
	s, r := newMember(t, a, base, "S"), newMember(t, a, base, "R")
	a.db.SetMaxOpenConns(1)
	defer a.db.SetMaxOpenConns(16)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.InTx(ctx, a.db, func(q db.Querier) error {
		if _, err := a.friends.WithTx(q).Request(ctx, s.id, r.id); err != nil {
			return err
		}
		return a.notes.WithTx(q).Add(ctx, notify.Event{Kind: notify.Like, Recipient: r.id, Actor: s.id, Subject: 3})
	}); err != nil {
		t.Fatalf("a request and a like in one transaction on a pool of one connection: %v", err)
	}
}

// TestConcurrentLikes: many people liking one post at once make one
// notification counting them all.
func TestConcurrentLikes(t *testing.T) {
	a, base := startApp(t)
	ctx := context.Background()
	r := newMember(t, a, base, "R")
	var actors []member
	for range 20 {
		actors = append(actors, newMember(t, a, base, "A"))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(actors))
	for _, m := range actors {
		wg.Go(func() {
			errs <- a.notes.Add(ctx, notify.Event{Kind: notify.Like, Recipient: r.id, Actor: m.id, Subject: 42})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	list, unread := notifications(t, r)
	if len(list) != 1 || unread != 1 || list[0]["count"] != 20.0 || len(list[0]["actors"].([]any)) != 3 {
		t.Errorf("after 20 concurrent likes: %v", list)
	}
	var n int
	a.db.QueryRow("SELECT COUNT(*) FROM notification_actors").Scan(&n)
	if n != 20 {
		t.Errorf("%d actors stored, want 20", n)
	}
}
