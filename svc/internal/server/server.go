// Package server is the HTTP platform every Kin service runs on: start-up
// and shutdown, health endpoints, access logs, security headers,
// cross-origin protection and JSON errors, so that each service's main is
// only its routes.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// Main runs a service: it sets up JSON logging on stdout, calls run with a
// context that ends on SIGTERM or SIGINT, and exits 1 when run fails. It is
// the whole body of every service's func main.
func Main(name string, run func(ctx context.Context, log *slog.Logger) error) {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("service", name)
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, log); err != nil {
		log.Error("exiting", "err", err.Error())
		stop()
		os.Exit(1)
	}
}

// Server serves one service's routes with the platform's behaviour around
// them.
type Server struct {
	// Addr is where to listen, such as ":8080". Serve ignores it.
	Addr string
	// Handler serves the service's routes. /healthz and /readyz are
	// answered before it.
	Handler http.Handler
	// Ready reports whether the service's dependencies answer; nil means
	// always ready.
	Ready func(context.Context) error
	// Log receives access logs and errors.
	Log *slog.Logger

	// Timeouts; zero means the default in brackets. WriteTimeout bounds a
	// whole response, so services that stream large bodies raise it.
	ReadHeaderTimeout time.Duration // 5s
	ReadTimeout       time.Duration // 30s
	WriteTimeout      time.Duration // 60s
	IdleTimeout       time.Duration // 120s
	// ShutdownTimeout bounds how long in-flight requests may run on after
	// the context ends (20s, inside Kubernetes' default 30s grace period).
	ShutdownTimeout time.Duration

	draining atomic.Bool
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

// Serve serves on ln until ctx ends, then stops accepting, lets in-flight
// requests finish within ShutdownTimeout and returns. It returns nil after
// a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	srv := &http.Server{
		Handler:           s.handler(log),
		ReadHeaderTimeout: or(s.ReadHeaderTimeout, 5*time.Second),
		ReadTimeout:       or(s.ReadTimeout, 30*time.Second),
		WriteTimeout:      or(s.WriteTimeout, 60*time.Second),
		IdleTimeout:       or(s.IdleTimeout, 120*time.Second),
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Fail readiness first so load balancers stop sending new requests
	// while the in-flight ones finish.
	s.draining.Store(true)
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), or(s.ShutdownTimeout, 20*time.Second))
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
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
// endpoints, cross-origin protection.
func (s *Server) handler(log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz(log))
	h := s.Handler
	if h == nil {
		h = http.NotFoundHandler()
	}
	mux.Handle("/", CrossOrigin(h))
	return accessLog(log, recoverPanics(log, securityHeaders(mux)))
}

func (s *Server) readyz(log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.draining.Load() {
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

// securityHeaders sets the headers every response carries. The policy
// allows nothing but the site's own origin: no inline script or style, no
// framing.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
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
			if rec, ok := w.(*recorder); !ok || rec.status == 0 {
				WriteError(w, http.StatusInternalServerError, "internal error: try again later")
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// recorder remembers the status and size of a response for the access log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flush,
// deadlines, hijack for WebSockets).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// accessLog logs one line per request. It logs the path without the query,
// and no headers, so tokens and cookies never reach the log.
func accessLog(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			return // probes every few seconds would drown the log
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", ClientIP(r)),
		)
	})
}
