package stack

import "testing"

func TestMatch(t *testing.T) {
	routes := []Route{
		{Host: "example.org", Path: "/", Part: "frontend"},
		{Host: "example.org", Path: "/api/", Part: "app"},
		{Host: "example.org", Path: "/api/v1/domain", Exact: true, Part: "domainname"},
		{Host: "example.org", Path: "/captcha/", Part: "captcha"},
		{Host: "example.org", Path: "/cgi-bin/system.cgi", Exact: true, Part: "app"},
		{Host: "admin.example.org", Path: "/", Part: "admin"},
	}
	r := newRouter(routes, "example.org", nil)
	tests := []struct {
		host, path string
		want       string // "" for no route
	}{
		{"localhost:8080", "/", "frontend"},
		{"localhost:8080", "/signup", "frontend"},
		{"localhost", "/api/v1/me", "app"},
		{"localhost", "/api", "app"},
		{"localhost", "/apix", "frontend"},
		{"localhost", "/api/v1/domain", "domainname"},
		{"localhost", "/api/v1/domain/x", "app"},
		{"localhost", "/captcha/getnew", "captcha"},
		{"localhost", "/cgi-bin/system.cgi", "app"},
		{"localhost", "/cgi-bin/other.cgi", "frontend"},
		{"admin.localhost:8080", "/users", "admin"},
		{"127.0.0.1:8080", "/api/v1/session", "app"},
	}
	for _, tt := range tests {
		rt, ok := r.Match(tt.host, tt.path)
		got := ""
		if ok {
			got = rt.Part
		}
		if got != tt.want {
			t.Errorf("Match(%q, %q) = %q, want %q", tt.host, tt.path, got, tt.want)
		}
	}
}
