// Command domainname stores and serves the site's domain name:
//
//	GET  /api/v1/domain  the recorded domain as text (KIN_DOMAIN until one is recorded)
//	POST /api/v1/domain  records the host the request was sent to
//
// The web client posts once per browser session, so the site learns the
// name people actually reach it by. Only KIN_DOMAIN and KIN_DOMAIN_ALIASES
// are ever recorded: a request with any other Host header gets 403, so a
// forged header cannot redirect the site's name elsewhere. The value lives
// in the database, so every replica answers the same.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/server"
)

func main() {
	server.Main("domainname", func(ctx context.Context, log *slog.Logger) error {
		return run(ctx, log, os.LookupEnv)
	})
}

// run reads the configuration, connects to the database and serves until
// ctx ends.
func run(ctx context.Context, log *slog.Logger, lookup func(string) (string, bool)) error {
	r := config.New(lookup)
	cfg := configure(r)
	if err := r.Err(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	conn, err := db.Open(ctx, cfg.db, log)
	if err != nil {
		return err
	}
	defer conn.Close()

	svc := newService(conn, cfg.domain, cfg.aliases)
	srv := &server.Server{Addr: cfg.listen, Handler: svc.routes(), Ready: conn.PingContext, Log: log}
	return srv.Run(ctx)
}

// settings are what domainname reads from its environment.
type settings struct {
	listen  string
	domain  string
	aliases []string // the other host names the site may be recorded as
	db      config.DB
}

// configure reads the environment. Every variable domainname reads is read
// here, so that env_test.go can compare them with what gen renders for it.
func configure(r *config.Reader) settings {
	return settings{
		listen:  r.Listen(),
		domain:  r.Domain(),
		aliases: r.List("KIN_DOMAIN_ALIASES", config.DNSName),
		db:      r.DB(),
	}
}
