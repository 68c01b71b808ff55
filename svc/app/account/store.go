package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/internal/db"
)

// The SQL of accounts, on a db.Querier so that each statement runs alone
// or inside a caller's transaction. Rows are the table's shape; the API's
// types (User, Profile) are made from them in account.go.

// userRow is one row of the users table.
type userRow struct {
	ID                 int64
	Email              string // as its owner typed it (trimmed, NFC)
	EmailKey           string // canonical, unique
	PasswordHash       string
	DisplayName        string
	Headline           string
	About              string
	City               string
	Birthday           sql.NullTime
	BirthdayVisibility string
	ProfileVisibility  string
	FriendsVisibility  string
	CreatedAt          time.Time
}

func insertUser(ctx context.Context, q db.Querier, u userRow) (int64, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO users
		(email, email_key, password_hash, display_name, headline, about, city, birthday, birthday_visibility,
		profile_visibility, friends_visibility, created_at, updated_at)
		VALUES (?, ?, ?, ?, '', '', '', NULL, ?, ?, ?, ?, ?)`,
		u.Email, []byte(u.EmailKey), u.PasswordHash, u.DisplayName, u.BirthdayVisibility,
		u.ProfileVisibility, u.FriendsVisibility, u.CreatedAt, u.CreatedAt)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// userByID returns the user's row, or ErrNotFound.
func userByID(ctx context.Context, q db.Querier, id int64) (userRow, error) {
	var u userRow
	err := q.QueryRowContext(ctx, `SELECT id, email, email_key, password_hash, display_name, headline, about, city,
		birthday, birthday_visibility, profile_visibility, friends_visibility, created_at FROM users WHERE id = ?`, id).
		Scan(&u.ID, &u.Email, &u.EmailKey, &u.PasswordHash, &u.DisplayName, &u.Headline, &u.About, &u.City,
			&u.Birthday, &u.BirthdayVisibility, &u.ProfileVisibility, &u.FriendsVisibility, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return userRow{}, ErrNotFound
	}
	if err != nil {
		return userRow{}, fmt.Errorf("load user %d: %w", id, err)
	}
	return u, nil
}

// credentialsByKey returns the id and password hash of the account with
// the canonical address key, or ErrNotFound. The comparison is of bytes:
// email_key is VARBINARY.
func credentialsByKey(ctx context.Context, q db.Querier, key string) (id int64, hash string, err error) {
	err = q.QueryRowContext(ctx, "SELECT id, password_hash FROM users WHERE email_key = ?", []byte(key)).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", ErrNotFound
	}
	if err != nil {
		return 0, "", fmt.Errorf("look up account: %w", err)
	}
	return id, hash, nil
}

// replaceHash stores newHash if the user's hash is still old, and reports
// whether it did.
func replaceHash(ctx context.Context, q db.Querier, id int64, old, newHash string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?",
		newHash, now, id, old)
	if err != nil {
		return false, fmt.Errorf("store password of user %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store password of user %d: %w", id, err)
	}
	return n == 1, nil
}

func updateProfile(ctx context.Context, q db.Querier, id int64, p ProfileUpdate, birthday any, now time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE users SET display_name = ?, headline = ?, about = ?, city = ?,
		birthday = ?, birthday_visibility = ?, updated_at = ? WHERE id = ?`,
		p.DisplayName, p.Headline, p.About, p.City, birthday, p.BirthdayVisibility, now, id); err != nil {
		return fmt.Errorf("update profile of user %d: %w", id, err)
	}
	return nil
}

// lockFailures returns the user's failed sign-ins counted since the window
// before now, locking the row until the transaction q ends, so that
// concurrent sign-ins of one account take their turns.
func lockFailures(ctx context.Context, q db.Querier, id int64, since time.Time) (int, error) {
	var (
		n    int
		last sql.NullTime
	)
	err := q.QueryRowContext(ctx, "SELECT login_failures, login_failed_at FROM users WHERE id = ? FOR UPDATE", id).Scan(&n, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("count failed sign-ins of user %d: %w", id, err)
	}
	if !last.Valid || last.Time.Before(since) {
		return 0, nil
	}
	return n, nil
}

func setFailures(ctx context.Context, q db.Querier, id int64, n int, at time.Time) error {
	var when any // NULL with no failures
	if n > 0 {
		when = at
	}
	if _, err := q.ExecContext(ctx, "UPDATE users SET login_failures = ?, login_failed_at = ? WHERE id = ?", n, when, id); err != nil {
		return fmt.Errorf("count failed sign-ins of user %d: %w", id, err)
	}
	return nil
}

// legacyEmails returns up to limit users whose email_key the migration
// could not canonicalize in SQL.
func legacyEmails(ctx context.Context, q db.Querier, limit int) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, email FROM users WHERE email_legacy = 1 ORDER BY id LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("list legacy addresses: %w", err)
	}
	defer rows.Close()
	m := map[int64]string{}
	for rows.Next() {
		var (
			id    int64
			email string
		)
		if err := rows.Scan(&id, &email); err != nil {
			return nil, fmt.Errorf("list legacy addresses: %w", err)
		}
		m[id] = email
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list legacy addresses: %w", err)
	}
	return m, nil
}

func setEmailKey(ctx context.Context, q db.Querier, id int64, email, key string) error {
	if _, err := q.ExecContext(ctx, "UPDATE users SET email = ?, email_key = ?, email_legacy = 0 WHERE id = ?", email, []byte(key), id); err != nil {
		return fmt.Errorf("canonicalize address of user %d: %w", id, err)
	}
	return nil
}

func updatePrivacy(ctx context.Context, q db.Querier, id int64, p Privacy, now time.Time) error {
	if _, err := q.ExecContext(ctx, "UPDATE users SET profile_visibility = ?, friends_visibility = ?, updated_at = ? WHERE id = ?",
		p.ProfileVisibility, p.FriendsVisibility, now, id); err != nil {
		return fmt.Errorf("update privacy of user %d: %w", id, err)
	}
	return nil
}

// cardsByID returns the cards of the users with the ids that exist, in one
// query.
func cardsByID(ctx context.Context, q db.Querier, ids []int64) (map[int64]Card, error) {
	m := make(map[int64]Card, len(ids))
	if len(ids) == 0 {
		return m, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, "SELECT id, display_name, headline, profile_visibility FROM users WHERE id IN (?"+
		strings.Repeat(", ?", len(ids)-1)+")", args...)
	if err != nil {
		return nil, fmt.Errorf("load %d people: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Card
		if err := rows.Scan(&c.ID, &c.DisplayName, &c.Headline, &c.visibility); err != nil {
			return nil, fmt.Errorf("load %d people: %w", len(ids), err)
		}
		m[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load %d people: %w", len(ids), err)
	}
	return m, nil
}
