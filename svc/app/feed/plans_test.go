package feed

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// plan returns EXPLAIN's rows for the query as "table type key extra".
func plan(t *testing.T, conn *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := conn.Query("EXPLAIN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, c := range cols {
			m[strings.ToLower(c)] = string(vals[i])
		}
		out = append(out, m["table"]+" "+m["type"]+" "+m["key"]+" "+m["extra"])
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestQueryPlans checks the plans of the feeds' walks on a small
// community: the home feed of a reader with many friends and a wall read
// their index in the feed's order (no sort), both home feeds read their
// index only, and the friends probe is a primary-key lookup. (The scale
// benchmark in svc/app measures them on a real community's size.)
func TestQueryPlans(t *testing.T) {
	conn := dbtest.New(t)
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	const people = 400
	var vals []string
	for i := 1; i <= people; i++ {
		vals = append(vals, fmt.Sprintf("(%d, 'p%d@example.org', 'p%d@example.org', 'x', 'P', '', NOW(6), NOW(6))", i, i, i))
	}
	exec("INSERT INTO users (id, email, email_key, password_hash, display_name, about, created_at, updated_at) VALUES " + strings.Join(vals, ", "))
	vals = vals[:0]
	for i := 2; i <= people; i += 2 {
		vals = append(vals, fmt.Sprintf("(1, %d, NOW(6)), (%d, 1, NOW(6))", i, i))
	}
	exec("INSERT INTO friendships (user_id, friend_id, created_at) VALUES " + strings.Join(vals, ", "))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for batch := range 10 {
		vals = vals[:0]
		for i := range 500 {
			n := batch*500 + i
			vals = append(vals, fmt.Sprintf("(%d, '%s', 'text', '%s')", 1+n%people,
				[]string{"public", "friends", "only_me"}[n%3], start.Add(time.Duration(n)*time.Minute).Format("2006-01-02 15:04:05")))
		}
		exec("INSERT INTO posts (author_id, visibility, text, created_at) VALUES " + strings.Join(vals, ", "))
	}
	exec("ANALYZE TABLE posts, friendships")

	after := &db.Position{Time: start.Add(3000 * time.Minute), ID: 3000}
	for _, tt := range []struct {
		name   string
		query  string
		args   []any
		first  string // what the first row of the plan must hold
		sorted bool   // may sort
		// bounded names a table of at most DenseFriends rows (the
		// authors, for the bound of the feed by friends) that may be
		// sorted in a temporary table.
		bounded string
	}{
		{name: "home feed by time", first: "posts_time Using index"},
		{name: "home feed by time, next page", first: "posts_time Using index"},
		{name: "home feed by friends", first: "posts_author Using index", sorted: true, bounded: "u"},
		{name: "wall", first: "posts_author Using index"},
		{name: "wall, next page", first: "posts_author Using index"},
	} {
		switch tt.name {
		case "home feed by time":
			tt.query, tt.args = homeByTimeQuery(1, nil, PageSize+1)
		case "home feed by time, next page":
			tt.query, tt.args = homeByTimeQuery(1, after, PageSize+1)
		case "home feed by friends":
			tt.query, tt.args = homeByFriendsQuery(1, []int64{2, 4, 6, 8}, after, PageSize+1)
		case "wall":
			tt.query, tt.args = wallQuery(2, []Visibility{Public, Friends}, nil, PageSize+1)
		case "wall, next page":
			tt.query, tt.args = wallQuery(2, []Visibility{Public}, after, PageSize+1)
		}
		rows := plan(t, conn, tt.query, tt.args...)
		t.Logf("%s:\n\t%s", tt.name, strings.Join(rows, "\n\t"))
		key, extra, _ := strings.Cut(tt.first, " ")
		if len(rows) == 0 || !strings.Contains(rows[0], " "+key+" ") || !strings.Contains(rows[0], extra) {
			t.Errorf("%s: plan %q, want its first row on %s with %q", tt.name, rows, key, extra)
		}
		for _, r := range rows {
			if tt.bounded != "" && strings.HasPrefix(r, tt.bounded+" ") {
				continue
			}
			if strings.Contains(r, "filesort") && !tt.sorted || strings.Contains(r, "temporary") {
				t.Errorf("%s: %q sorts", tt.name, r)
			}
			if strings.HasPrefix(r, "g ") || strings.HasPrefix(r, "friendships ") {
				if !strings.Contains(r, "PRIMARY") && !strings.Contains(r, "friendships_list") {
					t.Errorf("%s: friends probe %q is not an index lookup", tt.name, r)
				}
			}
		}
	}
}
