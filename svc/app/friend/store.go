package friend

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/internal/db"
)

// The SQL of friends, on a db.Querier so that each statement runs alone
// or inside a caller's transaction. A friendship is two rows of
// friendships, (a, b) and (b, a), always written and deleted together.

// state is everything that stands between two people, a and b.
type state struct {
	friends   bool // a and b are friends
	requested bool // a asked b
	incoming  bool // b asked a
	blocked   bool // a blocked b
	blockedBy bool // b blocked a
}

// loadState reads the state between a and b in one query.
func loadState(ctx context.Context, q db.Querier, a, b int64) (state, error) {
	var s state
	err := q.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM friendships WHERE user_id = ? AND friend_id = ?),
		EXISTS (SELECT 1 FROM friend_requests WHERE sender_id = ? AND addressee_id = ?),
		EXISTS (SELECT 1 FROM friend_requests WHERE sender_id = ? AND addressee_id = ?),
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?),
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?)`,
		a, b, a, b, b, a, a, b, b, a).Scan(&s.friends, &s.requested, &s.incoming, &s.blocked, &s.blockedBy)
	if err != nil {
		return state{}, fmt.Errorf("relation of users %d and %d: %w", a, b, err)
	}
	return s, nil
}

// lockState reads the state between a and b with locking reads, in the
// transaction q: the rows that exist are locked, and the gaps where the
// missing ones would go, so that two transitions of one pair at once
// serialize (or deadlock, and db.InTx runs the loser again). Each row is
// read by its whole primary key, so that nothing else is locked (a
// locking read locks every entry it scans, and the optimizer may scan all
// of a person's requests by a prefix of another index for an OR of two
// pairs), and the pair's rows are always locked in one order, the lower id
// first, whichever of the two acts.
func lockState(ctx context.Context, q db.Querier, a, b int64) (state, error) {
	lo, hi := min(a, b), max(a, b)
	var found [6]bool
	for i, l := range []struct {
		query string
		x, y  int64
	}{
		{"SELECT 1 FROM friendships WHERE user_id = ? AND friend_id = ? FOR UPDATE", lo, hi},
		{"SELECT 1 FROM friendships WHERE user_id = ? AND friend_id = ? FOR UPDATE", hi, lo},
		{"SELECT 1 FROM friend_requests WHERE sender_id = ? AND addressee_id = ? FOR UPDATE", lo, hi},
		{"SELECT 1 FROM friend_requests WHERE sender_id = ? AND addressee_id = ? FOR UPDATE", hi, lo},
		{"SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ? FOR UPDATE", lo, hi},
		{"SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ? FOR UPDATE", hi, lo},
	} {
		rows, err := q.QueryContext(ctx, l.query, l.x, l.y)
		if err != nil {
			return state{}, fmt.Errorf("lock relation of users %d and %d: %w", a, b, err)
		}
		found[i] = rows.Next()
		if err := closeRows(rows); err != nil {
			return state{}, fmt.Errorf("lock relation of users %d and %d: %w", a, b, err)
		}
	}
	// Within each table's pair, the row from a to b and the one from b
	// to a.
	ab, ba := 0, 1
	if a != lo {
		ab, ba = 1, 0
	}
	return state{
		friends:   found[0] || found[1],
		requested: found[2+ab],
		incoming:  found[2+ba],
		blocked:   found[4+ab],
		blockedBy: found[4+ba],
	}, nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	rows.Close()
	return err
}

func exec(ctx context.Context, q db.Querier, what string, query string, args ...any) (int64, error) {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return n, nil
}

func insertFriendship(ctx context.Context, q db.Querier, a, b int64, now time.Time) error {
	_, err := exec(ctx, q, fmt.Sprintf("befriend users %d and %d", a, b),
		"INSERT INTO friendships (user_id, friend_id, created_at) VALUES (?, ?, ?), (?, ?, ?)", a, b, now, b, a, now)
	return err
}

func deleteFriendship(ctx context.Context, q db.Querier, a, b int64) error {
	return deleteBoth(ctx, q, fmt.Sprintf("end friendship of users %d and %d", a, b),
		"DELETE FROM friendships WHERE user_id = ? AND friend_id = ?", a, b)
}

// deleteBoth runs a DELETE of the row of a pair by its whole primary key,
// both ways, the lower id first (as lockState locks them): an OR of the
// two pairs could scan and lock a prefix of an index.
func deleteBoth(ctx context.Context, q db.Querier, what, query string, a, b int64) error {
	lo, hi := min(a, b), max(a, b)
	if _, err := exec(ctx, q, what, query, lo, hi); err != nil {
		return err
	}
	_, err := exec(ctx, q, what, query, hi, lo)
	return err
}

func friendsSince(ctx context.Context, q db.Querier, a, b int64) (time.Time, error) {
	var t time.Time
	err := q.QueryRowContext(ctx, "SELECT created_at FROM friendships WHERE user_id = ? AND friend_id = ?", a, b).Scan(&t)
	if err != nil {
		return time.Time{}, fmt.Errorf("friendship of users %d and %d: %w", a, b, err)
	}
	return t, nil
}

func insertRequest(ctx context.Context, q db.Querier, from, to int64, now time.Time) error {
	_, err := exec(ctx, q, fmt.Sprintf("request from user %d to %d", from, to),
		"INSERT INTO friend_requests (sender_id, addressee_id, created_at) VALUES (?, ?, ?)", from, to, now)
	return err
}

func requestSent(ctx context.Context, q db.Querier, from, to int64) (time.Time, error) {
	var t time.Time
	err := q.QueryRowContext(ctx, "SELECT created_at FROM friend_requests WHERE sender_id = ? AND addressee_id = ?", from, to).Scan(&t)
	if err != nil {
		return time.Time{}, fmt.Errorf("request from user %d to %d: %w", from, to, err)
	}
	return t, nil
}

// deleteRequests deletes the pending requests between a and b, both ways.
func deleteRequests(ctx context.Context, q db.Querier, a, b int64) error {
	return deleteBoth(ctx, q, fmt.Sprintf("delete requests between users %d and %d", a, b),
		"DELETE FROM friend_requests WHERE sender_id = ? AND addressee_id = ?", a, b)
}

func deleteRequest(ctx context.Context, q db.Querier, from, to int64) error {
	_, err := exec(ctx, q, fmt.Sprintf("delete request from user %d to %d", from, to),
		"DELETE FROM friend_requests WHERE sender_id = ? AND addressee_id = ?", from, to)
	return err
}

// declinedAt returns when to declined a request from from, if to did.
func declinedAt(ctx context.Context, q db.Querier, from, to int64) (time.Time, bool, error) {
	var t time.Time
	err := q.QueryRowContext(ctx, "SELECT declined_at FROM friend_declines WHERE sender_id = ? AND addressee_id = ? FOR UPDATE", from, to).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("declines of user %d's requests to %d: %w", from, to, err)
	}
	return t, true, nil
}

func recordDecline(ctx context.Context, q db.Querier, from, to int64, now time.Time) error {
	_, err := exec(ctx, q, fmt.Sprintf("decline request from user %d to %d", from, to),
		"INSERT INTO friend_declines (sender_id, addressee_id, declined_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE declined_at = ?",
		from, to, now, now)
	return err
}

func deleteDeclines(ctx context.Context, q db.Querier, a, b int64) error {
	return deleteBoth(ctx, q, fmt.Sprintf("forget declines between users %d and %d", a, b),
		"DELETE FROM friend_declines WHERE sender_id = ? AND addressee_id = ?", a, b)
}

func insertBlock(ctx context.Context, q db.Querier, blocker, blocked int64, now time.Time) error {
	_, err := exec(ctx, q, fmt.Sprintf("block user %d by %d", blocked, blocker),
		"INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)", blocker, blocked, now)
	return err
}

func deleteBlock(ctx context.Context, q db.Querier, blocker, blocked int64) error {
	_, err := exec(ctx, q, fmt.Sprintf("unblock user %d by %d", blocked, blocker),
		"DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?", blocker, blocked)
	return err
}

// An entry is one person of a list: their id and the time that orders
// the list (friends since, request sent, blocked at).
type entry = db.Position

// listQuery is a keyset-paginated list of (id, time) newest first: from
// is the query up to its WHERE clause's own conditions, with column names
// idCol and timeCol; after adds the condition for the rows after a
// position.
type listQuery struct {
	sql     string // SELECT <id>, <time> FROM ... WHERE ...
	args    []any
	idCol   string
	timeCol string
}

// entries runs the list query for up to limit rows after pos (nil: from
// the start).
func entries(ctx context.Context, q db.Querier, lq listQuery, after *db.Position, limit int) ([]entry, error) {
	query, args := lq.sql, append([]any(nil), lq.args...)
	if after != nil {
		query += fmt.Sprintf(" AND (%[1]s < ? OR (%[1]s = ? AND %[2]s < ?))", lq.timeCol, lq.idCol)
		args = append(args, after.Time, after.Time, after.ID)
	}
	query += fmt.Sprintf(" ORDER BY %s DESC, %s DESC LIMIT ?", lq.timeCol, lq.idCol)
	args = append(args, limit)
	return db.Positions(ctx, q, query, args...)
}

// notBlockedWith is a condition on the id column col: the person neither
// blocked nor was blocked by the viewer, whose id it binds twice.
func notBlockedWith(col string) string {
	return fmt.Sprintf(` AND NOT EXISTS (SELECT 1 FROM blocks b1 WHERE b1.blocker_id = ? AND b1.blocked_id = %[1]s)
		AND NOT EXISTS (SELECT 1 FROM blocks b2 WHERE b2.blocker_id = %[1]s AND b2.blocked_id = ?)`, col)
}

// friendsAmong returns which of the ids are friends of user.
func friendsAmong(ctx context.Context, q db.Querier, user int64, ids []int64) (map[int64]bool, error) {
	m := map[int64]bool{}
	if len(ids) == 0 {
		return m, nil
	}
	args := []any{user}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := q.QueryContext(ctx, "SELECT friend_id FROM friendships WHERE user_id = ? AND friend_id IN (?"+
		strings.Repeat(", ?", len(ids)-1)+")", args...)
	if err != nil {
		return nil, fmt.Errorf("friends of user %d among %d: %w", user, len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("friends of user %d among %d: %w", user, len(ids), err)
		}
		m[id] = true
	}
	return m, rows.Err()
}

func countFriends(ctx context.Context, q db.Querier, user int64) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM friendships WHERE user_id = ?", user).Scan(&n); err != nil {
		return 0, fmt.Errorf("count friends of user %d: %w", user, err)
	}
	return n, nil
}

func countMutual(ctx context.Context, q db.Querier, a, b int64) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM friendships f1
		JOIN friendships f2 ON f2.user_id = ? AND f2.friend_id = f1.friend_id
		WHERE f1.user_id = ?`, b, a).Scan(&n); err != nil {
		return 0, fmt.Errorf("count mutual friends of users %d and %d: %w", a, b, err)
	}
	return n, nil
}

