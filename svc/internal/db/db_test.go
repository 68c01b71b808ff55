package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// newTable returns a database with table t holding rows 1..n, v = 0.
func newTable(t *testing.T, n int) *sql.DB {
	t.Helper()
	conn := dbtest.New(t)
	if _, err := conn.Exec("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT NOT NULL, UNIQUE KEY t_v (v)) ENGINE=InnoDB"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := conn.Exec("INSERT INTO t (id, v) VALUES (?, ?)", i, -i); err != nil {
			t.Fatal(err)
		}
	}
	return conn
}

func value(t *testing.T, conn *sql.DB, id int) int {
	t.Helper()
	var v int
	if err := conn.QueryRow("SELECT v FROM t WHERE id = ?", id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestInTxCommitsAndRollsBack(t *testing.T) {
	conn := newTable(t, 2)
	ctx := context.Background()
	if err := db.InTx(ctx, conn, func(q db.Querier) error {
		_, err := q.ExecContext(ctx, "UPDATE t SET v = 10 WHERE id = 1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if v := value(t, conn, 1); v != 10 {
		t.Errorf("after commit v = %d, want 10", v)
	}

	boom := errors.New("boom")
	calls := 0
	err := db.InTx(ctx, conn, func(q db.Querier) error {
		calls++
		if _, err := q.ExecContext(ctx, "UPDATE t SET v = 20 WHERE id = 1"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Errorf("InTx = %v after %d calls, want boom after 1", err, calls)
	}
	if v := value(t, conn, 1); v != 10 {
		t.Errorf("after a failed transaction v = %d, want 10 (rolled back)", v)
	}

	// A panic rolls back too, and goes on up.
	func() {
		defer func() { recover() }()
		db.InTx(ctx, conn, func(q db.Querier) error {
			q.ExecContext(ctx, "UPDATE t SET v = 30 WHERE id = 1")
			panic("in transaction")
		})
	}()
	if v := value(t, conn, 1); v != 10 {
		t.Errorf("after a panic v = %d, want 10 (rolled back)", v)
	}

	// A duplicate is not retried, and IsDuplicate knows it.
	calls = 0
	err = db.InTx(ctx, conn, func(q db.Querier) error {
		calls++
		_, err := q.ExecContext(ctx, "UPDATE t SET v = -2 WHERE id = 1")
		return err
	})
	if !db.IsDuplicate(err) || db.IsRetryable(err) || calls != 1 {
		t.Errorf("duplicate: %v after %d calls; want a duplicate after 1", err, calls)
	}
	if db.IsDuplicate(boom) || db.IsDuplicate(nil) {
		t.Error("IsDuplicate of other errors")
	}
}

// deadlock makes the transaction q a real deadlock's victim: q locks row
// 1, another transaction that has changed many rows (so InnoDB prefers to
// roll q back) locks row 2 and then waits for row 1, and q asks for row
// 2. It returns q's error, and waits for the other transaction to commit.
func deadlock(ctx context.Context, conn *sql.DB, q db.Querier) error {
	if _, err := q.ExecContext(ctx, "UPDATE t SET v = v WHERE id = 1"); err != nil {
		return err
	}
	other, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer other.Rollback()
	if _, err := other.ExecContext(ctx, "UPDATE t SET v = v - 1000 WHERE id > 1"); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		_, err := other.ExecContext(ctx, "UPDATE t SET v = v + 1000 WHERE id = 1") // waits for q
		if err == nil {
			err = other.Commit()
		}
		done <- err
	}()
	time.Sleep(200 * time.Millisecond) // let it start waiting on row 1
	_, err = q.ExecContext(ctx, "UPDATE t SET v = v + 1 WHERE id = 2")
	if err == nil {
		return fmt.Errorf("no deadlock: the other transaction did not wait")
	}
	if oerr := <-done; oerr != nil {
		return fmt.Errorf("the other transaction failed too: %v (ours: %w)", oerr, err)
	}
	return err
}

func TestInTxRetriesDeadlock(t *testing.T) {
	conn := newTable(t, 50)
	ctx := context.Background()
	var calls atomic.Int32
	err := db.InTx(ctx, conn, func(q db.Querier) error {
		if calls.Add(1) == 1 {
			err := deadlock(ctx, conn, q)
			if !db.IsRetryable(err) {
				return fmt.Errorf("want a deadlock, got %v", err)
			}
			return err
		}
		_, err := q.ExecContext(ctx, "UPDATE t SET v = 7 WHERE id = 1")
		return err
	})
	if err != nil || calls.Load() != 2 {
		t.Fatalf("InTx = %v after %d calls, want success on the second", err, calls.Load())
	}
	// The other transaction's change and the retry's both committed.
	if v := value(t, conn, 1); v != 7 {
		t.Errorf("v = %d, want 7", v)
	}
	if v := value(t, conn, 2); v != -1002 {
		t.Errorf("row 2 v = %d, want -1002 (the other transaction's change)", v)
	}
}

func TestInTxGivesUp(t *testing.T) {
	conn := newTable(t, 50)
	ctx := context.Background()
	calls := 0
	err := db.InTx(ctx, conn, func(q db.Querier) error {
		calls++
		return deadlock(ctx, conn, q)
	})
	if !db.IsRetryable(err) || calls != db.MaxAttempts {
		t.Fatalf("InTx = %v after %d calls, want a deadlock after %d", err, calls, db.MaxAttempts)
	}
	if !strings.Contains(err.Error(), "failed") {
		t.Errorf("error %q does not say it gave up", err)
	}
}

func TestCursors(t *testing.T) {
	c := db.NewCursors([]byte("0123456789abcdef0123456789abcdef"))
	pos := db.Position{Time: time.Date(2026, 12, 1, 21, 0, 0, 123456000, time.UTC), ID: 42}
	cur := c.Encode("feed/7", pos)
	got, err := c.Decode("feed/7", cur)
	if err != nil || !got.Time.Equal(pos.Time) || got.ID != pos.ID {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, pos)
	}
	if strings.Contains(cur, "42") && len(cur) < 20 {
		t.Errorf("cursor %q looks transparent", cur)
	}
	other := db.NewCursors([]byte("another key, another site......."))
	tampered := []byte(cur)
	tampered[5] ^= 1
	for name, tt := range map[string]struct{ list, cur string }{
		"other list":                     {"friends/7", cur},
		"other user's list":              {"feed/8", cur},
		"tampered":                       {"feed/7", string(tampered)},
		"other key":                      {"feed/7", other.Encode("feed/7", pos)},
		"empty":                          {"feed/7", ""},
		"junk":                           {"feed/7", "not a cursor"},
		"too long":                       {"feed/7", cur + "AAAA"},
		"truncated":                      {"feed/7", cur[:len(cur)-1]},
		"not base64":                     {"feed/7", strings.Repeat("*", len(cur))},
		"invalid UTF-8":                  {"feed/7", "\xff" + cur[1:]},
		"other position, same signature": {"feed/7", c.Encode("feed/7", db.Position{ID: 43})[:22] + cur[22:]},
	} {
		if _, err := c.Decode(tt.list, tt.cur); !errors.Is(err, db.ErrCursor) {
			t.Errorf("%s: Decode = %v, want ErrCursor", name, err)
		}
	}
}

func TestKey(t *testing.T) {
	conn := dbtest.New(t)
	ctx := context.Background()
	a, err := db.Key(ctx, conn, "cursor")
	if err != nil || len(a) != 32 {
		t.Fatalf("Key = %x, %v", a, err)
	}
	b, err := db.Key(ctx, conn, "cursor")
	if err != nil || string(a) != string(b) {
		t.Errorf("second Key = %x, %v; want the first, %x", b, err, a)
	}
	if c, _ := db.Key(ctx, conn, "other"); string(c) == string(a) {
		t.Error("two names share a key")
	}
}
