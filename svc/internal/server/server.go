// Package server is the HTTP platform every Kin service runs on: start-up
// and shutdown, health endpoints, access logs, security headers,
// cross-origin protection and JSON errors, so that each service's main is
// only its routes.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Main runs a service: it sets up JSON logging on stdout, calls run with a
// context that ends on SIGTERM or SIGINT, and exits 1 when run fails. It is
// the whole body of every service's func main. A second signal kills the
// process at once, without waiting for the drain.
func Main(name string, run func(ctx context.Context, log *slog.Logger) error) {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("service", name)
	slog.SetDefault(log)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	go func() {
		sig := <-sigs
		// Give the next signal its default effect before run learns of
		// this one.
		signal.Stop(sigs)
		log.Info("signalled", "signal", sig.String())
		cancel()
	}()
	if err := run(ctx, log); err != nil {
		log.Error("exiting", "err", err.Error())
		os.Exit(1)
	}
}

// The drain's defaults. The rendered pods' terminationGracePeriodSeconds
// covers their sum, so changing one means rendering the manifests again.
const (
	// DefaultDrainDelay is how long a server keeps serving after its
	// context ends, with /readyz failing, so that kube-proxy and the
	// ingress stop sending to the terminating pod before it stops
	// accepting.
	DefaultDrainDelay = 5 * time.Second
	// DefaultShutdownTimeout is how long in-flight requests may run on
	// after the drain delay, when the server no longer accepts.
	DefaultShutdownTimeout = 20 * time.Second
)

// Server serves one service's routes with the platform's behaviour around
// them.
type Server struct {
	// Addr is where to listen, such as ":8080". Serve ignores it.
	Addr string
	// Handler serves the service's routes. /healthz and /readyz are
	// answered before it. Its handlers may hijack the connection (as
	// x/net/websocket does): hijacked connections are closed at shutdown.
	Handler http.Handler
	// Ready reports whether the service's dependencies answer; nil means
	// always ready.
	Ready func(context.Context) error
	// Log receives access logs and errors.
	Log *slog.Logger

	// TLSDir, when set, makes the server serve HTTPS (HTTP/1.1, so that
	// WebSockets can hijack) with the certificate in TLSDir/tls.crt and
	// its key in TLSDir/tls.key, as a kubernetes.io/tls Secret (from
	// cert-manager) is mounted. A renewed certificate is served from the
	// next handshake on, without a restart; while the files are
	// incomplete or invalid the last good certificate stays. Empty means
	// plain HTTP.
	TLSDir string

	// Timeouts; zero means the default in brackets. WriteTimeout bounds a
	// whole response, so services that stream large bodies raise it.
	// Hijacked connections have no deadlines: their handlers set their own.
	ReadHeaderTimeout time.Duration // 5s
	ReadTimeout       time.Duration // 30s
	WriteTimeout      time.Duration // 60s
	IdleTimeout       time.Duration // 120s
	// DrainDelay is how long the server goes on serving after the context
	// ends, with /readyz answering 503 (DefaultDrainDelay when zero; none
	// when negative).
	DrainDelay time.Duration
	// ShutdownTimeout bounds how long in-flight requests may run on once
	// the drain delay is over (DefaultShutdownTimeout when zero).
	ShutdownTimeout time.Duration
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Run listens on s.Addr and serves until ctx ends, then shuts down
// gracefully.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends, then drains: /readyz answers 503 at
// once while every other request is still served for DrainDelay; then it
// stops accepting, closes hijacked connections, lets in-flight requests
// finish within ShutdownTimeout and returns. It returns nil after a clean
// shutdown. It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	if s.TLSDir != "" {
		certs, err := loadCertificates(s.TLSDir, log)
		if err != nil {
			ln.Close()
			return err
		}
		ln = tls.NewListener(ln, &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: certs.get,
			// HTTP/1.1 only: a WebSocket hijacks its connection, which
			// HTTP/2 cannot give.
			NextProtos: []string{"http/1.1"},
		})
	}
	hj := &hijacks{}
	srv := &http.Server{
		Handler:           s.handler(ctx, log, hj),
		ReadHeaderTimeout: or(s.ReadHeaderTimeout, 5*time.Second),
		ReadTimeout:       or(s.ReadTimeout, 30*time.Second),
		WriteTimeout:      or(s.WriteTimeout, 60*time.Second),
		IdleTimeout:       or(s.IdleTimeout, 120*time.Second),
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		// Requests outlive the context: the drain lets them finish.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "tls", s.TLSDir != "")

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// /readyz fails from now on (it watches ctx). Kubernetes takes a
	// terminating pod out of its Service's endpoints, but kube-proxy and
	// the ingress learn of it only a while later and send requests on
	// meanwhile: serve them, keeping connections alive, so nobody gets a
	// 502.
	if delay := or(s.DrainDelay, DefaultDrainDelay); s.DrainDelay >= 0 {
		log.Info("draining", "delay", delay.String())
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case err := <-errc:
			t.Stop()
			return fmt.Errorf("serve: %w", err)
		}
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), or(s.ShutdownTimeout, DefaultShutdownTimeout))
	defer cancel()
	// http.Server.Shutdown does not know hijacked connections: close them
	// here, and wait below for their handlers to return.
	hj.closeAll()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shut down: %w", err)
	}
	if err := hj.wait(sctx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// handler wraps the service's routes with the platform's middleware, the
// outermost first: access log, panic recovery, security headers, health
// endpoints, cross-origin protection. /readyz fails once ctx ends.
func (s *Server) handler(ctx context.Context, log *slog.Logger, hj *hijacks) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz(ctx, log))
	h := s.Handler
	if h == nil {
		h = http.NotFoundHandler()
	}
	mux.Handle("/", CrossOrigin(h))
	return accessLog(log, hj, recoverPanics(log, securityHeaders(mux)))
}

