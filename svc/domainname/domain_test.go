package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/dbtest"
	"github.com/kin-social/kin/svc/internal/server"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// serve runs svc behind the platform's server on a loopback port, as
// main does, and returns its base URL.
func serve(t *testing.T, svc *service) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &server.Server{Handler: svc.routes(), Ready: svc.db.PingContext, Log: slog.New(slog.DiscardHandler), DrainDelay: -1}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

type response struct {
	status int
	header http.Header
	body   string
}

// do sends method to url with the Host header host ("" keeps the URL's)
// and extra headers.
func do(t *testing.T, method, url, host string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, string(b)}
}

func getDomain(t *testing.T, base string) string {
	t.Helper()
	res := do(t, http.MethodGet, base+"/api/v1/domain", "")
	if res.status != http.StatusOK {
		t.Fatalf("GET /api/v1/domain: %d %s", res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q, want text/plain; charset=utf-8", ct)
	}
	return res.body
}

func wantJSONError(t *testing.T, res response, status int) {
	t.Helper()
	if res.status != status {
		t.Errorf("status %d, want %d (body %s)", res.status, status, res.body)
	}
	var body struct{ Error string }
	if err := json.Unmarshal([]byte(res.body), &body); err != nil || body.Error == "" {
		t.Errorf("body %q is not a JSON error: %v", res.body, err)
	}
}

func TestDomain(t *testing.T) {
	conn := dbtest.New(t)
	base := serve(t, newService(conn, "example.org", []string{"www.example.org", "Kin.Example.NET"}))

	if got := getDomain(t, base); got != "example.org" {
		t.Fatalf("domain before any POST = %q, want the configured example.org", got)
	}
	// Each step posts with a Host header and then reads the domain back:
	// accepted hosts are recorded normalized, refused ones change nothing.
	steps := []struct {
		host       string
		wantStatus int
		want       string
	}{
		{"www.example.org", http.StatusNoContent, "www.example.org"},
		{"example.org:8443", http.StatusNoContent, "example.org"},
		{"WWW.EXAMPLE.ORG:443", http.StatusNoContent, "www.example.org"},
		{"kin.example.net", http.StatusNoContent, "kin.example.net"},
		{"example.org.", http.StatusNoContent, "example.org"},
		{"example.org", http.StatusNoContent, "example.org"}, // unchanged: no write
		{"evil.example", http.StatusForbidden, "example.org"},
		{"example.org.evil.example", http.StatusForbidden, "example.org"},
		{"xexample.org", http.StatusForbidden, "example.org"},
		{"sub.example.org", http.StatusForbidden, "example.org"},
		{"127.0.0.1:8080", http.StatusForbidden, "example.org"},
		{"[::1]:8080", http.StatusForbidden, "example.org"},
		{"example.org'; DROP TABLE site_domain; --", http.StatusForbidden, "example.org"},
	}
	for _, st := range steps {
		res := do(t, http.MethodPost, base+"/api/v1/domain", st.host)
		if st.wantStatus == http.StatusForbidden {
			wantJSONError(t, res, http.StatusForbidden)
		} else if res.status != st.wantStatus {
			t.Errorf("POST with Host %q: %d %s, want %d", st.host, res.status, res.body, st.wantStatus)
		}
		if got := getDomain(t, base); got != st.want {
			t.Errorf("after POST with Host %q: domain %q, want %q", st.host, got, st.want)
		}
	}

	var rows int
	if err := conn.QueryRow("SELECT COUNT(*) FROM site_domain").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Errorf("site_domain has %d rows, want 1", rows)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	conn := dbtest.New(t)
	base := serve(t, newService(conn, "example.org", []string{"www.example.org"}))
	res := do(t, http.MethodPost, base+"/api/v1/domain", "www.example.org",
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	wantJSONError(t, res, http.StatusForbidden)
	if got := getDomain(t, base); got != "example.org" {
		t.Errorf("cross-origin POST changed the domain to %q", got)
	}
	// The site's own page posting is fine.
	res = do(t, http.MethodPost, base+"/api/v1/domain", "www.example.org",
		"Origin", "https://www.example.org", "Sec-Fetch-Site", "same-origin")
	if res.status != http.StatusNoContent {
		t.Errorf("same-origin POST: %d %s", res.status, res.body)
	}
}

// TestReplicasAgree runs two replicas on one database: what one records,
// the other serves.
func TestReplicasAgree(t *testing.T) {
	c := dbtest.Config(t)
	var bases []string
	for range 2 {
		conn, err := db.Open(context.Background(), c, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		bases = append(bases, serve(t, newService(conn, "example.org", []string{"www.example.org"})))
	}
	if res := do(t, http.MethodPost, bases[0]+"/api/v1/domain", "www.example.org"); res.status != http.StatusNoContent {
		t.Fatalf("POST to replica 0: %d %s", res.status, res.body)
	}
	if got := getDomain(t, bases[1]); got != "www.example.org" {
		t.Errorf("replica 1 serves %q, want www.example.org recorded through replica 0", got)
	}
}

func TestMethodsAndPaths(t *testing.T) {
	conn := dbtest.New(t)
	base := serve(t, newService(conn, "example.org", nil))
	res := do(t, http.MethodPut, base+"/api/v1/domain", "example.org")
	wantJSONError(t, res, http.StatusMethodNotAllowed)
	if allow := res.header.Get("Allow"); !strings.Contains(allow, "POST") {
		t.Errorf("405 Allow %q, want GET, HEAD, POST", allow)
	}
	wantJSONError(t, do(t, http.MethodGet, base+"/api/v1/domains", ""), http.StatusNotFound)
	if res := do(t, http.MethodHead, base+"/api/v1/domain", ""); res.status != http.StatusOK {
		t.Errorf("HEAD: %d", res.status)
	}
}

func TestReadyz(t *testing.T) {
	conn := dbtest.New(t)
	base := serve(t, newService(conn, "example.org", nil))
	if res := do(t, http.MethodGet, base+"/readyz", ""); res.status != http.StatusOK {
		t.Errorf("readyz with the database up: %d %s", res.status, res.body)
	}
	conn.Close()
	if res := do(t, http.MethodGet, base+"/readyz", ""); res.status != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed: %d %s, want 503", res.status, res.body)
	}
	// A database failure is the server's problem: 500, saying nothing of it.
	res := do(t, http.MethodGet, base+"/api/v1/domain", "")
	wantJSONError(t, res, http.StatusInternalServerError)
	if strings.Contains(res.body, "sql") {
		t.Errorf("500 body leaks the database error: %s", res.body)
	}
}

func TestRequestHost(t *testing.T) {
	for in, want := range map[string]string{
		"example.org":       "example.org",
		"Example.ORG:8080":  "example.org",
		"example.org.":      "example.org",
		"example.org.:443":  "example.org",
		"[::1]:8080":        "::1",
		"[::1]":             "::1",
		"127.0.0.1:80":      "127.0.0.1",
		"":                  "",
		"a.example.org:bad": "a.example.org",
	} {
		if got := requestHost(in); got != want {
			t.Errorf("requestHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRunConfig(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := run(ctx, slog.New(slog.DiscardHandler), func(k string) (string, bool) {
		v, ok := map[string]string{"KIN_DOMAIN": "Not A Domain", "KIN_DOMAIN_ALIASES": "ok.example,bad_alias"}[k]
		return v, ok
	})
	if err == nil {
		t.Fatal("run accepted a bad configuration")
	}
	for _, want := range []string{"KIN_DOMAIN=", "KIN_DOMAIN_ALIASES=\"bad_alias\"", "KIN_DB_ADDR is not set", "KIN_DB_PASSWORD is not set"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("configuration error %q does not mention %s", err, want)
		}
	}
}
