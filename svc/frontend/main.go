// Command frontend serves Kin's web client: the page shell for every page
// path and the stylesheets, scripts and images under content-hashed names,
// all embedded in the binary. It needs no database; its only setting is
// KIN_LISTEN.
package main

import (
	"context"
	"log/slog"

	"github.com/kin-social/kin/svc/frontend/web"
	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/server"
)

func main() {
	server.Main("frontend", run)
}

func run(ctx context.Context, log *slog.Logger) error {
	cfg := config.FromEnv()
	listen := cfg.Listen()
	if err := cfg.Err(); err != nil {
		return err
	}
	client, err := web.New()
	if err != nil {
		return err
	}
	log.Info("assets hashed", "files", len(client.Assets().Names()))
	srv := &server.Server{Addr: listen, Handler: client, Log: log}
	return srv.Run(ctx)
}
