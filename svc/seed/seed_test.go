package main

import (
	"context"
	"slices"
	"testing"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/internal/dbtest"
	"github.com/kin-social/kin/svc/internal/password"
	"github.com/kin-social/kin/svc/internal/session"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var small = Sizes{People: 300, Friendships: 6000, BenchFriends: 40, Posts: 2000, Likes: 8000, Comments: 3000, Seed: 7}

// TestSeed writes a small community and checks it against the features'
// rules, which the seeder does not go through: friendships both ways and
// never with oneself, person 1's exact number of friends, skew, and the
// posts' counts equal to their likes and comments.
func TestSeed(t *testing.T) {
	conn := dbtest.New(t)
	ctx := context.Background()
	counts, err := Seed(ctx, conn, small, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Counts{"users": 300, "friendships": 6000, "posts": 2000, "post_likes": 8000, "comments": 3000}
	for table, n := range want {
		var got int
		if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != n || counts[table] != n {
			t.Errorf("%s: %d rows (reported %d), want %d", table, got, counts[table], n)
		}
	}
	for _, c := range []struct {
		what  string
		query string
		want  int
	}{
		{"friendships without their other direction", `SELECT COUNT(*) FROM friendships f
			LEFT JOIN friendships r ON r.user_id = f.friend_id AND r.friend_id = f.user_id WHERE r.user_id IS NULL`, 0},
		{"friendships with oneself", `SELECT COUNT(*) FROM friendships WHERE user_id = friend_id`, 0},
		{"friends of person 1", `SELECT COUNT(*) FROM friendships WHERE user_id = 1`, small.BenchFriends},
		{"posts whose like_count is not their likes", `SELECT COUNT(*) FROM posts p
			WHERE like_count <> (SELECT COUNT(*) FROM post_likes l WHERE l.post_id = p.id)`, 0},
		{"posts whose comment_count is not their comments", `SELECT COUNT(*) FROM posts p
			WHERE comment_count <> (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id)`, 0},
		{"likes before their post", `SELECT COUNT(*) FROM post_likes l JOIN posts p ON p.id = l.post_id WHERE l.created_at < p.created_at`, 0},
		{"comments before their post", `SELECT COUNT(*) FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.created_at < p.created_at`, 0},
		{"rows pointing at nobody", `SELECT (SELECT COUNT(*) FROM friendships WHERE friend_id NOT IN (SELECT id FROM users))
			+ (SELECT COUNT(*) FROM posts WHERE author_id NOT IN (SELECT id FROM users))
			+ (SELECT COUNT(*) FROM post_likes WHERE user_id NOT IN (SELECT id FROM users))`, 0},
	} {
		var got int
		if err := conn.QueryRowContext(ctx, c.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	// Skewed as real networks are: the best-connected person has several
	// times the mean number of friends.
	var most, mean float64
	if err := conn.QueryRowContext(ctx, `SELECT MAX(n), AVG(n) FROM (SELECT COUNT(*) n FROM friendships WHERE user_id <> 1 GROUP BY user_id) t`).Scan(&most, &mean); err != nil {
		t.Fatal(err)
	}
	if most < 4*mean {
		t.Errorf("most friends %v, mean %v: want a skewed distribution (most ≥ 4 × mean)", most, mean)
	}
	// A seeded person signs in with the seed password through the
	// account rules, under the canonical address the seeder stored.
	accounts := account.New(conn, password.NewHasher(password.DefaultParams, 1), session.NewStore(conn))
	u, err := accounts.Authenticate(ctx, "Person7@seed.kin.test", Password)
	if err != nil || u.ID != 7 {
		t.Errorf("sign in as person 7: user %d, %v", u.ID, err)
	}
}

// TestPairsDeterministic checks that one seed makes one community.
func TestPairsDeterministic(t *testing.T) {
	a := (&generator{sz: small}).pairs()
	b := (&generator{sz: small}).pairs()
	if !slices.Equal(a, b) {
		t.Error("two runs with one seed drew different friendships")
	}
	other := small
	other.Seed++
	if slices.Equal(a, (&generator{sz: other}).pairs()) {
		t.Error("another seed drew the same friendships")
	}
}
