package search

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/kin-social/kin/svc/internal/db"
)

// The SQL of search, on a db.Querier so that indexing runs inside the
// caller's transaction (account's registration and profile update).
//
// Search is a read model over other features' tables: to rank a page of
// people by friendship in one statement, it reads friendships and blocks
// (friend's) and users (account's) directly, read-only. A change of those
// tables' shape must be followed here; search writes only its own tables.

// A word is one row of search_words: a folded word of a field of a person.
type word struct {
	Word  string
	Field int
}

// The fields a word comes from.
const (
	fieldName     = 0
	fieldHeadline = 1
	fieldCity     = 2
)

func wordsOf(ctx context.Context, q db.Querier, user int64) (map[word]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT word, field FROM search_words WHERE user_id = ?", user)
	if err != nil {
		return nil, fmt.Errorf("load search words of user %d: %w", user, err)
	}
	defer rows.Close()
	m := map[word]bool{}
	for rows.Next() {
		var w word
		if err := rows.Scan(&w.Word, &w.Field); err != nil {
			return nil, fmt.Errorf("load search words of user %d: %w", user, err)
		}
		m[w] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load search words of user %d: %w", user, err)
	}
	return m, nil
}

func deleteWord(ctx context.Context, q db.Querier, user int64, w word) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM search_words WHERE word = ? AND user_id = ? AND field = ?",
		w.Word, user, w.Field); err != nil {
		return fmt.Errorf("delete search word of user %d: %w", user, err)
	}
	return nil
}

// insertWords adds the rows in one statement; a row there already (a
// backfill of another replica at once) is left as it is.
func insertWords(ctx context.Context, q db.Querier, rows map[int64][]word) error {
	var (
		sb   strings.Builder
		args []any
	)
	for user, ws := range rows {
		for _, w := range ws {
			if len(args) > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?)")
			args = append(args, w.Word, user, w.Field)
		}
	}
	if len(args) == 0 {
		return nil
	}
	if _, err := q.ExecContext(ctx, "INSERT INTO search_words (word, user_id, field) VALUES "+sb.String()+
		" ON DUPLICATE KEY UPDATE user_id = user_id", args...); err != nil {
		return fmt.Errorf("insert search words of %d people: %w", len(rows), err)
	}
	return nil
}

// markIndexed records that the people's words are those of FoldVersion.
func markIndexed(ctx context.Context, q db.Querier, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(ids)+1)
	for _, id := range ids {
		args = append(args, id, FoldVersion)
	}
	args = append(args, FoldVersion)
	if _, err := q.ExecContext(ctx, "INSERT INTO search_people (user_id, version) VALUES (?, ?)"+
		strings.Repeat(", (?, ?)", len(ids)-1)+" ON DUPLICATE KEY UPDATE version = ?", args...); err != nil {
		return fmt.Errorf("mark %d people indexed: %w", len(ids), err)
	}
	return nil
}

