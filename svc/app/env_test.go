package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/envtest"
)

// TestEnv checks that app reads exactly the variables gen renders for it.
func TestEnv(t *testing.T) {
	envtest.Check(t, "app", func(r *config.Reader) { configure(r) })
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
