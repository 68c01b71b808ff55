package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/internal/dbtest"
)

// testAnswer is the solution of every captcha of the test captcha service.
const testAnswer = "4817"

// captchaTTL is how long captchas of the second, expiring captcha service
// live, long enough for a registration right after loading one.
const captchaTTL = 3 * time.Second

var (
	captchaURL string // the real captcha service, started by TestMain
	captchaErr error  // why it could not be started

	expiringCaptchaURL string // the same with captchas that expire after captchaTTL
	expiringCaptchaErr error
)

func TestMain(m *testing.M) {
	// The captcha service is a child process that must not outlive the
	// test binary, which dbtest.Main ends with os.Exit: it is started with
	// a parent-death signal from this goroutine, kept on its OS thread for
	// the whole run, since the signal follows the thread that started it.
	runtime.LockOSThread()
	dir, err := os.MkdirTemp("", "kin-app-test-")
	if err != nil {
		captchaErr = err
	} else {
		bin := filepath.Join(dir, "captcha")
		if captchaErr = buildCaptcha(bin); captchaErr == nil {
			captchaURL, captchaErr = startCaptcha(bin)
			expiringCaptchaURL, expiringCaptchaErr = startCaptcha(bin, "-test-ttl", captchaTTL.String())
		}
		os.RemoveAll(dir) // the running binaries need no file
	}
	dbtest.Main(m)
}

func buildCaptcha(bin string) error {
	build := exec.Command(goTool(), "build", "-o", bin, "github.com/kin-social/kin/svc/captcha")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build svc/captcha: %v\n%s", err, out)
	}
	return nil
}

// startCaptcha runs the captcha binary in test mode, with further flags,
// on a free loopback port.
func startCaptcha(bin string, flags ...string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"-test-answer", testAnswer}, flags...)...)
	cmd.Env = append(os.Environ(), "KIN_LISTEN="+addr, "KIN_DOMAIN=localhost")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start svc/captcha: %w", err)
	}
	url := "http://" + addr
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, nil
			}
		}
	}
	cmd.Process.Kill()
	return "", fmt.Errorf("svc/captcha did not answer on %s within 15s; its output:\n%s", addr, logs.String())
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

func needCaptcha(t testing.TB) {
	t.Helper()
	if captchaErr != nil {
		t.Fatalf("the captcha service is needed: %v", captchaErr)
	}
}

// startApp serves a new app on a fresh database over a loopback socket,
// wrapped by the platform exactly as in production.
func startApp(t testing.TB) (*app, string) {
	t.Helper()
	return startAppWith(t, captchaURL)
}

// startAppWith is startApp asking the captcha service at captcha.
func startAppWith(t testing.TB, captcha string) (*app, string) {
	t.Helper()
	a, err := newApp(context.Background(), dbtest.New(t), captcha, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	srv := a.server("")
	srv.DrainDelay = -1 // nothing routes here to drain
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return a, "http://" + ln.Addr().String()
}

var ipCounter atomic.Int32

// browser is one visitor: a cookie jar, and its own client address (sent
// as X-Real-IP, which the platform believes from a loopback peer), so
// tests do not share rate limits.
type browser struct {
	t      testing.TB
	base   string
	ip     string
	client *http.Client
}

func newBrowser(t testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	n := ipCounter.Add(1)
	return &browser{
		t:      t,
		base:   base,
		ip:     fmt.Sprintf("198.51.%d.%d", n/250, n%250+1),
		client: &http.Client{Jar: jar, Timeout: 30 * time.Second},
	}
}

// response is what a request got.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.body)) }

// do sends a request. body is sent as is when it is a string or []byte,
// else as JSON; hdr are header name/value pairs.
func (b *browser) do(method, url string, body any, hdr ...string) response {
	b.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(v))
	case []byte:
		rd = bytes.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	if len(url) > 0 && url[0] == '/' {
		url = b.base + url
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Real-IP", b.ip)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// sessid returns the browser's sessid cookie for the app.
func (b *browser) sessid() string {
	req, _ := http.NewRequest("GET", b.base, nil)
	for _, c := range b.client.Jar.Cookies(req.URL) {
		if c.Name == "sessid" {
			return c.Value
		}
	}
	return ""
}

// setSessid replaces the browser's sessid cookie, as a stolen or old
// cookie would be replayed.
func (b *browser) setSessid(v string) {
	req, _ := http.NewRequest("GET", b.base, nil)
	b.client.Jar.SetCookies(req.URL, []*http.Cookie{{Name: "sessid", Value: v, Path: "/"}})
}

// loadCaptcha does what the sign-up page does: gets a session, then a
// captcha for it.
func (b *browser) loadCaptcha() {
	b.t.Helper()
	needCaptcha(b.t)
	if r := b.do("GET", "/api/v1/session", nil); r.status != http.StatusOK {
		b.t.Fatalf("GET /api/v1/session: %v", r)
	}
	r := b.do("GET", captchaURL+"/captcha/getnew", nil)
	if r.status != http.StatusOK || r.json(b.t)["captcha_id"] == "" {
		b.t.Fatalf("GET /captcha/getnew: %v", r)
	}
}

type registration struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
	Captcha     string `json:"captcha"`
}

// register signs the browser up as email, failing the test on any error,
// and returns the user.
func (b *browser) register(email, pw, name string) map[string]any {
	b.t.Helper()
	b.loadCaptcha()
	r := b.do("POST", "/api/v1/register", registration{email, pw, name, testAnswer})
	if r.status != http.StatusCreated {
		b.t.Fatalf("register %s: %v", email, r)
	}
	return r.json(b.t)["user"].(map[string]any)
}

func (b *browser) login(email, pw string) response {
	b.t.Helper()
	return b.do("POST", "/api/v1/login", map[string]string{"email": email, "password": pw})
}

// wantError checks a JSON error response's status and field.
func wantError(t testing.TB, what string, r response, status int, field string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: %v, want status %d", what, r, status)
		return
	}
	m := r.json(t)
	msg, _ := m["error"].(string)
	got, _ := m["field"].(string)
	if msg == "" || got != field {
		t.Errorf("%s: body %s, want an error message and field %q", what, r.body, field)
	}
}

// wantRetryMessage checks that a response has a Retry-After header and a
// message that says the same number of seconds.
func wantRetryMessage(t testing.TB, what string, r response) {
	t.Helper()
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Errorf("%s: Retry-After %q, want a positive number of seconds", what, r.header.Get("Retry-After"))
		return
	}
	unit := " seconds"
	if secs == 1 {
		unit = " second"
	}
	if msg, _ := r.json(t)["error"].(string); !strings.Contains(msg, " "+strconv.Itoa(secs)+unit) {
		t.Errorf("%s: message %q does not say the Retry-After of %d%s", what, msg, secs, unit)
	}
}

// loginWith signs in with a captcha answer.
func (b *browser) loginWith(email, pw, captcha string) response {
	b.t.Helper()
	return b.do("POST", "/api/v1/login", map[string]string{"email": email, "password": pw, "captcha": captcha})
}