// unindexed returns up to limit ids after after of people whose words are
// missing or older than FoldVersion.
func unindexed(ctx context.Context, q db.Querier, after int64, limit int) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id FROM users u LEFT JOIN search_people p ON p.user_id = u.id
		WHERE u.id > ? AND (p.user_id IS NULL OR p.version < ?) ORDER BY u.id LIMIT ?`, after, FoldVersion, limit)
	if err != nil {
		return nil, fmt.Errorf("list people to index: %w", err)
	}
	return scanIDs(rows, "list people to index")
}

func scanIDs(rows *sql.Rows, what string) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return ids, nil
}

// person is a person's searchable fields as stored.
type person struct {
	ID                          int64
	DisplayName, Headline, City string
	Visibility                  string // profile_visibility
}

// lockPeople returns the people with the ids, locking their users rows
// until the transaction q ends, so that a profile update waits for the
// backfill of its person (and the backfill sees the profile as updated).
func lockPeople(ctx context.Context, q db.Querier, ids []int64) ([]person, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, display_name, headline, city, profile_visibility FROM users WHERE id IN ("+
		placeholders(len(ids))+") ORDER BY id FOR UPDATE", int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("lock %d people to index: %w", len(ids), err)
	}
	defer rows.Close()
	var out []person
	for rows.Next() {
		var p person
		if err := rows.Scan(&p.ID, &p.DisplayName, &p.Headline, &p.City, &p.Visibility); err != nil {
			return nil, fmt.Errorf("lock %d people to index: %w", len(ids), err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func deleteWordsOf(ctx context.Context, q db.Querier, ids []int64) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM search_words WHERE user_id IN ("+placeholders(len(ids))+")",
		int64Args(ids)...); err != nil {
		return fmt.Errorf("delete search words of %d people: %w", len(ids), err)
	}
	return nil
}

func placeholders(n int) string { return "?" + strings.Repeat(", ?", n-1) }

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// like is a LIKE of a likePrefix pattern. Its escape character is named,
// and is not the backslash, whose meaning in SQL text and as LIKE's
// default escape depends on the server's sql_mode (NO_BACKSLASH_ESCAPES).
const like = " LIKE ? ESCAPE '!'"

// likePrefix returns the LIKE pattern of the words starting with w: its
// metacharacters taken literally, then %. (Words hold none of them, see
// Words; the escaping is the guard for when that changes.)
func likePrefix(w string) string {
	return strings.NewReplacer(`!`, `!!`, `%`, `!%`, `_`, `!_`).Replace(w) + "%"
}

// matches is the condition that the person of the id column col has, for
// each of n terms (bound in order, as likePrefix patterns), a word
// starting with it, in a field the viewer may see: the name always, the
// headline and the city when details is true (an SQL condition).
func matches(col, details string, n int) string {
	var sb strings.Builder
	for range n {
		fmt.Fprintf(&sb, ` AND EXISTS (SELECT 1 FROM search_words w WHERE w.user_id = %s AND w.word%s
			AND (w.field = 0 OR %s))`, col, like, details)
	}
	return sb.String()
}

// notBlocked is the condition that the person of the id column col
// neither blocked nor was blocked by the viewer, whose id it binds twice.
func notBlocked(col string) string {
	return fmt.Sprintf(` AND NOT EXISTS (SELECT 1 FROM blocks b1 WHERE b1.blocker_id = ? AND b1.blocked_id = %[1]s)
		AND NOT EXISTS (SELECT 1 FROM blocks b2 WHERE b2.blocker_id = %[1]s AND b2.blocked_id = ?)`, col)
}

// A hit is a person found, with how they stand to the viewer.
type hit struct {
	person
	Friend bool
	Mutual int // friends in common among the viewer's Circle friends
}

// circle returns the viewer's friends (Friend) and, once per friend in
// common (Mutual), the friends of the viewer's frontier most recent
// friends, the viewer left out; and the people blocked with the viewer
// either way. One round trip: range scans of friendships' and blocks'
// indexes, no more rows than those read.
func circle(ctx context.Context, q db.Querier, viewer int64, frontier int) (map[int64]*hit, map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT friend_id, 1 FROM friendships WHERE user_id = ?
		UNION ALL
		SELECT f2.friend_id, 0
		FROM (SELECT friend_id FROM friendships WHERE user_id = ? ORDER BY created_at DESC LIMIT ?) f1
		JOIN friendships f2 ON f2.user_id = f1.friend_id
		WHERE f2.friend_id <> ?
		UNION ALL SELECT blocked_id, 2 FROM blocks WHERE blocker_id = ?
		UNION ALL SELECT blocker_id, 2 FROM blocks WHERE blocked_id = ?`, viewer, viewer, frontier, viewer, viewer, viewer)
	if err != nil {
		return nil, nil, fmt.Errorf("load the circle of user %d: %w", viewer, err)
	}
	defer rows.Close()
	m, blocked := map[int64]*hit{}, map[int64]bool{}
	for rows.Next() {
		var (
			id   int64
			kind int
		)
		if err := rows.Scan(&id, &kind); err != nil {
			return nil, nil, fmt.Errorf("load the circle of user %d: %w", viewer, err)
		}
		if kind == 2 {
			blocked[id] = true
			continue
		}
		h := m[id]
		if h == nil {
			h = &hit{person: person{ID: id}}
			m[id] = h
		}
		if kind == 1 {
			h.Friend = true
		} else {
			h.Mutual++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("load the circle of user %d: %w", viewer, err)
	}
	return m, blocked, nil
}

// owners returns the people with a word starting with w (a person once
// per such word), at most limit of them: one range scan of the primary
// key.
func owners(ctx context.Context, q db.Querier, w string, limit int) ([]int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT user_id FROM search_words WHERE word"+like+" LIMIT ?", likePrefix(w), limit)
	if err != nil {
		return nil, fmt.Errorf("search words starting with %q: %w", w, err)
	}
	return scanIDs(rows, fmt.Sprintf("search words starting with %q", w))
}

// A matched is a person with their words that start one of some terms.
type matched struct {
	person
	Words []word
}

