package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// recorder remembers the status and size of a response for the access log.
// It passes hijacking through (WebSockets) and remembers that it did, so
// that nothing is written to the response afterwards.
type recorder struct {
	http.ResponseWriter
	status   int
	bytes    int64
	hijacks  *hijacks
	hijacked *hijackedConn
}

func (r *recorder) WriteHeader(code int) {
	// An informational status (103 Early Hints) is not the response's
	// status; 101 is, as the connection then belongs to the handler.
	if r.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
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

// Flush lets handlers that stream use w.(http.Flusher) as well as
// http.ResponseController.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		if r.status == 0 {
			r.status = http.StatusOK
		}
		f.Flush()
	}
}

// Hijack hands the connection to the handler, as x/net/websocket needs
// (it asserts w.(http.Hijacker) rather than using ResponseController).
// The connection's deadlines are cleared, since the server's Read and
// WriteTimeout bound one request and a WebSocket lives for many minutes,
// and it is tracked so that Serve closes it at shutdown: http.Server's
// Shutdown forgets hijacked connections.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if r.hijacked != nil {
		return nil, nil, http.ErrHijacked
	}
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("hijack: %w", http.ErrNotSupported)
	}
	conn, buf, err := h.Hijack()
	if err != nil {
		return nil, nil, err
	}
	// net/http clears them too; clearing them here keeps that true for
	// any ResponseWriter, and says that it matters.
	conn.SetDeadline(time.Time{})
	hc := &hijackedConn{Conn: conn, hijacks: r.hijacks}
	r.hijacked = hc
	if r.hijacks != nil {
		r.hijacks.add(hc)
	}
	// Route buffered writes through hc too, so that the access log sees
	// the status line the handler writes (101 Switching Protocols).
	if buf.Writer.Buffered() > 0 {
		buf.Writer.Flush()
	}
	buf.Writer.Reset(hc)
	return hc, buf, nil
}

// Unwrap lets http.ResponseController reach the connection (flush,
// deadlines). Hijacking through a ResponseController finds Hijack above
// first.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logStatus is the status to log: the one the handler wrote, or the one
// it wrote itself on a hijacked connection (0 when that was no HTTP
// response).
func (r *recorder) logStatus() (status int, bytes int64) {
	if r.hijacked != nil {
		return int(max(r.hijacked.status.Load(), 0)), r.bytes + r.hijacked.bytes.Load()
	}
	if r.status == 0 {
		return http.StatusOK, r.bytes
	}
	return r.status, r.bytes
}

// hijackedConn is a connection a handler took over. It counts what is
// written to it and reads the status line of the handler's own response.
type hijackedConn struct {
	net.Conn
	hijacks *hijacks

	bytes  atomic.Int64
	status atomic.Int32 // 0 until known, -1 when not an HTTP response

	mu   sync.Mutex
	head []byte // the first bytes written, until the status is known

	closeOnce sync.Once
	closeErr  error
}

func (c *hijackedConn) Write(p []byte) (int, error) {
	if c.status.Load() == 0 {
		c.sniff(p)
	}
	n, err := c.Conn.Write(p)
	c.bytes.Add(int64(n))
	return n, err
}

// statusLine is the length of "HTTP/1.1 101".
const statusLine = len("HTTP/1.1 101")

func (c *hijackedConn) sniff(p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status.Load() != 0 {
		return
	}
	c.head = append(c.head, p[:min(len(p), statusLine-len(c.head))]...)
	if len(c.head) < statusLine {
		return
	}
	status := -1
	if bytes.HasPrefix(c.head, []byte("HTTP/1.")) && c.head[8] == ' ' {
		if n, err := strconv.Atoi(string(c.head[9:statusLine])); err == nil && n >= 100 {
			status = n
		}
	}
	c.status.Store(int32(status))
	c.head = nil
}

func (c *hijackedConn) Close() error {
	c.closeOnce.Do(func() {
		c.closeErr = c.Conn.Close()
		if c.hijacks != nil {
			c.hijacks.remove(c)
		}
	})
	return c.closeErr
}

// hijacks tracks the connections handlers took over and the handlers
// that still run on them, so that shutdown can close the one and wait
// for the other.
type hijacks struct {
	mu       sync.Mutex
	conns    map[*hijackedConn]struct{}
	running  int // handlers that hijacked and have not returned
	shutdown bool
}

func (h *hijacks) add(c *hijackedConn) {
	h.mu.Lock()
	h.running++
	if h.shutdown {
		// Hijacked while the server shuts down: the handler gets a
		// closed connection and ends at its first read or write.
		h.mu.Unlock()
		c.Close()
		return
	}
	if h.conns == nil {
		h.conns = make(map[*hijackedConn]struct{})
	}
	h.conns[c] = struct{}{}
	h.mu.Unlock()
}

func (h *hijacks) remove(c *hijackedConn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

// handlerDone records that a handler that hijacked has returned.
func (h *hijacks) handlerDone() {
	h.mu.Lock()
	h.running--
	h.mu.Unlock()
}

// closeAll closes every hijacked connection, and any hijacked from now on.
func (h *hijacks) closeAll() {
	h.mu.Lock()
	h.shutdown = true
	conns := h.conns
	h.conns = nil
	h.mu.Unlock()
	for c := range conns {
		c.Close()
	}
}

// wait waits until every handler that hijacked has returned, or ctx ends.
// Like http.Server.Shutdown it polls: handlers end seldom at shutdown.
func (h *hijacks) wait(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		h.mu.Lock()
		n := h.running
		h.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d handlers of hijacked connections still running: %w", n, ctx.Err())
		case <-t.C:
		}
	}
}
