// Command frontend serves Kin's web client: the page shell for every page
// path and the stylesheets, scripts and images under content-hashed names,
// all embedded in the binary. It needs no database; its only setting is
// KIN_LISTEN.
package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/kin-social/kin/svc/frontend/web"
	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/server"
)

func main() {
	server.Main("frontend", run)
}

func run(ctx context.Context, log *slog.Logger) error {
	r := config.FromEnv()
	listen := configure(r)
	if err := r.Err(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	client, err := web.New()
	if err != nil {
		return err
	}
	log.Info("assets hashed", "files", len(client.Assets().Names()))
	srv := &server.Server{Addr: listen, Handler: client, Log: log}
	return srv.Run(ctx)
}

// configure reads the environment: only the address to serve on. Every
// variable frontend reads is read here, so that env_test.go can compare them
// with what gen renders for it.
func configure(r *config.Reader) (listen string) {
	return r.Listen()
}
