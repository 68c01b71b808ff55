package stack

import (
	"slices"
	"strings"
	"testing"

	"github.com/kin-social/kin/gen/site"
	"github.com/kin-social/kin/svc/internal/config"
)

// TestPartsAreRegistry checks that the stack runs the written programs of
// gen/site's registry and gives each exactly the variables it reads.
func TestPartsAreRegistry(t *testing.T) {
	var names []string
	for _, p := range Parts {
		names = append(names, p.Name)
	}
	if want := []string{"frontend", "captcha", "app", "domainname"}; !slices.Equal(names, want) {
		t.Errorf("Parts = %q, want %q", names, want)
	}
	ports := map[string]string{"captcha": "127.0.0.1:1234"}
	values := localValues(config.DB{Addr: "127.0.0.1:3306", Name: "kin", User: "root"}, ports)
	values["KIN_LISTEN"] = "127.0.0.1:4321"
	for _, p := range append(Parts, Part{Name: "migrate", Env: site.ProgramEnv("migrate")}) {
		info, _ := site.LookupPart(p.Name)
		env, err := programEnv(p.Name, p.Env, values)
		if err != nil {
			t.Errorf("%s: %v", p.Name, err)
			continue
		}
		var got []string
		for _, kv := range env {
			k, _, _ := strings.Cut(kv, "=")
			got = append(got, k)
		}
		if !slices.Equal(got, info.Env) {
			t.Errorf("%s gets %q, want the registry's %q", p.Name, got, info.Env)
		}
	}
	if env, _ := programEnv("app", site.ProgramEnv("app"), values); !slices.Contains(env, "KIN_CAPTCHA_URL=http://127.0.0.1:1234") {
		t.Errorf("app's environment %q does not point at the local captcha", env)
	}
	if _, err := programEnv("chat", site.ProgramEnv("chat"), values); err == nil || !strings.Contains(err.Error(), "KIN_TLS_DIR") {
		t.Errorf("a variable without a local value: %v, want an error naming KIN_TLS_DIR", err)
	}
}
