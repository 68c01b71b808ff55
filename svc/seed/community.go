package main

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/password"
)

// Sizes says how large a community to write.
type Sizes struct {
	People       int
	Friendships  int // rows: two per pair of friends
	BenchFriends int // friends of person 1
	Posts        int
	Likes        int
	Comments     int
	Seed         uint64
}

// Counts is how many rows Seed wrote per table.
type Counts map[string]int

func (c Counts) String() string {
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(c)) {
		parts = append(parts, fmt.Sprintf("%d %s", c[t], t))
	}
	return strings.Join(parts, ", ")
}

// Password is every seeded person's password.
const Password = "seed password"

// epoch is the "now" of a seeded community, fixed so that one seed always
// makes the same rows: everything in it happened in the three years before.
var epoch = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Seed writes a community of the sizes into conn, whose schema must be
// migrated and whose tables must be empty, calling progress after each
// table. The same sizes and seed write the same rows.
func Seed(ctx context.Context, conn *sql.DB, sz Sizes, progress func(table string, rows int, took time.Duration)) (Counts, error) {
	if sz.People < 2 || sz.BenchFriends >= sz.People || sz.Friendships%2 != 0 || sz.Friendships/2 < sz.BenchFriends {
		return nil, fmt.Errorf("sizes %+v: want at least 2 people, fewer bench friends than people, an even number of friendship rows of at least twice the bench friends", sz)
	}
	g := &generator{sz: sz}
	counts := Counts{}
	step := func(table string, f func() (int, error)) error {
		start := time.Now()
		n, err := f()
		if err != nil {
			return fmt.Errorf("seed %s: %w", table, err)
		}
		counts[table] = n
		if progress != nil {
			progress(table, n, time.Since(start))
		}
		return nil
	}
	if err := step("users", func() (int, error) { return g.people(ctx, conn) }); err != nil {
		return counts, err
	}
	if err := step("friendships", func() (int, error) { return g.friendships(ctx, conn) }); err != nil {
		return counts, err
	}
	// Likes and comments are drawn first, so that each post is written
	// with the counts of what it got.
	likes := g.likes()
	nComments := make([]uint32, g.sz.Posts)
	for i := range g.sz.Comments {
		nComments[g.commentPost(i)]++
	}
	nLikes := make([]uint32, g.sz.Posts)
	for _, k := range likes {
		nLikes[k>>userBits]++
	}
	if err := step("posts", func() (int, error) { return g.posts(ctx, conn, nLikes, nComments) }); err != nil {
		return counts, err
	}
	if err := step("post_likes", func() (int, error) { return g.writeLikes(ctx, conn, likes) }); err != nil {
		return counts, err
	}
	if err := step("comments", func() (int, error) { return g.comments(ctx, conn) }); err != nil {
		return counts, err
	}
	return counts, nil
}

// generator makes the rows. Each row's randomness comes from the seed and
// the row's index alone, so rows can be made by several workers at once
// and still be the same on every run.
type generator struct {
	sz Sizes
}

