package stack

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/frontend/assets"
	"github.com/kin-social/kin/svc/internal/server"
)

func TestMatch(t *testing.T) {
	routes := []Route{
		{Host: "example.org", Path: "/", Part: "frontend"},
		{Host: "example.org", Path: "/api/", Part: "app"},
		{Host: "example.org", Path: "/api/v1/domain", Exact: true, Part: "domainname"},
		{Host: "example.org", Path: "/captcha/", Part: "captcha"},
		{Host: "example.org", Path: "/cgi-bin/system.cgi", Exact: true, Part: "app"},
		{Host: "www.example.net", Path: "/", Part: "frontend"},
		{Host: "admin.example.org", Path: "/", Part: "admin"},
	}
	r := newRouter(routes, "example.org", nil)
	tests := []struct {
		host, path string
		want       string // "" for no route
	}{
		{"localhost:8080", "/", "frontend"},
		{"localhost:8080", "/signup", "frontend"},
		{"localhost", "/api/v1/me", "app"},
		{"LocalHost.", "/api", "app"},
		{"localhost", "/apix", "frontend"},
		{"localhost", "/api/v1/domain", "domainname"},
		{"localhost", "/api/v1/domain/x", "app"},
		{"localhost", "/captcha/getnew", "captcha"},
		{"localhost", "/cgi-bin/system.cgi", "app"},
		{"localhost", "/cgi-bin/other.cgi", "frontend"},
		{"admin.localhost:8080", "/users", "admin"},
		{"www.localhost:8080", "/", "frontend"},
		{"example.org", "/api/v1/me", "app"},
		{"admin.example.org:443", "/", "admin"},
		// Hosts the spec does not name, as the Ingress would not serve them.
		{"127.0.0.1:8080", "/api/v1/session", ""},
		{"[::1]:8080", "/", ""},
		{"evil.test", "/", ""},
		{"evil.test:8080", "/api/v1/login", ""},
		{"example.org.evil.test", "/", ""},
		{"nosuch.localhost", "/", ""},
		{".localhost", "/", ""},
		{"", "/", ""},
	}
	for _, tt := range tests {
		rt, ok := r.Match(tt.host, tt.path)
		got := ""
		if ok {
			got = rt.Part
		}
		if got != tt.want {
			t.Errorf("Match(%q, %q) = %q, want %q", tt.host, tt.path, got, tt.want)
		}
	}
}

// testRouter serves a router on a real socket in front of parts that are
// real servers too, and returns its address.
func testRouter(t *testing.T, routes []Route, parts map[string]http.Handler) string {
	t.Helper()
	ports := map[string]string{}
	for name, h := range parts {
		if h == nil {
			// A part that is down: its port refuses connections.
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ports[name] = ln.Addr().String()
			ln.Close()
			continue
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		ports[name] = srv.Listener.Addr().String()
	}
	srv := httptest.NewServer(newRouter(routes, "example.org", ports))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// rawClient sends exactly the headers given: no Accept-Encoding of its own
// and no transparent decompression.
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}

func do(t *testing.T, method, url, host string, body io.Reader, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := rawClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s (Host %s): %v", method, url, host, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", method, url, err)
	}
	return res, b
}

// wantJSONError checks a router error: the status, a JSON body with an
// error message, and the services' security headers.
func wantJSONError(t *testing.T, res *http.Response, body []byte, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d (%s)", res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	var e struct{ Error string }
	if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
		t.Errorf("body %q is not a JSON error (%v)", body, err)
	}
	want := http.Header{}
	server.SetSecurityHeaders(want)
	for k := range want {
		if got := res.Header.Get(k); got != want.Get(k) {
			t.Errorf("%s: %q, want %q", k, got, want.Get(k))
		}
	}
}

