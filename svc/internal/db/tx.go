package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-sql-driver/mysql"
)

// A Querier runs SQL: both *sql.DB and *sql.Tx are Queriers, so a store
// written on one works alone or inside a caller's transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var (
	_ Querier = (*sql.DB)(nil)
	_ Querier = (*sql.Tx)(nil)
)

// MySQL's error numbers this package recognizes.
const (
	errDupEntry        = 1062 // ER_DUP_ENTRY
	errLockWaitTimeout = 1205 // ER_LOCK_WAIT_TIMEOUT
	errDeadlock        = 1213 // ER_LOCK_DEADLOCK
)

// IsDuplicate reports whether err is MySQL's ER_DUP_ENTRY: a unique key
// refused a row.
func IsDuplicate(err error) bool { return mysqlErr(err) == errDupEntry }

// IsRetryable reports whether err is a deadlock or a lock wait timeout,
// after which running the whole transaction again may succeed.
func IsRetryable(err error) bool {
	n := mysqlErr(err)
	return n == errDeadlock || n == errLockWaitTimeout
}

func mysqlErr(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// MaxAttempts is how many times InTx runs a transaction that keeps
// deadlocking before it gives up.
const MaxAttempts = 4

// InTx runs f in a transaction on db and commits it if f returns nil; if f
// returns an error, or panics, the transaction is rolled back.
//
// When the server picks the transaction as a deadlock's victim (1213), or
// gives up waiting for a lock (1205), the server has already rolled it
// back (the whole transaction for 1213; for 1205 InTx rolls it back
// itself), so InTx runs f again from the start in a new transaction, up to
// MaxAttempts times in all, after a short random pause that grows with
// each attempt so the contenders do not collide again in step. f must
// therefore have no effect outside the transaction that it cannot repeat.
// The last error is returned wrapped; IsRetryable tells it apart.
func InTx(ctx context.Context, db *sql.DB, f func(q Querier) error) error {
	var err error
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		if err = inTx(ctx, db, f); err == nil || !IsRetryable(err) {
			return err
		}
		if attempt == MaxAttempts {
			break
		}
		// 5-10 ms, then 10-20, then 20-40.
		base := 5 * time.Millisecond << (attempt - 1)
		pause := base + rand.N(base)
		select {
		case <-ctx.Done():
			return fmt.Errorf("transaction: %w (after: %w)", ctx.Err(), err)
		case <-time.After(pause):
		}
	}
	return fmt.Errorf("transaction failed %d times: %w", MaxAttempts, err)
}

func inTx(ctx context.Context, db *sql.DB, f func(q Querier) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
		}
	}()
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	return nil
}
