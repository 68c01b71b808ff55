package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/internal/db"
)

// The SQL of notifications, on a db.Querier so that each statement joins
// the transaction of what caused it. Rows are the tables' shape; the API's
// Notification is made from them in notify.go.

// row is one row of the notifications table.
type row struct {
	ID        int64
	Kind      Kind
	Subject   int64
	Unread    bool
	Count     int
	Actors    []int64 // latest first, at most maxActors
	CreatedAt time.Time
	UpdatedAt time.Time
}

// maxActors is how many of a notification's actors it names.
const maxActors = 3

// maxUnread caps the unread count, so that counting stays cheap however
// many notifications pile up; the client shows "999+".
const maxUnread = 1000

// openNotification returns the id of the recipient's unread notification
// of the kind about the subject, creating it if there is none, and locks
// its row until the transaction ends, so that concurrent actors take
// turns at updating its count and latest actors.
func openNotification(ctx context.Context, q db.Querier, e Event, now time.Time) (int64, error) {
	if _, err := q.ExecContext(ctx, `INSERT INTO notifications
		(recipient_id, kind, subject_id, unread, actor_count, latest_actors, created_at, updated_at)
		VALUES (?, ?, ?, 1, 0, '', ?, ?)
		ON DUPLICATE KEY UPDATE updated_at = GREATEST(updated_at, ?)`,
		e.Recipient, e.Kind, e.Subject, now, now, now); err != nil {
		return 0, fmt.Errorf("open %s notification of user %d: %w", e.Kind, e.Recipient, err)
	}
	var id int64
	if err := q.QueryRowContext(ctx, `SELECT id FROM notifications
		WHERE recipient_id = ? AND kind = ? AND subject_id = ? AND unread = 1 FOR UPDATE`,
		e.Recipient, e.Kind, e.Subject).Scan(&id); err != nil {
		return 0, fmt.Errorf("open %s notification of user %d: %w", e.Kind, e.Recipient, err)
	}
	return id, nil
}

// addActor records the actor in the notification and reports whether the
// actor is new to it.
func addActor(ctx context.Context, q db.Querier, id, actor int64, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO notification_actors (notification_id, actor_id, acted_at) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE acted_at = ?`, id, actor, now, now)
	if err != nil {
		return false, fmt.Errorf("add actor %d to notification %d: %w", actor, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("add actor %d to notification %d: %w", actor, id, err)
	}
	return n == 1, nil // 2 (or 0) for an actor who was there already
}

// refresh adds delta to the notification's count and recomputes its
// latest actors; a notification left with no actor is deleted.
func refresh(ctx context.Context, q db.Querier, id int64, delta int) error {
	rows, err := q.QueryContext(ctx, `SELECT actor_id FROM notification_actors WHERE notification_id = ?
		ORDER BY acted_at DESC, actor_id DESC LIMIT ?`, id, maxActors)
	if err != nil {
		return fmt.Errorf("latest actors of notification %d: %w", id, err)
	}
	var latest []int64
	for rows.Next() {
		var a int64
		if err := rows.Scan(&a); err != nil {
			rows.Close()
			return fmt.Errorf("latest actors of notification %d: %w", id, err)
		}
		latest = append(latest, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("latest actors of notification %d: %w", id, err)
	}
	if len(latest) == 0 {
		if _, err := q.ExecContext(ctx, "DELETE FROM notifications WHERE id = ?", id); err != nil {
			return fmt.Errorf("delete notification %d: %w", id, err)
		}
		return nil
	}
	if _, err := q.ExecContext(ctx, "UPDATE notifications SET actor_count = actor_count + ?, latest_actors = ? WHERE id = ?",
		delta, formatIDs(latest), id); err != nil {
		return fmt.Errorf("update notification %d: %w", id, err)
	}
	return nil
}

// notificationsWith returns, locked, the ids of the recipient's
// notifications of the kind about the subject that name the actor.
func notificationsWith(ctx context.Context, q db.Querier, e Event) ([]int64, error) {
	return db.IDs(ctx, q, `SELECT n.id FROM notifications n
		JOIN notification_actors a ON a.notification_id = n.id AND a.actor_id = ?
		WHERE n.recipient_id = ? AND n.kind = ? AND n.subject_id = ? ORDER BY n.id FOR UPDATE`,
		e.Actor, e.Recipient, e.Kind, e.Subject)
}

// notificationsOfActor returns, locked, the ids of the recipient's
// notifications that name the actor.
func notificationsOfActor(ctx context.Context, q db.Querier, recipient, actor int64) ([]int64, error) {
	return db.IDs(ctx, q, `SELECT n.id FROM notification_actors a
		JOIN notifications n ON n.id = a.notification_id AND n.recipient_id = ?
		WHERE a.actor_id = ? ORDER BY n.id FOR UPDATE`, recipient, actor)
}

func removeActor(ctx context.Context, q db.Querier, id, actor int64) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM notification_actors WHERE notification_id = ? AND actor_id = ?", id, actor); err != nil {
		return fmt.Errorf("remove actor %d from notification %d: %w", actor, id, err)
	}
	return nil
}

// unreadCount counts the recipient's unread notifications, up to
// maxUnread: one range scan of notifications_unread.
func unreadCount(ctx context.Context, q db.Querier, recipient int64) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM notifications
		WHERE recipient_id = ? AND unread = 1 LIMIT ?) u`, recipient, maxUnread).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unread notifications of user %d: %w", recipient, err)
	}
	return n, nil
}

