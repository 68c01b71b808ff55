// Package stack runs the site locally: it builds the services, starts them
// as processes on loopback ports against a database (a throwaway one when
// none is given), and serves them behind one address with the routes the
// Ingresses are rendered from. `make dev` and the browser tests use it, so
// what a developer clicks through is what the tests drive.
package stack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kin-social/kin/gen/site"
	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/dbserver"
)

// Parts are the services the local stack builds and runs, in start order,
// with their packages: the long-running parts of gen/site's registry whose
// program is written. A part missing here is answered with a 503 that
// names it.
var Parts = func() []Part {
	var ps []Part
	for _, p := range site.Registry {
		if p.Written && !p.Batch {
			ps = append(ps, Part{Name: p.Name, Package: "./svc/" + p.Program, Env: p.Env})
		}
	}
	return ps
}()

// Part is one service of the site.
type Part struct {
	Name    string
	Package string // Go package path relative to the module root
	// Env are the variables it reads (gen/site's registry): the stack
	// gives it exactly these, as the cluster does.
	Env []string
}

// Route sends requests for one path on one host to a part, as one rule of
// an Ingress does.
type Route struct {
	Host  string // as in the site spec, e.g. example.org
	Path  string
	Exact bool
	Part  string
	// BodyLimit is the largest request body in bytes, the Ingress's
	// proxy-body-size; 0 means none, as nginx's 0 does.
	BodyLimit int64
}

// Options say how to run the stack.
type Options struct {
	// Routes are the site's routes; Domain is the site's host among them.
	Routes []Route
	Domain string
	// Listen is the address to serve the site on, e.g. "localhost:8080"
	// or "127.0.0.1:0".
	Listen string
	// DB is the database to use; nil starts a throwaway server.
	DB *config.DB
	// Log receives every service's output, each line prefixed by its name.
	Log io.Writer
	// CaptchaTestAnswer, if set, starts the captcha in test mode with
	// this answer (browser tests).
	CaptchaTestAnswer string
}

// Stack is a running local site.
type Stack struct {
	// URL is where the site is served, e.g. http://localhost:8080.
	URL string
	// Demo are the accounts opened on a throwaway database (none on a
	// database given in Options.DB).
	Demo []DemoAccount

	dbServer *dbserver.Server
	procs    []*proc
	srv      *http.Server
	binDir   string
	logMu    sync.Mutex
	log      io.Writer
}

// Start builds and starts everything; on failure it stops what it started.
func Start(ctx context.Context, opts Options) (st *Stack, err error) {
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	s := &Stack{log: opts.Log}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	root, err := moduleRoot(ctx)
	if err != nil {
		return nil, err
	}
	// The database first: without one there is no point in building.
	dbc, err := s.database(ctx, opts.DB)
	if err != nil {
		return nil, err
	}
	s.binDir, err = os.MkdirTemp("", "kin-stack-")
	if err != nil {
		return nil, fmt.Errorf("make build directory: %w", err)
	}
	if err := s.build(ctx, root); err != nil {
		return nil, err
	}
	ports := map[string]string{}
	for _, p := range Parts {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		ports[p.Name] = addr
	}
	values := localValues(dbc, ports)
	env, err := programEnv("migrate", site.ProgramEnv("migrate"), values)
	if err != nil {
		return nil, err
	}
	if err := s.run(ctx, "migrate", env); err != nil {
		return nil, err
	}
	for _, p := range Parts {
		values["KIN_LISTEN"] = ports[p.Name]
		env, err := programEnv(p.Name, p.Env, values)
		if err != nil {
			return nil, err
		}
		var args []string
		if p.Name == "captcha" && opts.CaptchaTestAnswer != "" {
			args = append(args, "-test-answer", opts.CaptchaTestAnswer)
		}
		if err := s.start(p.Name, ports[p.Name], env, args); err != nil {
			return nil, err
		}
	}
	for _, p := range s.procs {
		if err := waitReady(ctx, p); err != nil {
			return nil, err
		}
	}

	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another stack running? use -listen)", opts.Listen, err)
	}
	s.URL = siteURL(ln.Addr())
	h := newRouter(opts.Routes, opts.Domain, ports)
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	if s.dbServer != nil {
		if err := s.seed(ctx, dbc); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Stop stops the services (letting them shut down gracefully), the router
// and the throwaway database, and removes the built binaries.
func (s *Stack) Stop() error {
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.srv.Shutdown(ctx)
		cancel()
	}
	// The router is closed, so nothing reaches the parts any more: stop
	// them all at once rather than wait out each one's drain in turn.
	var wg sync.WaitGroup
	for _, p := range s.procs {
		wg.Go(func() { s.stopProc(p) })
	}
	wg.Wait()
	var err error
	if s.dbServer != nil {
		err = s.dbServer.Stop()
	}
	if s.binDir != "" {
		os.RemoveAll(s.binDir)
	}
	return err
}

