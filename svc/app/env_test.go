package main

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/kin-social/kin/gen/site"
	"github.com/kin-social/kin/svc/internal/config"
)

// TestEnv checks that app reads exactly the variables gen renders for it
// (gen/site's registry): none it needs is missing from out/, none rendered
// for it goes unread. TestEnvIsRegistry in gen/render checks out/ against the
// same registry.
func TestEnv(t *testing.T) {
	r := config.New(func(string) (string, bool) { return "", false })
	configure(r)
	if got, want := r.Names(), site.ProgramEnv("app"); !slices.Equal(got, want) {
		t.Errorf("configure reads %q, but gen/site's registry renders %q for app: make them agree", got, want)
	}
}

// TestMethodNotAllowed checks that a path served with several methods
// names all of them, so two features may serve one path.
func TestMethodNotAllowed(t *testing.T) {
	rec := httptest.NewRecorder()
	methodNotAllowed([]string{"GET", "PUT"}).ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/x", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("status %d, want 405", rec.Code)
	}
	if got, want := rec.Header().Get("Allow"), "GET, HEAD, PUT"; got != want {
		t.Errorf("Allow %q, want %q", got, want)
	}
	if body := rec.Body.String(); !strings.Contains(body, "use GET or PUT for /api/v1/x") {
		t.Errorf("body %s does not name the methods", body)
	}
}
