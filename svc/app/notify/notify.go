// Package notify keeps Kin's notifications: a friend request received, a
// request accepted, a like or a comment on one's post, a comment on a post
// one commented on. Likes and comments on one post are grouped ("Ann and 3
// others liked your post"): while unread, a recipient has one
// notification per (kind, subject), naming the latest actors and counting
// them all.
//
// A notification is written in the same transaction as what caused it:
// the feature that likes a post calls Add on notify.WithTx(q) with its own
// transaction q, so the like and its notification commit together or not
// at all. Nothing is notified to a person who blocked the actor (or whom
// the actor blocked): Service asks a Blocks, which the friend feature
// provides.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/internal/db"
)

// A Kind is what a notification is about.
type Kind string

// The kinds of notification, and what their subject is.
const (
	FriendRequest  Kind = "friend_request"  // the subject is the sender, the one actor
	FriendAccepted Kind = "friend_accepted" // the subject is the new friend, the one actor
	Like           Kind = "like"            // the subject is the liked post
	Comment        Kind = "comment"         // the subject is the commented post, the recipient's
	CommentReply   Kind = "comment_reply"   // the subject is a post the recipient commented on
)

func (k Kind) valid() bool {
	switch k {
	case FriendRequest, FriendAccepted, Like, Comment, CommentReply:
		return true
	}
	return false
}

// Blocks says whether either of two people blocked the other. The friend
// feature's Service satisfies it; notify does not import friend.
type Blocks interface {
	IsBlocked(ctx context.Context, a, b int64) (bool, error)
}

// TxBlocks is a Blocks that can answer inside a transaction. When the
// Blocks given to New is one, WithTx asks it in the caller's transaction
// too: a check on another connection of the pool would need a second
// connection while the transaction holds one, and a pool whose every
// connection is in such a transaction would wait forever.
type TxBlocks interface {
	Blocks
	BlocksIn(q db.Querier) Blocks
}

// ErrNotFound means a notification is not the recipient's, or does not
// exist: the two are not told apart.
var ErrNotFound = errors.New("no such notification")

// PageSize is how many notifications a page of the list holds.
const PageSize = 20

// MaxMark is how many notifications one MarkRead may name.
const MaxMark = 100

// Service keeps notifications in the database.
type Service struct {
	h       db.Handle // the pool, or the caller's transaction (WithTx)
	cursors *db.Cursors
	people  *account.Service
	blocks  Blocks
	now     func() time.Time
}

// New returns a Service on conn that signs list cursors with cursors,
// names actors from people and asks blocks before notifying anyone.
func New(conn *sql.DB, cursors *db.Cursors, people *account.Service, blocks Blocks) *Service {
	return &Service{h: db.NewHandle(conn), cursors: cursors, people: people, blocks: blocks, now: time.Now}
}

// WithTx returns a Service whose operations run in the caller's
// transaction q, so that a notification commits or rolls back together
// with what caused it.
func (s *Service) WithTx(q db.Querier) *Service {
	c := *s
	c.h = s.h.Join(q)
	if tb, ok := s.blocks.(TxBlocks); ok {
		c.blocks = tb.BlocksIn(q)
	}
	return &c
}

// SetClock makes the Service read the time from now (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) time() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// An Event is something that happened to Recipient by Actor: Actor sent
// a friend request, liked Subject (a post), and so on.
type Event struct {
	Kind      Kind
	Recipient int64
	Actor     int64
	Subject   int64
}

func (e Event) check() error {
	if !e.Kind.valid() || e.Recipient <= 0 || e.Actor <= 0 || e.Subject <= 0 {
		return fmt.Errorf("notify: malformed event %+v", e)
	}
	return nil
}

// Add notifies the event's recipient, grouping it with the recipient's
// unread notification of the same kind and subject: the actor becomes
// its latest, counted once however often they act. Nothing is notified
// to the actor themselves, nor across a block.
func (s *Service) Add(ctx context.Context, e Event) error {
	if err := e.check(); err != nil {
		return err
	}
	if e.Recipient == e.Actor {
		return nil
	}
	blocked, err := s.blocks.IsBlocked(ctx, e.Recipient, e.Actor) // in the joined transaction, if any (see TxBlocks)
	if err != nil {
		return fmt.Errorf("notify user %d: %w", e.Recipient, err)
	}
	if blocked {
		return nil
	}
	now := s.time()
	return s.h.InTx(ctx, func(q db.Querier) error {
		id, err := openNotification(ctx, q, e, now)
		if err != nil {
			return err
		}
		added, err := addActor(ctx, q, id, e.Actor, now)
		if err != nil {
			return err
		}
		delta := 0
		if added {
			delta = 1
		}
		return refresh(ctx, q, id, delta)
	})
}

// Withdraw takes back what Add did for the event (an unlike, a deleted
// comment, a cancelled friend request): the actor leaves the recipient's
// notifications of the kind and subject, read or not, and a notification
// left with no actor is deleted. Withdrawing what was never notified does
// nothing.
func (s *Service) Withdraw(ctx context.Context, e Event) error {
	if err := e.check(); err != nil {
		return err
	}
	return s.h.InTx(ctx, func(q db.Querier) error {
		list, err := notificationsWith(ctx, q, e)
		if err != nil {
			return fmt.Errorf("withdraw %s notification of user %d: %w", e.Kind, e.Recipient, err)
		}
		return s.drop(ctx, q, list, e.Actor)
	})
}

