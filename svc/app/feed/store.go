package feed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/app/friend"
	"github.com/kin-social/kin/svc/internal/db"
)

// The SQL of posts, likes and comments, on a db.Querier so that each
// statement runs alone or inside a caller's transaction.
//
// Who may see a post, and which posts make a home feed, are conditions
// inside the queries that find them, so that a page costs a constant
// number of index scans instead of a call per row. Those conditions are
// friend's SQL (friend.FriendsOfSQL, friend.NotBlockedSQL) where friend
// offers it; the per-row tests of one pair (is the viewer the author's
// friend, is either blocked, does a friendship item's friendship last)
// read friendships and blocks by their primary keys here, as scalar
// lookups, until friend offers them too.

// postRow is one row of posts, with how its author stands to the viewer.
type postRow struct {
	ID           int64
	Author       int64
	Kind         string
	Friend       int64 // kind friendship: the new friend
	Visibility   Visibility
	Text         string
	CreatedAt    time.Time
	EditedAt     sql.NullTime
	LikeCount    int
	CommentCount int
	Liked        bool // the viewer likes it
	ViewerFriend bool // the viewer is the author's friend
	Blocked      bool // the viewer and the author blocked one another, either way
	Stale        bool // kind friendship: the two are friends no more
}

const postColumns = `p.id, p.author_id, p.kind, COALESCE(p.friend_id, 0), p.visibility, p.text, p.created_at, p.edited_at,
	p.like_count, p.comment_count`

// viewerColumns binds the viewer four times, then the post's own
// friendship check.
// Each probe is a scalar subquery, one primary-key lookup per row (see
// stillFriends).
const viewerColumns = `(SELECT COUNT(*) FROM post_likes l WHERE l.post_id = p.id AND l.user_id = ?) > 0,
	(SELECT COUNT(*) FROM friendships f WHERE f.user_id = ? AND f.friend_id = p.author_id) > 0,
	(SELECT COUNT(*) FROM blocks b WHERE b.blocker_id = ? AND b.blocked_id = p.author_id)
	+ (SELECT COUNT(*) FROM blocks b WHERE b.blocker_id = p.author_id AND b.blocked_id = ?) > 0,
	p.kind = 'friendship' AND (SELECT COUNT(*) FROM friendships g WHERE g.user_id = p.author_id AND g.friend_id = p.friend_id) = 0`

func scanPost(sc interface{ Scan(...any) error }, r *postRow) error {
	return sc.Scan(&r.ID, &r.Author, &r.Kind, &r.Friend, &r.Visibility, &r.Text, &r.CreatedAt, &r.EditedAt,
		&r.LikeCount, &r.CommentCount, &r.Liked, &r.ViewerFriend, &r.Blocked, &r.Stale)
}

func viewerArgs(viewer int64) []any { return []any{viewer, viewer, viewer, viewer} }

// loadPost returns the post with the id as it stands to viewer (0:
// nobody), or sql.ErrNoRows.
func loadPost(ctx context.Context, q db.Querier, id, viewer int64) (postRow, error) {
	var r postRow
	args := append(viewerArgs(viewer), id)
	err := scanPost(q.QueryRowContext(ctx, "SELECT "+postColumns+", "+viewerColumns+" FROM posts p WHERE p.id = ?", args...), &r)
	if err != nil {
		return postRow{}, fmt.Errorf("load post %d: %w", id, err)
	}
	return r, nil
}

// lockPost locks the post's row until the transaction q ends, so that
// the likes and comments of one post change its counts one at a time,
// and returns the post as loadPost does. Locking the row before anything
// else keeps concurrent likes from deadlocking on it.
func lockPost(ctx context.Context, q db.Querier, id, viewer int64) (postRow, error) {
	var one int
	if err := q.QueryRowContext(ctx, "SELECT 1 FROM posts WHERE id = ? FOR UPDATE", id).Scan(&one); err != nil {
		return postRow{}, fmt.Errorf("lock post %d: %w", id, err)
	}
	return loadPost(ctx, q, id, viewer)
}

