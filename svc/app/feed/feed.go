// Package feed keeps Kin's posts, their likes and comments, and the lists
// made of them: a person's home feed (their own posts and their friends'
// posts they may see), a person's wall, a post's likes and comments.
//
// Who sees a post: its author always; anyone, signed in or not, a public
// post; the author's friends a friends post; nobody else an only_me post;
// and nobody at all across a block, either way. A post someone may not
// see does not exist for them: every operation on it answers ErrNotFound,
// exactly as for an id of no post, so ids cannot be probed.
//
// A like or a comment, its count on the post and its notification commit
// in one transaction; so do a post's deletion, its likes' and comments'
// and the withdrawal of their notifications. A new friendship shows in both
// friends' feeds: friend calls Befriended in the friendship's transaction.
//
// Room for what later issues add: every post is on a wall (wall_kind,
// wall_id); today all are 'user', a person's own, and the feeds keep to
// those, so posts on groups' and companies' walls will be rows with their
// wall_kind and wall_id, read by their own queries. Attached media will be
// rows of a post_media table referring to the post.
package feed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/app/notify"
	"github.com/kin-social/kin/svc/internal/db"
)

// A Visibility says who sees a post.
type Visibility string

// The visibilities.
const (
	Public  Visibility = "public"  // everyone, signed in or not
	Friends Visibility = "friends" // the author's friends
	OnlyMe  Visibility = "only_me" // the author alone
)

func (v Visibility) valid() bool { return v == Public || v == Friends || v == OnlyMe }

// The kinds of feed item.
const (
	KindPost       = "post"
	KindFriendship = "friendship" // "Author and Friend are now friends"
)

// Limits, counted in characters.
const (
	MaxText    = 10000 // a post's text
	MaxComment = 2000  // a comment's text
)

// PageSize is how many items a page of a list holds.
const PageSize = 20

// DenseFriends is the number of friends from which a home feed walks
// everyone's posts newest first, keeping the friends' (homeByTime),
// instead of sorting all the friends' posts (homeByFriends): with many
// friends the walk meets a friend's post often, and the sort grows with
// their number. Measured on 100,000 people and 1,000,000 posts, the two
// cost the same between 200 and 300 friends.
const DenseFriends = 300

// MaxNotified is how many earlier commenters a new comment notifies
// (comment_reply), the latest to comment first, so that a comment on a
// long thread costs a bounded transaction.
const MaxNotified = 100

var (
	// ErrNotFound means there is no such post (or comment), or the viewer
	// may not see it, or may not do what they tried to it: the three are
	// not told apart.
	ErrNotFound = errors.New("no such post")
	// ErrNotEditable means the post is a friendship item, which has no
	// text to edit.
	ErrNotEditable = errors.New("this item cannot be edited")
)

