// Command dev runs the whole site on one local port (`make dev`): the
// services built so far, a throwaway database unless KIN_DB_* name one,
// and a router with the routes of site.yaml, the same routes the Ingresses
// are rendered from. Ctrl-C stops everything and removes the throwaway
// database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"strconv"
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
	routes, err := Routes(s)
	if err != nil {
		return err
	}
	opts := stack.Options{
		Routes: routes,
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
func Routes(s *site.Site) ([]stack.Route, error) {
	var out []stack.Route
	for _, r := range s.Routes() {
		limit, err := parseSize(bodySize(s, r.Ingress))
		if err != nil {
			return nil, fmt.Errorf("body limit of %s: %w", r.Ingress, err)
		}
		out = append(out, stack.Route{Host: r.Host, Path: r.Path, Exact: r.Exact, Part: r.Part, BodyLimit: limit})
	}
	return out, nil
}

// nginxBodySize is ingress-nginx's default proxy-body-size, which holds
// for every Ingress that gen renders without the annotation.
const nginxBodySize = "1m"

// bodySize is the proxy-body-size of the named Ingress as gen renders it
// (gen/render's ingresses: only uploaders-ingress sets its own, from
// ingress.uploadBodySize).
func bodySize(s *site.Site, ingress string) string {
	if ingress == site.UploadersIngress {
		return s.Ingress.UploadBodySize
	}
	return nginxBodySize
}

// parseSize reads an nginx size: a number of bytes with an optional k, m or
// g suffix (powers of 1024). 0 means no limit, as for nginx.
func parseSize(v string) (int64, error) {
	if v == "" {
		return 0, errors.New("empty size")
	}
	mult := int64(1)
	switch v[len(v)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	}
	if mult > 1 {
		v = v[:len(v)-1]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is not an nginx size such as 64m", v)
	}
	return n * mult, nil
}
