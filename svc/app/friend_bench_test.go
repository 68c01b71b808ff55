package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/app/friend"
)

// bulkUsers writes n users in multi-row INSERTs and returns their ids.
func bulkUsers(tb testing.TB, a *app, n int) []int64 {
	tb.Helper()
	now := time.Now().UTC()
	var ids []int64
	for done := 0; done < n; {
		batch := min(500, n-done)
		var sb strings.Builder
		var args []any
		for i := range batch {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, 'x', ?, '', '', '', ?, ?)")
			memberCounter++
			email := fmt.Sprintf("bulk%d@example.org", memberCounter)
			args = append(args, email, []byte(email), fmt.Sprint("Bulk ", memberCounter), now, now)
		}
		res, err := a.db.Exec("INSERT INTO users (email, email_key, password_hash, display_name, headline, about, city, created_at, updated_at) VALUES "+sb.String(), args...)
		if err != nil {
			tb.Fatal(err)
		}
		first, _ := res.LastInsertId() // the first row's id; InnoDB gives a multi-row insert consecutive ids
		for i := range batch {
			ids = append(ids, first+int64(i))
		}
		done += batch
	}
	return ids
}

// bulkFriendships writes the friendships (both rows of each) in multi-row
// INSERTs, skipping pairs already written.
func bulkFriendships(tb testing.TB, a *app, pairs [][2]int64) {
	tb.Helper()
	seen := map[[2]int64]bool{}
	now := time.Now().UTC().Add(-time.Hour)
	var rows [][3]any
	for i, p := range pairs {
		x, y := min(p[0], p[1]), max(p[0], p[1])
		if x == y || seen[[2]int64{x, y}] {
			continue
		}
		seen[[2]int64{x, y}] = true
		ts := now.Add(time.Duration(i) * time.Millisecond)
		rows = append(rows, [3]any{x, y, ts}, [3]any{y, x, ts})
	}
	for len(rows) > 0 {
		batch := rows[:min(1000, len(rows))]
		rows = rows[len(batch):]
		args := make([]any, 0, 3*len(batch))
		for _, r := range batch {
			args = append(args, r[0], r[1], r[2])
		}
		if _, err := a.db.Exec("INSERT INTO friendships (user_id, friend_id, created_at) VALUES (?, ?, ?)"+
			strings.Repeat(", (?, ?, ?)", len(batch)-1), args...); err != nil {
			tb.Fatal(err)
		}
	}
}