// A FieldError says what is wrong with one input and what to do about it.
type FieldError struct {
	Field string // the JSON name of the input
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Service keeps posts, likes and comments in the database.
type Service struct {
	h       db.Handle // the pool, or the caller's transaction (WithTx)
	cursors *db.Cursors
	people  *account.Service
	notes   *notify.Service // nil: notify nobody
	now     func() time.Time
}

// New returns a Service on conn that signs list cursors with cursors,
// shows people as people (account) has them and notifies likes and
// comments through notes (nil: nobody).
func New(conn *sql.DB, cursors *db.Cursors, people *account.Service, notes *notify.Service) *Service {
	return &Service{h: db.NewHandle(conn), cursors: cursors, people: people, notes: notes, now: time.Now}
}

// WithTx returns a Service whose operations run in the caller's
// transaction q.
func (s *Service) WithTx(q db.Querier) *Service {
	c := *s
	c.h = s.h.Join(q)
	return &c
}

// SetClock makes the Service read the time from now (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) time() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

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

// A Post is a feed item as a viewer sees it.
type Post struct {
	ID           int64         `json:"id"`
	Kind         string        `json:"kind"` // KindPost or KindFriendship
	Author       account.Card  `json:"author"`
	Friend       *account.Card `json:"friend,omitempty"` // KindFriendship: the new friend
	Text         string        `json:"text"`
	Visibility   Visibility    `json:"visibility"`
	CreatedAt    string        `json:"created_at"`
	EditedAt     *string       `json:"edited_at"` // null unless the text was edited
	LikeCount    int           `json:"like_count"`
	CommentCount int           `json:"comment_count"`
	Liked        bool          `json:"liked"` // the viewer likes it
	Mine         bool          `json:"mine"`  // the viewer wrote it: may edit and delete it
}

// A Comment is a comment as a viewer sees it.
type Comment struct {
	ID        int64        `json:"id"`
	PostID    int64        `json:"post_id"`
	Author    account.Card `json:"author"`
	Text      string       `json:"text"`
	CreatedAt string       `json:"created_at"`
	Mine      bool         `json:"mine"` // the viewer may delete it: they wrote it, or the post
}

// A Draft is what an author writes: a post's text and visibility.
type Draft struct {
	Text       string
	Visibility Visibility
}

// checkText trims the text and checks it: valid UTF-8, not blank, at most
// max characters, and no control characters but line breaks and tabs.
// Other characters are the author's to use: invisible and bidirectional
// ones are part of writing in many languages (joiners in emoji and Indic
// scripts, marks in Arabic and Hebrew), and the client isolates each
// post's direction so they cannot reorder the page around it.
func checkText(field, s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", &FieldError{field, "this is not valid UTF-8 text: send it as UTF-8"}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &FieldError{field, "write something first"}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", &FieldError{field, fmt.Sprintf("this is %d characters long: use at most %d", n, max)}
	}
	for _, r := range s {
		if r != '\n' && r != '\r' && r != '\t' && unicode.IsControl(r) {
			return "", &FieldError{field, fmt.Sprintf("remove the control character %U: only text, line breaks and tabs are allowed", r)}
		}
	}
	return s, nil
}

func (d Draft) check() (Draft, error) {
	text, err := checkText("text", d.Text, MaxText)
	if err != nil {
		return Draft{}, err
	}
	if !d.Visibility.valid() {
		return Draft{}, &FieldError{"visibility", "choose public, friends or only_me"}
	}
	return Draft{Text: text, Visibility: d.Visibility}, nil
}

// visible reports whether viewer may see the post.
func (r postRow) visible(viewer int64) bool {
	switch {
	case r.Stale:
		return false
	case viewer != 0 && viewer == r.Author:
		return true
	case r.Blocked || r.Kind != KindPost:
		return false
	case r.Visibility == Public:
		return true
	case r.Visibility == Friends:
		return r.ViewerFriend
	}
	return false
}

// Create publishes a post by author.
func (s *Service) Create(ctx context.Context, author int64, d Draft) (Post, error) {
	d, err := d.check()
	if err != nil {
		return Post{}, err
	}
	r := postRow{Author: author, Kind: KindPost, Visibility: d.Visibility, Text: d.Text, CreatedAt: s.time()}
	if r.ID, err = insertPost(ctx, s.h.Q(), author, KindPost, 0, d.Visibility, d.Text, r.CreatedAt); err != nil {
		return Post{}, err
	}
	// What the row holds is known: only the author's card is loaded.
	posts, err := s.render(ctx, author, []postRow{r})
	if err != nil {
		return Post{}, err
	}
	if len(posts) == 0 {
		return Post{}, ErrNotFound // the author is gone meanwhile
	}
	return posts[0], nil
}

