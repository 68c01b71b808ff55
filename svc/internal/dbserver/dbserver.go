// Package dbserver starts a throwaway MariaDB (or MySQL) server in a
// temporary directory, for tests and the local stack when no database is
// given. It finds the server on PATH, as DESIGN.md says.
package dbserver

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql" // the driver Ready pings with

	"github.com/kin-social/kin/svc/internal/config"
)

// ErrNotFound means neither mariadbd nor mysqld is on PATH.
var ErrNotFound = errors.New("no database server on PATH: install one, e.g. `apt-get install mariadb-server` (Debian), or set KIN_DB_ADDR, KIN_DB_NAME, KIN_DB_USER and KIN_DB_PASSWORD")

// Server is a running throwaway server. Its root user has no password and
// it listens on 127.0.0.1 only.
type Server struct {
	// Addr is the server's host:port.
	Addr string
	dir  string
	cmd  *exec.Cmd
	done chan error
}

// Start initializes a data directory under a new temporary directory and
// starts the server on a free loopback port. Stop removes it all.
func Start(ctx context.Context) (*Server, error) {
	daemon, initCmd, err := find()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kin-db-")
	if err != nil {
		return nil, fmt.Errorf("start database: %w", err)
	}
	s := &Server{dir: dir}
	ok := false
	defer func() {
		if !ok {
			s.Stop()
		}
	}()
	data := filepath.Join(dir, "data")
	// Each server has its own temporary directory: with the shared /tmp,
	// concurrent initializations removed each other's temporary tables
	// (#sql-temptable-...) and failed.
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("start database: %w", err)
	}
	var out bytes.Buffer
	init := exec.CommandContext(ctx, initCmd[0], append(initCmd[1:], "--datadir="+data, "--tmpdir="+tmp)...)
	init.Stdout, init.Stderr = &out, &out
	if err := init.Run(); err != nil {
		return nil, fmt.Errorf("initialize database in %s: %w\n%s", data, err, out.Bytes())
	}
	// A free port found by listening on port 0 can be taken by another
	// process before the server binds it; then the server exits saying
	// so, and it is tried again on another port.
	for attempt := 1; ; attempt++ {
		err := s.start(ctx, daemon, data, tmp)
		if err == nil {
			break
		}
		if !errors.Is(err, errPortTaken) || attempt == maxPortAttempts {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			return nil, fmt.Errorf("start %s: %w\n%s", daemon, err, log)
		}
	}
	ok = true
	return s, nil
}

// maxPortAttempts bounds the retries on a port taken between finding it
// free and the server binding it.
const maxPortAttempts = 5

// errPortTaken means the server exited because its port was in use.
var errPortTaken = errors.New("port taken by another process")

// start runs the server on a free port and waits until it answers.
func (s *Server) start(ctx context.Context, daemon, data, tmp string) error {
	port, err := pickPort()
	if err != nil {
		return err
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	errLog := filepath.Join(s.dir, "error.log")
	os.Remove(errLog) // so a retry reads only its own attempt's log
	args := []string{
		"--no-defaults",
		"--datadir=" + data,
		"--tmpdir=" + tmp,
		"--socket=" + filepath.Join(s.dir, "sock"),
		"--pid-file=" + filepath.Join(s.dir, "pid"),
		"--bind-address=127.0.0.1",
		"--port=" + strconv.Itoa(port),
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_unicode_ci",
		"--innodb-buffer-pool-size=64M",
		"--innodb-flush-log-at-trx-commit=2",
		"--skip-log-bin",
		"--log-error=" + errLog,
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	s.cmd = exec.Command(daemon, args...)
	// Die with the process that started us, even if it is killed.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		s.cmd = nil
		return fmt.Errorf("start %s: %w", daemon, err)
	}
	s.done = make(chan error, 1)
	go func() { s.done <- s.cmd.Wait() }()
	err = s.waitReady(ctx)
	if err == nil {
		return nil
	}
	if errors.Is(err, errPortTaken) {
		s.stopProcess() // ours, if it still runs; the next attempt reuses the directory
		s.cmd = nil
		return err
	}
	var exited *exitError
	if errors.As(err, &exited) {
		s.cmd = nil // already reaped
		log, _ := os.ReadFile(errLog)
		if bytes.Contains(log, []byte("Address already in use")) || bytes.Contains(log, []byte("Can't start server: Bind")) {
			return fmt.Errorf("%w: %v", errPortTaken, err)
		}
	}
	return err
}

// exitError is the server exiting before it answered.
type exitError struct{ err error }

func (e *exitError) Error() string { return fmt.Sprintf("server exited: %v", e.err) }

// find returns the server binary and the command that initializes a data
// directory for it (without --datadir).
func find() (daemon string, initCmd []string, err error) {
	if d, err := exec.LookPath("mariadbd"); err == nil {
		inst, err := exec.LookPath("mariadb-install-db")
		if err != nil {
			inst, err = exec.LookPath("mysql_install_db")
		}
		if err != nil {
			return "", nil, fmt.Errorf("found %s but not mariadb-install-db to initialize it: install mariadb-server", d)
		}
		args := []string{inst, "--no-defaults", "--auth-root-authentication-method=normal", "--skip-test-db"}
		if os.Geteuid() == 0 {
			args = append(args, "--user=root")
		}
		return d, args, nil
	}
	if d, err := exec.LookPath("mysqld"); err == nil {
		args := []string{d, "--no-defaults", "--initialize-insecure"}
		if os.Geteuid() == 0 {
			args = append(args, "--user=root")
		}
		return d, args, nil
	}
	return "", nil, ErrNotFound
}

// pickPort is freePort, replaced in a test by one that returns a taken
// port.
var pickPort = freePort

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) waitReady(ctx context.Context) error {
	db, err := sql.Open("mysql", "root@tcp("+s.Addr+")/")
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var sock string
		// Bounded, so a listener that never answers (whoever took the
		// port) does not hold the check past the server's exit.
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := db.QueryRowContext(qctx, "SELECT @@socket").Scan(&sock)
		cancel()
		if err == nil {
			if sock != filepath.Join(s.dir, "sock") {
				// Another server took the port first; ours will exit.
				return fmt.Errorf("%w: %s answers with socket %s", errPortTaken, s.Addr, sock)
			}
			return nil
		}
		select {
		case werr := <-s.done:
			return &exitError{werr}
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not answering after 60s: %w", err)
		}
	}
}

// Config returns how to reach database name on this server as root.
func (s *Server) Config(name string) config.DB {
	return config.DB{Addr: s.Addr, Name: name, User: "root"}
}

// Stop stops the server and removes its directory.
func (s *Server) Stop() error {
	s.stopProcess()
	return os.RemoveAll(s.dir)
}

// stopProcess stops the server gracefully, killing it after 15 s.
func (s *Server) stopProcess() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}