// A host the spec does not name gets the router's 404 and never reaches a
// service: not the site, whose cross-origin check a forged Host and Origin
// pair would pass.
func TestUnknownHost(t *testing.T) {
	var hits atomic.Int32
	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "the site")
	})
	addr := testRouter(t, []Route{
		{Host: "example.org", Path: "/", Part: "frontend"},
		{Host: "example.org", Path: "/api/", Part: "app"},
	}, map[string]http.Handler{"frontend": site, "app": site})

	for _, host := range []string{"evil.test", "evil.test:" + strings.Split(addr, ":")[1], "127.0.0.1", "nosuch.localhost"} {
		res, body := do(t, "GET", "http://"+addr+"/", host, nil, nil)
		wantJSONError(t, res, body, http.StatusNotFound)
		res, body = do(t, "POST", "http://"+addr+"/api/v1/login", host, strings.NewReader(`{}`),
			map[string]string{"Origin": "http://" + host, "Content-Type": "application/json"})
		wantJSONError(t, res, body, http.StatusNotFound)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("services got %d requests for unknown hosts", n)
	}
	res, body := do(t, "GET", "http://"+addr+"/", "localhost", nil, nil)
	if res.StatusCode != 200 || string(body) != "the site" {
		t.Errorf("localhost: %d %q, want the site", res.StatusCode, body)
	}
}

// unsized is a body of n bytes whose length the client does not know, so
// it is sent chunked.
type unsized struct{ n int }

func (u *unsized) Read(p []byte) (int, error) {
	if u.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), u.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	u.n -= k
	return k, nil
}

// Each route has its Ingress's body limit: a body over it, declared or
// chunked, gets 413 every time and never reaches the service; a body at
// the limit passes whole.
func TestBodyLimit(t *testing.T) {
	const limit = 1 << 20 // ingress-nginx's default 1m
	var got atomic.Int64
	var hits atomic.Int32
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n)
		w.WriteHeader(http.StatusNoContent)
	})
	addr := testRouter(t, []Route{
		{Host: "example.org", Path: "/api/", Part: "app", BodyLimit: limit},
		{Host: "example.org", Path: "/upload/", Part: "upload", BodyLimit: 4 * limit},
	}, map[string]http.Handler{"app": echo, "upload": echo})
	url := "http://" + addr

	for _, tt := range []struct {
		name    string
		path    string
		size    int
		chunked bool
		want    int
	}{
		{"at the limit", "/api/x", limit, false, 204},
		{"chunked at the limit", "/api/x", limit, true, 204},
		{"one byte over", "/api/x", limit + 1, false, 413},
		{"chunked one byte over", "/api/x", limit + 1, true, 413},
		{"upload route's own limit", "/upload/x", 3 * limit, true, 204},
		{"over the upload route's limit", "/upload/x", 4*limit + 1, false, 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			got.Store(-1)
			var body io.Reader = bytes.NewReader(make([]byte, tt.size))
			if tt.chunked {
				body = &unsized{tt.size}
			}
			res, b := do(t, "POST", url+tt.path, "localhost", body, nil)
			if tt.want == 413 {
				wantJSONError(t, res, b, 413)
				if n := hits.Load(); n != 0 {
					t.Errorf("the service got the oversized request")
				}
				return
			}
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, tt.want, b)
			}
			if n := got.Load(); n != int64(tt.size) {
				t.Errorf("service got a body of %d bytes, want %d", n, tt.size)
			}
		})
	}

	// A chunked 10 MB body: 413 every time, never a reset.
	for i := range 20 {
		res, body := do(t, "POST", url+"/api/v1/login", "localhost", &unsized{10 << 20}, map[string]string{"Content-Type": "application/json"})
		if res.StatusCode != 413 {
			t.Fatalf("try %d: status %d, want 413 (%s)", i, res.StatusCode, body)
		}
	}
	// The same over one raw connection, as curl sends it.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	go func() {
		io.WriteString(conn, "POST /api/v1/login HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n")
		chunk := "10000\r\n" + strings.Repeat("x", 1<<16) + "\r\n"
		for range 160 {
			if _, err := io.WriteString(conn, chunk); err != nil {
				return
			}
		}
		io.WriteString(conn, "0\r\n\r\n")
	}()
	line, err := readStatusLine(conn)
	if err != nil || line != "HTTP/1.1 413 Request Entity Too Large" {
		t.Errorf("raw chunked 10 MB: %q (%v), want a 413", line, err)
	}
}

