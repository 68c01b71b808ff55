package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/internal/server"
)

// service answers /api/v1/domain.
type service struct {
	db *sql.DB
	// domain is KIN_DOMAIN, the answer until a domain is recorded.
	domain string
	// allowed holds KIN_DOMAIN and its aliases: the only hosts recorded.
	allowed map[string]bool
	now     func() time.Time
}

func newService(db *sql.DB, domain string, aliases []string) *service {
	allowed := map[string]bool{strings.ToLower(domain): true}
	for _, a := range aliases {
		allowed[strings.ToLower(a)] = true
	}
	return &service{db: db, domain: domain, allowed: allowed, now: time.Now}
}

func (s *service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /api/v1/domain", server.Handle(s.get))
	mux.Handle("POST /api/v1/domain", server.Handle(s.post))
	mux.Handle("/api/v1/domain", server.Handle(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", "GET, HEAD, POST")
		return server.Errorf(http.StatusMethodNotAllowed, "use GET to read the site's domain or POST (no body) to record it")
	}))
	mux.Handle("/", server.Handle(func(w http.ResponseWriter, r *http.Request) error {
		return server.Errorf(http.StatusNotFound, "no such page: the domainname service answers GET and POST /api/v1/domain")
	}))
	return mux
}

// get answers the site's domain as text.
func (s *service) get(w http.ResponseWriter, r *http.Request) error {
	d, err := s.current(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	// It changes when a visitor arrives by an alias; never serve it stale.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(d))
	return nil
}

// post records the request's host as the site's domain, if it is the
// configured domain or an alias, and answers 204.
func (s *service) post(w http.ResponseWriter, r *http.Request) error {
	host := requestHost(r.Host)
	if !s.allowed[host] {
		return server.Errorf(http.StatusForbidden, "host %q is not this site's domain or one of its aliases: post from the site's own pages", host)
	}
	if err := s.record(r.Context(), host); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// requestHost returns the host a request was sent to, lower-cased, without
// port, IPv6 brackets or the trailing dot of a fully qualified name.
func requestHost(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimPrefix(strings.TrimSuffix(host, "]"), "[")
	host = strings.TrimSuffix(host, ".")
	return strings.ToLower(host)
}

// current returns the recorded domain, or the configured one when none
// is recorded yet.
func (s *service) current(ctx context.Context) (string, error) {
	d, err := s.recorded(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return s.domain, nil
	}
	return d, err
}

// recorded returns the domain stored in site_domain, or sql.ErrNoRows.
func (s *service) recorded(ctx context.Context) (string, error) {
	var d string
	err := s.db.QueryRowContext(ctx, "SELECT domain FROM site_domain WHERE id = 1").Scan(&d)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read site domain: %w", err)
	}
	return d, err
}

// record stores domain as the site's domain. Every browser session posts,
// nearly always the same value, so it writes only when the value changes.
func (s *service) record(ctx context.Context, domain string) error {
	cur, err := s.recorded(ctx)
	if err == nil && cur == domain {
		return nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	now := s.now().UTC()
	// The row's id is always 1 (a CHECK in the schema), so replicas
	// racing here overwrite one row rather than add rows.
	if _, err := s.db.ExecContext(ctx,
		`INSERT INTO site_domain (id, domain, updated_at) VALUES (1, ?, ?)
		ON DUPLICATE KEY UPDATE domain = ?, updated_at = ?`,
		domain, now, domain, now); err != nil {
		return fmt.Errorf("record site domain %q: %w", domain, err)
	}
	return nil
}
