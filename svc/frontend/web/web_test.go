package web

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kin-social/kin/svc/frontend/assets"
	"github.com/kin-social/kin/svc/internal/server"
)

// serve runs the client behind the platform's server, as the frontend
// binary does, on a real socket, and returns its base URL.
func serve(t *testing.T) (string, *Client) {
	t.Helper()
	return serveWith(t, nil)
}

// serveWith is serve with other routes beside the client's, registered by
// routes on a mux that sends every other path to the client: for a stub
// of the API where a test needs one.
func serveWith(t *testing.T, routes func(*http.ServeMux)) (string, *Client) {
	t.Helper()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = c
	if routes != nil {
		mux := http.NewServeMux()
		mux.Handle("/", c)
		routes(mux)
		h = mux
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	srv := &server.Server{Handler: h, Log: slog.New(slog.DiscardHandler), DrainDelay: -1}
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return "http://" + ln.Addr().String(), c
}

func get(t *testing.T, method, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
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
	return res, string(b)
}

func TestPages(t *testing.T) {
	base, _ := serve(t)
	const html = "text/html; charset=utf-8"
	for _, tt := range []struct {
		method, path string
		status       int
		ctype        string
	}{
		{"GET", "/", 200, html},
		{"GET", "/signup", 200, html},
		{"GET", "/signin", 200, html},
		{"GET", "/profile", 200, html},
		{"GET", "/profile/edit", 200, html},
		{"GET", "/u/1", 200, html},
		{"GET", "/u/9223372036854775807", 200, html},
		{"GET", "/friends", 200, html},
		{"GET", "/notifications", 200, html},
		{"GET", "/posts/1", 200, html},
		{"GET", "/posts/9223372036854775807", 200, html},
		{"HEAD", "/signup", 200, html},
		// Anything else is the shell with a 404, which the client renders
		// as its "page not found" page.
		{"GET", "/nope", 404, html},
		{"GET", "/signup/", 404, html},
		{"GET", "/index.html", 404, html},
		{"GET", "/profile/edit/x", 404, html},
		{"GET", "/u/", 404, html},
		{"GET", "/u/0", 404, html},
		{"GET", "/u/007", 404, html},
		{"GET", "/u/-1", 404, html},
		{"GET", "/u/abc", 404, html},
		{"GET", "/u/9223372036854775808", 404, html},
		{"GET", "/u/1/photos", 404, html},
		{"GET", "/friends/", 404, html},
		{"GET", "/posts", 404, html},
		{"GET", "/posts/0", 404, html},
		{"GET", "/posts/01", 404, html},
		{"GET", "/posts/x", 404, html},
		{"GET", "/posts/1/edit", 404, html},
		{"GET", "/api/v1/session", 404, html}, // the app's, routed elsewhere by the ingress
		{"POST", "/signup", 405, ""},
		{"GET", "/assets/js/app.js", 404, "application/json; charset=utf-8"}, // unhashed
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res, body := get(t, tt.method, base+tt.path, nil)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if tt.ctype != "" && res.Header.Get("Content-Type") != tt.ctype {
				t.Errorf("Content-Type %q, want %q", res.Header.Get("Content-Type"), tt.ctype)
			}
			csp := res.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy %q, want default-src 'self'", csp)
			}
			if tt.ctype == html {
				if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
					t.Errorf("Cache-Control %q, want no-cache", cc)
				}
				if tt.method == "GET" && !strings.Contains(body, `<main id="main"`) {
					t.Errorf("body is not the page shell:\n%s", body)
				}
			}
		})
	}
}

// TestShellRevalidates checks that the uncached HTML costs only headers
// when it has not changed.
func TestShellRevalidates(t *testing.T) {
	base, _ := serve(t)
	res, _ := get(t, "GET", base+"/profile", nil)
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on the page")
	}
	res, body := get(t, "GET", base+"/signin", map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("revalidation: %d with %d bytes, want 304 with none", res.StatusCode, len(body))
	}
}