// matchingWords returns, of the people with the ids, those with a word
// starting with one of the terms, with those words: a range probe of
// search_words_user per person and term, and a primary-key lookup of
// users per word found.
func matchingWords(ctx context.Context, q db.Querier, ids []int64, terms []string) (map[int64]*matched, error) {
	m := map[int64]*matched{}
	if len(ids) == 0 {
		return m, nil
	}
	args := int64Args(ids)
	for _, t := range terms {
		args = append(args, likePrefix(t))
	}
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.display_name, u.headline, u.city, u.profile_visibility, w.word, w.field
		FROM search_words w JOIN users u ON u.id = w.user_id
		WHERE w.user_id IN (`+placeholders(len(ids))+`) AND (w.word`+like+strings.Repeat(" OR w.word"+like, len(terms)-1)+`)`,
		args...)
	if err != nil {
		return nil, fmt.Errorf("match the words of %d people: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p person
			w word
		)
		if err := rows.Scan(&p.ID, &p.DisplayName, &p.Headline, &p.City, &p.Visibility, &w.Word, &w.Field); err != nil {
			return nil, fmt.Errorf("match the words of %d people: %w", len(ids), err)
		}
		f := m[p.ID]
		if f == nil {
			f = &matched{person: p}
			m[p.ID] = f
		}
		f.Words = append(f.Words, w)
	}
	return m, rows.Err()
}

// othersQuery is the SQL of others for n further terms.
func othersQuery(n int, after bool) string {
	q := `SELECT w.word, u.id, u.display_name, u.headline, u.city, u.profile_visibility
		FROM search_words w JOIN users u ON u.id = w.user_id
		WHERE w.word` + like + ` AND (w.field = 0 OR u.profile_visibility <> 'friends') AND w.user_id <> ?`
	if after {
		q += ` AND (w.word > ? OR (w.word = ? AND w.user_id > ?))`
	}
	return q + matches("u.id", "u.profile_visibility <> 'friends'", n) + notBlocked("u.id") + `
		ORDER BY w.word, w.user_id LIMIT ?`
}

// A position is where a scan of others stopped.
type position struct {
	Word string
	User int64
}

// others returns up to limit rows of the people, other than viewer and
// not blocked with them, with a word starting with lead in a field anyone
// may see and matching the other terms, in the order of that word, then
// id, after the position after (nil: from the start). A person with
// several such words comes once per word.
func others(ctx context.Context, q db.Querier, viewer int64, lead string, rest []string, after *position, limit int) ([]hit, *position, error) {
	args := []any{likePrefix(lead), viewer}
	if after != nil {
		args = append(args, after.Word, after.Word, after.User)
	}
	for _, t := range rest {
		args = append(args, likePrefix(t))
	}
	args = append(args, viewer, viewer, limit)
	rows, err := q.QueryContext(ctx, othersQuery(len(rest), after != nil), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("search people for user %d: %w", viewer, err)
	}
	defer rows.Close()
	var (
		out  []hit
		last *position
	)
	for rows.Next() {
		var (
			h hit
			w string
		)
		if err := rows.Scan(&w, &h.ID, &h.DisplayName, &h.Headline, &h.City, &h.Visibility); err != nil {
			return nil, nil, fmt.Errorf("search people for user %d: %w", viewer, err)
		}
		out = append(out, h)
		last = &position{Word: w, User: h.ID}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("search people for user %d: %w", viewer, err)
	}
	return out, last, nil
}

// requests returns, of the ids, those viewer asked and those who asked
// viewer, in pending friend requests.
func requests(ctx context.Context, q db.Querier, viewer int64, ids []int64) (asked, askedBy map[int64]bool, err error) {
	asked, askedBy = map[int64]bool{}, map[int64]bool{}
	if len(ids) == 0 {
		return asked, askedBy, nil
	}
	args := append([]any{viewer}, int64Args(ids)...)
	args = append(args, viewer)
	args = append(args, int64Args(ids)...)
	rows, err := q.QueryContext(ctx, `SELECT sender_id, addressee_id FROM friend_requests
		WHERE (sender_id = ? AND addressee_id IN (`+placeholders(len(ids))+`))
		OR (addressee_id = ? AND sender_id IN (`+placeholders(len(ids))+`))`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("friend requests of user %d: %w", viewer, err)
	}
	defer rows.Close()
	for rows.Next() {
		var from, to int64
		if err := rows.Scan(&from, &to); err != nil {
			return nil, nil, fmt.Errorf("friend requests of user %d: %w", viewer, err)
		}
		if from == viewer {
			asked[to] = true
		} else {
			askedBy[from] = true
		}
	}
	return asked, askedBy, rows.Err()
}
