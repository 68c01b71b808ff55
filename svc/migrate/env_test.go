package main

import (
	"slices"
	"testing"

	"github.com/kin-social/kin/gen/site"
	"github.com/kin-social/kin/svc/internal/config"
)

// TestEnv checks that migrate reads exactly the variables gen renders for it
// (gen/site's registry): none it needs is missing from out/, none rendered
// for it goes unread. TestEnvIsRegistry in gen/render checks out/ against the
// same registry.
func TestEnv(t *testing.T) {
	r := config.New(func(string) (string, bool) { return "", false })
	configure(r)
	if got, want := r.Names(), site.ProgramEnv("migrate"); !slices.Equal(got, want) {
		t.Errorf("configure reads %q, but gen/site's registry renders %q for migrate: make them agree", got, want)
	}
}