var (
	assetRef  = regexp.MustCompile(`(?:href|src)="(/assets/[^"]+)"`)
	jsImport  = regexp.MustCompile(`(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']`)
	hashedURL = regexp.MustCompile(`^/assets/[a-z0-9/_-]+\.[0-9a-f]{8}\.[a-z0-9]+$`)
)

// TestAssetGraph fetches the page like a browser: every asset the shell
// names and, recursively, every module those modules import, checking
// that each resolves to a hashed name served with its type and the
// immutable cache policy.
func TestAssetGraph(t *testing.T) {
	base, c := serve(t)
	_, shell := get(t, "GET", base+"/", nil)
	var queue []string
	for _, m := range assetRef.FindAllStringSubmatch(shell, -1) {
		queue = append(queue, m[1])
	}
	if len(queue) < 3 {
		t.Fatalf("the shell names %d assets, want the icon, the style sheet and the modules:\n%s", len(queue), shell)
	}
	seen := map[string]bool{}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if seen[u] {
			continue
		}
		seen[u] = true
		if !hashedURL.MatchString(u) {
			t.Errorf("%s is not a hashed asset URL", u)
		}
		res, body := get(t, "GET", base+u, nil)
		if res.StatusCode != 200 {
			t.Errorf("%s: status %d", u, res.StatusCode)
			continue
		}
		if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", u, cc)
		}
		if ct, want := res.Header.Get("Content-Type"), assets.ContentType(u); ct != want {
			t.Errorf("%s: Content-Type %q, want %q", u, ct, want)
		}
		if path.Ext(u) == ".js" {
			for _, m := range jsImport.FindAllStringSubmatch(body, -1) {
				queue = append(queue, path.Join(path.Dir(u), m[1]))
			}
		}
	}
	// Every module and style sheet is reachable from the shell; nothing
	// embedded is dead weight.
	for _, name := range c.Assets().Names() {
		u, _ := c.Assets().URL(name)
		if !seen[u] {
			t.Errorf("%s (%s) is embedded but nothing refers to it", name, u)
		}
	}
}

