package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kin-social/kin/gen/site"
)

// start serves s on a real loopback socket through the whole platform and
// returns its base URL, a function that begins the shutdown, and one that
// waits for Serve to return.
func start(t *testing.T, s *Server) (string, context.CancelFunc, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.Log == nil {
		s.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if s.DrainDelay == 0 {
		s.DrainDelay = -1 // tests of the drain set their own
	}
	ctx, cancel := context.WithCancel(context.Background())
	var serveErr error
	finished := make(chan struct{})
	go func() { serveErr = s.Serve(ctx, ln); close(finished) }()
	wait := func() error { <-finished; return serveErr }
	t.Cleanup(func() { cancel(); wait() })
	return "http://" + ln.Addr().String(), cancel, wait
}

type errBody struct {
	Error string `json:"error"`
	Field string `json:"field"`
}

func do(t *testing.T, req *http.Request) (*http.Response, errBody) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e errBody
	json.Unmarshal(b, &e)
	return resp, e
}

func TestPlatform(t *testing.T) {
	ready := errors.New("db down")
	mux := http.NewServeMux()
	mux.Handle("POST /echo", Handle(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Name string `json:"name"`
			N    int    `json:"n"`
		}
		if err := DecodeJSON(w, r, &in, 100); err != nil {
			return err
		}
		if in.Name == "" {
			return FieldError("name", "name is empty: type a name")
		}
		WriteJSON(w, http.StatusOK, in)
		return nil
	}))
	mux.Handle("GET /fail", Handle(func(w http.ResponseWriter, r *http.Request) error {
		return errors.New("secret internal detail")
	}))
	mux.Handle("GET /slow", Handle(func(w http.ResponseWriter, r *http.Request) error {
		return TooManyRequests(1500*time.Millisecond, "too many attempts")
	}))
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	base, _, _ := start(t, &Server{Handler: mux, Ready: func(context.Context) error { return ready }})

	post := func(body, ctype string, hdr ...string) *http.Request {
		req, _ := http.NewRequest("POST", base+"/echo", strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		return req
	}
	get := func(path string) *http.Request {
		req, _ := http.NewRequest("GET", base+path, nil)
		return req
	}
	tests := []struct {
		name      string
		req       *http.Request
		status    int
		wantError string // substring of the JSON error; "" for success
	}{
		{"ok", post(`{"name":"a","n":1}`, "application/json"), 200, ""},
		{"field error", post(`{"name":""}`, "application/json"), 400, "name is empty"},
		{"malformed", post(`{"name":`, "application/json"), 400, "not valid JSON"},
		{"empty", post(``, "application/json"), 400, "empty"},
		{"unknown field", post(`{"nam":"a"}`, "application/json"), 400, `unknown field "nam"`},
		{"wrong type", post(`{"name":1}`, "application/json"), 400, "name must be a JSON string"},
		{"two objects", post(`{"name":"a"}{}`, "application/json"), 400, "exactly one"},
		{"too large", post(`{"name":"`+strings.Repeat("x", 200)+`"}`, "application/json"), 413, "larger than 100 bytes"},
		{"content type", post(`name=a`, "application/x-www-form-urlencoded"), 415, "Content-Type: application/json"},
		{"cross-origin", post(`{"name":"a"}`, "application/json", "Sec-Fetch-Site", "cross-site"), 403, "cross-origin"},
		{"foreign origin", post(`{"name":"a"}`, "application/json", "Origin", "https://evil.example"), 403, "cross-origin"},
		{"internal error hidden", get("/fail"), 500, "internal error"},
		{"panic", get("/panic"), 500, "internal error"},
		{"not ready", get("/readyz"), 503, "not ready"},
		{"alive", get("/healthz"), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, e := do(t, tt.req)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d (error %q)", resp.StatusCode, tt.status, e.Error)
			}
			if tt.wantError != "" && !strings.Contains(e.Error, tt.wantError) {
				t.Errorf("error %q lacks %q", e.Error, tt.wantError)
			}
			if strings.Contains(e.Error, "secret") || strings.Contains(e.Error, "boom") {
				t.Errorf("error leaks internals: %q", e.Error)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
				if resp.Header.Get(h) == "" {
					t.Errorf("missing %s", h)
				}
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
	t.Run("field named", func(t *testing.T) {
		_, e := do(t, post(`{"name":""}`, "application/json"))
		if e.Field != "name" {
			t.Errorf("field %q, want name", e.Field)
		}
	})
	t.Run("retry after", func(t *testing.T) {
		resp, _ := do(t, get("/slow"))
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
			t.Errorf("status %d Retry-After %q, want 429 and 2", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
}

// During the drain delay /readyz fails at once while every other request
// is served, on new connections and on kept ones; then the server stops
// accepting, and a request in flight since before the end still finishes.
func TestDrain(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /work", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "done")
	})
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	// Long enough that the checks below fit inside it on a loaded machine.
	const delay = 2 * time.Second
	base, shutdown, done := start(t, &Server{Handler: mux, DrainDelay: delay})
	addr := strings.TrimPrefix(base, "http://")

	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	kept := &http.Client{Transport: &http.Transport{}}
	defer kept.CloseIdleConnections()
	status := func(c *http.Client, path string) (int, bool) {
		t.Helper()
		reused := false
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused },
		})
		req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, reused
	}
	if code, _ := status(kept, "/hello"); code != 200 {
		t.Fatalf("before shutdown: /hello %d", code)
	}
	if code, _ := status(fresh, "/readyz"); code != 200 {
		t.Fatalf("before shutdown: /readyz %d", code)
	}

	got := make(chan string, 1)
	go func() {
		resp, err := fresh.Get(base + "/work")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-entered
	shutdown()

	if code, _ := status(fresh, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("draining: /readyz %d, want 503", code)
	}
	if code, _ := status(fresh, "/hello"); code != 200 {
		t.Errorf("draining: /hello on a new connection %d, want 200", code)
	}
	if code, reused := status(kept, "/hello"); code != 200 || !reused {
		t.Errorf("draining: /hello on a kept connection %d (reused %v), want 200 on the kept connection", code, reused)
	}
	if code, _ := status(fresh, "/healthz"); code != 200 {
		t.Errorf("draining: /healthz %d, want 200", code)
	}

	// After the delay the listener closes while /work is still running.
	refused := false
	for end := time.Now().Add(delay + 10*time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			refused = true
			break
		}
		c.Close()
	}
	if !refused {
		t.Fatal("the server still accepts connections long after the drain delay")
	}
	select {
	case body := <-got:
		t.Fatalf("the in-flight request ended before it was released: %q", body)
	default:
	}
	close(release)
	if body := <-got; body != "done" {
		t.Errorf("in-flight request got %q, want done", body)
	}
	if err := done(); err != nil {
		t.Errorf("Serve returned %v after a clean shutdown", err)
	}
}