// Get returns the post with the id as viewer (0: nobody signed in) sees
// it, or ErrNotFound.
func (s *Service) Get(ctx context.Context, viewer, id int64) (Post, error) {
	r, err := loadPost(ctx, s.h.Q(), id, viewer)
	if noRows(err) {
		return Post{}, ErrNotFound
	}
	if err != nil {
		return Post{}, err
	}
	if !r.visible(viewer) {
		return Post{}, ErrNotFound
	}
	posts, err := s.render(ctx, viewer, []postRow{r})
	if err != nil {
		return Post{}, err
	}
	if len(posts) == 0 {
		return Post{}, ErrNotFound // its author is gone meanwhile
	}
	return posts[0], nil
}

// render makes the rows, which viewer may all see, into Posts, loading
// their people in one query. Rows whose people are gone are left out.
func (s *Service) render(ctx context.Context, viewer int64, rows []postRow) ([]Post, error) {
	var people []int64
	for _, r := range rows {
		people = append(people, r.Author)
		if r.Friend != 0 {
			people = append(people, r.Friend)
		}
	}
	slices.Sort(people)
	cards, err := s.people.WithTx(s.h.Q()).Cards(ctx, slices.Compact(people))
	if err != nil {
		return nil, err
	}
	out := make([]Post, 0, len(rows))
	for _, r := range rows {
		author, ok := cards[r.Author]
		if !ok {
			continue
		}
		p := Post{
			ID: r.ID, Kind: r.Kind, Text: r.Text, Visibility: r.Visibility,
			Author:    author.For(viewer, account.Standing{Friends: r.ViewerFriend}),
			CreatedAt: formatTime(r.CreatedAt), LikeCount: r.LikeCount, CommentCount: r.CommentCount,
			Liked: r.Liked, Mine: viewer != 0 && viewer == r.Author,
		}
		if r.EditedAt.Valid {
			t := formatTime(r.EditedAt.Time)
			p.EditedAt = &t
		}
		if r.Friend != 0 {
			friend, ok := cards[r.Friend]
			if !ok {
				continue
			}
			// Only the author sees a friendship item, and the two are
			// friends while it shows.
			friend = friend.For(viewer, account.Standing{Friends: true})
			p.Friend = &friend
		}
		out = append(out, p)
	}
	return out, nil
}

// mine locks the post with the id for a change by viewer, its author, or
// returns ErrNotFound (no such post, or not viewer's).
func mine(ctx context.Context, q db.Querier, id, viewer int64) (postRow, error) {
	r, err := lockPost(ctx, q, id, viewer)
	if noRows(err) {
		return postRow{}, ErrNotFound
	}
	if err != nil {
		return postRow{}, err
	}
	if r.Author != viewer {
		return postRow{}, ErrNotFound
	}
	return r, nil
}

// Edit replaces the text and visibility of viewer's post with the id
// (ErrNotFound if it is not theirs). The post shows as edited when the
// text changes.
func (s *Service) Edit(ctx context.Context, viewer, id int64, d Draft) (Post, error) {
	d, err := d.check()
	if err != nil {
		return Post{}, err
	}
	err = s.h.InTx(ctx, func(q db.Querier) error {
		r, err := mine(ctx, q, id, viewer)
		if err != nil {
			return err
		}
		if r.Kind != KindPost {
			return ErrNotEditable
		}
		var edited *time.Time
		if d.Text != r.Text {
			now := s.time()
			edited = &now
		}
		return updatePost(ctx, q, id, d.Visibility, d.Text, edited)
	})
	if err != nil {
		return Post{}, err
	}
	return s.Get(ctx, viewer, id)
}

// Delete deletes viewer's post with the id (ErrNotFound if it is not
// theirs), its likes and comments, and takes back their notifications,
// in one transaction.
func (s *Service) Delete(ctx context.Context, viewer, id int64) error {
	return s.h.InTx(ctx, func(q db.Querier) error {
		if _, err := mine(ctx, q, id, viewer); err != nil {
			return err
		}
		if s.notes != nil {
			if err := s.withdrawAll(ctx, q, id, viewer); err != nil {
				return err
			}
		}
		return deletePost(ctx, q, id)
	})
}

