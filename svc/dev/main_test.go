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
	routes := Routes(s)
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