// A negative DrainDelay stops accepting at once; a request that outlives
// ShutdownTimeout makes Serve report it.
func TestShutdownTimeout(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stuck", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	})
	base, shutdown, done := start(t, &Server{Handler: mux, DrainDelay: -1, ShutdownTimeout: 200 * time.Millisecond})
	go func() {
		if resp, err := http.Get(base + "/stuck"); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	shutdown()
	err := done()
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Serve returned %v, want a shutdown deadline error", err)
	}
}

// TestDrainDefaults checks the defaults against gen/site, which renders
// every pod's terminationGracePeriodSeconds to cover them.
func TestDrainDefaults(t *testing.T) {
	if DefaultDrainDelay != site.DrainDelay || DefaultShutdownTimeout != site.ShutdownTimeout {
		t.Errorf("defaults %v and %v, but gen/site renders the grace period for %v and %v: make them agree",
			DefaultDrainDelay, DefaultShutdownTimeout, site.DrainDelay, site.ShutdownTimeout)
	}
	if site.TerminationGracePeriod <= DefaultDrainDelay+DefaultShutdownTimeout {
		t.Errorf("grace period %v does not cover drain %v plus shutdown %v", site.TerminationGracePeriod, DefaultDrainDelay, DefaultShutdownTimeout)
	}
}

func TestClientIP(t *testing.T) {
	for _, tt := range []struct {
		remote, realIP, xff, want string
	}{
		{"203.0.113.5:1234", "", "", "203.0.113.5"},
		{"203.0.113.5:1234", "1.2.3.4", "", "203.0.113.5"}, // a public peer cannot claim another address
		{"10.0.0.7:1234", "198.51.100.9", "", "198.51.100.9"},
		{"10.0.0.7:1234", "", "1.1.1.1, 198.51.100.9", "198.51.100.9"},
		{"127.0.0.1:1", "", "", "127.0.0.1"},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.realIP != "" {
			r.Header.Set("X-Real-IP", tt.realIP)
		}
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := ClientIP(r); got != tt.want {
			t.Errorf("ClientIP(%s, %q, %q) = %s, want %s", tt.remote, tt.realIP, tt.xff, got, tt.want)
		}
	}
}

// The first SIGTERM starts the drain; a second ends the process at once
// (a developer's second Ctrl-C).
func TestMainSecondSignal(t *testing.T) {
	if os.Getenv("KIN_TEST_MAIN") == "1" {
		Main("test", func(ctx context.Context, log *slog.Logger) error {
			fmt.Fprintln(os.Stderr, "running")
			<-ctx.Done()
			fmt.Fprintln(os.Stderr, "draining")
			time.Sleep(time.Hour) // a drain that does not end by itself
			return nil
		})
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMainSecondSignal$")
	cmd.Env = append(os.Environ(), "KIN_TEST_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stderr)
	expect := func(want string) {
		t.Helper()
		for lines.Scan() {
			if lines.Text() == want {
				return
			}
		}
		t.Fatalf("the child never said %q", want)
	}
	expect("running")
	cmd.Process.Signal(syscall.SIGTERM)
	expect("draining")
	cmd.Process.Signal(syscall.SIGTERM)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err = <-waited:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the second SIGTERM did not end the process")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Errorf("after a second SIGTERM: %v, want killed by SIGTERM", err)
	}
}
