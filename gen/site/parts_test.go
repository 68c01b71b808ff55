package site

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// TestRegistry checks the rows of the registry against each other and the tree.
func TestRegistry(t *testing.T) {
	names := map[string]bool{}
	for _, p := range Registry {
		if names[p.Name] {
			t.Errorf("part %s registered twice", p.Name)
		}
		names[p.Name] = true
		if !slices.IsSorted(p.Env) || len(slices.Compact(slices.Clone(p.Env))) != len(p.Env) {
			t.Errorf("%s: Env %q is not sorted without repeats", p.Name, p.Env)
		}
		readsDB := slices.ContainsFunc(DBEnv, func(v string) bool { return slices.Contains(p.Env, v) })
		if p.DB != readsDB || (readsDB && !containsAll(p.Env, DBEnv)) {
			t.Errorf("%s: DB is %v but Env %q", p.Name, p.DB, p.Env)
		}
		if p.Program != "" && p.Media != slices.Contains(p.Env, "KIN_MEDIA_DIR") {
			t.Errorf("%s: Media is %v but Env %q", p.Name, p.Media, p.Env)
		}
		if p.Program != "" && !p.Batch && !slices.Contains(p.Env, "KIN_LISTEN") {
			t.Errorf("%s serves but does not read KIN_LISTEN: %q", p.Name, p.Env)
		}
		if p.Batch != (p.spec == nil) || p.Batch && (p.Replicas != 0 || p.Port != 0 || p.Web) {
			t.Errorf("%s: a Batch part has no sizing, replicas, port or web; a long-running one has them", p.Name)
		}
		if p.Single != "" && p.Replicas != 1 {
			t.Errorf("%s must run one replica but defaults to %d", p.Name, p.Replicas)
		}
		if p.Program == "" && p.Written {
			t.Errorf("%s is Written but has no program", p.Name)
		}
		if p.Program != "" {
			_, err := os.Stat(filepath.Join("..", "..", "svc", p.Program, "main.go"))
			if exists := err == nil; exists != p.Written {
				t.Errorf("%s: Written is %v, but svc/%s/main.go exists: %v", p.Name, p.Written, p.Program, exists)
			}
		}
	}
	// Every part of the spec is in the registry, and nothing else is.
	var s Site
	sized := map[*Part]string{}
	for _, name := range PartNames {
		sized[s.Part(name)] = name
	}
	v := reflect.ValueOf(&s.Parts).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Type() != reflect.TypeFor[Part]() {
			continue
		}
		if _, ok := sized[f.Addr().Interface().(*Part)]; !ok {
			t.Errorf("parts.%s is not in the registry", v.Type().Field(i).Name)
		}
	}
	for _, name := range []string{"cron", "migrate"} {
		if p, ok := LookupPart(name); !ok || !p.Batch {
			t.Errorf("%s is not a Batch part of the registry", name)
		}
	}
}

func containsAll(list, want []string) bool {
	for _, w := range want {
		if !slices.Contains(list, w) {
			return false
		}
	}
	return true
}

func TestProgramEnv(t *testing.T) {
	if got, want := ProgramEnv("domainname"), []string{"KIN_DB_ADDR", "KIN_DB_NAME", "KIN_DB_PASSWORD", "KIN_DB_USER", "KIN_DOMAIN", "KIN_DOMAIN_ALIASES", "KIN_LISTEN"}; !slices.Equal(got, want) {
		t.Errorf("ProgramEnv(domainname) = %q, want %q", got, want)
	}
	got := ProgramEnv("captcha")
	got[0] = "changed"
	if ProgramEnv("captcha")[0] != "KIN_LISTEN" {
		t.Error("ProgramEnv returns the registry's own slice")
	}
	defer func() {
		if recover() == nil {
			t.Error("ProgramEnv(adminer) did not panic: adminer is no program of Kin's")
		}
	}()
	ProgramEnv("adminer")
}
