package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/kin-social/kin/gen/site"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func load(t testing.TB, path string) *site.Site {
	t.Helper()
	s, err := site.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func parse(t testing.TB, spec string) *site.Site {
	t.Helper()
	s, err := site.Parse([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func renderFiles(t testing.TB, s *site.Site) map[string][]byte {
	t.Helper()
	files, err := Render(s)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, f := range files {
		m[f.Name] = f.Data
	}
	return m
}

// TestGolden compares the rendering of specs with testdata/golden/<name>/. Run
// `go test ./gen/render -run Golden -update` to accept a change, then review the diff.
func TestGolden(t *testing.T) {
	specs := map[string]string{
		"default": "testdata/default.yaml",
		// The tests' own copy of site.yaml, and the other modes: MySQL as a
		// StatefulSet, chat through tcp-services.
		"statefulset": "testdata/statefulset.yaml",
		"external":    "testdata/external.yaml",
	}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			got := renderFiles(t, load(t, spec))
			dir := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				for f, data := range got {
					p := filepath.Join(dir, filepath.FromSlash(f))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			want := map[string][]byte{}
			err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, err := os.ReadFile(p)
				rel, _ := filepath.Rel(dir, p)
				want[filepath.ToSlash(rel)] = data
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(toStrings(want), toStrings(got)); diff != "" {
				t.Errorf("rendering differs from %s (-want +got); if intended, run with -update:\n%s", dir, diff)
			}
		})
	}
}

func toStrings(m map[string][]byte) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	first := renderFiles(t, load(t, "testdata/default.yaml"))
	for range 5 {
		again := renderFiles(t, load(t, "testdata/default.yaml"))
		if diff := cmp.Diff(toStrings(first), toStrings(again)); diff != "" {
			t.Fatalf("two renderings differ (-first +again):\n%s", diff)
		}
	}
}

func TestFilesLookGenerated(t *testing.T) {
	for name, data := range renderFiles(t, load(t, "testdata/default.yaml")) {
		if !bytes.HasPrefix(data, []byte(Header)) {
			t.Errorf("%s does not start with the generated header", name)
		}
		for _, bad := range []string{"creationTimestamp", "status: {}", "\nstatus:"} {
			if bytes.Contains(data, []byte(bad)) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
}

// TestQuoting feeds values that would break unquoted YAML through the spec and
// checks that they come out intact, as values.
func TestQuoting(t *testing.T) {
	const url = `https://listing.example.net/register?a=b: c #d'"{x}&e=[1]`
	s := parse(t, minimal+"listing: {url: '"+strings.ReplaceAll(url, "'", "''")+"'}\n")
	files := renderFiles(t, s)
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict(files["listing.deployment.yaml"], &d); err != nil {
		t.Fatal(err)
	}
	var got *string
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "KIN_LISTING_URL" {
			got = &e.Value
		}
	}
	if got == nil || *got != url {
		t.Errorf("KIN_LISTING_URL = %v, want %q", got, url)
	}
}

// minimal is a small valid spec; tests append to it.
const minimal = `
domain: example.org
namespace: social
images: {tag: v1.0.0}
volumes:
  media: {server: nfs.example.org, path: /srv/kin/media}
  db: {server: nfs.example.org, path: /srv/kin/db}
argocd: {repoURL: https://github.com/kin-social/kin.git}
`

func BenchmarkRender(b *testing.B) {
	s := load(b, "testdata/default.yaml")
	if _, err := Render(s); err != nil { // parse templates and CRD schemas once
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(s); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKustomizeBuild builds every golden rendering with kubectl's kustomize, the
// way `kubectl apply -k out/` reads it, and counts the objects. Without kubectl
// on PATH it skips, unless KIN_REQUIRE_KUBECTL=1 (set by .ci/run, which installs
// Debian's kubectl package) makes that a failure.
func TestKustomizeBuild(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		if os.Getenv("KIN_REQUIRE_KUBECTL") == "1" {
			t.Fatal("kubectl is not on PATH and KIN_REQUIRE_KUBECTL=1: install Debian's kubectl package")
		}
		t.Skip("kubectl is not on PATH: kustomize build not checked (KIN_REQUIRE_KUBECTL=1 makes this a failure)")
	}
	dirs, err := filepath.Glob("testdata/golden/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden directories: %v", err)
	}
	for _, dir := range dirs {
		out, err := exec.Command(kubectl, "kustomize", dir).CombinedOutput()
		if err != nil {
			t.Errorf("kubectl kustomize %s: %v\n%s", dir, err, out)
			continue
		}
		var k kustomization
		data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.UnmarshalStrict(data, &k); err != nil {
			t.Fatal(err)
		}
		if got := bytes.Count(out, []byte("\n---\n")) + 1; got != len(k.Resources) {
			t.Errorf("kubectl kustomize %s built %d objects, want %d", dir, got, len(k.Resources))
		}
	}
}

func TestIndent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a", "  a"},
		{"a\n", "  a\n"},
		{"a\nb", "  a\n  b"},
		{"a\n\n  b\n", "  a\n\n    b\n"},
		{"\n\na", "\n\n  a"},
	}
	for _, tt := range tests {
		if got := indent(2, tt.in); got != tt.want {
			t.Errorf("indent(2, %q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestQuoteHelpers checks that mapping and sequence quote each entry exactly as q does.
func TestQuoteHelpers(t *testing.T) {
	values := []string{"", "plain", "a: b #c", `say "hi"`, `back\slash`, "tab\there", "<a&b>", "é", "line\nbreak", "\u2028"}
	for _, v := range values {
		var b strings.Builder
		writeQuoted(&b, v)
		if b.String() != quote(v) {
			t.Errorf("writeQuoted(%q) = %s, quote = %s", v, b.String(), quote(v))
		}
		var back string
		if err := json.Unmarshal([]byte(quote(v)), &back); err != nil || back != v {
			t.Errorf("quote(%q) = %s reads back as %q, %v", v, quote(v), back, err)
		}
		if got, want := mapping(2, map[string]string{v: v}), "\n  "+quote(v)+": "+quote(v); got != want {
			t.Errorf("mapping with %q = %q, want %q", v, got, want)
		}
		if got, want := sequence(40, []string{v}), "\n"+strings.Repeat(" ", 40)+"- "+quote(v); got != want {
			t.Errorf("sequence(40, %q) = %q, want %q", v, got, want)
		}
	}
	if got, want := mapping(4, map[string]string{"b": "2", "a": "1", "c": "3"}), "\n    \"a\": \"1\"\n    \"b\": \"2\"\n    \"c\": \"3\""; got != want {
		t.Errorf("mapping = %q, want %q (sorted by key)", got, want)
	}
}