// withdrawAll takes back every notification about the post of author:
// its likes, its comments, and the replies among its commenters.
func (s *Service) withdrawAll(ctx context.Context, q db.Querier, post, author int64) error {
	list, err := likers(ctx, q, post)
	if err != nil {
		return fmt.Errorf("likes of post %d: %w", post, err)
	}
	for _, u := range list {
		if err := s.notify(ctx, q, true, notify.Event{Kind: notify.Like, Recipient: author, Actor: u, Subject: post}); err != nil {
			return err
		}
	}
	people, err := commenters(ctx, q, post, 1<<30)
	if err != nil {
		return fmt.Errorf("commenters of post %d: %w", post, err)
	}
	for _, c := range people {
		if err := s.notify(ctx, q, true, notify.Event{Kind: notify.Comment, Recipient: author, Actor: c, Subject: post}); err != nil {
			return err
		}
		for _, r := range people {
			if r == c || r == author {
				continue
			}
			if err := s.notify(ctx, q, true, notify.Event{Kind: notify.CommentReply, Recipient: r, Actor: c, Subject: post}); err != nil {
				return err
			}
		}
	}
	return nil
}

// A Like is whether the viewer likes a post, and how many do.
type Like struct {
	Liked     bool `json:"liked"`
	LikeCount int  `json:"like_count"`
}

// Like makes viewer like the post with the id, once however often they
// ask, and notifies its author. ErrNotFound if viewer may not see it.
func (s *Service) Like(ctx context.Context, viewer, id int64) (Like, error) {
	var out Like
	err := s.h.InTx(ctx, func(q db.Querier) error {
		r, err := lockPost(ctx, q, id, viewer)
		if noRows(err) || err == nil && !r.visible(viewer) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		added, err := insertLike(ctx, q, id, viewer, s.time())
		if err != nil {
			return err
		}
		out = Like{Liked: true, LikeCount: r.LikeCount}
		if !added {
			return nil
		}
		out.LikeCount++
		if err := addCount(ctx, q, id, "like_count", 1); err != nil {
			return err
		}
		return s.notify(ctx, q, false, notify.Event{Kind: notify.Like, Recipient: r.Author, Actor: viewer, Subject: id})
	})
	return out, err
}

