package search

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/db"
)

// TestScaleWork reports, on the seeded database named by KIN_BENCH_DSN
// (see BenchmarkSearchScale in svc/app), the work of a search the way the
// server counts it: round trips and the rows its handlers read
// (Handler_read_*), averaged over random viewers and queries, a measure
// that does not depend on how busy the machine is. With -v it logs the
// EXPLAIN of each statement of one search.
func TestScaleWork(t *testing.T) {
	dsn := os.Getenv("KIN_BENCH_DSN")
	if dsn == "" {
		t.Skip("KIN_BENCH_DSN is not set: name a seeded database, e.g. root@tcp(127.0.0.1:3306)/kin_scale (see make bench-scale)")
	}
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := db.Open(ctx, config.DB{Addr: mc.Addr, Name: mc.DBName, User: mc.User, Password: mc.Passwd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := conn.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var maxID int64
	if err := c.QueryRowContext(ctx, "SELECT MAX(id) FROM users").Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	var popular []int64
	rows, err := c.QueryContext(ctx, "SELECT user_id FROM friendships GROUP BY user_id ORDER BY COUNT(*) DESC LIMIT 20")
	if err != nil {
		t.Fatal(err)
	}
	popular, err = scanIDs(rows, "popular")
	if err != nil {
		t.Fatal(err)
	}
	counter := &countingQuerier{c: c}
	s := New(conn).WithTx(counter)
	// Prefixes of the words of real names, as people type them.
	rows, err = c.QueryContext(ctx, "SELECT display_name FROM users ORDER BY RAND() LIMIT 1000")
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		words = append(words, Words(name)...)
	}
	rows.Close()
	prefix := func(r *rand.Rand) string {
		w := []rune(words[r.IntN(len(words))])
		return string(w[:min(len(w), 1+r.IntN(3))])
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name   string
		viewer func() int64
		query  func() string
	}{
		{"one prefix, random viewer", func() int64 { return 1 + r.Int64N(maxID) }, func() string { return prefix(r) }},
		{"one prefix, popular viewer", func() int64 { return popular[r.IntN(len(popular))] }, func() string { return prefix(r) }},
		{"two prefixes, random viewer", func() int64 { return 1 + r.Int64N(maxID) }, func() string { return prefix(r) + " " + prefix(r) }},
	} {
		const n = 200
		counter.trips = 0
		before := handlerReads(t, c)
		var took []time.Duration
		for range n {
			t0 := time.Now()
			if _, err := s.People(ctx, tc.viewer(), tc.query()); err != nil {
				t.Fatal(err)
			}
			took = append(took, time.Since(t0))
		}
		after := handlerReads(t, c)
		slices.Sort(took)
		t.Logf("%s: %.1f round trips, %.0f rows read per search; one at a time: p50 %v, p99 %v", tc.name,
			float64(counter.trips)/n, float64(after-before)/n, took[n/2].Round(10*time.Microsecond), took[n*99/100].Round(10*time.Microsecond))
	}
	if testing.Verbose() {
		counter.explain = true
		if _, err := s.People(ctx, 1+r.Int64N(maxID), "an smi"); err != nil {
			t.Fatal(err)
		}
	}
}

func handlerReads(t *testing.T, c *sql.Conn) int64 {
	rows, err := c.QueryContext(context.Background(), "SHOW SESSION STATUS LIKE 'Handler_read%'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var sum int64
	for rows.Next() {
		var name string
		var v int64
		rows.Scan(&name, &v)
		sum += v
	}
	return sum
}

// countingQuerier counts the statements it runs on one connection and,
// with explain, logs their EXPLAIN first.
type countingQuerier struct {
	c       *sql.Conn
	trips   int
	explain bool
	t       *testing.T
}

func (q *countingQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q.trips++
	return q.c.ExecContext(ctx, query, args...)
}

func (q *countingQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q.trips++
	if q.explain {
		explain(ctx, q.c, query, args)
		t0 := time.Now()
		rows, _ := q.c.QueryContext(ctx, query, args...)
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		fmt.Printf("took %v for %d rows\n", time.Since(t0), n)
	}
	return q.c.QueryContext(ctx, query, args...)
}

func (q *countingQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	q.trips++
	return q.c.QueryRowContext(ctx, query, args...)
}

func explain(ctx context.Context, c *sql.Conn, query string, args []any) {
	rows, err := c.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		fmt.Println("EXPLAIN:", err)
		return
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	short := strings.Join(strings.Fields(query), " ")
	if len(short) > 300 {
		short = short[:300] + "..."
	}
	fmt.Printf("\n%s\n%s\n", short, strings.Join(cols, "\t"))
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		rows.Scan(ptrs...)
		var out []string
		for _, v := range vals {
			out = append(out, v.String)
		}
		fmt.Println(strings.Join(out, "\t"))
	}
}
