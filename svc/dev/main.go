// Command dev runs the whole site on one local port (`make dev`): the
// services built so far, a throwaway database unless KIN_DB_* name one,
// and a router with the routes of site.yaml, the same routes the Ingresses
// are rendered from. Ctrl-C stops everything and removes the throwaway
// database.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kin-social/kin/gen/site"
	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/stack"
)

func main() {
	spec := flag.String("site", "site.yaml", "the site spec whose routes to serve")
	listen := flag.String("listen", "localhost:8080", "where to serve the site")
	flag.Parse()
	if err := run(*spec, *listen); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

func run(spec, listen string) error {
	s, err := site.Load(spec)
	if err != nil {
		return err
	}
	opts := stack.Options{
		Routes: Routes(s),
		Domain: s.Hosts.Site,
		Listen: listen,
		Log:    os.Stdout,
	}
	if os.Getenv("KIN_DB_ADDR") != "" {
		r := config.FromEnv()
		c := r.DB()
		if err := r.Err(); err != nil {
			return fmt.Errorf("KIN_DB_ADDR is set, so the database is taken from the environment:\n%w", err)
		}
		opts.DB = &c
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Println("dev: building and starting the site (the first build takes a minute)...")
	st, err := stack.Start(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Printf("\ndev: the site is up at %s (Ctrl-C stops it)\n\n", st.URL)
	<-ctx.Done()
	fmt.Println("\ndev: stopping...")
	return st.Stop()
}

// Routes converts the spec's routes to the stack's, each with the body
// limit of the Ingress that renders it.
func Routes(s *site.Site) []stack.Route {
	var out []stack.Route
	for _, r := range s.Routes() {
		out = append(out, stack.Route{Host: r.Host, Path: r.Path, Exact: r.Exact, Part: r.Part, BodyLimit: r.BodyLimit})
	}
	return out
}
