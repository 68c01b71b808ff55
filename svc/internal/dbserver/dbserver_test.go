package dbserver

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/internal/db"
)

// A throwaway server starts from PATH, takes a database and a table, and
// leaves nothing behind when stopped.
func TestStartStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx)
	if errors.Is(err, ErrNotFound) && os.Getenv("KIN_REQUIRE_DB") != "1" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	admin, err := db.Open(ctx, s.Config(""), nil)
	if err != nil {
		s.Stop()
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE kin"); err != nil {
		t.Error(err)
	}
	admin.Close()
	conn, err := db.Open(ctx, s.Config("kin"), nil)
	if err != nil {
		s.Stop()
		t.Fatal(err)
	}
	if _, err := conn.Exec("CREATE TABLE t (s VARCHAR(10)) ENGINE=InnoDB"); err != nil {
		t.Error(err)
	}
	var coll string
	if err := conn.QueryRow("SELECT @@collation_database").Scan(&coll); err != nil || coll != "utf8mb4_unicode_ci" {
		t.Errorf("database collation %q (%v), want utf8mb4_unicode_ci", coll, err)
	}
	conn.Close()

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.dir); !os.IsNotExist(err) {
		t.Errorf("data directory %s still there after Stop (%v)", s.dir, err)
	}
	if s.cmd.ProcessState == nil {
		t.Error("server process still running after Stop")
	}
}

// Servers started at the same time each get their own directory, socket
// and port: none fails because another took what it needed. (Before each
// server had its own everything, 8 to 10 of 24 concurrent starts failed.)
func TestConcurrentStarts(t *testing.T) {
	n := 24
	if testing.Short() {
		n = 4
	}
	if _, _, err := find(); errors.Is(err, ErrNotFound) && os.Getenv("KIN_REQUIRE_DB") != "1" {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	type result struct {
		s   *Server
		err error
	}
	results := make(chan result, n)
	start := time.Now()
	for range n {
		go func() {
			s, err := Start(ctx)
			results <- result{s, err}
		}()
	}
	var servers []*Server
	failed := 0
	for range n {
		r := <-results
		if r.err != nil {
			failed++
			t.Errorf("concurrent start: %v", r.err)
			continue
		}
		servers = append(servers, r.s)
	}
	t.Logf("%d concurrent starts in %v, %d failed", n, time.Since(start).Round(time.Millisecond), failed)
	defer func() {
		for _, s := range servers {
			if err := s.Stop(); err != nil {
				t.Error(err)
			}
		}
	}()
	seen := map[string]bool{}
	for _, s := range servers {
		if seen[s.Addr] || seen[s.dir] {
			t.Errorf("two servers share %s or %s", s.Addr, s.dir)
		}
		seen[s.Addr], seen[s.dir] = true, true
		// Each answers as itself: a table made in one is not in another.
		conn, err := db.Open(ctx, s.Config(""), nil)
		if err != nil {
			t.Errorf("connect to %s: %v", s.Addr, err)
			continue
		}
		var dir string
		if err := conn.QueryRowContext(ctx, "SELECT @@datadir").Scan(&dir); err != nil {
			t.Errorf("ask %s for its data directory: %v", s.Addr, err)
		} else if !strings.HasPrefix(dir, s.dir) {
			t.Errorf("%s serves data directory %s, want one under %s", s.Addr, dir, s.dir)
		}
		conn.Close()
	}
}

// A port taken between finding it free and the server binding it is
// retried on another port, whether the taker is a plain listener (the
// server fails to bind) or another database server (which would answer the
// readiness check in its place).
func TestPortTaken(t *testing.T) {
	if _, _, err := find(); errors.Is(err, ErrNotFound) && os.Getenv("KIN_REQUIRE_DB") != "1" {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	other, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, otherPort, _ := net.SplitHostPort(other.Addr)
	taken := []int{ln.Addr().(*net.TCPAddr).Port, mustAtoi(t, otherPort)}
	calls := 0
	pickPort = func() (int, error) {
		calls++
		if len(taken) > 0 {
			p := taken[0]
			taken = taken[1:]
			return p, nil
		}
		return freePort()
	}
	defer func() { pickPort = freePort }()
	s, err := Start(ctx)
	if err != nil {
		t.Fatalf("start with the first ports taken: %v", err)
	}
	defer s.Stop()
	if calls != 3 {
		t.Errorf("picked a port %d times, want 3 (two taken, then a free one)", calls)
	}
	if s.Addr == other.Addr || s.Addr == ln.Addr().String() {
		t.Errorf("server at %s, a taken address", s.Addr)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
