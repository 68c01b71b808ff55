// Command captcha serves the site's captchas with the old site's API:
//
//	GET /captcha/getnew             {"captcha_id": "..."} for the visitor's sessid cookie
//	GET /captcha/{id}.png           the picture, 160x80, four distorted digits
//	GET /captcha/{id}.wav           the same digits spoken with noise, for
//	                                people who cannot see the picture
//	GET /captcha/verify/{solution}  "true" or "false", once per captcha
//
// Every call needs the visitor's sessid cookie (else 400), and a captcha's
// picture and sound are served only to its own session.
//
// Captchas live in memory, so the service runs as exactly one replica.
//
// The flag -test-answer DIGITS makes every captcha's solution DIGITS, for
// browser tests that have to type it, and lifts the per-client rate limits,
// since such tests make many captchas from one address; with it,
// -test-ttl shortens a captcha's life so tests can see one expire. Test
// mode is refused unless KIN_LISTEN is a loopback address, so a deployed
// service cannot be started with it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/kin-social/kin/svc/captcha/store"
	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/server"
)

func main() {
	server.Main("captcha", func(ctx context.Context, log *slog.Logger) error {
		return run(ctx, log, os.Args[1:], os.LookupEnv)
	})
}

// run parses the flags and environment and serves until ctx ends.
func run(ctx context.Context, log *slog.Logger, args []string, lookup func(string) (string, bool)) error {
	flags := flag.NewFlagSet("captcha", flag.ContinueOnError)
	flags.SetOutput(io.Discard) // the error is returned and logged instead
	testAnswer := flags.String("test-answer", "", "make every captcha's solution these `digits` (tests only; needs a loopback KIN_LISTEN)")
	testTTL := flags.Duration("test-ttl", 0, "with -test-answer, let captchas expire after this `duration` instead of 10m")
	const usage = "usage: captcha [-test-answer DIGITS [-test-ttl DURATION]]"
	if err := flags.Parse(args); err != nil {
		return fmt.Errorf("command line: %w (%s)", err, usage)
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("command line: unexpected argument %q (%s)", flags.Arg(0), usage)
	}
	if *testTTL != 0 && (*testAnswer == "" || *testTTL < 0) {
		return fmt.Errorf("command line: -test-ttl needs -test-answer and a positive duration (%s)", usage)
	}

	r := config.New(lookup)
	listen := configure(r)
	if err := r.Err(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}

	opts := store.Options{}
	if *testAnswer != "" {
		answer, err := parseTestAnswer(*testAnswer, listen)
		if err != nil {
			return err
		}
		opts.Answer = answer
		opts.TTL = *testTTL
		log.Warn("test mode: every captcha's solution is the -test-answer digits, and clients are not rate-limited", "listen", listen)
	}
	st, err := store.New(opts)
	if err != nil {
		return err
	}
	go janitor(ctx, st, time.Minute)

	srv := &server.Server{Addr: listen, Handler: newService(st, opts.Answer == nil).routes(), Log: log}
	return srv.Run(ctx)
}

// configure reads the environment: only the address to serve on. Every
// variable the captcha reads is read here, so that env_test.go can compare
// them with what gen renders for it.
func configure(r *config.Reader) (listen string) {
	return r.Listen()
}

// parseTestAnswer checks the -test-answer flag: store.DefaultLength
// digits, and a listen address only this machine can reach, since with it
// anyone who reads this source can pass the captcha.
func parseTestAnswer(v, listen string) ([]byte, error) {
	if len(v) != store.DefaultLength {
		return nil, fmt.Errorf("-test-answer %q: want %d digits, such as -test-answer 1234", v, store.DefaultLength)
	}
	answer := make([]byte, len(v))
	for i := range len(v) {
		if v[i] < '0' || v[i] > '9' {
			return nil, fmt.Errorf("-test-answer %q: want %d digits 0-9, such as -test-answer 1234", v, store.DefaultLength)
		}
		answer[i] = v[i] - '0'
	}
	if !isLoopback(listen) {
		return nil, fmt.Errorf("-test-answer refused: it makes every captcha's solution known, so it needs KIN_LISTEN on a loopback address (127.0.0.1, ::1 or localhost, such as KIN_LISTEN=127.0.0.1:8080), not %q", listen)
	}
	return answer, nil
}

// isLoopback reports whether the listen address binds only to loopback.
// An empty host (":8080") binds every interface and is not loopback.
func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// janitor frees expired captchas every interval until ctx ends, so memory
// returns even when no request arrives to sweep lazily.
func janitor(ctx context.Context, st *store.Store, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st.Sweep()
		}
	}
}