// TestClientRules enforces the client's security rules on its source: no
// HTML parsing of strings (all data goes in as text), no inline script or
// style, nothing loaded from another origin.
func TestClientRules(t *testing.T) {
	files := fstest.MapFS{"index.html": {Data: []byte(indexHTML)}}
	sub, _ := fs.Sub(static, "static")
	err := fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, name)
		files[name] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rules := []struct {
		ext string
		re  *regexp.Regexp
		why string
	}{
		{".js", regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser`), "parses a string as HTML: set text with textContent"},
		{".js", regexp.MustCompile(`\beval\(|new Function\(|setTimeout\(\s*['"]`), "evaluates a string as code (CSP forbids it)"},
		{".js", regexp.MustCompile(`\.style\.|setAttribute\(\s*['"]style`), "sets inline style: use a class"},
		{".html", regexp.MustCompile(`<script(?:\s+type="module")?>|<style|\sstyle=|\son[a-z]+=`), "inline script, style or handler (CSP forbids them)"},
		{"", regexp.MustCompile(`https?://(?:[a-z0-9-]+\.)+[a-z]{2,}`), "names another origin: every request stays on this site"},
		{"", regexp.MustCompile(`data:[a-z]+/`), "data: URL (CSP forbids them)"},
	}
	for name, f := range files {
		for _, r := range rules {
			if r.ext != "" && path.Ext(name) != r.ext {
				continue
			}
			text := string(f.Data)
			if path.Ext(name) == ".svg" {
				// The SVG namespace is an identifier, not a request.
				text = strings.ReplaceAll(text, "http://www.w3.org/2000/svg", "")
			}
			if m := r.re.FindString(text); m != "" {
				t.Errorf("%s: %q %s", name, m, r.why)
			}
		}
	}
}

// TestRoutesMatchPages checks that the client's router (app.js) and the
// server's Pages list the same pages, so no page the client can show is a
// 404 when loaded directly, and no path the server accepts is unknown to
// the client.
func TestRoutesMatchPages(t *testing.T) {
	src, err := fs.ReadFile(static, "static/js/app.js")
	if err != nil {
		t.Fatal(err)
	}
	routeRe := regexp.MustCompile(`\[/\^(.*?)\$/,`)
	var client []string
	for _, m := range routeRe.FindAllStringSubmatch(string(src), -1) {
		p := strings.ReplaceAll(m[1], `\/`, "/")
		p = regexp.MustCompile(`\(\[1-9\].*\)`).ReplaceAllString(p, "{id}")
		if p == "/" {
			p = "/{$}"
		}
		client = append(client, p)
	}
	if strings.Join(client, " ") != strings.Join(Pages, " ") {
		t.Errorf("app.js routes %q, web.Pages %q: make them list the same pages", client, Pages)
	}
}

func TestValidID(t *testing.T) {
	for _, tt := range []struct {
		id   string
		want bool
	}{
		{"1", true}, {"42", true}, {"9223372036854775807", true},
		{"0", false}, {"01", false}, {"+1", false}, {"-1", false}, {"1e3", false},
		{"", false}, {"9223372036854775808", false}, {"١", false},
	} {
		if got := validID(tt.id); got != tt.want {
			t.Errorf("validID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestBadShell(t *testing.T) {
	files := fstest.MapFS{"app.js": {Data: []byte(`export {};`)}}
	for _, tt := range []struct{ shell, want string }{
		{`<script src="{{asset "gone.js"}}"></script>`, "no file gone.js"},
		{`{{range imports "gone.js"}}{{.}}{{end}}`, "no file gone.js"},
		{`{{asset`, "render index.html"},
	} {
		if _, err := newClient(files, tt.shell); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("newClient(%q): %v, want an error containing %q", tt.shell, err, tt.want)
		}
	}
}

// TestContrast checks the colour pairs the style sheet uses for text
// against WCAG 2's AA ratio of 4.5:1, in the light and the dark scheme.
func TestContrast(t *testing.T) {
	css, err := fs.ReadFile(static, "static/css/app.css")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile(`(?s):root \{(.*?)\}`).FindAllStringSubmatch(string(css), -1)
	if len(blocks) != 2 {
		t.Fatalf("found %d :root blocks, want 2 (light, then dark)", len(blocks))
	}
	varRe := regexp.MustCompile(`--([a-z-]+):\s*#([0-9a-f]{6});`)
	// Pairs of (text, background) as the style sheet combines them.
	pairs := [][2]string{
		{"text", "bg"}, {"text", "surface"}, {"muted", "bg"}, {"muted", "surface"},
		{"accent", "bg"}, {"accent", "surface"}, {"accent", "accent-soft"},
		{"on-accent", "accent"}, {"on-accent", "accent-hover"}, {"accent-hover", "surface"},
		{"error", "surface"}, {"text", "error-bg"}, {"success", "surface"},
		{"text", "accent-soft"}, {"bg", "text"},
		// The social pages: danger buttons and the unread badge, muted
		// text on unread notifications, comments on the page's colour.
		{"on-danger", "danger"}, {"danger", "surface"}, {"danger", "error-bg"},
		{"muted", "accent-soft"}, {"accent", "accent-soft"}, {"text", "bg"}, {"accent", "bg"},
	}
	for i, scheme := range []string{"light", "dark"} {
		colours := map[string]string{}
		for _, m := range varRe.FindAllStringSubmatch(blocks[0][1], -1) {
			colours[m[1]] = m[2]
		}
		for _, m := range varRe.FindAllStringSubmatch(blocks[i][1], -1) {
			colours[m[1]] = m[2]
		}
		for _, p := range pairs {
			fg, bg := colours[p[0]], colours[p[1]]
			if fg == "" || bg == "" {
				t.Errorf("%s: --%s or --%s is not a #rrggbb colour", scheme, p[0], p[1])
				continue
			}
			if r := contrast(fg, bg); r < 4.5 {
				t.Errorf("%s: --%s on --%s has contrast %.2f:1, want at least 4.5:1", scheme, p[0], p[1], r)
			}
		}
	}
}

// contrast returns the WCAG 2 contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	var rgb [3]float64
	for i := range rgb {
		n, _ := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
		c := float64(n) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		rgb[i] = c
	}
	return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
}
