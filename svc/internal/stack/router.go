package stack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/internal/server"
)

// router picks a route the way ingress-nginx does: among the rules of the
// request's host, an Exact path that equals the request path wins, else the
// longest Prefix rule that matches on a path-segment boundary. A host no
// rule names gets a 404, as from the controller's default backend, so a
// page on another origin that resolves to loopback (DNS rebinding) reaches
// no service.
type router struct {
	byHost map[string][]Route // sorted: exact first, then longer paths first
	domain string
	proxy  map[string]*httputil.ReverseProxy
}

func newRouter(routes []Route, domain string, ports map[string]string) *router {
	r := &router{byHost: map[string][]Route{}, domain: domain, proxy: map[string]*httputil.ReverseProxy{}}
	for _, rt := range routes {
		r.byHost[rt.Host] = append(r.byHost[rt.Host], rt)
	}
	for _, rs := range r.byHost {
		sort.SliceStable(rs, func(i, j int) bool {
			if rs[i].Exact != rs[j].Exact {
				return rs[i].Exact
			}
			return len(rs[i].Path) > len(rs[j].Path)
		})
	}
	// The transport passes Accept-Encoding through as the client sent it
	// and never decompresses: with Go's default, a client that asked for
	// no encoding got a body the transport had unzipped under the ETag of
	// the gzip variant.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DisableCompression = true
	for part, addr := range ports {
		target := &url.URL{Scheme: "http", Host: addr}
		r.proxy[part] = &httputil.ReverseProxy{
			Transport: transport,
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.SetXForwarded()
				// ingress-nginx passes the visitor's Host through.
				pr.Out.Host = pr.In.Host
				if ip, _, err := net.SplitHostPort(pr.In.RemoteAddr); err == nil {
					pr.Out.Header.Set("X-Real-IP", ip)
				}
			},
			ErrorHandler: func(w http.ResponseWriter, req *http.Request, err error) {
				if req.Context().Err() != nil {
					return // the client went away
				}
				slog.Warn("proxy", "part", part, "err", err.Error())
				writeError(w, http.StatusBadGateway, part+" is not answering: see its log")
			},
		}
	}
	return r
}

// siteHost maps the host a developer browses to the spec's host it stands
// for: localhost is the site's host, and sub.localhost the spec's host
// sub.<site host> (admin.localhost is admin.example.org). A spec host
// itself stands for itself. Any other host maps to "", which no rule
// names.
func (r *router) siteHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" {
		return r.domain
	}
	if _, ok := r.byHost[host]; ok {
		return host
	}
	if sub, ok := strings.CutSuffix(host, ".localhost"); ok && sub != "" {
		if h := sub + "." + r.domain; len(r.byHost[h]) > 0 {
			return h
		}
		// Hosts outside the site's domain (an alias such as
		// www.example.net) are reached by their first label.
		var found []string
		for h := range r.byHost {
			if first, _, _ := strings.Cut(h, "."); first == sub {
				found = append(found, h)
			}
		}
		if len(found) == 1 {
			return found[0]
		}
	}
	return ""
}

// Match returns the route for host and path, and whether there is one.
func (r *router) Match(host, path string) (Route, bool) {
	for _, rt := range r.byHost[r.siteHost(host)] {
		switch {
		case rt.Exact && path == rt.Path:
			return rt, true
		case !rt.Exact && prefixMatch(rt.Path, path):
			return rt, true
		}
	}
	return Route{}, false
}

// prefixMatch is Kubernetes' Prefix path type: element-wise, so /api
// matches /api and /api/x but not /apix.
func prefixMatch(prefix, path string) bool {
	if prefix == "/" {
		return true
	}
	p := strings.TrimSuffix(prefix, "/")
	return path == p || strings.HasPrefix(path, p+"/")
}

func (r *router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.siteHost(req.Host) == "" {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no site at host %q: browse http://localhost:PORT (the site) or a subdomain of localhost the site names, e.g. admin.localhost", req.Host))
		return
	}
	rt, ok := r.Match(req.Host, req.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, "no route for this host and path")
		return
	}
	p, ok := r.proxy[rt.Part]
	if !ok {
		writeError(w, http.StatusServiceUnavailable, "the "+rt.Part+" part does not run in the local stack yet")
		return
	}
	if rt.BodyLimit > 0 && !limitBody(w, req, rt.BodyLimit) {
		return
	}
	p.ServeHTTP(w, req)
}

// drainLimit bounds how much of a body over the limit is read and thrown
// away before the 413, and drainTime how long that may take.
const (
	drainLimit = 64 << 20
	drainTime  = 10 * time.Second
)

// limitBody enforces the route's body limit as ingress-nginx's
// client_max_body_size does: a body over the limit, declared by
// Content-Length or found while reading a chunked one, gets 413 and never
// reaches the service. The body is read up to the limit before proxying,
// as nginx buffers it. The rest of an oversized body is read and dropped
// (bounded, as nginx's lingering close), so the client, still sending,
// reads the 413 instead of a connection reset. It reports whether to
// proxy.
func limitBody(w http.ResponseWriter, req *http.Request, limit int64) bool {
	if req.Body == nil || req.Body == http.NoBody {
		return true
	}
	if req.ContentLength > limit {
		drain(w, req)
		tooLarge(w, limit)
		return false
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "could not read the request body: "+err.Error())
		return false
	}
	if int64(len(b)) > limit {
		drain(w, req)
		tooLarge(w, limit)
		return false
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.ContentLength = int64(len(b))
	req.TransferEncoding = nil
	return true
}

func drain(w http.ResponseWriter, req *http.Request) {
	if req.Header.Get("Expect") != "" {
		return // the client waits for 100 Continue and sends nothing
	}
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(drainTime)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return
	}
	io.Copy(io.Discard, io.LimitReader(req.Body, drainLimit))
	rc.SetReadDeadline(time.Time{})
}

func tooLarge(w http.ResponseWriter, limit int64) {
	w.Header().Set("Connection", "close")
	writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than this route's limit of %s: send less", formatSize(limit)))
}

// formatSize writes n bytes as nginx sizes are written: 1m, 64m, 512k.
func formatSize(n int64) string {
	switch {
	case n%(1<<30) == 0:
		return fmt.Sprintf("%dg", n>>30)
	case n%(1<<20) == 0:
		return fmt.Sprintf("%dm", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%dk", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// writeError answers with the JSON error every service sends, and the
// services' security headers.
func writeError(w http.ResponseWriter, status int, msg string) {
	server.SetSecurityHeaders(w.Header())
	server.WriteError(w, status, msg)
}

// siteURL is where the site listening on addr is browsed: always under
// localhost, the one local name the router maps to the site's host (and
// the KIN_DOMAIN the services are given), whatever address it listens on.
func siteURL(addr net.Addr) string {
	_, port, _ := net.SplitHostPort(addr.String())
	return "http://" + net.JoinHostPort("localhost", port)
}