// rnd returns a random number for row i of stream (a table or a column).
func (g *generator) rnd(stream, i uint64) uint64 {
	return splitmix(g.sz.Seed ^ splitmix(stream<<40^i))
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Streams of randomness.
const (
	sFirst uint64 = iota + 1
	sLast
	sCity
	sHeadline
	sJoined
	sWeight
	sBefriended
	sAuthor
	sVisibility
	sText
	sPopular
	sLiker
	sLiked
	sCommentPost
	sCommenter
	sCommented
)

// pick returns one of list for row i of stream.
func (g *generator) pick(list []string, stream, i uint64) string {
	return list[g.rnd(stream, i)%uint64(len(list))]
}

// Names and places with accents, other scripts and common prefixes, so that
// search is measured on text like a real community's.
var (
	firstNames = []string{"Ann", "Anna", "Annette", "Ada", "Alan", "Grace", "José", "Zoë", "Björn", "Chloé",
		"Mohammed", "Fatima", "Li", "Wei", "Yuki", "Hiro", "Olga", "Иван", "Мария", "Søren", "Ingrid",
		"Kwame", "Amara", "Priya", "Ravi", "Lucía", "Mateo", "Noah", "Emma", "Liam", "Olivia", "Ahmed",
		"Sofia", "Élodie", "François", "Giulia", "Marco", "Nina", "Tomás", "Zainab"}
	lastNames = []string{"Smith", "Smithers", "Lovelace", "Hopper", "Turing", "García", "Müller", "Dubois",
		"Rossi", "Kowalski", "Novák", "Nguyen", "Kim", "Tanaka", "Sato", "Ivanova", "Петров", "Andersen",
		"Okafor", "Mensah", "Patel", "Sharma", "Fernández", "Silva", "Johansson", "Brown", "Wilson",
		"Chen", "Wang", "Haddad", "Yilmaz", "O'Brien", "Łukasz", "Søndergaard", "Zhou"}
	cities    = []string{"Lyon", "London", "Berlin", "São Paulo", "Kraków", "Zürich", "Tokyo", "Lagos", "Pune", "Montréal", "Reykjavík", "Oslo", "Madrid", "Chicago", ""}
	headlines = []string{"Gardener", "Software engineer", "Nurse", "Teacher at the village school", "Baker & pastry chef",
		"Student", "Product manager", "Carpenter", "Photographer", "Retired", "Data scientist", "Musician", ""}
)

// people writes sz.People people, ids 1..People.
func (g *generator) people(ctx context.Context, conn *sql.DB) (int, error) {
	// One hash for everyone: argon2id takes tens of milliseconds, and the
	// password is the same anyway.
	hash, err := password.NewHasher(password.DefaultParams, 1).Hash(ctx, Password)
	if err != nil {
		return 0, err
	}
	cols := []string{"id", "email", "email_key", "password_hash", "display_name", "headline", "about", "city",
		"birthday_visibility", "created_at", "updated_at"}
	err = bulk(ctx, conn, "users", cols, g.sz.People, func(i int, row []any) {
		id := uint64(i + 1)
		email := fmt.Sprintf("person%d@seed.kin.test", id)
		joined := epoch.Add(-time.Duration(g.rnd(sJoined, id)%uint64(3*365*24*3600)) * time.Second)
		row[0], row[1], row[2], row[3] = id, email, []byte(account.CanonicalEmail(email)), hash
		row[4] = g.pick(firstNames, sFirst, id) + " " + g.pick(lastNames, sLast, id)
		row[5], row[6], row[7] = g.pick(headlines, sHeadline, id), "", g.pick(cities, sCity, id)
		row[8], row[9], row[10] = account.Private, joined, joined
	})
	return g.sz.People, err
}

// friendships writes sz.Friendships rows, two per pair of friends. Person
// 1 has exactly sz.BenchFriends friends; everyone else's number of friends
// follows a weight drawn from a Pareto distribution (α = 1.6, capped), so
// that most have a few dozen and a few have thousands.
func (g *generator) friendships(ctx context.Context, conn *sql.DB) (int, error) {
	pairs := g.pairs()
	// Both directions of each pair, in primary-key order: InnoDB then
	// appends to the primary key and to friendships_list, both led by
	// user_id, instead of splitting pages all over them (ten times faster
	// at five million rows).
	type edge struct {
		user, friend uint64
		pair         int
	}
	edges := make([]edge, 0, 2*len(pairs))
	for k, p := range pairs {
		edges = append(edges, edge{p.a, p.b, k}, edge{p.b, p.a, k})
	}
	slices.SortFunc(edges, func(x, y edge) int {
		if x.user != y.user {
			return cmp.Compare(x.user, y.user)
		}
		return cmp.Compare(x.friend, y.friend)
	})
	cols := []string{"user_id", "friend_id", "created_at"}
	err := bulk(ctx, conn, "friendships", cols, len(edges), func(i int, row []any) {
		e := edges[i]
		at := epoch.Add(-time.Duration(g.rnd(sBefriended, uint64(e.pair))%uint64(2*365*24*3600)) * time.Second)
		row[0], row[1], row[2] = e.user, e.friend, at
	})
	return len(edges), err
}

type pair struct{ a, b uint64 } // a < b

// pairs draws the pairs of friends: person 1's first, then the others',
// each end drawn in proportion to the person's weight.
func (g *generator) pairs() []pair {
	n := g.sz.People
	want := g.sz.Friendships / 2
	r := rand.New(rand.NewPCG(g.sz.Seed, 0x6b696e)) // "kin"
	seen := make(map[pair]struct{}, want)
	pairs := make([]pair, 0, want)
	add := func(a, b uint64) {
		if a == b {
			return
		}
		if a > b {
			a, b = b, a
		}
		p := pair{a, b}
		if _, ok := seen[p]; ok {
			return
		}
		seen[p] = struct{}{}
		pairs = append(pairs, p)
	}
	for len(pairs) < g.sz.BenchFriends {
		add(1, 2+r.Uint64N(uint64(n-1)))
	}
	// Cumulative weights of people 2..n; person 1 takes no more friends.
	cum := make([]float64, n-1)
	total := 0.0
	for i := range cum {
		u := float64(g.rnd(sWeight, uint64(i+2))>>11) / (1 << 53)
		w := math.Min(math.Pow(1-u, -1/1.6), 120) // Pareto, x_min 1
		total += w
		cum[i] = total
	}
	draw := func() uint64 {
		x := r.Float64() * total
		i, _ := slices.BinarySearch(cum, x)
		return uint64(min(i, len(cum)-1) + 2)
	}
	for len(pairs) < want {
		add(draw(), draw())
	}
	return pairs
}

// The posts: post i+1 (0-based i) is written at postTime(i), ids in time
// order as AUTO_INCREMENT gives them, over the year before epoch.
func (g *generator) postTime(i int) time.Time {
	span := 365 * 24 * time.Hour
	return epoch.Add(-span + time.Duration(float64(span)*float64(i)/float64(g.sz.Posts)))
}

// weighted returns a draw in [0, n) skewed towards low values by a Pareto
// weight: a few posts get most likes, a few people write most posts.
// The favoured values are then scattered over [0, n) by a bijection, so
// that popular posts and busy authors are not all the oldest ones.
func weighted(r uint64, n int) int {
	u := float64(r>>11) / (1 << 53)
	x := math.Pow(1-u, -1/1.2) - 1 // Pareto (x_min 1) shifted to 0
	k := uint64(math.Mod(x*float64(n)/200, float64(n)))
	return int(k * scatter(n) % uint64(n))
}

// scatter returns a about 0.618·n with no factor in common with n, so
// that k ↦ k·a mod n is a bijection of [0, n) sending neighbours far apart.
func scatter(n int) uint64 {
	a := uint64(0.6180339887*float64(n)) | 1
	for gcd(a, uint64(n)) != 1 {
		a += 2
	}
	return a
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// author returns the author of post i: active people write more.
func (g *generator) author(i int) uint64 {
	return uint64(weighted(g.rnd(sAuthor, uint64(i)), g.sz.People)) + 1
}

var words = strings.Fields(`the a garden tomatoes bread market today yesterday weekend
	friends family photo trip mountain lake city music concert book read work project team
	new old great tiny huge morning evening coffee tea rain sun snow école café naïve
	Zürich kraków <b>bold</b> ' OR 1=1 -- & © 😀 ünïcödé 東京 город`)

// text returns sentences for row i of stream, sometimes with a link.
func (g *generator) text(stream uint64, i int, maxWords int) string {
	r := g.rnd(stream, uint64(i))
	n := 3 + int(r%uint64(maxWords))
	var b strings.Builder
	for w := range n {
		if w > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[splitmix(r+uint64(w))%uint64(len(words))])
	}
	if r%7 == 0 {
		fmt.Fprintf(&b, " https://example.org/notes/%d", r%10000)
	}
	return b.String()
}

func (g *generator) posts(ctx context.Context, conn *sql.DB, nLikes, nComments []uint32) (int, error) {
	cols := []string{"id", "author_id", "kind", "wall_kind", "visibility", "text", "created_at", "like_count", "comment_count"}
	err := bulk(ctx, conn, "posts", cols, g.sz.Posts, func(i int, row []any) {
		vis := "public"
		switch v := g.rnd(sVisibility, uint64(i)) % 20; {
		case v < 7:
			vis = "friends"
		case v == 7:
			vis = "only_me"
		}
		row[0], row[1], row[2], row[3], row[4] = i+1, g.author(i), "post", "user", vis
		row[5], row[6], row[7], row[8] = g.text(sText, i, 40), g.postTime(i), nLikes[i], nComments[i]
	})
	return g.sz.Posts, err
}

// userBits is how many low bits of a like's key hold the person's id.
const userBits = 24

// likes draws sz.Likes distinct (post, person) pairs, popular posts
// getting most, as keys post<<userBits | person, in primary-key order.
func (g *generator) likes() []uint64 {
	seen := make(map[uint64]struct{}, g.sz.Likes)
	keys := make([]uint64, 0, g.sz.Likes)
	for i := uint64(0); len(keys) < g.sz.Likes; i++ {
		post := uint64(weighted(g.rnd(sPopular, i), g.sz.Posts))
		person := g.rnd(sLiker, i)%uint64(g.sz.People) + 1
		k := post<<userBits | person
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (g *generator) writeLikes(ctx context.Context, conn *sql.DB, keys []uint64) (int, error) {
	cols := []string{"post_id", "user_id", "created_at"}
	err := bulk(ctx, conn, "post_likes", cols, len(keys), func(i int, row []any) {
		post, person := int(keys[i]>>userBits), keys[i]&(1<<userBits-1)
		row[0], row[1], row[2] = post+1, person, g.after(g.postTime(post), sLiked, i)
	})
	return len(keys), err
}

// after returns a time up to a week after t, not after epoch.
func (g *generator) after(t time.Time, stream uint64, i int) time.Time {
	t = t.Add(time.Duration(g.rnd(stream, uint64(i))%uint64(7*24*3600)) * time.Second)
	if t.After(epoch) {
		return epoch
	}
	return t
}

// commentPost returns the 0-based post that comment i is on.
func (g *generator) commentPost(i int) int {
	return weighted(g.rnd(sCommentPost, uint64(i)), g.sz.Posts)
}

func (g *generator) comments(ctx context.Context, conn *sql.DB) (int, error) {
	cols := []string{"id", "post_id", "author_id", "text", "created_at"}
	err := bulk(ctx, conn, "comments", cols, g.sz.Comments, func(i int, row []any) {
		post := g.commentPost(i)
		row[0], row[1] = i+1, post+1
		row[2] = g.rnd(sCommenter, uint64(i))%uint64(g.sz.People) + 1
		row[3], row[4] = g.text(sCommenter, i, 15), g.after(g.postTime(post), sCommented, i)
	})
	return g.sz.Comments, err
}

// bulk writes n rows into table with multi-row INSERTs of up to 1000 rows,
// over a few connections at once, each with foreign-key checks off (the
// rows are valid by construction). Unique checks stay on: with both off,
// MariaDB loads an empty table in bulk under a table lock, which
// concurrent writers deadlock on. row fills the values of row i,
// in the order of cols; it is called from several goroutines.
func bulk(ctx context.Context, conn *sql.DB, table string, cols []string, n int, row func(i int, dst []any)) error {
	const (
		batch   = 1000
		workers = 3
	)
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	jobs := make(chan int)
	errc := make(chan error, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			c, err := conn.Conn(ctx)
			if err != nil {
				errc <- err
				cancel()
				return
			}
			defer c.Close()
			if _, err := c.ExecContext(ctx, "SET SESSION foreign_key_checks = 0"); err != nil {
				errc <- err
				cancel()
				return
			}
			var q strings.Builder
			args := make([]any, 0, batch*len(cols))
			for start := range jobs {
				end := min(start+batch, n)
				q.Reset()
				q.WriteString(head)
				args = args[:0]
				for i := start; i < end; i++ {
					if i > start {
						q.WriteString(", ")
					}
					q.WriteString(tuple)
					vals := make([]any, len(cols))
					row(i, vals)
					args = append(args, vals...)
				}
				// Concurrent batches can deadlock on a secondary index's gap
				// locks; a batch is one statement, so it is simply run again.
				for attempt := 1; ; attempt++ {
					_, err = c.ExecContext(ctx, q.String(), args...)
					if err == nil || !db.IsRetryable(err) || attempt == 5 {
						break
					}
				}
				if err != nil {
					errc <- fmt.Errorf("insert rows %d to %d: %w", start, end, err)
					cancel()
					return
				}
			}
		})
	}
feed:
	for start := 0; start < n; start += batch {
		select {
		case jobs <- start:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	return ctx.Err()
}
