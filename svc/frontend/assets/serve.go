package assets

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/kin-social/kin/svc/internal/server"
)

// Immutable is the Cache-Control of hashed assets: a hashed name never
// changes content, so browsers and proxies may keep it for a year without
// asking again.
const Immutable = "public, max-age=31536000, immutable"

// A Body is a response body prepared once at start-up: the bytes, a gzip
// copy when that is smaller, and entity tags for both, so serving it is
// only a header comparison and a write.
type Body struct {
	ctype    string
	raw, gz  []byte
	etag     string // of raw
	etagGzip string // of gz
}

// NewBody prepares b to be served with the Content-Type ctype.
func NewBody(ctype string, b []byte) *Body {
	sum := sha256.Sum256(b)
	tag := hex.EncodeToString(sum[:12])
	body := &Body{ctype: ctype, raw: b, etag: `"` + tag + `"`}
	if compressible(ctype) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		if buf.Len() < len(b) {
			body.gz = buf.Bytes()
			body.etagGzip = `"` + tag + `-gz"`
		}
	}
	return body
}

// compressible reports whether gzip is worth trying: text, not images that
// are compressed already.
func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "application/json") ||
		strings.HasPrefix(ctype, "image/svg+xml")
}

// Bytes returns the uncompressed body.
func (b *Body) Bytes() []byte { return b.raw }

// Serve writes the body with the status and cacheControl, compressed when
// the client accepts gzip. A GET or HEAD whose If-None-Match names the
// current entity tag gets 304 Not Modified, so even an uncached page costs
// only headers when it has not changed.
func (b *Body) Serve(w http.ResponseWriter, r *http.Request, status int, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", b.ctype)
	h.Set("Cache-Control", cacheControl)
	body, etag := b.raw, b.etag
	if b.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			body, etag = b.gz, b.etagGzip
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	if status == http.StatusOK && (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		etagMatch(r.Header.Get("If-None-Match"), etag) {
		h.Del("Content-Type")
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// acceptsGzip reports whether Accept-Encoding values allow gzip: listed
// by name or as "*", and not with q=0.
func acceptsGzip(values []string) bool {
	gzip, star := -1, -1 // -1 not listed, 0 refused, 1 accepted
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(item, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			ok := 1
			for _, p := range strings.Split(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(strings.TrimSpace(k), "q") {
					if q, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil && q == 0 {
						ok = 0
					}
				}
			}
			switch name {
			case "gzip", "x-gzip":
				gzip = ok
			case "*":
				star = ok
			}
		}
	}
	if gzip >= 0 {
		return gzip == 1
	}
	return star == 1
}

// etagMatch reports whether an If-None-Match header names etag, with the
// weak comparison RFC 9110 prescribes for it.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// ServeHTTP serves the file whose hashed URL is the request's path, with
// the Immutable cache policy. Any other path, including a file's unhashed
// name, is a 404: a page that asks for it was not rendered from this Set.
func (s *Set) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := s.byURL[r.URL.Path]
	if !ok {
		server.WriteError(w, http.StatusNotFound, "no such asset: reload the page to get the current version")
		return
	}
	f.body.Serve(w, r, http.StatusOK, Immutable)
}
