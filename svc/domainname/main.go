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
	listen := r.Listen()
	domain := r.Domain()
	aliases := r.List("KIN_DOMAIN_ALIASES", config.DNSName)
	dbc := r.DB()
	if err := r.Err(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	conn, err := db.Open(ctx, dbc, log)
	if err != nil {
		return err
	}
	defer conn.Close()

	svc := newService(conn, domain, aliases)
	srv := &server.Server{Addr: listen, Handler: svc.routes(), Ready: conn.PingContext, Log: log}
	return srv.Run(ctx)
}
