package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/server"
)

// feedLatencies collects how long requests took, from many goroutines.
type feedLatencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *feedLatencies) add(d []time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d...)
	l.mu.Unlock()
}

// report reports requests per second and the p50 and p99 feedLatencies.
func (l *feedLatencies) report(b *testing.B) {
	slices.Sort(l.d)
	if len(l.d) == 0 {
		return
	}
	at := func(p float64) float64 { return float64(l.d[int(p*float64(len(l.d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(len(l.d))/b.Elapsed().Seconds(), "req/s")
}

// feedLoad sends b.N requests made by next from clients goroutines (at least
// GOMAXPROCS) over kept-alive connections, failing on any status but want,
// and reports the feedLatencies.
func feedLoad(b *testing.B, clients int, want int, next func() *http.Request) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients + 8}}
	defer client.CloseIdleConnections()
	var lat feedLatencies
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0))) // RunParallel runs parallelism × GOMAXPROCS goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		defer func() { lat.add(mine) }()
		for pb.Next() {
			req := next()
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mine = append(mine, time.Since(start))
			if resp.StatusCode != want {
				b.Errorf("%s %s: %s", req.Method, req.URL, resp.Status)
				return
			}
		}
	})
	b.StopTimer()
	lat.report(b)
}

// feedPKServer serves one primary-key SELECT of the users table per request:
// the baseline of the machine, the client, the socket and one round trip
// to the database, measured in the same run as the feed.
func feedPKServer(b *testing.B, conn *sql.DB, id int64) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var name string
		if err := conn.QueryRowContext(r.Context(), "SELECT display_name FROM users WHERE id = ?", id).Scan(&name); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		server.WriteJSON(w, http.StatusOK, map[string]string{"display_name": name})
	})}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func feedGet(url, cookie string) func() *http.Request {
	return func() *http.Request {
		req, _ := http.NewRequest("GET", url, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		return req
	}
}

// benchClients is how many clients the small benchmarks run at once.
const benchClients = 16

// BenchmarkFeed measures, on a small community, creating posts, a home
// feed page of a reader with 50 friends, and beside them a bare handler
// running one primary-key SELECT, all through real sockets with
// benchClients clients at once.
func BenchmarkFeed(b *testing.B) {
	a, base := startApp(b)
	reader := newPerson(b, a, base, "Reader")
	for i := range 50 {
		f := newPerson(b, a, base, fmt.Sprintf("Friend %d", i))
		makeFriends(b, a, reader, f)
		for range 5 {
			f.post("a post of some length, as people write them", "friends")
		}
	}
	cookie := "sessid=" + sessionToken(b, reader)

	b.Run("CreatePost", func(b *testing.B) {
		body, _ := json.Marshal(map[string]string{"text": "a new post of some length, as people write them", "visibility": "friends"})
		feedLoad(b, benchClients, http.StatusCreated, func() *http.Request {
			req, _ := http.NewRequest("POST", base+"/api/v1/posts", bytes.NewReader(body))
			req.Header.Set("Cookie", cookie)
			req.Header.Set("Content-Type", "application/json")
			return req
		})
	})
	b.Run("HomeFeed", func(b *testing.B) {
		feedLoad(b, benchClients, http.StatusOK, feedGet(base+"/api/v1/feed", cookie))
	})
	b.Run("PrimaryKeySelect", func(b *testing.B) {
		feedLoad(b, benchClients, http.StatusOK, feedGet(feedPKServer(b, a.db, reader.id), ""))
	})
}

func sessionToken(b testing.TB, p *person) string {
	b.Helper()
	return p.sessid()
}

// BenchmarkFeedScale measures the home feed's first and second pages of a
// person with about 500 friends on a community the size of a real one
// (100,000 people, 5,000,000 friendships, 1,000,000 posts), with 200
// clients at once (KIN_BENCH_CLIENTS), beside the bare primary-key handler. The community is
// the database KIN_BENCH_DSN names (such as
// root@tcp(127.0.0.1:3306)/kin_scale), migrated and seeded beforehand;
// without it the benchmark skips. KIN_BENCH_USER picks the reader;
// otherwise it is someone with 450 to 550 friends.
func BenchmarkFeedScale(b *testing.B) {
	dsn := os.Getenv("KIN_BENCH_DSN")
	if dsn == "" {
		b.Skip("set KIN_BENCH_DSN to a seeded database (see make bench-scale) to run the scale benchmark")
	}
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		b.Fatalf("KIN_BENCH_DSN: %v", err)
	}
	ctx := context.Background()
	conn, err := db.Open(ctx, config.DB{Addr: mc.Addr, Name: mc.DBName, User: mc.User, Password: mc.Passwd}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	var reader int64
	if s := os.Getenv("KIN_BENCH_USER"); s != "" {
		if reader, err = strconv.ParseInt(s, 10, 64); err != nil {
			b.Fatalf("KIN_BENCH_USER: %v", err)
		}
	} else if err := conn.QueryRow(`SELECT user_id FROM friendships WHERE user_id IN
		(SELECT id FROM (SELECT id FROM users ORDER BY id DESC LIMIT 20000) recent)
		GROUP BY user_id HAVING COUNT(*) BETWEEN 450 AND 550 LIMIT 1`).Scan(&reader); err != nil {
		b.Fatalf("find a reader with about 500 friends (or set KIN_BENCH_USER): %v", err)
	}
	a, err := newApp(ctx, conn, "http://127.0.0.1:1", slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	sess, err := a.sessions.Create(ctx, reader)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.sessions.Delete(context.Background(), sess.Token) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	srv := a.server("")
	srv.DrainDelay = -1
	go func() { done <- srv.Serve(sctx, ln) }()
	defer func() { cancel(); <-done }()
	base := "http://" + ln.Addr().String()
	cookie := "sessid=" + sess.Token

	first, err := a.feed.Home(ctx, reader, "")
	if err != nil {
		b.Fatal(err)
	}
	if first.Next == "" {
		b.Fatalf("user %d's feed has one page only (%d posts)", reader, len(first.Posts))
	}
	clients := 200
	if s := os.Getenv("KIN_BENCH_CLIENTS"); s != "" {
		if clients, err = strconv.Atoi(s); err != nil || clients < 1 {
			b.Fatalf("KIN_BENCH_CLIENTS=%q: want a positive number", s)
		}
	}
	b.Run("FirstPage", func(b *testing.B) {
		feedLoad(b, clients, http.StatusOK, feedGet(base+"/api/v1/feed", cookie))
	})
	b.Run("NextPage", func(b *testing.B) {
		feedLoad(b, clients, http.StatusOK, feedGet(base+"/api/v1/feed?cursor="+first.Next, cookie))
	})
	b.Run("PrimaryKeySelect", func(b *testing.B) {
		feedLoad(b, clients, http.StatusOK, feedGet(feedPKServer(b, conn, reader), ""))
	})
}
