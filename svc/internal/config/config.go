// Package config reads a service's configuration from the environment, as
// DESIGN.md's configuration contract names it, and reports every problem at
// once so an operator fixes a bad Deployment in one round.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Reader reads variables and collects what is wrong with them.
type Reader struct {
	lookup func(string) (string, bool)
	errs   []error
	names  map[string]bool // every variable looked up, for Names
}

// FromEnv returns a Reader of the process environment.
func FromEnv() *Reader { return New(os.LookupEnv) }

// New returns a Reader that looks variables up with lookup (os.LookupEnv
// in services, a map in tests).
func New(lookup func(string) (string, bool)) *Reader {
	r := &Reader{names: map[string]bool{}}
	r.lookup = func(name string) (string, bool) {
		r.names[name] = true
		return lookup(name)
	}
	return r
}

// Names returns, sorted, the name of every variable r was asked for, set or
// not. A service's env test compares them with what gen renders for it
// (gen/site's registry), so the two cannot drift apart.
func (r *Reader) Names() []string {
	names := make([]string, 0, len(r.names))
	for n := range r.names {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// A Check validates a variable's value. Its error says what the value should
// look like.
type Check func(string) error

func (r *Reader) get(name string) string {
	v, _ := r.lookup(name)
	return strings.TrimSpace(v)
}

func (r *Reader) check(name, v string, checks []Check) {
	for _, c := range checks {
		if err := c(v); err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s=%q: %w", name, v, err))
			return
		}
	}
}

// String returns the variable name, or def when it is unset or empty.
func (r *Reader) String(name, def string, checks ...Check) string {
	v := r.get(name)
	if v == "" {
		return def
	}
	r.check(name, v, checks)
	return v
}

// Required returns the variable name, recording an error when it is unset,
// empty or fails a check. example shows the operator a valid value.
func (r *Reader) Required(name, example string, checks ...Check) string {
	v := r.get(name)
	if v == "" {
		r.errs = append(r.errs, fmt.Errorf("%s is not set: set it, for example %s=%s", name, name, example))
		return ""
	}
	r.check(name, v, checks)
	return v
}

// List returns the comma-separated variable name as a list without empty
// items; every item must pass the checks.
func (r *Reader) List(name string, checks ...Check) []string {
	var out []string
	for _, item := range strings.Split(r.get(name), ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		r.check(name, item, checks)
		out = append(out, item)
	}
	return out
}

// Listen returns KIN_LISTEN, the address to serve on (default ":8080").
func (r *Reader) Listen() string { return r.String("KIN_LISTEN", ":8080", HostPort) }

// Domain returns KIN_DOMAIN, the site's domain name, which every service needs.
func (r *Reader) Domain() string { return r.Required("KIN_DOMAIN", "example.org", DNSName) }

// DB is how a service reaches the database.
type DB struct {
	Addr     string // host:port
	Name     string
	User     string
	Password string
}

// DB reads KIN_DB_ADDR, KIN_DB_NAME, KIN_DB_USER and KIN_DB_PASSWORD.
// The password may be empty (a local throwaway server), but must be set.
func (r *Reader) DB() DB {
	db := DB{
		Addr: r.Required("KIN_DB_ADDR", "db:3306", HostPort),
		Name: r.Required("KIN_DB_NAME", "kin", identifier),
		User: r.Required("KIN_DB_USER", "kin"),
	}
	if _, ok := r.lookup("KIN_DB_PASSWORD"); !ok {
		r.errs = append(r.errs, errors.New("KIN_DB_PASSWORD is not set: set it from the database Secret (it may be empty only for a local throwaway server)"))
	}
	db.Password, _ = r.lookup("KIN_DB_PASSWORD")
	return db
}

// Err returns every problem found so far, one per line, or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }

// HostPort checks a listen or dial address such as ":8080" or "db:3306".
func HostPort(v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return errors.New("want host:port, such as :8080 or db:3306")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New("want a port from 0 to 65535")
	}
	if host != "" && net.ParseIP(host) == nil && DNSName(host) != nil {
		return errors.New("want a host name or IP address before the port")
	}
	return nil
}

// DNSName checks a host name such as example.org or localhost.
func DNSName(v string) error {
	if len(v) > 253 {
		return errors.New("want a DNS name of at most 253 characters")
	}
	for _, label := range strings.Split(v, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return errors.New("want a DNS name such as example.org")
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return errors.New("want a lower-case DNS name such as example.org")
			}
		}
	}
	return nil
}

// HTTPURL checks an absolute http or https URL such as http://captcha:8080.
func HTTPURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an absolute http(s) URL such as http://captcha:8080")
	}
	return nil
}

func identifier(v string) error {
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return errors.New("want letters, digits and underscores only")
		}
	}
	return nil
}
