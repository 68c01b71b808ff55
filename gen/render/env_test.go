package render

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kin-social/kin/gen/site"
)

// TestEnvIsRegistry checks, in out/ and in every golden rendering, that each
// part's container gets exactly the variables gen/site's registry says its
// program reads: the explicit env entries and the keys of every ConfigMap it
// takes through envFrom. Each program's own env test checks the other half,
// that its configuration reads exactly the registry's list.
func TestEnvIsRegistry(t *testing.T) {
	dirs, err := filepath.Glob("testdata/golden/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden directories: %v", err)
	}
	for _, dir := range append([]string{"../../out"}, dirs...) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			files := readDir(t, dir)
			configMaps := map[string]map[string]string{}
			for name, data := range files {
				if strings.HasSuffix(name, ".configmap.yaml") {
					var cm corev1.ConfigMap
					mustDecode(t, data, &cm)
					configMaps[cm.Name] = cm.Data
				}
			}
			seen := map[string]bool{}
			for file, p := range podsOf(t, files) {
				part := p.Labels[labelName]
				info, ok := site.LookupPart(part)
				if !ok {
					t.Errorf("%s: pods of part %q, which gen/site's registry does not have", file, part)
					continue
				}
				seen[part] = true
				if len(p.Spec.Containers) != 1 {
					t.Errorf("%s: %d containers, want 1", file, len(p.Spec.Containers))
					continue
				}
				c := p.Spec.Containers[0]
				var got []string
				for _, e := range c.Env {
					got = append(got, e.Name)
				}
				for _, from := range c.EnvFrom {
					if from.ConfigMapRef == nil {
						t.Errorf("%s: envFrom %+v: only ConfigMaps are understood here", file, from)
						continue
					}
					cm, ok := configMaps[from.ConfigMapRef.Name]
					if !ok {
						t.Errorf("%s: envFrom ConfigMap %s, which is not rendered", file, from.ConfigMapRef.Name)
					}
					for k := range cm {
						got = append(got, from.Prefix+k)
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, info.Env) {
					t.Errorf("%s: container %s gets %q, want exactly what the registry says %s reads: %q", file, c.Name, got, part, info.Env)
				}
			}
			for _, info := range site.Registry {
				// An external database and an empty list of cron tasks render no pods.
				if !seen[info.Name] && info.Name != "db" && info.Name != "cron" {
					t.Errorf("no pods of part %s rendered", info.Name)
				}
			}
		})
	}
}

// readDir reads the rendered files under dir, by slash-separated name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
