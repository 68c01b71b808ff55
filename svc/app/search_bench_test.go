package main

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kin-social/kin/svc/app/search"
	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/db"
)

// BenchmarkSearchScale measures people search as autocomplete uses it, on
// a community at its real size: the database named by KIN_BENCH_DSN
// (e.g. root@tcp(127.0.0.1:3306)/kin_scale, which make bench-scale
// seeds with 100,000 people and their friendships). It indexes whoever is not
// indexed yet (search.Service.Backfill), then sends GET
// /api/v1/search/people through the whole app over loopback from
// concurrent clients (KIN_BENCH_CLIENTS, default 16, rounded up to a
// multiple of the cores), each request as a random person typing the
// first 1 to 3 letters of a word of a random name.
// "pk" is the baseline: a bare handler running one primary-key SELECT of
// users on the same database, measured in the same run with the same
// clients. Each reports p50 and p99 in milliseconds.
func BenchmarkSearchScale(b *testing.B) {
	dsn := os.Getenv("KIN_BENCH_DSN")
	if dsn == "" {
		b.Skip("KIN_BENCH_DSN is not set: name a seeded database, e.g. root@tcp(127.0.0.1:3306)/kin_scale (see make bench-scale)")
	}
	mc, err := mysql.ParseDSN(dsn)
	if err != nil || mc.DBName == "" {
		b.Fatalf("KIN_BENCH_DSN=%q: want user:password@tcp(host:port)/database (%v)", dsn, err)
	}
	ctx := context.Background()
	conn, err := db.Open(ctx, config.DB{Addr: mc.Addr, Name: mc.DBName, User: mc.User, Password: mc.Passwd}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	a, err := newApp(ctx, conn, "http://127.0.0.1:1", slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if n, err := a.search.Backfill(ctx, nil); err != nil {
		b.Fatal(err)
	} else if n > 0 {
		b.Logf("indexed %d people in %v", n, time.Since(start).Round(time.Millisecond))
	}

	var maxID int64
	if err := conn.QueryRow("SELECT MAX(id) FROM users").Scan(&maxID); err != nil || maxID == 0 {
		b.Fatalf("no people in %s (%v): seed it first", mc.DBName, err)
	}
	// Words to type: of the names of 1,000 random people.
	var words []string
	rows, err := conn.Query("SELECT display_name FROM users WHERE id IN ("+
		strings.TrimSuffix(strings.Repeat("?,", 1000), ",")+")", randomIDs(1000, maxID)...)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		words = append(words, search.Words(name)...)
	}
	rows.Close()
	if len(words) == 0 {
		b.Fatal("no names to type")
	}
	// Viewers: 200 random people, and the 20 with the most friends.
	randomViewers := []int64{}
	for _, id := range randomIDs(200, maxID) {
		randomViewers = append(randomViewers, id.(int64))
	}
	var popular []int64
	rows, err = conn.Query("SELECT user_id FROM friendships GROUP BY user_id ORDER BY COUNT(*) DESC LIMIT 20")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		popular = append(popular, id)
	}
	rows.Close()
	cookies := map[int64]string{}
	for _, id := range append(slices.Clone(randomViewers), popular...) {
		if _, ok := cookies[id]; ok {
			continue
		}
		sess, err := a.sessions.Create(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		cookies[id] = "sessid=" + sess.Token
		defer a.sessions.Delete(ctx, sess.Token)
	}

	appURL := serveBench(b, a.routes())
	pkURL := serveBench(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
		var name string
		if err := conn.QueryRowContext(r.Context(), "SELECT display_name FROM users WHERE id = ?", id).Scan(&name); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, name)
	}))

	prefix := func(r *rand.Rand) string {
		w := []rune(words[r.IntN(len(words))])
		return string(w[:min(len(w), 1+r.IntN(3))])
	}
	b.Run("pk", func(b *testing.B) {
		benchLatency(b, func(r *rand.Rand) (string, string) {
			return pkURL + "/?id=" + strconv.FormatInt(1+r.Int64N(maxID), 10), ""
		})
	})
	for _, bc := range []struct {
		name    string
		viewers []int64
		query   func(r *rand.Rand) string
	}{
		{"autocomplete", randomViewers, prefix},
		{"autocomplete-popular", popular, prefix},
		{"two-words", randomViewers, func(r *rand.Rand) string { return prefix(r) + " " + prefix(r) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchLatency(b, func(r *rand.Rand) (string, string) {
				v := bc.viewers[r.IntN(len(bc.viewers))]
				return appURL + "/api/v1/search/people?q=" + url.QueryEscape(bc.query(r)), cookies[v]
			})
		})
	}
}

// randomIDs returns n random ids from 1 to max, as query arguments.
func randomIDs(n int, max int64) []any {
	ids := make([]any, n)
	for i := range ids {
		ids[i] = 1 + rand.Int64N(max)
	}
	return ids
}

// serveBench serves h on a loopback socket until the benchmark ends.
func serveBench(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// benchLatency sends b.N GETs, each of the URL and cookie next returns,
// from KIN_BENCH_CLIENTS clients (default 16) over kept-alive connections,
// failing on any answer but 200, and reports the latency's p50 and p99 and
// the requests per second.
func benchLatency(b *testing.B, next func(r *rand.Rand) (url, cookie string)) {
	clients := 16
	if s := os.Getenv("KIN_BENCH_CLIENTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("KIN_BENCH_CLIENTS=%q: want a positive number", s)
		}
		clients = n
	}
	// RunParallel runs parallelism × GOMAXPROCS goroutines.
	par := (clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}
	defer client.CloseIdleConnections()
	var (
		mu  sync.Mutex
		all []time.Duration
	)
	b.SetParallelism(par)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		var mine []time.Duration
		defer func() {
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
		for pb.Next() {
			u, cookie := next(r)
			req, err := http.NewRequest("GET", u, nil)
			if err != nil {
				b.Error(err)
				return
			}
			if cookie != "" {
				req.Header.Set("Cookie", cookie)
			}
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mine = append(mine, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("GET %s: %s %s", u, resp.Status, body)
				return
			}
		}
	})
	b.StopTimer()
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	q := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "req/s")

}
