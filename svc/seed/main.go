// Command seed writes a synthetic community into a database, to measure
// Kin at a real community's size: people, friendships whose numbers per
// person are skewed as in real networks (most people have a few dozen
// friends, some thousands), posts, likes and comments.
//
//	go run ./svc/seed -dsn 'root@tcp(127.0.0.1:3306)/' -db kin_scale
//
// It creates the database if it is missing and applies the migrations. A
// database that already holds people is left as it is (so `make
// bench-scale` seeds once and reuses the community), unless -force, which
// refuses anything but a database whose name starts with "kin_scale" or
// "kintest_", so that it cannot wipe a real site.
//
// Rows are written with multi-row INSERTs over a few connections with
// foreign-key checks off for the session: the generator makes only valid
// rows. It writes the tables directly rather than through the
// features' Go APIs, which would take hours at this size; the tests of
// this package check the result against the features' rules.
//
// Every seeded person's password is "seed password". Person 1 has exactly
// -bench-friends friends, for the benchmarks of a person with that many.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/migration"
)

func main() {
	var (
		dsn   = flag.String("dsn", os.Getenv("KIN_TEST_DSN"), "the database `server`, as a Go MySQL DSN without a database name (default $KIN_TEST_DSN)")
		name  = flag.String("db", "kin_scale", "the `database` to seed")
		force = flag.Bool("force", false, "empty the database first (only kin_scale* and kintest_* databases)")
		sz    = Sizes{}
	)
	flag.IntVar(&sz.People, "people", 100_000, "people")
	flag.IntVar(&sz.Friendships, "friendships", 5_000_000, "friendship rows (two per pair of friends)")
	flag.IntVar(&sz.BenchFriends, "bench-friends", 500, "friends of person 1")
	flag.IntVar(&sz.Posts, "posts", 1_000_000, "posts")
	flag.IntVar(&sz.Likes, "likes", 5_000_000, "likes")
	flag.IntVar(&sz.Comments, "comments", 2_000_000, "comments")
	flag.Uint64Var(&sz.Seed, "seed", 1, "random seed: the same seed makes the same community")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dsn, *name, *force, sz); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dsn, name string, force bool, sz Sizes) error {
	if dsn == "" {
		return fmt.Errorf("no database server: pass -dsn 'root@tcp(127.0.0.1:3306)/' or set KIN_TEST_DSN")
	}
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		return fmt.Errorf("-dsn %q: %w (want e.g. root@tcp(127.0.0.1:3306)/)", dsn, err)
	}
	if err := checkName(name, force); err != nil {
		return err
	}
	server := config.DB{Addr: mc.Addr, User: mc.User, Password: mc.Passwd}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	admin, err := db.Open(ctx, server, log)
	if err != nil {
		return err
	}
	defer admin.Close()
	if force {
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			return fmt.Errorf("drop %s: %w", name, err)
		}
	}
	// checkName allows only letters, digits and underscores: safe to quote into DDL.
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	target := server
	target.Name = name
	conn, err := db.Open(ctx, target, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := migration.Apply(ctx, conn, log); err != nil {
		return err
	}
	var people int
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&people); err != nil {
		return fmt.Errorf("count people: %w", err)
	}
	if people > 0 {
		fmt.Printf("seed: %s already holds %d people: leaving it as it is (-force to seed again)\n", name, people)
		return nil
	}
	start := time.Now()
	counts, err := Seed(ctx, conn, sz, func(table string, rows int, took time.Duration) {
		fmt.Printf("seed: %-12s %9d rows in %v\n", table, rows, took.Round(time.Millisecond))
	})
	if err != nil {
		return err
	}
	fmt.Printf("seed: %s: %s in %v\n", name, counts, time.Since(start).Round(time.Second))
	return nil
}

// checkName refuses database names that are not plain identifiers, and,
// with force, any that is not a scratch database.
func checkName(name string, force bool) error {
	if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
		return fmt.Errorf("-db %q: use letters, digits and underscores only", name)
	}
	if force && !strings.HasPrefix(name, "kin_scale") && !strings.HasPrefix(name, "kintest_") {
		return fmt.Errorf("-force empties the database, so it works only on databases named kin_scale* or kintest_*, not %q", name)
	}
	return nil
}
