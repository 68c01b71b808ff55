package stack

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/app/features"
	"github.com/kin-social/kin/svc/app/feed"
)

// demoCircle are the people of the demo community besides the demo
// accounts; nobody signs in as them (their passwords are random and
// never shown).
var demoCircle = []string{
	"Ann Smith", "Anna Smirnova", "Björn Andersen", "Chloé Dubois", "José García", "Zoë Kim",
	"Kwame Mensah", "Priya Patel", "Li Wei", "Yuki Tanaka", "Olga Ivanova", "Mateo Silva",
	"Fatima Haddad", "Søren Johansson", "Giulia Rossi", "Noah Brown", "Amara Okafor",
	"Tomás Novák", "Ingrid Müller", "Ravi Sharma",
}

var demoPosts = []string{
	"First tomatoes of the season from the community garden 🍅",
	"Does anyone have a ladder I could borrow this weekend?",
	"Notes from yesterday's meetup are up: https://example.org/meetup-notes",
	"Reading group picks for next month, vote in the comments!",
	"The new bakery on Rue Centrale is wonderful. Try the rye bread.",
	"Looking for a volunteer to help with the website. Ping me.",
	"Photos from the lake trip are coming soon, promise.",
	"Reminder: the repair café is on Saturday from 10 to 13.",
}

var demoComments = []string{
	"Count me in!", "Lovely 😀", "Thanks for sharing.", "I can help on Sunday.",
	"Great idea", "See you there", "Where exactly?", "Agreed, it's the best in town.",
}

// community writes the demo community through the features' own rules:
// the people of demoCircle, friendships among them and with the demo
// accounts (ids in demo), requests waiting for the demo accounts, and
// posts with likes and comments, which notify as they would on the site.
// Its randomness is fixed, so every run makes the same community.
func community(ctx context.Context, f *features.Set, demo []int64) error {
	r := rand.New(rand.NewPCG(7, 11))
	ids := append([]int64(nil), demo...)
	for i, name := range demoCircle {
		u, err := f.Accounts.Register(ctx, account.Registration{
			Email:       fmt.Sprintf("person%d@demo.kin.test", i+1),
			Password:    demoPassword(),
			DisplayName: name,
		})
		if err != nil {
			return fmt.Errorf("register %s: %w", name, err)
		}
		ids = append(ids, u.ID)
	}
	befriend := func(a, b int64) error {
		if _, err := f.Friends.Request(ctx, a, b); err != nil {
			return fmt.Errorf("request %d→%d: %w", a, b, err)
		}
		if _, err := f.Friends.Accept(ctx, b, a); err != nil {
			return fmt.Errorf("accept %d→%d: %w", a, b, err)
		}
		return nil
	}
	// The demo accounts know each other and six of the circle each; the
	// circle knows itself loosely.
	friends := map[[2]int64]bool{}
	pair := func(a, b int64) [2]int64 { return [2]int64{min(a, b), max(a, b)} }
	link := func(a, b int64) error {
		if a == b || friends[pair(a, b)] {
			return nil
		}
		friends[pair(a, b)] = true
		return befriend(a, b)
	}
	circle := ids[len(demo):]
	for i, a := range demo {
		for _, b := range demo[i+1:] {
			if err := link(a, b); err != nil {
				return err
			}
		}
		for k := range 6 {
			if err := link(a, circle[(i*5+k)%len(circle)]); err != nil {
				return err
			}
		}
	}
	for range 40 {
		if err := link(circle[r.IntN(len(circle))], circle[r.IntN(len(circle))]); err != nil {
			return err
		}
	}
	// Requests waiting for each demo account, from people it does not know.
	for i, a := range demo {
		for k := range 3 - i {
			from := circle[len(circle)-1-(i*3+k)]
			if friends[pair(a, from)] {
				continue
			}
			if _, err := f.Friends.Request(ctx, from, a); err != nil {
				return fmt.Errorf("request %d→%d: %w", from, a, err)
			}
		}
	}
	// Posts by everyone, liked and commented on by their friends.
	visibilities := []feed.Visibility{feed.Public, feed.Public, feed.Friends, feed.Friends, feed.OnlyMe}
	for i, author := range ids {
		for k := range 1 + i%3 {
			p, err := f.Feed.Create(ctx, author, feed.Draft{
				Text:       demoPosts[(i+k)%len(demoPosts)],
				Visibility: visibilities[(i+k)%len(visibilities)],
			})
			if err != nil {
				return fmt.Errorf("post by %d: %w", author, err)
			}
			if p.Visibility == feed.OnlyMe {
				continue
			}
			for _, other := range ids {
				if !friends[pair(author, other)] {
					continue
				}
				if r.IntN(3) == 0 {
					if _, err := f.Feed.Like(ctx, other, p.ID); err != nil {
						return fmt.Errorf("like of post %d: %w", p.ID, err)
					}
				}
				if r.IntN(5) == 0 {
					if _, err := f.Feed.Comment(ctx, other, p.ID, demoComments[r.IntN(len(demoComments))]); err != nil {
						return fmt.Errorf("comment on post %d: %w", p.ID, err)
					}
				}
			}
		}
	}
	return nil
}
