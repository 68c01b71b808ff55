package main

import (
	"strings"
	"testing"
	"time"
)

// explain returns the rows of EXPLAIN for the query as "table key extra"
// lines.
func explain(t *testing.T, a *app, query string, args ...any) []string {
	t.Helper()
	rows, err := a.db.Query("EXPLAIN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				m[strings.ToLower(c)] = string(b)
			}
		}
		out = append(out, m["table"]+" "+m["type"]+" "+m["key"]+" "+m["extra"])
	}
	return out
}

// TestQueryPlans checks, on a seeded database, that the hot queries read
// their index in order (no sort of a person's friends or notifications)
// and that locking reads touch single rows. The queries are those the
// stores of friend and notify build (with the arguments' shapes); a
// change there belongs here too.
func TestQueryPlans(t *testing.T) {
	a, _ := startApp(t)
	ids := bulkUsers(t, a, 3000)
	hub := ids[0]
	var pairs [][2]int64
	for _, f := range ids[1:1001] {
		pairs = append(pairs, [2]int64{hub, f})
	}
	for i, f := range ids[1:] {
		pairs = append(pairs, [2]int64{f, ids[1+(i*7+3)%2999]}, [2]int64{f, ids[1+(i*13+5)%2999]})
	}
	bulkFriendships(t, a, pairs)
	now := time.Now().UTC()
	for i, id := range ids[1:2000] {
		a.db.Exec("INSERT INTO friend_requests (sender_id, addressee_id, created_at) VALUES (?, ?, ?), (?, ?, ?)",
			id, ids[(i+1500)%3000], now, ids[(i+1700)%3000], id, now)
		a.db.Exec("INSERT INTO notifications (recipient_id, kind, subject_id, unread, actor_count, latest_actors, created_at, updated_at) VALUES (?, 'like', ?, 1, 1, '1', ?, ?), (?, 'like', ?, NULL, 1, '1', ?, ?)",
			hub, i, now, now, hub, i+5000, now, now)
	}
	if _, err := a.db.Exec("ANALYZE TABLE friendships, friend_requests, notifications, blocks"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, query string
		args        []any
		want        []string // substrings of the lines, in order (ref or range alike)
	}{
		{"friends page", `SELECT friend_id, created_at FROM friendships WHERE user_id = ?
			AND (created_at < ? OR (created_at = ? AND friend_id < ?)) ORDER BY created_at DESC, friend_id DESC LIMIT 21`,
			[]any{hub, now, now, 5}, []string{"friendships_list"}},
		{"incoming requests page", `SELECT sender_id, created_at FROM friend_requests WHERE addressee_id = ?
			ORDER BY created_at DESC, sender_id DESC LIMIT 21`,
			[]any{hub}, []string{"friend_requests ref friend_requests_incoming"}},
		{"notifications page", `SELECT id FROM notifications WHERE recipient_id = ?
			AND (updated_at < ? OR (updated_at = ? AND id < ?)) ORDER BY updated_at DESC, id DESC LIMIT 21`,
			[]any{hub, now, now, 1 << 40}, []string{"notifications_list"}},
		{"unread count", `SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE recipient_id = ? AND unread = 1 LIMIT 1000) u`,
			[]any{hub}, []string{"", "notifications ref notifications_unread Using index"}},
		{"lock a pair's request", "SELECT 1 FROM friend_requests WHERE sender_id = ? AND addressee_id = ? FOR UPDATE",
			[]any{ids[1], ids[1500]}, []string{"friend_requests const PRIMARY"}},
		{"mutual count", `SELECT COUNT(*) FROM friendships f1 JOIN friendships f2 ON f2.user_id = ? AND f2.friend_id = f1.friend_id WHERE f1.user_id = ?`,
			[]any{ids[5], hub}, []string{"ref", "eq_ref PRIMARY"}},
	} {
		got := explain(t, a, tt.query, tt.args...)
		ok := len(got) >= len(tt.want)
		for i := 0; ok && i < len(tt.want); i++ {
			ok = strings.Contains(got[i], tt.want[i])
		}
		for _, line := range got {
			if strings.Contains(line, "filesort") || strings.Contains(line, " ALL ") && !strings.HasPrefix(line, "<derived") {
				ok = false
			}
		}
		if !ok {
			t.Errorf("%s: plan %q, want %q and no sort or full scan", tt.name, got, tt.want)
		}
	}
}
