// Package friend keeps who is whose friend on Kin: friend requests
// (sent, cancelled by the sender, accepted or declined by the addressee
// only), friendships (ended by either friend) and blocks, and the lists
// made of them: friends, requests, mutual friends, suggestions and the
// chain of friends between two people.
//
// Other features ask it how two people stand (Relation, AreFriends,
// IsBlocked), inside their own transaction when they need to (WithTx).
// A person who blocked the viewer does not exist for the viewer: Relation
// answers ErrHidden, lists leave them out, and the HTTP API answers 404,
// exactly as for an id of no one.
package friend

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/app/notify"
	"github.com/kin-social/kin/svc/internal/db"
)

// A Relation is how a viewer stands to another person.
type Relation string

// The relations.
const (
	None      Relation = "none"
	Requested Relation = "requested" // the viewer asked the other, who has not answered
	Incoming  Relation = "incoming"  // the other asked the viewer
	Friends   Relation = "friends"
	Blocked   Relation = "blocked" // the viewer blocked the other
	Self      Relation = "self"    // the viewer is the other
)

var (
	// ErrHidden means the person does not exist for the viewer: there is
	// no such person, or they blocked the viewer. The two are not told
	// apart.
	ErrHidden = errors.New("no such person")
	// ErrNoRequest means there is no pending request to act on (from the
	// sender to the addressee named): the caller may not do it.
	ErrNoRequest = errors.New("no such friend request")
	// ErrNotFriends means the two are not friends.
	ErrNotFriends = errors.New("not friends")
	// ErrAlreadyFriends means a request was sent to a friend.
	ErrAlreadyFriends = errors.New("already friends")
	// ErrYouBlocked means the viewer blocked the person they try to
	// befriend: they must unblock them first.
	ErrYouBlocked = errors.New("you blocked this person")
	// ErrSelf means someone tried to befriend or block themselves.
	ErrSelf = errors.New("that is yourself")
)

// DeclineCooldown is how long after a declined request its sender cannot
// ask the same person again, and suggestions leave the two out.
const DeclineCooldown = 30 * 24 * time.Hour

// A DeclinedError means the person declined the sender's request less
// than DeclineCooldown ago: the sender may ask again from Until.
type DeclinedError struct{ Until time.Time }

func (e *DeclinedError) Error() string {
	return "your last request was declined: you may ask again from " + e.Until.Format(time.DateOnly)
}

// Lists' sizes.
const (
	// PageSize is how many people a page of a list holds.
	PageSize = 20
	// MaxSuggestions is how many suggestions Suggestions returns.
	MaxSuggestions = 20
	// PathBudget bounds the work of a chain of three steps for people
	// with thousands of friends: at most PathBudget friendships of the
	// friends of one of the two (the one with fewer friends; their most
	// recent friends first) are looked through.
	PathBudget = 10000
	// SuggestFrontier bounds the work of suggestions likewise: the
	// friends of a person's SuggestFrontier most recent friends are
	// counted.
	SuggestFrontier = 200
)

// Service keeps friendships, requests and blocks in the database.
type Service struct {
	h       db.Handle // the pool, or the caller's transaction (WithTx)
	cursors *db.Cursors
	people  *account.Service
	notes   *notify.Service // nil: notify nobody
	events  Events          // nil: tell nobody
	now     func() time.Time
}

// Events is told of each new friendship in its transaction q, so that
// what it shows of it (the feed's friendship items) commits with it.
type Events interface {
	Befriended(ctx context.Context, q db.Querier, a, b int64, at time.Time) error
}

// WithEvents returns a Service that tells events of each new friendship.
func (s *Service) WithEvents(events Events) *Service {
	c := *s
	c.events = events
	return &c
}

// New returns a Service on conn that signs list cursors with cursors and
// shows people as people (account) has them. It notifies nobody until
// given a notify.Service with WithNotifications.
func New(conn *sql.DB, cursors *db.Cursors, people *account.Service) *Service {
	return &Service{h: db.NewHandle(conn), cursors: cursors, people: people, now: time.Now}
}

// WithNotifications returns a Service that notifies requests and
// accepted requests through notes, in the transaction of each. (notify
// asks a friend.Service about blocks, so one of the two is made first.)
func (s *Service) WithNotifications(notes *notify.Service) *Service {
	c := *s
	c.notes = notes
	return &c
}

