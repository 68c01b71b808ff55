package assets

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/site.golden from the current output")

// dump lists every file of a Set, by logical name, with its hashed URL and
// its served content.
func dump(t *testing.T, s *Set) string {
	t.Helper()
	var b strings.Builder
	for _, name := range s.Names() {
		f := s.byName[name]
		fmt.Fprintf(&b, "== %s -> %s (%s)\n%s", name, f.url, f.body.ctype, f.body.raw)
	}
	return b.String()
}

// TestGolden checks the hashed names and the rewritten references of a
// small site that uses every kind of reference: static, side-effect,
// re-export and dynamic imports, imports from a parent directory, CSS
// @import and url() both relative and absolute.
func TestGolden(t *testing.T) {
	s, err := New(os.DirFS("testdata/site"), "/assets/")
	if err != nil {
		t.Fatal(err)
	}
	got := dump(t, s)
	const golden = "testdata/site.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output differs from %s (-want +got; go test -update accepts it):\n%s", golden, diff)
	}
}

// TestReferencesResolve checks, independently of the golden file, that
// every reference in every served file names a URL the Set serves, and
// that no unhashed name of a Set file is left in any of them.
func TestReferencesResolve(t *testing.T) {
	s, err := New(os.DirFS("testdata/site"), "/assets/")
	if err != nil {
		t.Fatal(err)
	}
	hashed := regexp.MustCompile(`^/assets/(.+)\.[0-9a-f]{8}(\.[a-z0-9]+)$`)
	for _, name := range s.Names() {
		f := s.byName[name]
		m := hashed.FindStringSubmatch(f.url)
		if m == nil || m[1]+m[2] != name {
			t.Errorf("%s: URL %s is not /assets/ + name with an 8-digit hash before the extension", name, f.url)
		}
		refs, err := findRefs(name, f.body.raw, "/assets/")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range refs {
			if _, ok := s.byURL["/assets/"+r.target]; !ok {
				t.Errorf("%s: reference %q resolves to /assets/%s, which is not served", name, r.spec, r.target)
			}
		}
	}
	// The test site has 5 references in main.js, 1 in each view, 3 in the CSS.
	main, _ := s.URL("js/main.js")
	if n := len(s.byURL[main].deps); n != 4 {
		t.Errorf("main.js has %d distinct dependencies, want 4", n)
	}
}

// TestHashFollowsDependencies checks that changing one file renames it and
// every file that references it, directly or not, and nothing else.
func TestHashFollowsDependencies(t *testing.T) {
	files := fstest.MapFS{
		"app.js":       {Data: []byte(`import { a } from './a.js'; import './c.js';`)},
		"a.js":         {Data: []byte(`import { b } from './lib/b.js'; export const a = b;`)},
		"lib/b.js":     {Data: []byte(`export const b = 1;`)},
		"c.js":         {Data: []byte(`export const c = 3;`)},
		"style.css":    {Data: []byte(`body { color: red; }`)},
		"unrelated.js": {Data: []byte(`export const u = 0;`)},
	}
	before, err := New(files, "/assets/")
	if err != nil {
		t.Fatal(err)
	}
	files["lib/b.js"] = &fstest.MapFile{Data: []byte(`export const b = 2;`)}
	after, err := New(files, "/assets/")
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string]bool{"app.js": true, "a.js": true, "lib/b.js": true}
	for _, name := range before.Names() {
		u1, _ := before.URL(name)
		u2, _ := after.URL(name)
		if (u1 != u2) != changed[name] {
			t.Errorf("%s: URL %s -> %s; want changed=%v", name, u1, u2, changed[name])
		}
	}
	// Rebuilding from the same files gives the same names.
	again, err := New(files, "/assets/")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dump(t, after), dump(t, again)); diff != "" {
		t.Errorf("two builds of the same files differ:\n%s", diff)
	}
}

func TestImports(t *testing.T) {
	s, err := New(os.DirFS("testdata/site"), "/assets/")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Imports("js/main.js")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range []string{"js/lib.js", "js/views/page.js", "js/side-effect.js", "js/views/later.js"} {
		u, _ := s.URL(n)
		want = append(want, u)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Imports(js/main.js) (-want +got):\n%s", diff)
	}
	if _, err := s.Imports("js/nope.js"); err == nil {
		t.Error("Imports of a missing file: no error")
	}
	if _, err := s.URL("js/nope.js"); err == nil {
		t.Error("URL of a missing file: no error")
	}
}

func TestNewErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		files  fstest.MapFS
		prefix string
		want   string
	}{
		{
			name:  "missing import",
			files: fstest.MapFS{"app.js": {Data: []byte(`import { x } from './gone.js';`)}},
			want:  `app.js: "./gone.js" refers to gone.js, which does not exist`,
		},
		{
			name:  "missing style sheet reference",
			files: fstest.MapFS{"a.css": {Data: []byte(`body { background: url(img/none.png) }`)}},
			want:  "", // not relative nor under the prefix: left alone
		},
		{
			name:  "missing absolute reference",
			files: fstest.MapFS{"a.css": {Data: []byte(`body { background: url(/assets/none.png) }`)}},
			want:  `a.css: "/assets/none.png" refers to none.png, which does not exist`,
		},
		{
			name: "cycle",
			files: fstest.MapFS{
				"a.js": {Data: []byte(`import './b.js';`)},
				"b.js": {Data: []byte(`import './c.js';`)},
				"c.js": {Data: []byte(`import './a.js';`)},
			},
			want: "reference cycle: a.js -> b.js -> c.js -> a.js",
		},
		{
			name:  "self import",
			files: fstest.MapFS{"a.js": {Data: []byte(`import('./a.js');`)}},
			want:  "reference cycle: a.js -> a.js",
		},
		{
			name:  "leaves the directory",
			files: fstest.MapFS{"js/a.js": {Data: []byte(`import '../../etc/passwd.js';`)}},
			want:  `js/a.js: "../../etc/passwd.js" leaves the asset directory`,
		},
		{
			name:  "query string",
			files: fstest.MapFS{"a.js": {Data: []byte(`import './b.js?v=2';`)}, "b.js": {}},
			want:  `a.js: "./b.js?v=2": remove the query or fragment`,
		},
		{
			name:  "unknown file type",
			files: fstest.MapFS{"notes.md": {Data: []byte(`# notes`)}},
			want:  `notes.md: unknown file type ".md"`,
		},
		{
			name:   "prefix without slashes",
			files:  fstest.MapFS{},
			prefix: "assets",
			want:   `prefix "assets" must begin and end with a slash`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			prefix := tt.prefix
			if prefix == "" {
				prefix = "/assets/"
			}
			_, err := New(tt.files, prefix)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v, want no error", err)
			case tt.want != "" && err == nil:
				t.Fatalf("New: no error, want %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("New: %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestServe(t *testing.T) {
	s, err := New(os.DirFS("testdata/site"), "/assets/")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	mainURL, _ := s.URL("js/main.js")
	cssURL, _ := s.URL("css/site.css")
	svgURL, _ := s.URL("img/dot.svg")
	etag := s.byURL[mainURL].body.etag

	for _, tt := range []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		status     int
		ctype      string
		encoding   string // Content-Encoding
		body       []byte // decoded; nil: not checked
		wantNoBody bool
	}{
		{name: "module", path: mainURL, status: 200, ctype: "text/javascript; charset=utf-8", body: s.byURL[mainURL].body.raw},
		{name: "style sheet", path: cssURL, status: 200, ctype: "text/css; charset=utf-8", body: s.byURL[cssURL].body.raw},
		{name: "svg", path: svgURL, status: 200, ctype: "image/svg+xml"},
		{name: "gzip", path: mainURL, header: map[string]string{"Accept-Encoding": "br, gzip;q=0.8"}, status: 200, ctype: "text/javascript; charset=utf-8", encoding: "gzip", body: s.byURL[mainURL].body.raw},
		{name: "gzip refused", path: mainURL, header: map[string]string{"Accept-Encoding": "gzip;q=0, *"}, status: 200, ctype: "text/javascript; charset=utf-8", body: s.byURL[mainURL].body.raw},
		{name: "head", method: "HEAD", path: mainURL, status: 200, ctype: "text/javascript; charset=utf-8", wantNoBody: true},
		{name: "revalidation", path: mainURL, header: map[string]string{"If-None-Match": etag}, status: 304, wantNoBody: true},
		{name: "stale etag", path: mainURL, header: map[string]string{"If-None-Match": `"other"`}, status: 200, ctype: "text/javascript; charset=utf-8"},
		{name: "unhashed name", path: "/assets/js/main.js", status: 404, ctype: "application/json; charset=utf-8"},
		{name: "wrong hash", path: "/assets/js/main.00000000.js", status: 404, ctype: "application/json; charset=utf-8"},
		{name: "directory", path: "/assets/js/", status: 404, ctype: "application/json; charset=utf-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			req, _ := http.NewRequest(method, srv.URL+tt.path, nil)
			// Turn off the transport's own gzip handling, so the test
			// sees what the server sent.
			req.Header.Set("Accept-Encoding", "identity")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, tt.status, raw)
			}
			if tt.ctype != "" && res.Header.Get("Content-Type") != tt.ctype {
				t.Errorf("Content-Type %q, want %q", res.Header.Get("Content-Type"), tt.ctype)
			}
			if tt.status < 400 && res.Header.Get("Cache-Control") != Immutable {
				t.Errorf("Cache-Control %q, want %q", res.Header.Get("Cache-Control"), Immutable)
			}
			if got := res.Header.Get("Content-Encoding"); got != tt.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.encoding)
			}
			if tt.wantNoBody && len(raw) != 0 {
				t.Errorf("body of %d bytes, want none", len(raw))
			}
			if tt.body != nil {
				got := raw
				if tt.encoding == "gzip" {
					zr, err := gzip.NewReader(bytes.NewReader(raw))
					if err != nil {
						t.Fatal(err)
					}
					if got, err = io.ReadAll(zr); err != nil {
						t.Fatal(err)
					}
				}
				if !bytes.Equal(got, tt.body) {
					t.Errorf("body differs from the file:\n%s", got)
				}
			}
		})
	}
}

func TestAcceptsGzip(t *testing.T) {
	for _, tt := range []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"deflate, gzip;q=1.0, *;q=0.5"}, true},
		{[]string{"br", "gzip"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"identity"}, false},
		{[]string{"x-gzip"}, true},
		{[]string{"gzipfoo"}, false},
	} {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestETagMatch(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{`"abc"`, true},
		{`W/"abc"`, true},
		{`"x", "abc"`, true},
		{`*`, true},
		{`"abcd"`, false},
	} {
		if got := etagMatch(tt.header, `"abc"`); got != tt.want {
			t.Errorf("etagMatch(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

// TestBodyStatus checks that a Body served with an error status sends it
// and never answers 304, so a 404 page cannot be mistaken for a cached
// 200.
func TestBodyStatus(t *testing.T) {
	b := NewBody("text/html; charset=utf-8", []byte("<p>not found</p>"))
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("If-None-Match", b.etag)
	rec := httptest.NewRecorder()
	b.Serve(rec, req, http.StatusNotFound, "no-cache")
	if rec.Code != http.StatusNotFound || rec.Body.String() != "<p>not found</p>" {
		t.Errorf("got %d %q, want 404 with the body", rec.Code, rec.Body)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q, want no-cache", cc)
	}
}