// A suggestion is a friend of friends and how many friends they share
// with the viewer.
type suggestion struct {
	ID     int64
	Mutual int
}

// suggest returns up to limit friends of the viewer's friends, by the
// number of friends they share with the viewer, counting the friends of
// the viewer's frontier most recent friends only (so that the cost is
// bounded for people with thousands of friends). It leaves out the viewer,
// their friends, everyone they asked or who asked them, blocked either
// way, or who declined or was declined since since.
func suggest(ctx context.Context, q db.Querier, viewer int64, since time.Time, frontier, limit int) ([]suggestion, error) {
	// Counted first, filtered after: each candidate is checked once, not
	// once per friend in common.
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.mutual FROM (
			SELECT f2.friend_id AS id, COUNT(*) AS mutual
			FROM (SELECT friend_id FROM friendships WHERE user_id = ? ORDER BY created_at DESC LIMIT ?) f1
			JOIN friendships f2 ON f2.user_id = f1.friend_id
			WHERE f2.friend_id <> ?
			GROUP BY f2.friend_id) c
		WHERE NOT EXISTS (SELECT 1 FROM friendships x WHERE x.user_id = ? AND x.friend_id = c.id)
		AND NOT EXISTS (SELECT 1 FROM friend_requests r1 WHERE r1.sender_id = ? AND r1.addressee_id = c.id)
		AND NOT EXISTS (SELECT 1 FROM friend_requests r2 WHERE r2.sender_id = c.id AND r2.addressee_id = ?)
		AND NOT EXISTS (SELECT 1 FROM friend_declines d1 WHERE d1.sender_id = ? AND d1.addressee_id = c.id AND d1.declined_at > ?)
		AND NOT EXISTS (SELECT 1 FROM friend_declines d2 WHERE d2.sender_id = c.id AND d2.addressee_id = ? AND d2.declined_at > ?)`+
		notBlockedWith("c.id")+`
		ORDER BY c.mutual DESC, c.id LIMIT ?`,
		viewer, frontier, viewer, viewer, viewer, viewer, viewer, since, viewer, since, viewer, viewer, limit)
	if err != nil {
		return nil, fmt.Errorf("suggest friends to user %d: %w", viewer, err)
	}
	defer rows.Close()
	var out []suggestion
	for rows.Next() {
		var s suggestion
		if err := rows.Scan(&s.ID, &s.Mutual); err != nil {
			return nil, fmt.Errorf("suggest friends to user %d: %w", viewer, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// mutualFriend returns a friend of both a and b, or 0.
func mutualFriend(ctx context.Context, q db.Querier, a, b int64) (int64, error) {
	var m int64
	err := q.QueryRowContext(ctx, `SELECT f1.friend_id FROM friendships f1
		JOIN friendships f2 ON f2.user_id = ? AND f2.friend_id = f1.friend_id
		WHERE f1.user_id = ? ORDER BY f1.friend_id LIMIT 1`, b, a).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("mutual friend of users %d and %d: %w", a, b, err)
	}
	return m, nil
}

// bridge returns x and y such that near - x - y - far is a chain of
// friends, neither of them blocked with viewer, or 0, 0 if there is none
// among the first budget friendships of near's friends (the most recent
// friends first): the friendships looked through are capped, whoever
// near's friends are.
func bridge(ctx context.Context, q db.Querier, near, far, viewer int64, budget int) (x, y int64, err error) {
	err = q.QueryRowContext(ctx, `SELECT e.x, e.y FROM (
			SELECT f1.friend_id AS x, fm.friend_id AS y
			-- f1 read in the order of friendships_list, no sort: the
			-- budget's rows are the first ones read.
			FROM friendships f1 JOIN friendships fm ON fm.user_id = f1.friend_id
			WHERE f1.user_id = ? AND fm.friend_id <> ?
			ORDER BY f1.created_at DESC, f1.friend_id DESC LIMIT ?) e
		JOIN friendships f2 ON f2.user_id = ? AND f2.friend_id = e.y
		WHERE e.x <> ?`+notBlockedWith("e.x")+notBlockedWith("e.y")+`
		LIMIT 1`, near, near, budget, far, far, viewer, viewer, viewer, viewer).Scan(&x, &y)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("chain of friends from user %d to %d: %w", near, far, err)
	}
	return x, y, nil
}