// WithTx returns a Service whose operations run in the caller's
// transaction q (as db.InTx passes one): what it reads, it reads there,
// and what it changes commits or rolls back with the caller's changes.
func (s *Service) WithTx(q db.Querier) *Service {
	c := *s
	c.h = s.h.Join(q)
	return &c
}

// SetClock makes the Service read the time from now (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) time() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// notify adds (or, with withdraw, takes back) a notification in the
// transaction q.
func (s *Service) notify(ctx context.Context, q db.Querier, withdraw bool, e notify.Event) error {
	if s.notes == nil {
		return nil
	}
	n := s.notes.WithTx(q)
	if withdraw {
		return n.Withdraw(ctx, e)
	}
	return n.Add(ctx, e)
}

// exists returns ErrHidden if there is no user with the id.
func (s *Service) exists(ctx context.Context, q db.Querier, id int64) error {
	if _, err := s.people.WithTx(q).Get(ctx, id); errors.Is(err, account.ErrNotFound) {
		return ErrHidden
	} else if err != nil {
		return err
	}
	return nil
}

// Relation returns how viewer stands to other, or ErrHidden when other
// blocked viewer. It does not check that other exists (an id of no one
// is None). Five primary-key lookups in one query.
func (s *Service) Relation(ctx context.Context, viewer, other int64) (Relation, error) {
	if viewer == other {
		return Self, nil
	}
	st, err := loadState(ctx, s.h.Q(), viewer, other)
	if err != nil {
		return "", err
	}
	return st.relation()
}

func (st state) relation() (Relation, error) {
	switch {
	case st.blockedBy:
		return "", ErrHidden
	case st.blocked:
		return Blocked, nil
	case st.friends:
		return Friends, nil
	case st.requested:
		return Requested, nil
	case st.incoming:
		return Incoming, nil
	}
	return None, nil
}

