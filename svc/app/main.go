// Command app serves Kin's JSON API under /api/v1/: accounts, sessions and
// profiles (see API.md), and answers a listing server's liveness check at
// /cgi-bin/system.cgi.
//
// Configuration (environment): KIN_LISTEN (default :8080), KIN_DOMAIN,
// KIN_DB_ADDR, KIN_DB_NAME, KIN_DB_USER, KIN_DB_PASSWORD, and
// KIN_CAPTCHA_URL, the captcha service's base URL (http://captcha:8080).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/server"
)

func main() { server.Main("app", run) }

func run(ctx context.Context, log *slog.Logger) error {
	env := config.FromEnv()
	listen := env.Listen()
	env.Domain() // required of every service; the app has no use for it yet
	dbc := env.DB()
	captchaURL := env.Required("KIN_CAPTCHA_URL", "http://captcha:8080", config.HTTPURL)
	if err := env.Err(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	conn, err := db.Open(ctx, dbc, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	a := newApp(conn, captchaURL, log)
	go a.sweepSessions(ctx, time.Hour)
	return a.server(listen).Run(ctx)
}

// sweepSessions deletes expired sessions every interval until ctx ends.
// Lookups already refuse and delete the expired sessions they meet; this
// removes those never presented again. Every replica sweeping is harmless:
// the DELETE is idempotent and cheap on the expires_at index.
func (a *app) sweepSessions(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := a.sessions.DeleteExpired(ctx)
			if err != nil {
				a.log.Warn("sweep expired sessions", "err", err.Error())
			} else if n > 0 {
				a.log.Info("swept expired sessions", "count", n)
			}
		}
	}
}
