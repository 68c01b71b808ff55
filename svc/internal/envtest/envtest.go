// Package envtest checks, in a program's tests, that the program reads
// exactly the environment gen renders for it.
package envtest

import (
	"slices"
	"testing"

	"github.com/kin-social/kin/gen/site"
	"github.com/kin-social/kin/svc/internal/config"
)

// Check calls configure, the program's one reader of its environment, on
// an empty environment, and fails t unless the variables it looked up are
// exactly those gen/site's registry renders for program: none it needs is
// missing from out/, none rendered for it goes unread. TestEnvIsRegistry
// in gen/render checks out/ against the same registry.
func Check(t *testing.T, program string, configure func(*config.Reader)) {
	t.Helper()
	r := config.New(func(string) (string, bool) { return "", false })
	configure(r)
	if got, want := r.Names(), site.ProgramEnv(program); !slices.Equal(got, want) {
		t.Errorf("configure reads %q, but gen/site's registry renders %q for %s: make them agree", got, want, program)
	}
}