// IsBlocked reports whether a blocked b or b blocked a. It satisfies
// notify.Blocks.
func (s *Service) IsBlocked(ctx context.Context, a, b int64) (bool, error) {
	var blocked bool
	if err := s.h.Q().QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?)
		OR EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?)`, a, b, b, a).Scan(&blocked); err != nil {
		return false, fmt.Errorf("blocks between users %d and %d: %w", a, b, err)
	}
	return blocked, nil
}

// BlocksIn returns the Service running in the transaction q as a
// notify.Blocks: it satisfies notify.TxBlocks, so notifications written
// in a transaction check blocks in it.
func (s *Service) BlocksIn(q db.Querier) notify.Blocks { return s.WithTx(q) }

var _ notify.TxBlocks = (*Service)(nil)

// AreFriends reports whether a and b are friends.
func (s *Service) AreFriends(ctx context.Context, a, b int64) (bool, error) {
	var friends bool
	if err := s.h.Q().QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM friendships WHERE user_id = ? AND friend_id = ?)",
		a, b).Scan(&friends); err != nil {
		return false, fmt.Errorf("friendship of users %d and %d: %w", a, b, err)
	}
	return friends, nil
}

// Standing returns how viewer (0: nobody signed in) stands to person, as
// account shows it on a profile: the relation and the mutual friends
// count; Hidden when person blocked viewer. It satisfies
// account.Relations.
func (s *Service) Standing(ctx context.Context, viewer, person int64) (account.Standing, error) {
	switch {
	case viewer == 0:
		return account.Standing{Relation: string(None)}, nil
	case viewer == person:
		return account.Standing{Relation: string(Self)}, nil
	}
	st, err := loadState(ctx, s.h.Q(), viewer, person)
	if err != nil {
		return account.Standing{}, err
	}
	rel, err := st.relation()
	if errors.Is(err, ErrHidden) {
		return account.Standing{Hidden: true, Blocked: true}, nil
	}
	if err != nil {
		return account.Standing{}, err
	}
	out := account.Standing{Relation: string(rel), Friends: st.friends, Blocked: st.blocked}
	if !st.blocked {
		if out.MutualFriends, err = countMutual(ctx, s.h.Q(), viewer, person); err != nil {
			return account.Standing{}, err
		}
	}
	return out, nil
}

// SQL for other features' queries where a join is the only fast way, as
// the home feed's "posts of my friends, newest first" or search's "friends
// first". They are friend's API as much as its functions are: friend's
// tables change only together with them.
const (
	// FriendsOfSQL selects the ids of the friends of the user bound to
	// its one placeholder: one range scan of friendships' primary key,
	// e.g. "... WHERE p.author_id IN (" + FriendsOfSQL + ")".
	FriendsOfSQL = "SELECT friend_id FROM friendships WHERE user_id = ?"
	// BlockedWithSQL selects the ids of the people the user blocked and
	// of those who blocked the user, who is bound to both placeholders.
	BlockedWithSQL = "SELECT blocked_id FROM blocks WHERE blocker_id = ? UNION ALL SELECT blocker_id FROM blocks WHERE blocked_id = ?"
)

// NotBlockedSQL returns a condition, to append to a WHERE clause, that
// the person whose id is in the column col neither blocked nor was
// blocked by the viewer, whom the caller binds to both of its
// placeholders: " AND NOT EXISTS (...) AND NOT EXISTS (...)", two
// primary-key lookups a row. col must be a column name of the caller's
// query, never input.
func NotBlockedSQL(col string) string { return notBlockedWith(col) }

// FriendsAmong returns which of the ids are friends of user, in one
// query (search ranks friends first).
func (s *Service) FriendsAmong(ctx context.Context, user int64, ids []int64) (map[int64]bool, error) {
	return friendsAmong(ctx, s.h.Q(), user, ids)
}

// A Person is someone in a list, as the viewer may see them.
type Person struct {
	ID          int64  `json:"id"`
	DisplayName string `json:"display_name"`
	Headline    string `json:"headline"`
	// Since is when the friendship began, the request was sent or the
	// block made, in lists ordered by it (RFC 3339, UTC).
	Since string `json:"since,omitempty"`
	// MutualFriends is set in suggestions.
	MutualFriends int `json:"mutual_friends,omitempty"`
}

// SendResult is what a request did: sent (or found pending) a request,
// or, when the other had asked first, made a friendship.
type SendResult struct {
	Friends bool   // a friendship was made
	Person  Person // the addressee, Since the request (or friendship)
}

// Request sends a friend request from from to to. If to had asked from
// already, the two become friends instead. A request already pending is
// left as it is (SendResult as for a new one). Errors: ErrSelf; ErrHidden
// when to does not exist or blocked from; ErrYouBlocked; ErrAlreadyFriends;
// *DeclinedError within DeclineCooldown of to declining from's request.
func (s *Service) Request(ctx context.Context, from, to int64) (SendResult, error) {
	if from == to {
		return SendResult{}, ErrSelf
	}
	var (
		res  SendResult
		when time.Time
	)
	err := s.h.InTx(ctx, func(q db.Querier) error {
		if err := s.exists(ctx, q, to); err != nil {
			return err
		}
		st, err := lockState(ctx, q, from, to)
		if err != nil {
			return err
		}
		now := s.time()
		switch {
		case st.blockedBy:
			return ErrHidden
		case st.blocked:
			return ErrYouBlocked
		case st.friends:
			return ErrAlreadyFriends
		case st.incoming:
			res.Friends, when = true, now
			return s.befriend(ctx, q, to, from, now)
		case st.requested:
			when, err = requestSent(ctx, q, from, to)
			return err
		}
		at, declined, err := declinedAt(ctx, q, from, to)
		if err != nil {
			return err
		}
		if declined && now.Before(at.Add(DeclineCooldown)) {
			return &DeclinedError{Until: at.Add(DeclineCooldown)}
		}
		if err := insertRequest(ctx, q, from, to, now); err != nil {
			return err
		}
		when = now
		return s.notify(ctx, q, false, notify.Event{Kind: notify.FriendRequest, Recipient: to, Actor: from, Subject: from})
	})
	if err != nil {
		return SendResult{}, err
	}
	people, err := s.persons(ctx, from, []entry{{ID: to, Time: when}})
	if err != nil {
		return SendResult{}, err
	}
	res.Person = people[0]
	return res, nil
}

// befriend makes sender and addressee friends, the addressee accepting
// the sender's request, in the transaction q.
func (s *Service) befriend(ctx context.Context, q db.Querier, sender, addressee int64, now time.Time) error {
	if err := deleteRequests(ctx, q, sender, addressee); err != nil {
		return err
	}
	if err := deleteDeclines(ctx, q, sender, addressee); err != nil {
		return err
	}
	if err := insertFriendship(ctx, q, sender, addressee, now); err != nil {
		return err
	}
	if s.events != nil {
		if err := s.events.Befriended(ctx, q, addressee, sender, now); err != nil {
			return err
		}
	}
	if err := s.answered(ctx, q, addressee, sender); err != nil {
		return err
	}
	return s.notify(ctx, q, false, notify.Event{Kind: notify.FriendAccepted, Recipient: sender, Actor: addressee, Subject: addressee})
}

// answered marks the addressee's notification of the sender's request
// read: the addressee has answered it.
func (s *Service) answered(ctx context.Context, q db.Querier, addressee, sender int64) error {
	if s.notes == nil {
		return nil
	}
	return s.notes.WithTx(q).MarkSubjectRead(ctx, addressee, notify.FriendRequest, sender)
}

// Accept makes addressee and sender friends, accepting the pending
// request from sender to addressee. Only the addressee can: there is no
// way for the sender to accept their own request (ErrNoRequest, the same
// as for no request at all).
func (s *Service) Accept(ctx context.Context, addressee, sender int64) (Person, error) {
	var when time.Time
	err := s.h.InTx(ctx, func(q db.Querier) error {
		st, err := lockState(ctx, q, addressee, sender)
		if err != nil {
			return err
		}
		if !st.incoming {
			return ErrNoRequest
		}
		when = s.time()
		return s.befriend(ctx, q, sender, addressee, when)
	})
	if err != nil {
		return Person{}, err
	}
	people, err := s.persons(ctx, addressee, []entry{{ID: sender, Time: when}})
	if err != nil {
		return Person{}, err
	}
	return people[0], nil
}

// Decline declines the pending request from sender to addressee, as only
// the addressee can (ErrNoRequest otherwise). The decline is remembered:
// the sender cannot ask again for DeclineCooldown.
func (s *Service) Decline(ctx context.Context, addressee, sender int64) error {
	return s.h.InTx(ctx, func(q db.Querier) error {
		st, err := lockState(ctx, q, addressee, sender)
		if err != nil {
			return err
		}
		if !st.incoming {
			return ErrNoRequest
		}
		if err := deleteRequest(ctx, q, sender, addressee); err != nil {
			return err
		}
		if err := s.answered(ctx, q, addressee, sender); err != nil {
			return err
		}
		return recordDecline(ctx, q, sender, addressee, s.time())
	})
}

// Cancel takes back the pending request from sender to addressee, as
// only the sender can (ErrNoRequest otherwise), and its notification.
func (s *Service) Cancel(ctx context.Context, sender, addressee int64) error {
	return s.h.InTx(ctx, func(q db.Querier) error {
		st, err := lockState(ctx, q, sender, addressee)
		if err != nil {
			return err
		}
		if !st.requested {
			return ErrNoRequest
		}
		if err := deleteRequest(ctx, q, sender, addressee); err != nil {
			return err
		}
		return s.notify(ctx, q, true, notify.Event{Kind: notify.FriendRequest, Recipient: addressee, Actor: sender, Subject: sender})
	})
}

// Unfriend ends the friendship of a and b, as either may
// (ErrNotFriends when they are not friends).
func (s *Service) Unfriend(ctx context.Context, a, b int64) error {
	return s.h.InTx(ctx, func(q db.Querier) error {
		st, err := lockState(ctx, q, a, b)
		if err != nil {
			return err
		}
		if !st.friends {
			return ErrNotFriends
		}
		return deleteFriendship(ctx, q, a, b)
	})
}

// Block makes blocker block blocked, in one transaction: their
// friendship and the requests between them end, and each disappears from
// the other's notifications. Blocking again changes nothing. Errors:
// ErrSelf; ErrHidden when blocked does not exist or has blocked blocker.
func (s *Service) Block(ctx context.Context, blocker, blocked int64) error {
	if blocker == blocked {
		return ErrSelf
	}
	return s.h.InTx(ctx, func(q db.Querier) error {
		if err := s.exists(ctx, q, blocked); err != nil {
			return err
		}
		st, err := lockState(ctx, q, blocker, blocked)
		if err != nil {
			return err
		}
		switch {
		case st.blockedBy:
			return ErrHidden
		case st.blocked:
			return nil
		}
		if err := insertBlock(ctx, q, blocker, blocked, s.time()); err != nil {
			return err
		}
		if err := deleteFriendship(ctx, q, blocker, blocked); err != nil {
			return err
		}
		if err := deleteRequests(ctx, q, blocker, blocked); err != nil {
			return err
		}
		if s.notes != nil {
			n := s.notes.WithTx(q)
			if err := n.Forget(ctx, blocker, blocked); err != nil {
				return err
			}
			if err := n.Forget(ctx, blocked, blocker); err != nil {
				return err
			}
		}
		return nil
	})
}

// Unblock takes back blocker's block of blocked; unblocking someone not
// blocked changes nothing. ErrHidden when blocked does not exist or has
// blocked blocker.
func (s *Service) Unblock(ctx context.Context, blocker, blocked int64) error {
	if blocker == blocked {
		return ErrSelf
	}
	return s.h.InTx(ctx, func(q db.Querier) error {
		if err := s.exists(ctx, q, blocked); err != nil {
			return err
		}
		st, err := lockState(ctx, q, blocker, blocked)
		if err != nil {
			return err
		}
		if st.blockedBy {
			return ErrHidden
		}
		return deleteBlock(ctx, q, blocker, blocked)
	})
}

// persons returns the people of the entries as viewer sees them, in the
// entries' order, loading them in one query and the viewer's friendships
// among them in another. People who no longer exist are left out.
func (s *Service) persons(ctx context.Context, viewer int64, list []entry) ([]Person, error) {
	ids := make([]int64, len(list))
	for i, e := range list {
		ids[i] = e.ID
	}
	q := s.h.Q()
	cards, err := s.people.WithTx(q).Cards(ctx, ids)
	if err != nil {
		return nil, err
	}
	friends := map[int64]bool{}
	if viewer != 0 {
		if friends, err = friendsAmong(ctx, q, viewer, ids); err != nil {
			return nil, err
		}
	}
	out := make([]Person, 0, len(list))
	for _, e := range list {
		c, ok := cards[e.ID]
		if !ok {
			continue
		}
		c = c.For(viewer, account.Standing{Friends: friends[e.ID]})
		p := Person{ID: c.ID, DisplayName: c.DisplayName, Headline: c.Headline}
		if !e.Time.IsZero() {
			p.Since = e.Time.UTC().Format(time.RFC3339Nano)
		}
		out = append(out, p)
	}
	return out, nil
}

// A Page is a page of a list of people, with the cursor of the next page
// ("" on the last).
type Page struct {
	People []Person
	Next   string
}

// page runs the list query lq for the page after cursor in the list
// named name, as viewer sees it.
func (s *Service) page(ctx context.Context, viewer int64, name string, lq listQuery, cursor string) (Page, error) {
	var after *db.Position
	if cursor != "" {
		pos, err := s.cursors.Decode(name, cursor)
		if err != nil {
			return Page{}, err
		}
		after = &pos
	}
	list, err := entries(ctx, s.h.Q(), lq, after, PageSize+1)
	if err != nil {
		return Page{}, fmt.Errorf("list %s: %w", name, err)
	}
	var p Page
	if len(list) > PageSize {
		list = list[:PageSize]
		last := list[len(list)-1]
		p.Next = s.cursors.Encode(name, db.Position{Time: last.Time, ID: last.ID})
	}
	if p.People, err = s.persons(ctx, viewer, list); err != nil {
		return Page{}, fmt.Errorf("list %s: %w", name, err)
	}
	return p, nil
}

// mayList reports whether viewer (0: nobody signed in) may see the
// friends of owner, or returns ErrHidden when owner does not exist for
// viewer (no such person, or a block either way).
func (s *Service) mayList(ctx context.Context, viewer, owner int64) error {
	if viewer == owner {
		return nil
	}
	u, err := s.people.WithTx(s.h.Q()).Get(ctx, owner)
	if errors.Is(err, account.ErrNotFound) {
		return ErrHidden
	}
	if err != nil {
		return err
	}
	var st state
	if viewer != 0 {
		if st, err = loadState(ctx, s.h.Q(), viewer, owner); err != nil {
			return err
		}
	}
	switch {
	case st.blocked || st.blockedBy:
		return ErrHidden
	case u.FriendsVisibility == account.Everyone:
		return nil
	case u.FriendsVisibility == account.Friends && st.friends:
		return nil
	}
	return ErrHidden
}

// Friends returns a page of owner's friends, newest friendship first, as
// viewer (0: nobody signed in) may see them: all of them for owner, and
// for others as owner's friends_visibility allows (ErrHidden otherwise,
// and across a block). People blocked with viewer either way are left
// out. A cursor not made for this list is db.ErrCursor.
func (s *Service) Friends(ctx context.Context, viewer, owner int64, cursor string) (Page, error) {
	if err := s.mayList(ctx, viewer, owner); err != nil {
		return Page{}, err
	}
	lq := listQuery{sql: "SELECT friend_id, created_at FROM friendships WHERE user_id = ?", args: []any{owner},
		idCol: "friend_id", timeCol: "created_at"}
	if viewer != 0 && viewer != owner {
		lq.sql += notBlockedWith("friend_id")
		lq.args = append(lq.args, viewer, viewer)
	}
	return s.page(ctx, viewer, fmt.Sprintf("friends/%d/%d", owner, viewer), lq, cursor)
}

// Requests is a page of each of a person's pending requests.
type Requests struct {
	Incoming, Outgoing         []Person
	NextIncoming, NextOutgoing string
}

// Requests returns the pages after inCursor and outCursor of the
// requests user received and sent, newest first.
func (s *Service) Requests(ctx context.Context, user int64, inCursor, outCursor string) (Requests, error) {
	in, err := s.page(ctx, user, fmt.Sprintf("requests/in/%d", user), listQuery{
		sql:  "SELECT sender_id, created_at FROM friend_requests WHERE addressee_id = ?",
		args: []any{user}, idCol: "sender_id", timeCol: "created_at"}, inCursor)
	if err != nil {
		return Requests{}, err
	}
	out, err := s.page(ctx, user, fmt.Sprintf("requests/out/%d", user), listQuery{
		sql:  "SELECT addressee_id, created_at FROM friend_requests WHERE sender_id = ?",
		args: []any{user}, idCol: "addressee_id", timeCol: "created_at"}, outCursor)
	if err != nil {
		return Requests{}, err
	}
	return Requests{Incoming: in.People, Outgoing: out.People, NextIncoming: in.Next, NextOutgoing: out.Next}, nil
}

// Blocks returns a page of the people user blocked, newest first.
func (s *Service) Blocks(ctx context.Context, user int64, cursor string) (Page, error) {
	return s.page(ctx, user, fmt.Sprintf("blocks/%d", user), listQuery{
		sql:  "SELECT blocked_id, created_at FROM blocks WHERE blocker_id = ?",
		args: []any{user}, idCol: "blocked_id", timeCol: "created_at"}, cursor)
}

// Mutual returns a page of the friends viewer and other have in common,
// in the order of viewer's friends list, and how many they are. ErrHidden
// across a block, or when other does not exist.
func (s *Service) Mutual(ctx context.Context, viewer, other int64, cursor string) (Page, int, error) {
	if err := s.visible(ctx, viewer, other); err != nil {
		return Page{}, 0, err
	}
	p, err := s.page(ctx, viewer, fmt.Sprintf("mutual/%d/%d", viewer, other), listQuery{
		sql: `SELECT f1.friend_id, f1.created_at FROM friendships f1
			JOIN friendships f2 ON f2.user_id = ? AND f2.friend_id = f1.friend_id WHERE f1.user_id = ?`,
		args: []any{other, viewer}, idCol: "f1.friend_id", timeCol: "f1.created_at"}, cursor)
	if err != nil {
		return Page{}, 0, err
	}
	n, err := countMutual(ctx, s.h.Q(), viewer, other)
	if err != nil {
		return Page{}, 0, err
	}
	return p, n, nil
}

// MutualCount counts the friends a and b have in common.
func (s *Service) MutualCount(ctx context.Context, a, b int64) (int, error) {
	return countMutual(ctx, s.h.Q(), a, b)
}

// visible returns ErrHidden unless other exists and neither blocked the
// other.
func (s *Service) visible(ctx context.Context, viewer, other int64) error {
	if viewer == other {
		return nil
	}
	if err := s.exists(ctx, s.h.Q(), other); err != nil {
		return err
	}
	blocked, err := s.IsBlocked(ctx, viewer, other)
	if err != nil {
		return err
	}
	if blocked {
		return ErrHidden
	}
	return nil
}

// Suggestions returns up to MaxSuggestions friends of viewer's friends,
// most mutual friends first, leaving out viewer's friends, people viewer
// asked or was asked by, people blocked either way, and people who
// declined viewer or whom viewer declined in the last DeclineCooldown.
// For someone with more than SuggestFrontier friends, only the friends of
// their SuggestFrontier most recent friends are counted.
func (s *Service) Suggestions(ctx context.Context, viewer int64) ([]Person, error) {
	found, err := suggest(ctx, s.h.Q(), viewer, s.time().Add(-DeclineCooldown), SuggestFrontier, MaxSuggestions)
	if err != nil {
		return nil, err
	}
	list := make([]entry, len(found))
	for i, f := range found {
		list[i] = entry{ID: f.ID}
	}
	people, err := s.persons(ctx, viewer, list)
	if err != nil {
		return nil, err
	}
	mutual := map[int64]int{}
	for _, f := range found {
		mutual[f.ID] = f.Mutual
	}
	for i := range people {
		people[i].MutualFriends = mutual[people[i].ID]
	}
	return people, nil
}

// MaxSteps is the longest chain of friends Path looks for.
const MaxSteps = 3

// Path returns the shortest chain of friends from viewer to other, both
// included ([viewer, other] for friends), of at most MaxSteps steps, or
// nil when there is none. Nobody blocked with viewer is in it. ErrHidden
// across a block, or when other does not exist.
//
// It costs at most a few index lookups up to two steps; for three, it
// looks through the friends of the friends of whichever of the two has
// fewer friends (at most PathBudget friendships), probing the other's
// friendships by primary key, and stops at the first chain.
func (s *Service) Path(ctx context.Context, viewer, other int64) ([]Person, error) {
	if err := s.visible(ctx, viewer, other); err != nil {
		return nil, err
	}
	if viewer == other {
		return s.persons(ctx, viewer, []entry{{ID: viewer}})
	}
	q := s.h.Q()
	chain, err := s.chain(ctx, q, viewer, other)
	if err != nil || chain == nil {
		return nil, err
	}
	list := make([]entry, len(chain))
	for i, id := range chain {
		list[i] = entry{ID: id}
	}
	people, err := s.persons(ctx, viewer, list)
	if err != nil {
		return nil, err
	}
	if len(people) != len(chain) {
		return nil, nil // someone in it is gone meanwhile
	}
	return people, nil
}

func (s *Service) chain(ctx context.Context, q db.Querier, viewer, other int64) ([]int64, error) {
	friends, err := s.AreFriends(ctx, viewer, other)
	if err != nil || friends {
		return []int64{viewer, other}, err
	}
	m, err := mutualFriend(ctx, q, viewer, other)
	if err != nil || m != 0 {
		return []int64{viewer, m, other}, err
	}
	nv, err := countFriends(ctx, q, viewer)
	if err != nil {
		return nil, err
	}
	no, err := countFriends(ctx, q, other)
	if err != nil {
		return nil, err
	}
	if nv == 0 || no == 0 {
		return nil, nil
	}
	if nv <= no {
		x, y, err := bridge(ctx, q, viewer, other, viewer, PathBudget)
		if err != nil || x == 0 {
			return nil, err
		}
		return []int64{viewer, x, y, other}, nil
	}
	x, y, err := bridge(ctx, q, other, viewer, viewer, PathBudget)
	if err != nil || x == 0 {
		return nil, err
	}
	chain := []int64{other, x, y, viewer}
	slices.Reverse(chain)
	return chain, nil
}