// loadPosts returns the posts with the ids as they stand to viewer, who
// sees them all as a friend or as their author (the home feed's): one
// query whatever the number.
func loadPosts(ctx context.Context, q db.Querier, ids []int64, viewer int64) (map[int64]postRow, error) {
	m := make(map[int64]postRow, len(ids))
	if len(ids) == 0 {
		return m, nil
	}
	args := append(viewerArgs(viewer), anys(ids)...)
	rows, err := q.QueryContext(ctx, "SELECT "+postColumns+", "+viewerColumns+" FROM posts p WHERE p.id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("load %d posts: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var r postRow
		if err := scanPost(rows, &r); err != nil {
			return nil, fmt.Errorf("load %d posts: %w", len(ids), err)
		}
		m[r.ID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load %d posts: %w", len(ids), err)
	}
	return m, nil
}

func insertPost(ctx context.Context, q db.Querier, author int64, kind string, friend int64, vis Visibility, text string, now time.Time) (int64, error) {
	var f any
	if friend != 0 {
		f = friend
	}
	res, err := q.ExecContext(ctx, `INSERT INTO posts (author_id, kind, friend_id, visibility, text, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, author, kind, f, vis, text, now)
	if err != nil {
		return 0, fmt.Errorf("insert post of user %d: %w", author, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("insert post of user %d: %w", author, err)
	}
	return id, nil
}

func updatePost(ctx context.Context, q db.Querier, id int64, vis Visibility, text string, edited *time.Time) error {
	query, args := "UPDATE posts SET visibility = ?, text = ?", []any{vis, text}
	if edited != nil {
		query += ", edited_at = ?"
		args = append(args, *edited)
	}
	if _, err := q.ExecContext(ctx, query+" WHERE id = ?", append(args, id)...); err != nil {
		return fmt.Errorf("update post %d: %w", id, err)
	}
	return nil
}

// deletePost deletes the post; its likes and comments go with it (ON
// DELETE CASCADE).
func deletePost(ctx context.Context, q db.Querier, id int64) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM posts WHERE id = ?", id); err != nil {
		return fmt.Errorf("delete post %d: %w", id, err)
	}
	return nil
}

// deleteFriendshipItems deletes the friendship items of a and b, both
// ways.
func deleteFriendshipItems(ctx context.Context, q db.Querier, a, b int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM posts WHERE kind = 'friendship'
		AND ((friend_id = ? AND author_id = ?) OR (friend_id = ? AND author_id = ?))`, a, b, b, a); err != nil {
		return fmt.Errorf("delete friendship items of users %d and %d: %w", a, b, err)
	}
	return nil
}

// addCount adds delta to the post's like_count or comment_count.
func addCount(ctx context.Context, q db.Querier, id int64, column string, delta int) error {
	if _, err := q.ExecContext(ctx, "UPDATE posts SET "+column+" = "+column+" + ? WHERE id = ?", delta, id); err != nil {
		return fmt.Errorf("count %s of post %d: %w", column, id, err)
	}
	return nil
}

func countOf(ctx context.Context, q db.Querier, id int64, column string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT "+column+" FROM posts WHERE id = ?", id).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s of post %d: %w", column, id, err)
	}
	return n, nil
}

