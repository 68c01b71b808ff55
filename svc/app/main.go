// Command app serves Kin's JSON API under /api/v1/: accounts, sessions,
// profiles, friends, blocks, notifications, posts and feeds, and people
// search (see API.md), and answers a listing server's liveness check at
// /cgi-bin/system.cgi. It is wiring only: each feature (account, friend,
// notify, feed, search, ...) is a package with its store, its rules and
// its routes.
//
// Configuration (environment): KIN_LISTEN (default :8080), KIN_DOMAIN,
// KIN_DB_ADDR, KIN_DB_NAME, KIN_DB_USER, KIN_DB_PASSWORD, and
// KIN_CAPTCHA_URL, the captcha service's base URL (http://captcha:8080).
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/app/captcha"
	"github.com/kin-social/kin/svc/app/features"
	"github.com/kin-social/kin/svc/app/feed"
	"github.com/kin-social/kin/svc/app/friend"
	"github.com/kin-social/kin/svc/app/listing"
	"github.com/kin-social/kin/svc/app/notify"
	"github.com/kin-social/kin/svc/app/search"
	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/password"
	"github.com/kin-social/kin/svc/internal/server"
	"github.com/kin-social/kin/svc/internal/session"
)

func main() { server.Main("app", run) }

// settings is the app's configuration.
type settings struct {
	listen     string
	db         config.DB
	captchaURL string
}

// configure reads all of the app's environment.
func configure(env *config.Reader) (settings, error) {
	s := settings{listen: env.Listen()}
	env.Domain() // required of every service; the app has no use for it yet
	s.db = env.DB()
	s.captchaURL = env.Required("KIN_CAPTCHA_URL", "http://captcha:8080", config.HTTPURL)
	if err := env.Err(); err != nil {
		return settings{}, fmt.Errorf("configuration: %w", err)
	}
	return s, nil
}

func run(ctx context.Context, log *slog.Logger) error {
	cfg, err := configure(config.FromEnv())
	if err != nil {
		return err
	}
	conn, err := db.Open(ctx, cfg.db, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	a, err := newApp(ctx, conn, cfg.captchaURL, log)
	if err != nil {
		return err
	}
	if n, err := a.accounts.Recanonicalize(ctx, log); err != nil {
		return fmt.Errorf("canonicalize old addresses: %w", err)
	} else if n > 0 {
		log.Info("canonicalized old addresses", "count", n)
	}
	if n, err := a.search.Backfill(ctx, log); err != nil {
		return fmt.Errorf("index people for search: %w", err)
	} else if n > 0 {
		log.Info("indexed people for search", "count", n)
	}
	go a.sessions.Sweep(ctx, time.Hour, log)
	return a.server(cfg.listen).Run(ctx)
}

// app is the wired app: what main serves and the tests reach into.
type app struct {
	db       *sql.DB
	accounts *account.Service
	guard    *account.Guard
	sessions *session.Store
	friends  *friend.Service
	notes    *notify.Service
	feed     *feed.Service
	search   *search.Service
	log      *slog.Logger
}

// newApp returns the app on db, asking the captcha service at captchaURL.
// main and the tests build it the same way.
func newApp(ctx context.Context, conn *sql.DB, captchaURL string, log *slog.Logger) (*app, error) {
	// Each hash holds 19 MiB and a core for tens of milliseconds: one per
	// core keeps the CPU busy without queuing memory.
	f, err := features.New(ctx, conn, password.NewHasher(password.DefaultParams, runtime.GOMAXPROCS(0)))
	if err != nil {
		return nil, err
	}
	return &app{
		db:       conn,
		accounts: f.Accounts,
		guard:    account.NewGuard(f.Accounts, captcha.New(captchaURL)),
		sessions: f.Sessions,
		friends:  f.Friends,
		notes:    f.Notes,
		feed:     f.Feed,
		search:   f.Search,
		log:      log,
	}, nil
}

// server returns the platform server that serves the app on addr, with
// /readyz pinging the database.
func (a *app) server(addr string) *server.Server {
	return &server.Server{Addr: addr, Handler: a.routes(), Ready: a.db.PingContext, Log: a.log}
}

// routes returns every feature's routes. A path answers the methods no
// feature serves on it with a JSON 405 naming the ones it does, and unknown
// paths get a JSON 404. API routes give a visitor without a sessid cookie
// an anonymous one.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	// Several features may serve one path with different methods (GET and
	// PUT of one resource), so the 405 of a path is added once, at the end.
	var paths []string
	methods := make(map[string][]string)
	route := func(method, path string, h http.Handler) {
		if strings.HasPrefix(path, "/api/") {
			h = session.Anonymous(h)
		}
		mux.Handle(method+" "+path, h)
		if methods[path] == nil {
			paths = append(paths, path)
		}
		methods[path] = append(methods[path], method)
	}
	(&account.Routes{Accounts: a.accounts, Guard: a.guard, Sessions: a.sessions, Relations: a.friends}).Add(route)
	(&friend.Routes{Friends: a.friends, Sessions: a.sessions}).Add(route)
	(&notify.Routes{Notes: a.notes, Sessions: a.sessions}).Add(route)
	(&feed.Routes{Feed: a.feed, Sessions: a.sessions}).Add(route)
	(&search.Routes{Search: a.search, Sessions: a.sessions}).Add(route)
	listing.Add(route)
	// The 405s are registered per method, not as one pattern for the
	// path: a method-less "/api/v1/friends/requests" would conflict with
	// "DELETE /api/v1/friends/{user_id}" (neither is more specific). HEAD
	// is left out for paths with wildcards, whose HEAD pattern would
	// conflict with a literal path's GET ("HEAD /api/v1/friends/{user_id}"
	// and "GET /api/v1/friends/requests").
	for _, p := range paths {
		h := methodNotAllowed(methods[p])
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
			switch {
			case slices.Contains(methods[p], m):
			case m == "HEAD" && (slices.Contains(methods[p], "GET") || strings.Contains(p, "{")):
			default:
				mux.Handle(m+" "+p, h)
			}
		}
	}
	mux.Handle("/", server.Handle(func(w http.ResponseWriter, r *http.Request) error {
		return server.Errorf(http.StatusNotFound, "no such API path: see the API's documentation")
	}))
	return mux
}

// methodNotAllowed answers a request whose method the path does not serve,
// naming in Allow (and the message) the methods it does.
func methodNotAllowed(methods []string) http.Handler {
	var allow []string
	for _, m := range methods {
		allow = append(allow, m)
		if m == http.MethodGet {
			allow = append(allow, http.MethodHead) // ServeMux serves HEAD with GET
		}
	}
	list := strings.Join(allow, ", ")
	return server.Handle(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", list)
		return server.Errorf(http.StatusMethodNotAllowed, "use %s for %s", strings.Join(methods, " or "), r.URL.Path)
	})
}
