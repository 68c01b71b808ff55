package db

import (
	"context"
	"database/sql"
)

// A Handle is what a feature's service works on: the pool, or a caller's
// transaction that the service joined, so that what it changes commits or
// rolls back with the caller's changes (a friendship and its
// notification, together).
type Handle struct {
	pool *sql.DB
	tx   Querier // the joined transaction, or nil
}

// NewHandle returns a Handle on the pool.
func NewHandle(pool *sql.DB) Handle { return Handle{pool: pool} }

// Join returns h working inside the caller's transaction q, as InTx
// passes one.
func (h Handle) Join(q Querier) Handle {
	h.tx = q
	return h
}

// Q returns what single statements run on: the joined transaction, else
// the pool.
func (h Handle) Q() Querier {
	if h.tx != nil {
		return h.tx
	}
	return h.pool
}

// InTx runs f in the joined transaction if there is one, else in a new
// transaction of its own (see InTx: retried on deadlock).
func (h Handle) InTx(ctx context.Context, f func(q Querier) error) error {
	if h.tx != nil {
		return f(h.tx)
	}
	return InTx(ctx, h.pool, f)
}

// Pool returns the pool, for work that must not join the caller's
// transaction.
func (h Handle) Pool() *sql.DB { return h.pool }