// insertLike records the like and reports whether it is new.
func insertLike(ctx context.Context, q db.Querier, post, user int64, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO post_likes (post_id, user_id, created_at) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE post_id = post_id`, post, user, now)
	if err != nil {
		return false, fmt.Errorf("like post %d by user %d: %w", post, user, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("like post %d by user %d: %w", post, user, err)
	}
	return n == 1, nil // 0 for a like that was there
}

// deleteLike deletes the like and reports whether there was one.
func deleteLike(ctx context.Context, q db.Querier, post, user int64) (bool, error) {
	res, err := q.ExecContext(ctx, "DELETE FROM post_likes WHERE post_id = ? AND user_id = ?", post, user)
	if err != nil {
		return false, fmt.Errorf("unlike post %d by user %d: %w", post, user, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("unlike post %d by user %d: %w", post, user, err)
	}
	return n == 1, nil
}

func insertComment(ctx context.Context, q db.Querier, post, author int64, text string, now time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, "INSERT INTO comments (post_id, author_id, text, created_at) VALUES (?, ?, ?, ?)",
		post, author, text, now)
	if err != nil {
		return 0, fmt.Errorf("comment on post %d by user %d: %w", post, author, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("comment on post %d by user %d: %w", post, author, err)
	}
	return id, nil
}

// commentRow is one row of comments.
type commentRow struct {
	ID           int64
	Post         int64
	Author       int64
	Text         string
	CreatedAt    time.Time
	ViewerFriend bool // in lists: the viewer is the commenter's friend
}

// loadComment returns the comment with the id and its post's author, or
// sql.ErrNoRows.
func loadComment(ctx context.Context, q db.Querier, id int64) (commentRow, int64, error) {
	var (
		c          commentRow
		postAuthor int64
	)
	err := q.QueryRowContext(ctx, `SELECT c.id, c.post_id, c.author_id, c.text, c.created_at, p.author_id
		FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id = ?`, id).Scan(&c.ID, &c.Post, &c.Author, &c.Text, &c.CreatedAt, &postAuthor)
	if err != nil {
		return commentRow{}, 0, fmt.Errorf("load comment %d: %w", id, err)
	}
	return c, postAuthor, nil
}

func deleteComment(ctx context.Context, q db.Querier, id int64) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM comments WHERE id = ?", id); err != nil {
		return fmt.Errorf("delete comment %d: %w", id, err)
	}
	return nil
}

// hasCommented reports whether user has a comment on the post.
func hasCommented(ctx context.Context, q db.Querier, post, user int64) (bool, error) {
	var yes bool
	if err := q.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM comments WHERE post_id = ? AND author_id = ?)", post, user).Scan(&yes); err != nil {
		return false, fmt.Errorf("comments of user %d on post %d: %w", user, post, err)
	}
	return yes, nil
}

// commenters returns up to limit people with comments on the post, the
// latest to comment first, leaving out the ids in except.
func commenters(ctx context.Context, q db.Querier, post int64, limit int, except ...int64) ([]int64, error) {
	query := "SELECT author_id FROM comments WHERE post_id = ?"
	args := []any{post}
	if len(except) > 0 {
		query += " AND author_id NOT IN (" + placeholders(len(except)) + ")"
		args = append(args, anys(except)...)
	}
	query += " GROUP BY author_id ORDER BY MAX(id) DESC LIMIT ?"
	return db.IDs(ctx, q, query, append(args, limit)...)
}

// likers returns everyone who likes the post.
func likers(ctx context.Context, q db.Querier, post int64) ([]int64, error) {
	return db.IDs(ctx, q, "SELECT user_id FROM post_likes WHERE post_id = ?", post)
}

// relation is how viewer stands to another person.
type relation struct {
	friends bool
	blocked bool // either way
}

func loadRelation(ctx context.Context, q db.Querier, viewer, other int64) (relation, error) {
	var r relation
	if viewer == 0 || viewer == other {
		return r, nil
	}
	err := q.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM friendships WHERE user_id = ? AND friend_id = ?),
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?)
		OR EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?)`,
		viewer, other, viewer, other, other, viewer).Scan(&r.friends, &r.blocked)
	if err != nil {
		return relation{}, fmt.Errorf("relation of users %d and %d: %w", viewer, other, err)
	}
	return r, nil
}

// An item is one row of a list: an id and the time that orders it.
type item = db.Position

// keyset returns the condition and arguments for the rows after pos in
// a list ordered by (timeCol, idCol), descending or not.
func keyset(after *db.Position, timeCol, idCol string, desc bool) (string, []any) {
	if after == nil {
		return "", nil
	}
	op := ">"
	if desc {
		op = "<"
	}
	return fmt.Sprintf(" AND (%[1]s %[3]s ? OR (%[1]s = ? AND %[2]s %[3]s ?))", timeCol, idCol, op),
		[]any{after.Time, after.Time, after.ID}
}

// friendIDs returns up to limit of user's friends.
func friendIDs(ctx context.Context, q db.Querier, user int64, limit int) ([]int64, error) {
	list, err := db.IDs(ctx, q, friend.FriendsOfSQL+" LIMIT ?", user, limit)
	if err != nil {
		return nil, fmt.Errorf("friends of user %d: %w", user, err)
	}
	return list, nil
}

// homeByTime is the home feed of a person with many friends: one
// backward walk of posts_time from the position, which is already in the
// feed's order (no sort), keeping the reader's own posts and the posts
// their friends let them see, each friend tested by one primary-key probe
// of friendships. The index holds every column the walk tests, so no row
// is read until the page is known. It costs about limit divided by the
// share of all recent posts that are the reader's friends', so it is for
// readers with many friends (see DenseFriends).
func homeByTime(ctx context.Context, q db.Querier, reader int64, after *db.Position, limit int) ([]item, error) {
	query, args := homeByTimeQuery(reader, after, limit)
	list, err := db.Positions(ctx, q, query, args...)
	if err != nil {
		return nil, fmt.Errorf("home feed of user %d: %w", reader, err)
	}
	return list, nil
}