// Unlike takes back viewer's like of the post with the id, if there is
// one, and its notification. ErrNotFound if viewer may not see it and
// does not like it either (someone who liked a post they may no longer
// see may still take the like back).
func (s *Service) Unlike(ctx context.Context, viewer, id int64) (Like, error) {
	var out Like
	err := s.h.InTx(ctx, func(q db.Querier) error {
		r, err := lockPost(ctx, q, id, viewer)
		if noRows(err) || err == nil && !r.visible(viewer) && !r.Liked {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		removed, err := deleteLike(ctx, q, id, viewer)
		if err != nil {
			return err
		}
		out = Like{LikeCount: r.LikeCount}
		if !removed {
			return nil
		}
		out.LikeCount--
		if err := addCount(ctx, q, id, "like_count", -1); err != nil {
			return err
		}
		return s.notify(ctx, q, true, notify.Event{Kind: notify.Like, Recipient: r.Author, Actor: viewer, Subject: id})
	})
	return out, err
}

// A PeoplePage is a page of people, with the cursor of the next page (""
// on the last).
type PeoplePage struct {
	People []account.Card
	Next   string
}

func (s *Service) after(list, cursor string) (*db.Position, error) {
	if cursor == "" {
		return nil, nil
	}
	pos, err := s.cursors.Decode(list, cursor)
	if err != nil {
		return nil, err
	}
	return &pos, nil
}

// visiblePost returns the post with the id if viewer may see it, or
// ErrNotFound.
func (s *Service) visiblePost(ctx context.Context, q db.Querier, viewer, id int64) (postRow, error) {
	r, err := loadPost(ctx, q, id, viewer)
	if noRows(err) || err == nil && !r.visible(viewer) {
		return postRow{}, ErrNotFound
	}
	return r, err
}

// Likes returns a page of the people who like the post with the id,
// latest first, as viewer (0: nobody) sees them, leaving out people
// blocked with viewer either way. ErrNotFound if viewer may not see the
// post; db.ErrCursor for a cursor not made for this list.
func (s *Service) Likes(ctx context.Context, viewer, id int64, cursor string) (PeoplePage, error) {
	name := fmt.Sprintf("likes/%d/%d", id, viewer)
	after, err := s.after(name, cursor)
	if err != nil {
		return PeoplePage{}, err
	}
	q := s.h.Q()
	if _, err := s.visiblePost(ctx, q, viewer, id); err != nil {
		return PeoplePage{}, err
	}
	list, friends, err := likesPage(ctx, q, id, viewer, after, PageSize+1)
	if err != nil {
		return PeoplePage{}, err
	}
	var p PeoplePage
	if len(list) > PageSize {
		list = list[:PageSize]
		last := list[len(list)-1]
		p.Next = s.cursors.Encode(name, db.Position{Time: last.Time, ID: last.ID})
	}
	people := make([]int64, len(list))
	for i, it := range list {
		people[i] = it.ID
	}
	cards, err := s.people.WithTx(q).Cards(ctx, people)
	if err != nil {
		return PeoplePage{}, err
	}
	p.People = make([]account.Card, 0, len(list))
	for _, it := range list {
		if c, ok := cards[it.ID]; ok {
			p.People = append(p.People, c.For(viewer, account.Standing{Friends: friends[it.ID]}))
		}
	}
	return p, nil
}

// Comment adds viewer's comment to the post with the id, and notifies
// the post's author (comment) and, up to MaxNotified of them, the others
// who commented on it (comment_reply). ErrNotFound if viewer may not see
// the post.
func (s *Service) Comment(ctx context.Context, viewer, post int64, text string) (Comment, error) {
	text, err := checkText("text", text, MaxComment)
	if err != nil {
		return Comment{}, err
	}
	var (
		c commentRow
		r postRow
	)
	err = s.h.InTx(ctx, func(q db.Querier) error {
		r, err = lockPost(ctx, q, post, viewer)
		if noRows(err) || err == nil && !r.visible(viewer) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		c = commentRow{Post: post, Author: viewer, Text: text, CreatedAt: s.time()}
		if c.ID, err = insertComment(ctx, q, post, viewer, text, c.CreatedAt); err != nil {
			return err
		}
		if err := addCount(ctx, q, post, "comment_count", 1); err != nil {
			return err
		}
		if s.notes == nil {
			return nil
		}
		if err := s.notify(ctx, q, false, notify.Event{Kind: notify.Comment, Recipient: r.Author, Actor: viewer, Subject: post}); err != nil {
			return err
		}
		others, err := commenters(ctx, q, post, MaxNotified, viewer, r.Author)
		if err != nil {
			return fmt.Errorf("commenters of post %d: %w", post, err)
		}
		for _, o := range others {
			if err := s.notify(ctx, q, false, notify.Event{Kind: notify.CommentReply, Recipient: o, Actor: viewer, Subject: post}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Comment{}, err
	}
	cards, err := s.people.WithTx(s.h.Q()).Cards(ctx, []int64{viewer})
	if err != nil {
		return Comment{}, err
	}
	return Comment{ID: c.ID, PostID: post, Author: cards[viewer].For(viewer, account.Standing{}), Text: c.Text,
		CreatedAt: formatTime(c.CreatedAt), Mine: true}, nil
}

// A CommentPage is a page of comments, with the cursor of the next page
// ("" on the last).
type CommentPage struct {
	Comments []Comment
	Next     string
}

// Comments returns a page of the comments on the post with the id,
// oldest first, as viewer (0: nobody) sees them, leaving out those of
// people blocked with viewer either way. ErrNotFound if viewer may not see
// the post; db.ErrCursor for a cursor not made for this list.
func (s *Service) Comments(ctx context.Context, viewer, post int64, cursor string) (CommentPage, error) {
	name := fmt.Sprintf("comments/%d/%d", post, viewer)
	after, err := s.after(name, cursor)
	if err != nil {
		return CommentPage{}, err
	}
	q := s.h.Q()
	r, err := s.visiblePost(ctx, q, viewer, post)
	if err != nil {
		return CommentPage{}, err
	}
	list, err := commentsPage(ctx, q, post, viewer, after, PageSize+1)
	if err != nil {
		return CommentPage{}, err
	}
	var p CommentPage
	if len(list) > PageSize {
		list = list[:PageSize]
		last := list[len(list)-1]
		p.Next = s.cursors.Encode(name, db.Position{Time: last.CreatedAt, ID: last.ID})
	}
	var people []int64
	for _, c := range list {
		people = append(people, c.Author)
	}
	slices.Sort(people)
	cards, err := s.people.WithTx(q).Cards(ctx, slices.Compact(people))
	if err != nil {
		return CommentPage{}, err
	}
	p.Comments = make([]Comment, 0, len(list))
	for _, c := range list {
		card, ok := cards[c.Author]
		if !ok {
			continue
		}
		p.Comments = append(p.Comments, Comment{
			ID: c.ID, PostID: post, Author: card.For(viewer, account.Standing{Friends: c.ViewerFriend}),
			Text: c.Text, CreatedAt: formatTime(c.CreatedAt),
			Mine: viewer != 0 && (viewer == c.Author || viewer == r.Author),
		})
	}
	return p, nil
}

// DeleteComment deletes the comment with the id, as its author or the
// post's author may (ErrNotFound for anyone else), and, if its author
// has no other comment on the post, takes back what it notified.
func (s *Service) DeleteComment(ctx context.Context, viewer, id int64) error {
	return s.h.InTx(ctx, func(q db.Querier) error {
		c, postAuthor, err := loadComment(ctx, q, id)
		if noRows(err) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if viewer != c.Author && viewer != postAuthor {
			return ErrNotFound
		}
		if _, err := lockPost(ctx, q, c.Post, viewer); err != nil {
			if noRows(err) {
				return ErrNotFound
			}
			return err
		}
		if err := deleteComment(ctx, q, id); err != nil {
			return err
		}
		if err := addCount(ctx, q, c.Post, "comment_count", -1); err != nil {
			return err
		}
		if s.notes == nil {
			return nil
		}
		still, err := hasCommented(ctx, q, c.Post, c.Author)
		if err != nil || still {
			return err
		}
		if err := s.notify(ctx, q, true, notify.Event{Kind: notify.Comment, Recipient: postAuthor, Actor: c.Author, Subject: c.Post}); err != nil {
			return err
		}
		others, err := commenters(ctx, q, c.Post, 1<<30, c.Author, postAuthor)
		if err != nil {
			return fmt.Errorf("commenters of post %d: %w", c.Post, err)
		}
		for _, o := range others {
			if err := s.notify(ctx, q, true, notify.Event{Kind: notify.CommentReply, Recipient: o, Actor: c.Author, Subject: c.Post}); err != nil {
				return err
			}
		}
		return nil
	})
}

// A Page is a page of posts, with the cursor of the next page ("" on
// the last).
type Page struct {
	Posts []Post
	Next  string
}

// page makes a page of the list's items, of which it was given up to
// PageSize+1: the posts, loaded in one query with the viewer's likes and
// in one more with their people.
func (s *Service) page(ctx context.Context, viewer int64, name string, list []item) (Page, error) {
	var p Page
	if len(list) > PageSize {
		list = list[:PageSize]
		last := list[len(list)-1]
		p.Next = s.cursors.Encode(name, db.Position{Time: last.Time, ID: last.ID})
	}
	ids := make([]int64, len(list))
	for i, it := range list {
		ids[i] = it.ID
	}
	rows, err := loadPosts(ctx, s.h.Q(), ids, viewer)
	if err != nil {
		return Page{}, err
	}
	ordered := make([]postRow, 0, len(list))
	for _, id := range ids {
		// A post deleted (or hidden) since the list was read is left out.
		if r, ok := rows[id]; ok && r.visible(viewer) {
			ordered = append(ordered, r)
		}
	}
	if p.Posts, err = s.render(ctx, viewer, ordered); err != nil {
		return Page{}, err
	}
	return p, nil
}

// Home returns a page of viewer's home feed, newest first: their own
// posts and friendship items, and their friends' posts that viewer may
// see. db.ErrCursor for a cursor not made for this list.
//
// It costs four queries whatever the page size: viewer's friends (up to
// DenseFriends of them, which also chooses how to walk), the walk, the
// page's posts with viewer's likes, and their people.
func (s *Service) Home(ctx context.Context, viewer int64, cursor string) (Page, error) {
	name := fmt.Sprintf("feed/%d", viewer)
	after, err := s.after(name, cursor)
	if err != nil {
		return Page{}, err
	}
	q := s.h.Q()
	friends, err := friendIDs(ctx, q, viewer, DenseFriends)
	if err != nil {
		return Page{}, err
	}
	var list []item
	if len(friends) < DenseFriends {
		list, err = homeByFriends(ctx, q, viewer, friends, after, PageSize+1)
	} else {
		list, err = homeByTime(ctx, q, viewer, after, PageSize+1)
	}
	if err != nil {
		return Page{}, err
	}
	return s.page(ctx, viewer, name, list)
}

// Wall returns a page of owner's posts as viewer (0: nobody signed in)
// sees them, newest first: all of them to owner, public and friends posts
// to owner's friends, public posts to others. ErrNotFound when owner does
// not exist or either blocked the other; db.ErrCursor for a cursor not
// made for this list.
func (s *Service) Wall(ctx context.Context, viewer, owner int64, cursor string) (Page, error) {
	name := fmt.Sprintf("wall/%d/%d", owner, viewer)
	after, err := s.after(name, cursor)
	if err != nil {
		return Page{}, err
	}
	q := s.h.Q()
	rel, err := loadRelation(ctx, q, viewer, owner)
	if err != nil {
		return Page{}, err
	}
	if rel.blocked {
		return Page{}, ErrNotFound
	}
	cards, err := s.people.WithTx(q).Cards(ctx, []int64{owner})
	if err != nil {
		return Page{}, err
	}
	if _, ok := cards[owner]; !ok {
		return Page{}, ErrNotFound
	}
	vis := []Visibility{Public}
	switch {
	case viewer == owner:
		vis = []Visibility{Public, Friends, OnlyMe}
	case rel.friends:
		vis = []Visibility{Public, Friends}
	}
	list, err := wall(ctx, q, owner, vis, after, PageSize+1)
	if err != nil {
		return Page{}, err
	}
	return s.page(ctx, viewer, name, list)
}

// Befriended shows the new friendship of a and b in both their feeds: a
// friendship item for each, which only they see, in the friendship's
// transaction q. (A friendship item of an earlier friendship of the two
// is replaced.) It satisfies friend.Events.
func (s *Service) Befriended(ctx context.Context, q db.Querier, a, b int64, at time.Time) error {
	if err := deleteFriendshipItems(ctx, q, a, b); err != nil {
		return err
	}
	at = at.UTC().Truncate(time.Microsecond)
	if _, err := insertPost(ctx, q, a, KindFriendship, b, OnlyMe, "", at); err != nil {
		return err
	}
	_, err := insertPost(ctx, q, b, KindFriendship, a, OnlyMe, "", at)
	return err
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