// page returns up to limit of the recipient's notifications after pos
// (all from the newest with a zero pos), newest first.
func page(ctx context.Context, q db.Querier, recipient int64, after *db.Position, limit int) ([]row, error) {
	query := `SELECT id, kind, subject_id, unread, actor_count, latest_actors, created_at, updated_at
		FROM notifications WHERE recipient_id = ?`
	args := []any{recipient}
	if after != nil {
		query += " AND (updated_at < ? OR (updated_at = ? AND id < ?))"
		args = append(args, after.Time, after.Time, after.ID)
	}
	query += " ORDER BY updated_at DESC, id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list notifications of user %d: %w", recipient, err)
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		var (
			r      row
			unread sql.NullInt64
			actors string
		)
		if err := rows.Scan(&r.ID, &r.Kind, &r.Subject, &unread, &r.Count, &actors, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, fmt.Errorf("list notifications of user %d: %w", recipient, err)
		}
		r.Unread = unread.Valid
		if r.Actors, err = parseIDs(actors); err != nil {
			return nil, fmt.Errorf("notification %d: %w", r.ID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list notifications of user %d: %w", recipient, err)
	}
	return out, nil
}

// countOwned counts how many of the ids are the recipient's
// notifications, locking them.
func countOwned(ctx context.Context, q db.Querier, recipient int64, list []int64) (int, error) {
	args := append([]any{recipient}, anys(list)...)
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT id FROM notifications WHERE recipient_id = ? AND id IN ("+
		placeholders(len(list))+") FOR UPDATE) o", args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("find notifications of user %d: %w", recipient, err)
	}
	return n, nil
}

func markRead(ctx context.Context, q db.Querier, recipient int64, list []int64) error {
	query := "UPDATE notifications SET unread = NULL WHERE recipient_id = ? AND unread = 1"
	args := []any{recipient}
	if list != nil {
		query += " AND id IN (" + placeholders(len(list)) + ")"
		args = append(args, anys(list)...)
	}
	if _, err := q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("mark notifications of user %d read: %w", recipient, err)
	}
	return nil
}

func placeholders(n int) string { return "?" + strings.Repeat(", ?", n-1) }

func anys(list []int64) []any {
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out
}

func formatIDs(list []int64) string {
	s := make([]string, len(list))
	for i, id := range list {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

func parseIDs(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	var out []int64
	for _, f := range strings.Split(s, ",") {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, errors.New("malformed latest_actors " + strconv.Quote(s))
		}
		out = append(out, id)
	}
	return out, nil
}

func markSubjectRead(ctx context.Context, q db.Querier, recipient int64, kind Kind, subject int64) error {
	if _, err := q.ExecContext(ctx, "UPDATE notifications SET unread = NULL WHERE recipient_id = ? AND kind = ? AND subject_id = ? AND unread = 1",
		recipient, kind, subject); err != nil {
		return fmt.Errorf("mark %s notification of user %d read: %w", kind, recipient, err)
	}
	return nil
}