func homeByTimeQuery(reader int64, after *db.Position, limit int) (string, []any) {
	cond, args := keyset(after, "p.created_at", "p.id", true)
	return `SELECT p.id, p.created_at FROM posts p FORCE INDEX (posts_time)
		WHERE p.wall_kind = 'user'` + cond + `
		AND (p.author_id = ? OR (p.visibility <> 'only_me'
			AND p.author_id IN (` + friend.FriendsOfSQL + `)))
		AND (p.kind = 'post' OR ` + stillFriends("p") + `)
		ORDER BY p.created_at DESC, p.id DESC LIMIT ?`, append(args, reader, reader, limit)
}

// homeByFriends is the home feed of a person with few friends: range
// scans of posts_author for the reader and each friend, which holds
// every column the query tests, so no row is read; the matches are
// sorted. Sorting all of them would grow with how much the authors ever
// wrote, so the scans are bounded below by the later of two times, each
// with at least limit of the posts at or after it, so that the page lies
// within the bound: the limit-th newest of the authors' latest posts
// (one post of each of limit authors), and the newest of the authors'
// limit-th newest posts (limit posts of one author). Each is a short
// backward probe of posts_author per author, in the same statement. (One
// bounded subquery per friend merged with UNION ALL would sort less, but
// MariaDB takes longer to plan it than to run this.)
func homeByFriends(ctx context.Context, q db.Querier, reader int64, friends []int64, after *db.Position, limit int) ([]item, error) {
	query, args := homeByFriendsQuery(reader, friends, after, limit)
	list, err := db.Positions(ctx, q, query, args...)
	if err != nil {
		return nil, fmt.Errorf("home feed of user %d: %w", reader, err)
	}
	return list, nil
}

// noBound is a time before every post, the bound when fewer than a
// page's authors have posted.
const noBound = "1000-01-01 00:00:00"

func homeByFriendsQuery(reader int64, friends []int64, after *db.Position, limit int) (string, []any) {
	authors := anys(append([]int64{reader}, friends...))
	in := placeholders(len(authors))
	// visible is what the reader may see of an author's posts in the
	// table aliased tbl: their own, and friends' not kept to themselves,
	// of friendship items only those of lasting friendships.
	visible := func(tbl string) string {
		return fmt.Sprintf(` AND (%[1]s.author_id = ? OR %[1]s.visibility <> 'only_me')
		AND (%[1]s.kind = 'post' OR %[2]s)`, tbl, stillFriends(tbl))
	}
	cond, cargs := keyset(after, "p.created_at", "p.id", true)
	xcond, xargs := keyset(after, "x.created_at", "x.id", true)
	// nth is the time of an author's post at offset in the feed's order,
	// among those visible after the position: NULL when there is none.
	nth := `(SELECT x.created_at FROM posts x FORCE INDEX (posts_author)
				WHERE x.author_id = u.id AND x.wall_kind = 'user'` + xcond + visible("x") + `
				ORDER BY x.created_at DESC, x.id DESC LIMIT 1 OFFSET ?)`
	nthArgs := func(offset int) []any { return append(append(slices.Clone(xargs), reader), offset) }
	query := `SELECT p.id, p.created_at FROM posts p FORCE INDEX (posts_author)
		WHERE p.author_id IN (` + in + `) AND p.wall_kind = 'user'` + cond + visible("p") + `
		AND p.created_at >= GREATEST(
			(SELECT IF(COUNT(t.latest) < ?, CAST('` + noBound + `' AS DATETIME(6)), MIN(t.latest)) FROM (
				SELECT ` + nth + ` AS latest FROM users u WHERE u.id IN (` + in + `)
				ORDER BY latest DESC LIMIT ?) t),
			(SELECT COALESCE(MAX(` + nth + `), CAST('` + noBound + `' AS DATETIME(6)))
				FROM users u WHERE u.id IN (` + in + `)))
		ORDER BY p.created_at DESC, p.id DESC LIMIT ?`
	args := append([]any{}, authors...)
	args = append(args, cargs...)
	args = append(args, reader, limit)
	args = append(args, nthArgs(0)...) // each author's latest
	args = append(args, authors...)
	args = append(args, limit)
	args = append(args, nthArgs(limit-1)...) // each author's limit-th newest
	args = append(args, authors...)
	args = append(args, limit)
	return query, args
}

