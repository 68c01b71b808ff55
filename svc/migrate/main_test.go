package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/kin-social/kin/svc/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestRunReportsEveryMissingVariable(t *testing.T) {
	for _, k := range []string{"KIN_DB_ADDR", "KIN_DB_NAME", "KIN_DB_USER", "KIN_DB_PASSWORD"} {
		t.Setenv(k, "")
	}
	t.Setenv("KIN_DB_ADDR", "db")
	err := run(context.Background(), discard)
	if err == nil {
		t.Fatal("run succeeded without configuration")
	}
	for _, want := range []string{`KIN_DB_ADDR="db": want host:port`, "KIN_DB_NAME is not set", "KIN_DB_USER is not set"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// The Job runs on every sync: on an up-to-date database it must succeed
// and change nothing.
func TestRunIsIdempotent(t *testing.T) {
	c := dbtest.Config(t)
	t.Setenv("KIN_DB_ADDR", c.Addr)
	t.Setenv("KIN_DB_NAME", c.Name)
	t.Setenv("KIN_DB_USER", c.User)
	t.Setenv("KIN_DB_PASSWORD", c.Password)
	for i := range 2 {
		if err := run(context.Background(), discard); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
}
