package migration_test

import (
	"context"
	"sync"
	"testing"

	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/dbtest"
	"github.com/kin-social/kin/svc/internal/migration"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestAllIsNumberedWithoutGaps(t *testing.T) {
	ms, err := migration.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range ms {
		if m.Version != i+1 || len(m.Statements) == 0 {
			t.Errorf("migration %d: version %d with %d statements", i, m.Version, len(m.Statements))
		}
	}
}

// dbtest.Config has applied everything already; applying again, even from
// several migrators at once, must apply nothing and fail nowhere.
func TestApplyIsIdempotentAndLocked(t *testing.T) {
	c := dbtest.Config(t)
	ctx := context.Background()
	conn, err := db.Open(ctx, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	ms, _ := migration.All()
	var n int
	if err := conn.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Fatalf("schema_migrations has %d rows, want %d", n, len(ms))
	}

	var wg sync.WaitGroup
	errs := make([]error, 4)
	applied := make([][]int, 4)
	for i := range 4 {
		wg.Go(func() { applied[i], errs[i] = migration.Apply(ctx, conn, nil) })
	}
	wg.Wait()
	for i := range 4 {
		if errs[i] != nil || len(applied[i]) != 0 {
			t.Errorf("migrator %d: applied %v, err %v; want nothing applied", i, applied[i], errs[i])
		}
	}
}

// A fresh database gets every migration exactly once even when migrators
// race, because they serialize on GET_LOCK.
func TestConcurrentFreshApply(t *testing.T) {
	c := dbtest.Config(t)
	ctx := context.Background()
	conn, err := db.Open(ctx, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Empty the database again.
	rows, err := conn.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		tables = append(tables, s)
	}
	rows.Close()
	conn.SetMaxOpenConns(1) // keep FOREIGN_KEY_CHECKS on the one connection
	conn.Exec("SET FOREIGN_KEY_CHECKS = 0")
	for _, tb := range tables {
		if _, err := conn.Exec("DROP TABLE `" + tb + "`"); err != nil {
			t.Fatal(err)
		}
	}
	conn.Exec("SET FOREIGN_KEY_CHECKS = 1")
	conn.SetMaxOpenConns(8)

	ms, _ := migration.All()
	var wg sync.WaitGroup
	total := make(chan int, 3*len(ms))
	for range 3 {
		wg.Go(func() {
			done, err := migration.Apply(ctx, conn, nil)
			if err != nil {
				t.Error(err)
			}
			for _, v := range done {
				total <- v
			}
		})
	}
	wg.Wait()
	close(total)
	seen := map[int]int{}
	for v := range total {
		seen[v]++
	}
	for _, m := range ms {
		if seen[m.Version] != 1 {
			t.Errorf("migration %d applied %d times, want 1", m.Version, seen[m.Version])
		}
	}
}
