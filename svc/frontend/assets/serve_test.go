package assets

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Each encoding has its own entity tag, and every answer says it varies
// by Accept-Encoding: a client that sends no Accept-Encoding (curl, a
// proxy's health check) gets the plain body under the plain tag, and
// revalidating one variant with the other's tag is a 200, never a 304 for
// a body the client does not have.
func TestServeVariants(t *testing.T) {
	js := []byte(strings.Repeat("export const greeting = 'hello';\n", 100))
	b := NewBody("text/javascript; charset=utf-8", js)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.Serve(w, r, http.StatusOK, Immutable)
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(hdr map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, tt := range []struct {
		name     string
		hdr      map[string]string
		status   int
		etag     string
		encoding string
	}{
		{"no Accept-Encoding", nil, 200, b.etag, ""},
		{"identity", map[string]string{"Accept-Encoding": "identity"}, 200, b.etag, ""},
		{"gzip", map[string]string{"Accept-Encoding": "gzip, deflate"}, 200, b.etagGzip, "gzip"},
		{"plain revalidated", map[string]string{"If-None-Match": b.etag}, 304, b.etag, ""},
		{"gzip revalidated", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": b.etagGzip}, 304, b.etagGzip, ""},
		{"plain with the gzip tag", map[string]string{"If-None-Match": b.etagGzip}, 200, b.etag, ""},
		{"gzip with the plain tag", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": b.etag}, 200, b.etagGzip, "gzip"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := get(tt.hdr)
			if res.StatusCode != tt.status {
				t.Errorf("status %d, want %d", res.StatusCode, tt.status)
			}
			if got := res.Header.Get("ETag"); got != tt.etag {
				t.Errorf("ETag %q, want %q", got, tt.etag)
			}
			if got := res.Header.Get("Content-Encoding"); got != tt.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.encoding)
			}
			if got := res.Header.Values("Vary"); len(got) != 1 || got[0] != "Accept-Encoding" {
				t.Errorf("Vary %q, want [Accept-Encoding]", got)
			}
		})
	}
	if b.etag == b.etagGzip || b.etagGzip == "" {
		t.Fatalf("tags %q and %q: want two different", b.etag, b.etagGzip)
	}
}