func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module (is Go installed?): %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run this inside the kin module")
	}
	return filepath.Dir(mod), nil
}

func (s *Stack) build(ctx context.Context, root string) error {
	args := []string{"build", "-o", s.binDir + string(filepath.Separator), "./svc/migrate"}
	for _, p := range Parts {
		args = append(args, p.Package)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("build the services: %w\n%s", err, out)
	}
	return nil
}

// database returns the configuration of the database to use, starting a
// throwaway server and creating the database `kin` in it when none is
// given.
func (s *Stack) database(ctx context.Context, c *config.DB) (config.DB, error) {
	if c != nil {
		return *c, nil
	}
	srv, err := dbserver.Start(ctx)
	if err != nil {
		return config.DB{}, err
	}
	s.dbServer = srv
	fmt.Fprintf(s.log, "%-10s | throwaway database at %s\n", "db", srv.Addr)
	admin, err := db.Open(ctx, srv.Config(""), nil)
	if err != nil {
		return config.DB{}, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE kin CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return config.DB{}, fmt.Errorf("create database kin: %w", err)
	}
	return srv.Config("kin"), nil
}

// localValues are the values of the configuration contract's variables in
// the local stack; ports are the parts' addresses. KIN_LISTEN differs per
// part and is set by the caller.
func localValues(dbc config.DB, ports map[string]string) map[string]string {
	v := map[string]string{
		"KIN_DOMAIN":         "localhost",
		"KIN_DOMAIN_ALIASES": "",
		"KIN_CAPTCHA_URL":    "http://" + ports["captcha"],
	}
	for _, kv := range dbEnv(dbc) {
		k, val, _ := strings.Cut(kv, "=")
		v[k] = val
	}
	return v
}

// programEnv returns the environment of a program in the local stack:
// exactly the variables names (the registry's), with their values.
func programEnv(program string, names []string, values map[string]string) ([]string, error) {
	var env []string
	for _, n := range names {
		v, ok := values[n]
		if !ok {
			return nil, fmt.Errorf("%s reads %s, for which the local stack has no value: add one to localValues in svc/internal/stack", program, n)
		}
		env = append(env, n+"="+v)
	}
	return env, nil
}

func dbEnv(c config.DB) []string {
	return []string{
		"KIN_DB_ADDR=" + c.Addr,
		"KIN_DB_NAME=" + c.Name,
		"KIN_DB_USER=" + c.User,
		"KIN_DB_PASSWORD=" + c.Password,
	}
}

func (s *Stack) command(name string, env, args []string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.binDir, name), args...)
	cmd.Env = append(os.Environ(), env...)
	// Its own process group, so Ctrl-C in the terminal reaches only the
	// stack, which then stops the services, rather than every service at
	// once (which the supervisor would take for crashes).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	return cmd
}

// run runs a one-shot command such as the migrations to completion.
func (s *Stack) run(ctx context.Context, name string, env []string) error {
	cmd := s.command(name, env, nil)
	pw := s.prefix(name)
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s failed: %w (see its log above)", name, err)
	}
	return nil
}

// prefix returns a writer that copies whole lines to the stack's log, each
// behind the service's name, so interleaved output stays readable.
func (s *Stack) prefix(name string) io.Writer {
	pr, pw := io.Pipe()
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.logMu.Lock()
			fmt.Fprintf(s.log, "%-10s | %s\n", name, sc.Text())
			s.logMu.Unlock()
		}
		io.Copy(io.Discard, pr)
	}()
	return pw
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
