// Package s3test builds and starts a real S3-compatible server for tests:
// versitygw (Apache-2.0) with its posix backend on a temporary directory,
// built from the Go module proxy once and cached under `go env GOCACHE`.
// Nothing it builds is committed.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"

	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Version is the versitygw release the tests run; v1.8.0 builds with Go 1.26.
const Version = "v1.8.0"

// module is versitygw's command, as `go install` takes it.
const module = "github.com/versity/versitygw/cmd/versitygw"

// Server is a running versitygw on a loopback port. Its root credentials
// are made up for each server.
type Server struct {
	// Endpoint is the server's host:port (plain HTTP).
	Endpoint  string
	AccessKey string
	SecretKey string
	Region    string

	dir  string
	cmd  *exec.Cmd
	done chan error
	out  *bytes.Buffer
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary returns the path of versitygw, built with `go install` into a
// directory under the Go build cache the first time (a minute or two, with
// the module downloads) and reused afterwards, also by other test binaries
// and runs. Removing the directory (or `go clean -cache`) builds it again.
func Binary(ctx context.Context) (string, error) {
	buildOnce.Do(func() { buildPath, buildErr = build(ctx) })
	return buildPath, buildErr
}

func build(ctx context.Context) (string, error) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cache, err := exec.CommandContext(ctx, gocmd, "env", "GOCACHE").Output()
	if err != nil {
		return "", fmt.Errorf("find the Go build cache: %w", err)
	}
	top := filepath.Join(strings.TrimSpace(string(cache)), "kin-s3test")
	dir := filepath.Join(top, "versitygw-"+Version)
	bin := filepath.Join(dir, "versitygw")
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
		return bin, nil
	}
	if err := os.MkdirAll(top, 0o755); err != nil {
		return "", fmt.Errorf("build versitygw: %w", err)
	}
	// One build at a time: go test runs the packages' test binaries in
	// parallel, and each would otherwise build its own.
	lock, err := os.OpenFile(filepath.Join(top, "lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", fmt.Errorf("build versitygw: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("build versitygw: lock: %w", err)
	}
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
		return bin, nil // built by whoever held the lock
	}
	// Built into a fresh directory and renamed into place, so that no
	// one runs a half-written file.
	tmp, err := os.MkdirTemp(top, ".build-")
	if err != nil {
		return "", fmt.Errorf("build versitygw: %w", err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, gocmd, "install", module+"@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=-buildvcs=false", "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go install %s@%s: %w\n%s", module, Version, err, out.Bytes())
	}
	os.RemoveAll(dir) // a directory without the binary, if any
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("build versitygw: %w", err)
	}
	return bin, nil
}

// Start builds (or finds) versitygw and starts it on a free loopback port
// with a new temporary directory as its posix backend. Stop ends it and
// removes the directory.
func Start(ctx context.Context) (*Server, error) {
	bin, err := Binary(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kin-s3-")
	if err != nil {
		return nil, fmt.Errorf("start versitygw: %w", err)
	}
	s := &Server{dir: dir, AccessKey: "kin" + randHex(8), SecretKey: randHex(20), Region: "us-east-1"}
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		if last = s.start(ctx, bin); last == nil {
			return s, nil
		}
		s.Stop()
		if err := os.Mkdir(dir, 0o700); err != nil {
			return nil, fmt.Errorf("start versitygw: %w", err)
		}
	}
	os.RemoveAll(dir)
	return nil, last
}

func (s *Server) start(ctx context.Context, bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Endpoint = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	data := filepath.Join(s.dir, "data")
	meta := filepath.Join(s.dir, "meta")
	for _, d := range []string{data, meta} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("start versitygw: %w", err)
		}
	}
	// The credentials go by environment, not argv, so that ps does not
	// show them. The sidecar keeps metadata off xattrs, which tmpfs and
	// some test machines lack.
	s.cmd = exec.Command(bin, "--port", s.Endpoint, "--region", s.Region, "--quiet",
		"posix", "--sidecar", meta, data)
	s.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	s.out = new(bytes.Buffer)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		s.cmd = nil
		return fmt.Errorf("start versitygw: %w", err)
	}
	s.done = make(chan error, 1)
	go func() { s.done <- s.cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.cmd = nil
			return fmt.Errorf("versitygw exited before answering: %v\n%s", err, s.out.Bytes())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get("http://" + s.Endpoint + "/")
		if err == nil {
			resp.Body.Close() // any answer, even 403 unsigned, means it serves
			return nil
		}
	}
	return fmt.Errorf("versitygw on %s did not answer within 30s\n%s", s.Endpoint, s.out.Bytes())
}

// Stop kills the server and removes its directory.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		<-s.done
		s.cmd = nil
	}
	os.RemoveAll(s.dir)
}

// Need starts a server for t and stops it when t ends. Without one it
// skips t with the reason, or fails it when KIN_REQUIRE_S3=1 (CI).
func Need(t testing.TB) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	s, err := Start(ctx)
	if err != nil {
		if os.Getenv("KIN_REQUIRE_S3") == "1" {
			t.Fatalf("S3 test server (KIN_REQUIRE_S3=1): %v", err)
		}
		first, _, _ := strings.Cut(err.Error(), "\n")
		t.Skipf("no S3 test server (set KIN_REQUIRE_S3=1 to fail instead): %s", first)
	}
	t.Cleanup(s.Stop)
	return s
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
