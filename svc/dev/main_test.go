package main

import (
	"testing"

	"github.com/kin-social/kin/gen/site"
)

// Each route gets the body limit of the Ingress gen renders it into:
// ingress-nginx's default 1m where no proxy-body-size is rendered, the
// spec's ingress.uploadBodySize on uploaders-ingress.
func TestRoutesBodyLimits(t *testing.T) {
	s, err := site.Load("testdata/site.yaml") // uploadBodySize: 512m
	if err != nil {
		t.Fatal(err)
	}
	routes, err := Routes(s)
	if err != nil {
		t.Fatal(err)
	}
	byIngress := map[string]string{}
	for _, r := range s.Routes() {
		byIngress[r.Host+" "+r.Path] = r.Ingress
	}
	seen := map[string]bool{}
	for _, r := range routes {
		ing := byIngress[r.Host+" "+r.Path]
		want := int64(1 << 20)
		if ing == site.UploadersIngress {
			want = 512 << 20
		}
		if r.BodyLimit != want {
			t.Errorf("%s%s (%s): body limit %d, want %d", r.Host, r.Path, ing, r.BodyLimit, want)
		}
		seen[ing] = true
	}
	for _, ing := range []string{site.AppIngress, site.UploadersIngress, site.AdminIngress} {
		if !seen[ing] {
			t.Errorf("no route of %s", ing)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"0", 0, false},
		{"100", 100, false},
		{"512k", 512 << 10, false},
		{"1m", 1 << 20, false},
		{"64M", 64 << 20, false},
		{"2g", 2 << 30, false},
		{"", 0, true},
		{"m", 0, true},
		{"-1m", 0, true},
		{"64mb", 0, true},
		{"99999999999g", 0, true},
	} {
		got, err := parseSize(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
