package main

import (
	"testing"

	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/envtest"
)

// TestEnv checks that domainname reads exactly the variables gen renders for it.
func TestEnv(t *testing.T) {
	envtest.Check(t, "domainname", func(r *config.Reader) { configure(r) })
}