// latencies collects the durations of operations run by many goroutines
// and reports their p50 and p99.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d...)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B) {
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	q := func(p float64) float64 { return float64(l.d[int(p*float64(len(l.d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(len(l.d))/b.Elapsed().Seconds(), "req/s")
}

// parallel runs op from 8 goroutines per GOMAXPROCS and reports its
// latencies.
func parallel(b *testing.B, op func() error) { parallelN(b, 8, op) }

// parallelN runs op from n goroutines per GOMAXPROCS and reports its
// latencies.
func parallelN(b *testing.B, n int, op func() error) {
	var l latencies
	b.SetParallelism(n)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			start := time.Now()
			if err := op(); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		l.add(mine)
	})
	b.StopTimer()
	l.report(b)
}

// get returns an op that GETs url with the cookie, wanting a 200.
func get(client *http.Client, url, cookie string) func() error {
	return func() error {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			return err
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
}

// BenchmarkUnreadCount measures GET /api/v1/notifications/unread through
// the whole stack (platform middleware, session lookup, the count) for a
// person with 300 unread and 3,000 read notifications among 60,000 of
// others, under concurrency, beside a bare net/http handler that runs one
// primary-key SELECT on the same database, in the same run.
func BenchmarkUnreadCount(b *testing.B) {
	a, base := startApp(b)
	ctx := context.Background()
	ids := bulkUsers(b, a, 61)
	me, others := ids[0], ids[1:]
	now := time.Now().UTC()
	insert := func(recipient int64, n int, unread bool) {
		for done := 0; done < n; {
			batch := min(1000, n-done)
			var args []any
			for i := range batch {
				var u any
				if unread {
					u = 1
				}
				args = append(args, recipient, done+i+1, u, now.Add(time.Duration(done+i)*time.Millisecond), now)
			}
			if _, err := a.db.Exec("INSERT INTO notifications (recipient_id, kind, subject_id, unread, actor_count, latest_actors, created_at, updated_at) VALUES "+
				"(?, 'like', ?, ?, 1, '1', ?, ?)"+strings.Repeat(", (?, 'like', ?, ?, 1, '1', ?, ?)", batch-1), args...); err != nil {
				b.Fatal(err)
			}
			done += batch
		}
	}
	insert(me, 300, true)
	// Read ones get other subjects, so they do not collide with the unread.
	for done := 0; done < 3000; done += 1000 {
		var args []any
		for i := range 1000 {
			args = append(args, me, 100000+done+i, now, now)
		}
		if _, err := a.db.Exec("INSERT INTO notifications (recipient_id, kind, subject_id, unread, actor_count, latest_actors, created_at, updated_at) VALUES "+
			"(?, 'comment', ?, NULL, 1, '1', ?, ?)"+strings.Repeat(", (?, 'comment', ?, NULL, 1, '1', ?, ?)", 999), args...); err != nil {
			b.Fatal(err)
		}
	}
	for _, o := range others {
		insert(o, 1000, rand.N(2) == 0)
	}
	sess, err := a.sessions.Create(ctx, me)
	if err != nil {
		b.Fatal(err)
	}
	if n, err := a.notes.Unread(ctx, me); err != nil || n != 300 {
		b.Fatalf("unread = %d, %v; want 300", n, err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()

	b.Run("unread", func(b *testing.B) {
		parallel(b, get(client, base+"/api/v1/notifications/unread", "sessid="+sess.Token))
	})
	b.Run("pk-select", func(b *testing.B) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var name string
			if err := a.db.QueryRowContext(r.Context(), "SELECT display_name FROM users WHERE id = ?", me).Scan(&name); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			io.WriteString(w, name)
		}))
		defer srv.Close()
		parallel(b, get(client, srv.URL+"/", ""))
	})
}

// BenchmarkFriendGraph measures the friend queries that grow with the
// number of friends, on a graph where V and O have 2,000 friends each,
// every one of whom has 40 more among 4,000 others, so that a chain of
// three steps is found only by looking through tens of thousands of
// friendships (or not at all), beside a primary-key SELECT.
func BenchmarkFriendGraph(b *testing.B) {
	a, _ := startApp(b)
	ctx := context.Background()
	ids := bulkUsers(b, a, 8002)
	v, o := ids[0], ids[1]
	vf, of, pool := ids[2:2002], ids[2002:4002], ids[4002:]
	var pairs [][2]int64
	for _, f := range vf {
		pairs = append(pairs, [2]int64{v, f})
	}
	for _, f := range of {
		pairs = append(pairs, [2]int64{o, f})
	}
	r := rand.New(rand.NewPCG(1, 2))
	// The pool is split so that V's side and O's side never meet: no
	// chain of three steps exists between V and O.
	for _, f := range vf {
		for range 40 {
			pairs = append(pairs, [2]int64{f, pool[r.IntN(len(pool)/2)]})
		}
	}
	for _, f := range of {
		for range 40 {
			pairs = append(pairs, [2]int64{f, pool[len(pool)/2+r.IntN(len(pool)/2)]})
		}
	}
	bulkFriendships(b, a, pairs)
	// Then a bridge between recent friends of V and O makes a chain of
	// three steps (one among the first PathBudget friendships looked
	// through).
	t3 := bulkUsers(b, a, 1)[0]
	bulkFriendships(b, a, [][2]int64{{t3, of[len(of)-9]}, {t3, pool[0]}})
	if _, err := a.db.Exec("ANALYZE TABLE friendships"); err != nil {
		b.Fatal(err)
	}
	check := func(p []friend.Person, err error, want int) {
		if err != nil || len(p) != want {
			b.Fatalf("path of %d people (%v), want %d", len(p), err, want)
		}
	}
	p, err := a.friends.Path(ctx, v, o)
	check(p, err, 0)
	// The worst case: two people of 2,000 friends with no chain between
	// them, all Frontier friends' friends looked through.
	b.Run("path-none-between-hubs", func(b *testing.B) {
		parallelN(b, 1, func() error { _, err := a.friends.Path(ctx, v, o); return err })
	})
	bulkFriendships(b, a, [][2]int64{{vf[len(vf)-7], of[len(of)-9]}})
	p, err = a.friends.Path(ctx, v, o)
	check(p, err, 4)
	p, err = a.friends.Path(ctx, v, t3)
	check(p, err, 4)
	// The chain through an old friendship lies beyond the budget: none is
	// found (the price of a bounded search).
	bulkFriendships(b, a, [][2]int64{{vf[0], pool[len(pool)-1]}})

	b.Run("path-3-steps", func(b *testing.B) {
		parallelN(b, 1, func() error { _, err := a.friends.Path(ctx, v, o); return err })
	})
	b.Run("path-none-within-3", func(b *testing.B) {
		far := pool[len(pool)-1] // two steps from O's side, four or more from V
		parallelN(b, 1, func() error { _, err := a.friends.Path(ctx, v, far); return err })
	})
	b.Run("suggestions", func(b *testing.B) {
		parallelN(b, 1, func() error { _, err := a.friends.Suggestions(ctx, v); return err })
	})
	b.Run("mutual-count", func(b *testing.B) {
		parallelN(b, 1, func() error { _, err := a.friends.MutualCount(ctx, v, o); return err })
	})
	b.Run("friends-page", func(b *testing.B) {
		parallelN(b, 1, func() error { _, err := a.friends.Friends(ctx, v, v, ""); return err })
	})
	b.Run("pk-select", func(b *testing.B) {
		parallelN(b, 1, func() error {
			var name string
			return a.db.QueryRowContext(ctx, "SELECT display_name FROM users WHERE id = ?", v).Scan(&name)
		})
	})
}