// Forget removes the actor from every notification of the recipient, as
// when the recipient blocks the actor.
func (s *Service) Forget(ctx context.Context, recipient, actor int64) error {
	return s.h.InTx(ctx, func(q db.Querier) error {
		list, err := notificationsOfActor(ctx, q, recipient, actor)
		if err != nil {
			return fmt.Errorf("forget user %d in notifications of user %d: %w", actor, recipient, err)
		}
		return s.drop(ctx, q, list, actor)
	})
}

func (s *Service) drop(ctx context.Context, q db.Querier, list []int64, actor int64) error {
	for _, id := range list {
		if err := removeActor(ctx, q, id, actor); err != nil {
			return err
		}
		if err := refresh(ctx, q, id, -1); err != nil {
			return err
		}
	}
	return nil
}

// Unread counts the recipient's unread notifications, up to 1000 (one
// indexed range scan, cheap enough to poll).
func (s *Service) Unread(ctx context.Context, recipient int64) (int, error) {
	return unreadCount(ctx, s.h.Q(), recipient)
}

// Actor is a person named in a notification.
type Actor struct {
	ID          int64  `json:"id"`
	DisplayName string `json:"display_name"`
}

// Notification is one entry of a person's list.
type Notification struct {
	ID   int64 `json:"id"`
	Kind Kind  `json:"kind"`
	// Actors are the latest (at most 3) of the Count people who acted,
	// latest first.
	Actors []Actor `json:"actors"`
	Count  int     `json:"count"`
	// SubjectID is the post (like, comment, comment_reply) or the
	// person (friend_request, friend_accepted) it is about.
	SubjectID int64  `json:"subject_id"`
	Read      bool   `json:"read"`
	CreatedAt string `json:"created_at"` // RFC 3339, UTC, with fractions of a second
	UpdatedAt string `json:"updated_at"` // when the latest actor acted
}

// Page is a page of a person's notifications, newest first, with the
// cursor of the next page ("" on the last).
type Page struct {
	Notifications []Notification
	Next          string
}

func listName(recipient int64) string { return fmt.Sprintf("notifications/%d", recipient) }

// List returns the page of the recipient's notifications after cursor (""
// for the first), newest activity first: one query for the page and one
// for the names of its actors. A cursor not made for this list is
// db.ErrCursor.
func (s *Service) List(ctx context.Context, recipient int64, cursor string) (Page, error) {
	var after *db.Position
	if cursor != "" {
		pos, err := s.cursors.Decode(listName(recipient), cursor)
		if err != nil {
			return Page{}, err
		}
		after = &pos
	}
	rows, err := page(ctx, s.h.Q(), recipient, after, PageSize+1)
	if err != nil {
		return Page{}, err
	}
	var p Page
	if len(rows) > PageSize {
		rows = rows[:PageSize]
		last := rows[len(rows)-1]
		p.Next = s.cursors.Encode(listName(recipient), db.Position{Time: last.UpdatedAt, ID: last.ID})
	}
	var actorIDs []int64
	for _, r := range rows {
		actorIDs = append(actorIDs, r.Actors...)
	}
	slices.Sort(actorIDs)
	cards, err := s.people.WithTx(s.h.Q()).Cards(ctx, slices.Compact(actorIDs))
	if err != nil {
		return Page{}, fmt.Errorf("list notifications of user %d: %w", recipient, err)
	}
	p.Notifications = make([]Notification, 0, len(rows))
	for _, r := range rows {
		n := Notification{ID: r.ID, Kind: r.Kind, Count: r.Count, SubjectID: r.Subject, Read: !r.Unread,
			CreatedAt: formatTime(r.CreatedAt), UpdatedAt: formatTime(r.UpdatedAt), Actors: []Actor{}}
		for _, a := range r.Actors {
			if c, ok := cards[a]; ok {
				n.Actors = append(n.Actors, Actor{ID: c.ID, DisplayName: c.DisplayName})
			}
		}
		p.Notifications = append(p.Notifications, n)
	}
	return p, nil
}

// MarkRead marks the recipient's notifications with the ids read, all or
// none: if one is not the recipient's, it returns ErrNotFound and changes
// nothing. At most MaxMark ids.
func (s *Service) MarkRead(ctx context.Context, recipient int64, list []int64) error {
	if len(list) == 0 {
		return nil
	}
	if len(list) > MaxMark {
		return fmt.Errorf("mark %d notifications read: at most %d at once", len(list), MaxMark)
	}
	list = slices.Clone(list)
	slices.Sort(list)
	list = slices.Compact(list)
	return s.h.InTx(ctx, func(q db.Querier) error {
		n, err := countOwned(ctx, q, recipient, list)
		if err != nil {
			return err
		}
		if n != len(list) {
			return ErrNotFound
		}
		return markRead(ctx, q, recipient, list)
	})
}

// MarkSubjectRead marks the recipient's unread notification of the kind
// about the subject read, if there is one: the recipient dealt with it
// elsewhere (answered the friend request it announced).
func (s *Service) MarkSubjectRead(ctx context.Context, recipient int64, kind Kind, subject int64) error {
	return markSubjectRead(ctx, s.h.Q(), recipient, kind, subject)
}

// MarkAllRead marks every notification of the recipient read.
func (s *Service) MarkAllRead(ctx context.Context, recipient int64) error {
	return markRead(ctx, s.h.Q(), recipient, nil)
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
