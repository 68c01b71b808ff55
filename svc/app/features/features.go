// Package features builds the app's feature services and wires them to
// each other, so that the app and the programs that write through the same
// rules (the local stack's demo community) build them one way: a
// registration indexed for search, a friendship notified and shown in the
// feed, wherever it is made.
package features

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/app/feed"
	"github.com/kin-social/kin/svc/app/friend"
	"github.com/kin-social/kin/svc/app/notify"
	"github.com/kin-social/kin/svc/app/search"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/password"
	"github.com/kin-social/kin/svc/internal/session"
)

// A Set is the feature services of one database, wired together.
type Set struct {
	Sessions *session.Store
	Accounts *account.Service
	Friends  *friend.Service
	Notes    *notify.Service
	Feed     *feed.Service
	Search   *search.Service
}

// New returns the features on conn, hashing passwords with hasher. It
// reads (or makes, the first time) the key that signs list cursors, which
// every replica shares.
func New(ctx context.Context, conn *sql.DB, hasher *password.Hasher) (*Set, error) {
	sessions := session.NewStore(conn)
	people := search.New(conn)
	// Registrations and profile updates index the person for search in
	// their own transaction.
	accounts := account.New(conn, hasher, sessions).WithIndexer(people)
	key, err := db.Key(ctx, conn, "cursor")
	if err != nil {
		return nil, fmt.Errorf("load the cursor key: %w", err)
	}
	cursors := db.NewCursors(key)
	// notify asks friend about blocks, friend notifies through notify.
	friends := friend.New(conn, cursors, accounts)
	notes := notify.New(conn, cursors, accounts, friends)
	friends = friends.WithNotifications(notes)
	// The feed notifies likes and comments, and shows new friendships.
	posts := feed.New(conn, cursors, accounts, notes)
	friends = friends.WithEvents(posts)
	return &Set{Sessions: sessions, Accounts: accounts, Friends: friends, Notes: notes, Feed: posts, Search: people}, nil
}
