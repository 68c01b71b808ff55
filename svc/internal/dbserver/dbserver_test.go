package dbserver

import (
	"context"
	"errors"
	"os"
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
