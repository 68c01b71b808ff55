// Package dbtest gives tests a fresh, migrated database on a real server:
// the one KIN_TEST_DSN names (such as root@tcp(127.0.0.1:3306)/), or else a
// throwaway server started from PATH. With neither, tests skip with a
// one-line reason, or fail when KIN_REQUIRE_DB=1 (CI).
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/dbserver"
	"github.com/kin-social/kin/svc/internal/migration"
)

var (
	once    sync.Once
	server  config.DB // Addr, User, Password of the server; Name empty
	started *dbserver.Server
	initErr error
)

// Main runs the package's tests, stops the throwaway server if one was
// started, and exits. Call it from TestMain: `func TestMain(m *testing.M) {
// dbtest.Main(m) }`.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main for a TestMain with more to clean up: it runs the tests,
// stops the throwaway server and returns the exit code.
func Run(m *testing.M) int {
	code := m.Run()
	if started != nil {
		started.Stop()
	}
	return code
}

func setup() {
	if dsn := os.Getenv("KIN_TEST_DSN"); dsn != "" {
		mc, err := mysql.ParseDSN(dsn)
		if err != nil {
			initErr = fmt.Errorf("KIN_TEST_DSN=%q: %w (want e.g. root@tcp(127.0.0.1:3306)/)", dsn, err)
			return
		}
		server = config.DB{Addr: mc.Addr, User: mc.User, Password: mc.Passwd}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := dbserver.Start(ctx)
	if err != nil {
		initErr = fmt.Errorf("no KIN_TEST_DSN and no throwaway server: %w", err)
		return
	}
	started = s
	server = s.Config("")
}

// Config creates a new empty database with every migration applied, drops
// it when the test ends, and returns how to reach it (for starting services
// as processes).
func Config(t testing.TB) config.DB {
	t.Helper()
	return create(t, true)
}

// EmptyConfig is Config without the migrations, for tests of migrating
// rows written under an older schema.
func EmptyConfig(t testing.TB) config.DB {
	t.Helper()
	return create(t, false)
}

func create(t testing.TB, migrate bool) config.DB {
	t.Helper()
	once.Do(setup)
	if initErr != nil {
		if os.Getenv("KIN_REQUIRE_DB") == "1" {
			t.Fatalf("database required (KIN_REQUIRE_DB=1): %v", initErr)
		}
		t.Skipf("skipping database test: %v", initErr)
	}
	var b [6]byte
	rand.Read(b[:])
	c := server
	c.Name = "kintest_" + hex.EncodeToString(b[:])

	ctx := context.Background()
	admin, err := db.Open(ctx, server, nil)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer admin.Close()
	// The name is ours (hex), so quoting it into DDL is safe; DDL takes no
	// placeholders.
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+c.Name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := db.Open(context.Background(), server, nil)
		if err != nil {
			t.Errorf("drop test database: %v", err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + c.Name + "`"); err != nil {
			t.Errorf("drop test database %s: %v", c.Name, err)
		}
	})
	if !migrate {
		return c
	}
	conn, err := db.Open(ctx, c, nil)
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	defer conn.Close()
	if _, err := migration.Apply(ctx, conn, nil); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return c
}

// New returns a connection pool to a new migrated database (see Config),
// closed when the test ends.
func New(t testing.TB) *sql.DB {
	t.Helper()
	c := Config(t)
	conn, err := db.Open(context.Background(), c, nil)
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
