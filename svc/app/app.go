package main

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/app/captcha"
	"github.com/kin-social/kin/svc/internal/password"
	"github.com/kin-social/kin/svc/internal/ratelimit"
	"github.com/kin-social/kin/svc/internal/server"
	"github.com/kin-social/kin/svc/internal/session"
)

// app holds what the handlers share.
type app struct {
	db       *sql.DB
	accounts *account.Service
	sessions *session.Store
	captcha  *captcha.Client
	log      *slog.Logger

	// Failed sign-ins (and wrong current passwords) are charged per client
	// address and per account; registrations per client address.
	loginIP      *ratelimit.Limiter
	loginAccount *ratelimit.Limiter
	registerIP   *ratelimit.Limiter
}

// Rate limits. An account allows 10 failed sign-ins in a row, then one a
// minute; an address 30 (a shared NAT has many users), then one every 20
// seconds; an address may register 10 accounts at once, then one every 6
// minutes. Each limiter tracks at most maxKeys keys.
const maxKeys = 50_000

// hashWait bounds how long a request waits for a password-hashing slot
// before the client is told to come back, so a flood of sign-ins queues
// briefly instead of piling up.
const hashWait = 10 * time.Second

// newApp returns the app on db, asking the captcha service at captchaURL.
// main and the tests build it the same way.
func newApp(db *sql.DB, captchaURL string, log *slog.Logger) *app {
	sessions := session.NewStore(db)
	// Each hash holds 19 MiB and a core for tens of milliseconds: one per
	// core keeps the CPU busy without queuing memory.
	hasher := password.NewHasher(password.DefaultParams, runtime.GOMAXPROCS(0))
	return &app{
		db:           db,
		accounts:     account.New(db, hasher, sessions),
		sessions:     sessions,
		captcha:      captcha.New(captchaURL),
		log:          log,
		loginIP:      ratelimit.New(30, 20*time.Second, maxKeys),
		loginAccount: ratelimit.New(10, time.Minute, maxKeys),
		registerIP:   ratelimit.New(10, 6*time.Minute, maxKeys),
	}
}

// server returns the platform server that serves the app on addr, with
// /readyz pinging the database.
func (a *app) server(addr string) *server.Server {
	return &server.Server{
		Addr:    addr,
		Handler: a.routes(),
		Ready:   a.db.PingContext,
		Log:     a.log,
	}
}

// routes returns the app's routes. Every path answers other methods with
// a JSON 405, and unknown paths get a JSON 404. API routes give a visitor
// without a sessid cookie an anonymous one.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	route := func(method, path string, h http.Handler) {
		if strings.HasPrefix(path, "/api/") {
			h = session.Anonymous(h)
		}
		mux.Handle(method+" "+path, h)
		mux.Handle(path, methodNotAllowed(method))
	}
	signedIn := func(f func(http.ResponseWriter, *http.Request) error) http.Handler {
		return a.sessions.Require(server.Handle(f))
	}
	route("GET", "/api/v1/session", server.Handle(a.getSession))
	route("POST", "/api/v1/register", server.Handle(a.register))
	route("POST", "/api/v1/login", server.Handle(a.login))
	route("POST", "/api/v1/logout", server.Handle(a.logout))
	route("GET", "/api/v1/me", signedIn(a.me))
	route("POST", "/api/v1/me/password", signedIn(a.changePassword))
	route("PUT", "/api/v1/me/profile", signedIn(a.updateProfile))
	route("GET", "/api/v1/users/{id}", server.Handle(a.getUser))
	route("GET", "/cgi-bin/system.cgi", server.Handle(echo))
	mux.Handle("/", server.Handle(func(w http.ResponseWriter, r *http.Request) error {
		return server.Errorf(http.StatusNotFound, "no such API path: see the API's documentation")
	}))
	return mux
}

func methodNotAllowed(method string) http.Handler {
	allow := method
	if method == http.MethodGet {
		allow = "GET, HEAD"
	}
	return server.Handle(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allow)
		return server.Errorf(http.StatusMethodNotAllowed, "use %s for %s", method, r.URL.Path)
	})
}

// clientError translates the account package's errors into what the
// client is told. Errors it does not know stay as they are: 500s, logged.
func clientError(err error) error {
	var fe *account.FieldError
	switch {
	case errors.As(err, &fe):
		return server.FieldError(fe.Field, "%s", fe.Msg)
	case errors.Is(err, account.ErrEmailTaken):
		return &server.Error{Status: http.StatusConflict, Field: "email",
			Msg: "an account with this email address exists already: sign in, or use another address"}
	case errors.Is(err, account.ErrBadCredentials):
		return server.Errorf(http.StatusUnauthorized, "wrong email or password: check both and try again")
	case errors.Is(err, context.DeadlineExceeded):
		return &server.Error{Status: http.StatusServiceUnavailable, RetryAfter: 5 * time.Second,
			Msg: "the site is busy: try again in a few seconds"}
	}
	return err
}
