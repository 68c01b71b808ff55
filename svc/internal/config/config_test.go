package config

import (
	"slices"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestReader(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr []string // substrings, one per expected problem; nil for none
	}{
		{
			name: "complete",
			env: map[string]string{"KIN_DOMAIN": "example.org", "KIN_DB_ADDR": "db:3306", "KIN_DB_NAME": "kin",
				"KIN_DB_USER": "kin", "KIN_DB_PASSWORD": "s3cret", "KIN_LISTEN": "127.0.0.1:9000"},
		},
		{
			name:    "all missing reported together",
			env:     map[string]string{},
			wantErr: []string{"KIN_DOMAIN is not set", "KIN_DB_ADDR is not set", "KIN_DB_NAME is not set", "KIN_DB_USER is not set", "KIN_DB_PASSWORD is not set"},
		},
		{
			name: "malformed",
			env: map[string]string{"KIN_DOMAIN": "Example..org", "KIN_DB_ADDR": "db", "KIN_DB_NAME": "kin;drop",
				"KIN_DB_USER": "kin", "KIN_DB_PASSWORD": "", "KIN_LISTEN": "8080"},
			wantErr: []string{`KIN_DOMAIN="Example..org": want`, `KIN_DB_ADDR="db": want host:port`, `KIN_DB_NAME="kin;drop": want letters`, `KIN_LISTEN="8080": want host:port`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New(env(tt.env))
			r.Listen()
			r.Domain()
			r.DB()
			err := r.Err()
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.wantErr) {
				t.Errorf("%d problems reported, want %d:\n%v", len(lines), len(tt.wantErr), err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestDefaultsAndLists(t *testing.T) {
	r := New(env(map[string]string{"L": " a.example, ,b.example "}))
	if got := r.Listen(); got != ":8080" {
		t.Errorf("Listen() = %q, want :8080", got)
	}
	if got := r.List("L", DNSName); len(got) != 2 || got[0] != "a.example" || got[1] != "b.example" {
		t.Errorf("List = %q", got)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestChecks(t *testing.T) {
	for _, tt := range []struct {
		check Check
		v     string
		ok    bool
	}{
		{HostPort, ":8080", true},
		{HostPort, "db:3306", true},
		{HostPort, "[::1]:80", true},
		{HostPort, "db:99999", false},
		{HostPort, "db", false},
		{DNSName, "localhost", true},
		{DNSName, "a-b.example.org", true},
		{DNSName, "-a.org", false},
		{DNSName, "a_b.org", false},
		{HTTPURL, "http://captcha:8080", true},
		{HTTPURL, "captcha:8080", false},
		{HTTPURL, "ftp://x", false},
	} {
		if err := tt.check(tt.v); (err == nil) != tt.ok {
			t.Errorf("check(%q) = %v, want ok=%v", tt.v, err, tt.ok)
		}
	}
}

// TestNames checks that Names lists every variable asked for, once, sorted,
// whether it was set or not and whether its value passed or not.
func TestNames(t *testing.T) {
	r := New(env(map[string]string{"KIN_LISTEN": "bad", "KIN_DOMAIN_ALIASES": "a.example"}))
	if got := r.Names(); len(got) != 0 {
		t.Errorf("Names() before any lookup = %q, want none", got)
	}
	r.Listen()
	r.Domain()
	r.List("KIN_DOMAIN_ALIASES", DNSName)
	r.DB()
	r.String("KIN_LISTEN", "") // a second lookup of the same name
	want := []string{"KIN_DB_ADDR", "KIN_DB_NAME", "KIN_DB_PASSWORD", "KIN_DB_USER", "KIN_DOMAIN", "KIN_DOMAIN_ALIASES", "KIN_LISTEN"}
	if got := r.Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
}