func (s *Server) readyz(serving context.Context, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if serving.Err() != nil {
			WriteError(w, http.StatusServiceUnavailable, "shutting down")
			return
		}
		if s.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := s.Ready(ctx); err != nil {
				log.Warn("not ready", "err", err.Error())
				WriteError(w, http.StatusServiceUnavailable, "not ready: a dependency does not answer")
				return
			}
		}
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

// CrossOrigin rejects cross-origin state-changing requests (POST, PUT,
// PATCH, DELETE) with a JSON 403, using net/http's CrossOriginProtection
// (Sec-Fetch-Site, else Origin against Host). Safe methods pass. Server
// applies it to every route; it is exported for handlers served elsewhere.
func CrossOrigin(h http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusForbidden, "cross-origin request refused: use the site's own pages")
	}))
	return p.Handler(h)
}

// SetSecurityHeaders sets on h the headers every response of a Kin
// service carries. The policy allows nothing but the site's own origin: no
// inline script or style, no framing. Server sets them on every response;
// the local stack's router sets them on its own errors.
func SetSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetSecurityHeaders(w.Header())
		h.ServeHTTP(w, r)
	})
}

func recoverPanics(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
			rec, ok := w.(*recorder)
			switch {
			case ok && rec.hijacked != nil:
				// The connection is the handler's, in a state nobody
				// knows: writing an HTTP error to it would corrupt its
				// protocol. End it.
				rec.hijacked.Close()
			case !ok || rec.status == 0:
				WriteError(w, http.StatusInternalServerError, "internal error: try again later")
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// accessLog logs one line per request. It logs the path without the query,
// and no headers, so tokens and cookies never reach the log. A request
// whose handler hijacked the connection (a WebSocket) is logged when the
// handler returns, with the status it wrote on the connection (101).
func accessLog(log *slog.Logger, hj *hijacks, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, hijacks: hj}
		defer func() {
			if rec.hijacked != nil {
				hj.handlerDone()
			}
		}()
		h.ServeHTTP(rec, r)
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			return // probes every few seconds would drown the log
		}
		status, n := rec.logStatus()
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int64("bytes", n),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", ClientIP(r)),
		)
	})
}
