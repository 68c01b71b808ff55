package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// logBuffer collects a server's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the logged records, decoded.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(b, nil)) }

// A WebSocket served through Server echoes over a real socket for longer
// than the server's timeouts, is logged with status 101, and is closed at
// shutdown.
func TestWebSocket(t *testing.T) {
	var logs logBuffer
	mux := http.NewServeMux()
	// websocket.Server without Handshake accepts any Origin: this test is
	// about the platform, not the chat's origin check.
	mux.Handle("GET /echo", websocket.Server{Handler: func(ws *websocket.Conn) { io.Copy(ws, ws) }})
	const timeout = 200 * time.Millisecond
	base, shutdown, done := start(t, &Server{
		Handler:           mux,
		Log:               logs.logger(),
		ReadHeaderTimeout: timeout,
		ReadTimeout:       timeout,
		WriteTimeout:      timeout,
		IdleTimeout:       timeout,
		DrainDelay:        -1,
	})
	host := strings.TrimPrefix(base, "http://")

	ws, err := websocket.Dial("ws://"+host+"/echo", "", base)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer ws.Close()
	echo := func(msg string) {
		t.Helper()
		if err := websocket.Message.Send(ws, msg); err != nil {
			t.Fatalf("send %q: %v", msg, err)
		}
		var got string
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		if err := websocket.Message.Receive(ws, &got); err != nil {
			t.Fatalf("receive: %v", err)
		}
		if got != msg {
			t.Fatalf("echo %q, want %q", got, msg)
		}
	}
	echo("hello")
	// Past the Read and WriteTimeout the server set on the connection
	// before the handler hijacked it.
	time.Sleep(3 * timeout)
	echo("still there")

	shutdown()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got string
	err = websocket.Message.Receive(ws, &got)
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after shutdown: receive %q, %v; want the connection closed", got, err)
	}
	if err := done(); err != nil {
		t.Errorf("Serve: %v", err)
	}

	var logged map[string]any
	for _, l := range logs.lines(t) {
		if l["msg"] == "request" && l["path"] == "/echo" {
			logged = l
		}
	}
	if logged == nil {
		t.Fatalf("no access log of /echo in\n%s", logs.String())
	}
	if logged["status"] != float64(http.StatusSwitchingProtocols) {
		t.Errorf("logged status %v, want 101", logged["status"])
	}
	if n, _ := logged["bytes"].(float64); n <= 0 {
		t.Errorf("logged bytes %v, want the handshake and the echoes", logged["bytes"])
	}
}

// A handler that panics after hijacking gets its connection closed: no
// 500 is written into the protocol it speaks.
func TestPanicAfterHijack(t *testing.T) {
	var logs logBuffer
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hijack", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_ = conn
		buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
		buf.Flush()
		panic("boom after hijack")
	})
	base, _, _ := start(t, &Server{Handler: mux, Log: logs.logger()})

	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /hijack HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Errorf("status %d, want the handler's 101", resp.StatusCode)
	}
	rest, err := io.ReadAll(resp.Body) // a 101 has no body: the rest of the connection
	if len(rest) != 0 || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("after the panic the connection gave %q, %v; want it closed with nothing more", rest, err)
	}
	// The access log is written after recovery returns.
	var found bool
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && !found; time.Sleep(10 * time.Millisecond) {
		found = strings.Contains(logs.String(), `"path":"/hijack","status":101`)
	}
	if !found {
		t.Errorf("no access log with status 101 in\n%s", logs.String())
	}
	if s := logs.String(); !strings.Contains(s, "boom after hijack") || strings.Contains(s, "hijacked connection") {
		t.Errorf("log should hold the panic and no write to the hijacked connection:\n%s", s)
	}
}

// A hijack refused by x/net/websocket's handshake (no Upgrade header) is
// logged with the status it wrote.
func TestWebSocketBadHandshake(t *testing.T) {
	var logs logBuffer
	mux := http.NewServeMux()
	mux.Handle("GET /echo", websocket.Server{Handler: func(ws *websocket.Conn) { io.Copy(ws, ws) }})
	base, _, _ := start(t, &Server{Handler: mux, Log: logs.logger()})
	resp, err := http.Get(base + "/echo")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	var found bool
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && !found; time.Sleep(10 * time.Millisecond) {
		found = strings.Contains(logs.String(), `"path":"/echo","status":400`)
	}
	if !found {
		t.Errorf("no access log with status 400 in\n%s", logs.String())
	}
}