// wall returns up to limit of owner's posts after the position with one
// of the visibilities, newest first: one backward range scan of
// posts_author.
func wall(ctx context.Context, q db.Querier, owner int64, vis []Visibility, after *db.Position, limit int) ([]item, error) {
	query, args := wallQuery(owner, vis, after, limit)
	list, err := db.Positions(ctx, q, query, args...)
	if err != nil {
		return nil, fmt.Errorf("wall of user %d: %w", owner, err)
	}
	return list, nil
}

func wallQuery(owner int64, vis []Visibility, after *db.Position, limit int) (string, []any) {
	cond, cargs := keyset(after, "created_at", "id", true)
	args := append([]any{owner}, cargs...)
	for _, v := range vis {
		args = append(args, v)
	}
	return `SELECT id, created_at FROM posts WHERE author_id = ? AND wall_kind = 'user'` + cond + `
		AND visibility IN (` + placeholders(len(vis)) + `)
		AND (kind = 'post' OR ` + stillFriends("posts") + `)
		ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit)
}

// stillFriends is the condition that the friendship item of the posts
// row tbl is of a friendship that lasts. It is a scalar subquery, one
// primary-key lookup per friendship item walked past, because MariaDB
// may turn an EXISTS into a materialized scan of all of friendships, and
// the walks only meet a friendship item now and then.
func stillFriends(tbl string) string {
	return fmt.Sprintf("(SELECT COUNT(*) FROM friendships g WHERE g.user_id = %[1]s.author_id AND g.friend_id = %[1]s.friend_id) > 0", tbl)
}

// likesPage returns up to limit of the likes of the post after the
// position, newest first, leaving out people blocked with the viewer (0:
// nobody), with whether each is the viewer's friend.
func likesPage(ctx context.Context, q db.Querier, post, viewer int64, after *db.Position, limit int) ([]item, map[int64]bool, error) {
	cond, cargs := keyset(after, "l.created_at", "l.user_id", true)
	query := `SELECT l.user_id, l.created_at,
		(SELECT COUNT(*) FROM friendships f WHERE f.user_id = ? AND f.friend_id = l.user_id) > 0
		FROM post_likes l WHERE l.post_id = ?` + cond
	args := append([]any{viewer, post}, cargs...)
	if viewer != 0 {
		query += friend.NotBlockedSQL("l.user_id")
		args = append(args, viewer, viewer)
	}
	query += " ORDER BY l.created_at DESC, l.user_id DESC LIMIT ?"
	rows, err := q.QueryContext(ctx, query, append(args, limit)...)
	if err != nil {
		return nil, nil, fmt.Errorf("likes of post %d: %w", post, err)
	}
	defer rows.Close()
	var out []item
	friends := map[int64]bool{}
	for rows.Next() {
		var (
			it item
			f  bool
		)
		if err := rows.Scan(&it.ID, &it.Time, &f); err != nil {
			return nil, nil, fmt.Errorf("likes of post %d: %w", post, err)
		}
		out = append(out, it)
		friends[it.ID] = f
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("likes of post %d: %w", post, err)
	}
	return out, friends, nil
}

// commentsPage returns up to limit of the comments on the post after the
// position, oldest first, leaving out those of people blocked with the
// viewer (0: nobody).
func commentsPage(ctx context.Context, q db.Querier, post, viewer int64, after *db.Position, limit int) ([]commentRow, error) {
	cond, cargs := keyset(after, "c.created_at", "c.id", false)
	query := `SELECT c.id, c.post_id, c.author_id, c.text, c.created_at,
		(SELECT COUNT(*) FROM friendships f WHERE f.user_id = ? AND f.friend_id = c.author_id) > 0
		FROM comments c WHERE c.post_id = ?` + cond
	args := append([]any{viewer, post}, cargs...)
	if viewer != 0 {
		query += friend.NotBlockedSQL("c.author_id")
		args = append(args, viewer, viewer)
	}
	query += " ORDER BY c.created_at, c.id LIMIT ?"
	rows, err := q.QueryContext(ctx, query, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("comments on post %d: %w", post, err)
	}
	defer rows.Close()
	var out []commentRow
	for rows.Next() {
		var c commentRow
		if err := rows.Scan(&c.ID, &c.Post, &c.Author, &c.Text, &c.CreatedAt, &c.ViewerFriend); err != nil {
			return nil, fmt.Errorf("comments on post %d: %w", post, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("comments on post %d: %w", post, err)
	}
	return out, nil
}

func placeholders(n int) string { return "?" + strings.Repeat(", ?", n-1) }

func anys(list []int64) []any {
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out
}

func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
