// Command migrate applies the site's pending schema migrations and exits.
// Argo CD runs it as a hook Job after the database is up and before the
// services roll out; the local stack runs it before starting them.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/migration"
	"github.com/kin-social/kin/svc/internal/server"
)

func main() {
	server.Main("migrate", run)
}

func run(ctx context.Context, log *slog.Logger) error {
	r := config.FromEnv()
	dbc := configure(r)
	if err := r.Err(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	// The database may still be starting; wait for it, but not forever,
	// so a misconfigured Job fails visibly.
	octx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	conn, err := db.Open(octx, dbc, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	done, err := migration.Apply(ctx, conn, log)
	if err != nil {
		return err
	}
	log.Info("schema up to date", "applied", len(done))
	return nil
}

// configure reads the environment: only how to reach the database. Every
// variable migrate reads is read here, so that env_test.go can compare them
// with what gen renders for it.
func configure(r *config.Reader) config.DB {
	return r.DB()
}
