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

// Rows written under the old schema get their canonical email_key: ASCII
// addresses from SQL alone, the others marked for the app to finish in Go
// (which cannot be done in SQL: NFC).
func TestEmailKeyMigration(t *testing.T) {
	ctx := context.Background()
	conn, err := db.Open(ctx, dbtest.EmptyConfig(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := migration.ApplyFirst(ctx, conn, 3); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"Alice@Example.ORG", "jose\u0301@example.org", "Zoë@Example.org"} {
		if _, err := conn.ExecContext(ctx, `INSERT INTO users (email, password_hash, display_name, about, created_at, updated_at)
			VALUES (?, 'x', 'n', '', NOW(6), NOW(6))`, email); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := migration.Apply(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		key    string
		legacy int
	}{
		"Alice@Example.ORG":      {"alice@example.org", 0},
		"jose\u0301@example.org": {"jose\u0301@example.org", 1}, // not NFC yet: the app finishes it
		"Zoë@Example.org":        {"zoë@example.org", 1},
	}
	rows, err := conn.QueryContext(ctx, "SELECT email, email_key, email_legacy FROM users")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var email, key string
		var legacy int
		if err := rows.Scan(&email, &key, &legacy); err != nil {
			t.Fatal(err)
		}
		n++
		if w := want[email]; key != w.key || legacy != w.legacy {
			t.Errorf("%q: email_key %q, legacy %d; want %q, %d", email, key, legacy, w.key, w.legacy)
		}
	}
	if n != len(want) {
		t.Errorf("%d rows, want %d", n, len(want))
	}
	// The new key is binary: addresses the old collation merged are two.
	for _, email := range []string{"josé@example.org", "jose@example.org"} {
		if _, err := conn.ExecContext(ctx, `INSERT INTO users (email, email_key, password_hash, display_name, about, created_at, updated_at)
			VALUES (?, ?, 'x', 'n', '', NOW(6), NOW(6))`, email, email); err != nil {
			t.Errorf("insert %q next to the others: %v", email, err)
		}
	}
}