func readStatusLine(c net.Conn) (string, error) {
	var b []byte
	one := make([]byte, 1)
	for {
		if _, err := c.Read(one); err != nil {
			return string(b), err
		}
		if one[0] == '\n' {
			return strings.TrimSuffix(string(b), "\r"), nil
		}
		b = append(b, one[0])
	}
}

// The router's own errors carry the services' security headers.
func TestRouterErrorHeaders(t *testing.T) {
	addr := testRouter(t, []Route{
		{Host: "example.org", Path: "/", Part: "frontend", BodyLimit: 10},
		{Host: "example.org", Path: "/down/", Part: "down"},
		{Host: "example.org", Path: "/media/", Part: "upload"},
	}, map[string]http.Handler{"frontend": http.NotFoundHandler(), "down": nil})
	url := "http://" + addr
	for _, tt := range []struct {
		name, method, host, path string
		body                     string
		status                   int
	}{
		{"unknown host", "GET", "evil.test", "/", "", 404},
		{"too large", "POST", "localhost", "/", strings.Repeat("x", 11), 413},
		{"part down", "GET", "localhost", "/down/x", "", 502},
		{"part not run locally", "GET", "localhost", "/media/x", "", 503},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			res, b := do(t, tt.method, url+tt.path, tt.host, body, nil)
			wantJSONError(t, res, b, tt.status)
		})
	}
}

// A hashed asset served through the router reaches the client as the
// frontend sent it: without Accept-Encoding the plain body under the plain
// ETag, with gzip the compressed body under the gzip ETag.
func TestAssetEncodingThroughRouter(t *testing.T) {
	js := []byte(strings.Repeat("export const greeting = 'hello, world';\n", 200))
	body := assets.NewBody("text/javascript; charset=utf-8", js)
	frontend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body.Serve(w, r, http.StatusOK, assets.Immutable)
	})
	addr := testRouter(t, []Route{{Host: "example.org", Path: "/", Part: "frontend"}},
		map[string]http.Handler{"frontend": frontend})
	direct := httptest.NewServer(frontend)
	defer direct.Close()
	url := "http://" + addr + "/assets/js/main.0123abcd.js"

	for _, tt := range []struct {
		name     string
		hdr      map[string]string
		encoding string
	}{
		{"no Accept-Encoding", nil, ""},
		{"identity", map[string]string{"Accept-Encoding": "identity"}, ""},
		{"gzip", map[string]string{"Accept-Encoding": "gzip"}, "gzip"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want, _ := do(t, "GET", direct.URL+"/x", "", nil, tt.hdr)
			res, b := do(t, "GET", url, "localhost", nil, tt.hdr)
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			if got := res.Header.Get("Content-Encoding"); got != tt.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.encoding)
			}
			if got, w := res.Header.Get("ETag"), want.Header.Get("ETag"); got != w {
				t.Errorf("ETag %q through the router, %q from the frontend", got, w)
			}
			if tt.encoding == "" && strings.HasSuffix(res.Header.Get("ETag"), `-gz"`) {
				t.Errorf("plain body under the gzip ETag %s", res.Header.Get("ETag"))
			}
			if v := res.Header.Get("Vary"); v != "Accept-Encoding" {
				t.Errorf("Vary %q, want Accept-Encoding", v)
			}
			if tt.encoding == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("gzip body: %v", err)
				}
				b, _ = io.ReadAll(zr)
			}
			if !bytes.Equal(b, js) {
				t.Errorf("body of %d bytes, want the %d of the asset", len(b), len(js))
			}
		})
	}
}

// The stack's URL is under localhost whatever it listens on, since the
// router answers 127.0.0.1 with a 404.
func TestSiteURL(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			t.Logf("listen on %s: %v", listen, err)
			continue
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		if got, want := siteURL(ln.Addr()), "http://localhost:"+port; got != want {
			t.Errorf("listening on %s: URL %s, want %s", ln.Addr(), got, want)
		}
		ln.Close()
	}
}
