package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// testCert is a self-signed certificate for 127.0.0.1 with its key, in PEM.
type testCert struct {
	serial   int64
	crt, key []byte
	x509     *x509.Certificate
}

func newTestCert(t *testing.T, serial int64) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: "kin test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return testCert{
		serial: serial,
		crt:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
		x509:   cert,
	}
}

// mountSecret lays out crt and key in dir as the kubelet mounts a Secret,
// or updates one it mounted before the same way:
//
//	..2026_12_01_21_00_00.000000001/tls.crt
//	..2026_12_01_21_00_00.000000001/tls.key
//	..data -> ..2026_12_01_21_00_00.000000001
//	tls.crt -> ..data/tls.crt
//	tls.key -> ..data/tls.key
//
// An update writes a new timestamped directory, points ..data_tmp at it,
// renames ..data_tmp over ..data (the atomic step) and removes the old
// directory.
func mountSecret(t *testing.T, dir string, seq int, crt, key []byte) {
	t.Helper()
	ts := fmt.Sprintf("..2026_12_01_21_%02d_00.%09d", seq, seq)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(filepath.Join(dir, ts), 0o755))
	must(os.WriteFile(filepath.Join(dir, ts, "tls.crt"), crt, 0o644))
	must(os.WriteFile(filepath.Join(dir, ts, "tls.key"), key, 0o600))
	old, _ := os.Readlink(filepath.Join(dir, "..data"))
	must(os.Symlink(ts, filepath.Join(dir, "..data_tmp")))
	must(os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")))
	for _, name := range []string{"tls.crt", "tls.key"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); os.IsNotExist(err) {
			must(os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)))
		}
	}
	if old != "" {
		must(os.RemoveAll(filepath.Join(dir, old)))
	}
}

// A renewed certificate is served to the next connection, without a
// restart; files that do not load leave the last good one in place.
func TestTLSRenewal(t *testing.T) {
	dir := t.TempDir()
	a, b, c, d := newTestCert(t, 1), newTestCert(t, 2), newTestCert(t, 3), newTestCert(t, 4)
	roots := x509.NewCertPool()
	for _, tc := range []testCert{a, b, c, d} {
		roots.AddCert(tc.x509)
	}
	mountSecret(t, dir, 1, a.crt, a.key)

	var logs logBuffer
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "https=%v", IsHTTPS(r))
	})
	base, _, _ := start(t, &Server{Handler: mux, TLSDir: dir, Log: logs.logger()})
	addr := strings.TrimPrefix(base, "http://")

	serial := func() int64 {
		t.Helper()
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots})
		if err != nil {
			t.Fatalf("TLS dial: %v", err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}
	if got := serial(); got != a.serial {
		t.Fatalf("serial %d, want %d", got, a.serial)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + addr + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "https=true" || resp.Proto != "HTTP/1.1" {
		t.Errorf("GET /hello over TLS: %s %q, want HTTP/1.1 https=true", resp.Proto, body)
	}

	mountSecret(t, dir, 2, b.crt, b.key)
	if got := serial(); got != b.serial {
		t.Errorf("after renewal: serial %d, want %d", got, b.serial)
	}

	// Half-written, then mismatched: b stays, and the log says why.
	mountSecret(t, dir, 3, c.crt[:len(c.crt)/2], c.key)
	if got := serial(); got != b.serial {
		t.Errorf("with a truncated certificate: serial %d, want the last good %d", got, b.serial)
	}
	mountSecret(t, dir, 4, c.crt, d.key)
	if got := serial(); got != b.serial {
		t.Errorf("with a mismatched key: serial %d, want the last good %d", got, b.serial)
	}
	if n := strings.Count(logs.String(), "TLS certificate does not load"); n != 2 {
		t.Errorf("%d warnings about certificates that do not load, want 2:\n%s", n, logs.String())
	}

	mountSecret(t, dir, 5, d.crt, d.key)
	if got := serial(); got != d.serial {
		t.Errorf("after a good renewal: serial %d, want %d", got, d.serial)
	}
}

// A certificate directory that is missing or holds no valid pair stops
// the server at start, with an error that names it.
func TestTLSBadDirectory(t *testing.T) {
	good := newTestCert(t, 1)
	other := newTestCert(t, 2)
	write := func(crt, key []byte) string {
		dir := t.TempDir()
		if crt != nil {
			os.WriteFile(filepath.Join(dir, "tls.crt"), crt, 0o644)
		}
		if key != nil {
			os.WriteFile(filepath.Join(dir, "tls.key"), key, 0o600)
		}
		return dir
	}
	for _, tt := range []struct {
		name, dir, want string
	}{
		{"missing directory", filepath.Join(t.TempDir(), "nothing"), "tls.crt: no such file"},
		{"no key", write(good.crt, nil), "tls.key: no such file"},
		{"garbage", write([]byte("not a certificate"), good.key), "failed to find any PEM data"},
		{"mismatched", write(good.crt, other.key), "private key does not match public key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			s := &Server{TLSDir: tt.dir, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err = s.Serve(ctx, ln)
			if err == nil || !strings.Contains(err.Error(), "load TLS certificate from "+tt.dir) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Serve: %v, want an error about %s naming %s", err, tt.want, tt.dir)
			}
			if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
				c.Close()
				t.Error("the listener is still open")
			}
		})
	}
}

// A WebSocket works over TLS (wss://), as the chat serves it.
func TestTLSWebSocket(t *testing.T) {
	dir := t.TempDir()
	cert := newTestCert(t, 1)
	mountSecret(t, dir, 1, cert.crt, cert.key)
	roots := x509.NewCertPool()
	roots.AddCert(cert.x509)
	mux := http.NewServeMux()
	mux.Handle("GET /echo", websocket.Server{Handler: func(ws *websocket.Conn) { io.Copy(ws, ws) }})
	base, _, _ := start(t, &Server{Handler: mux, TLSDir: dir})
	host := strings.TrimPrefix(base, "http://")

	cfg, err := websocket.NewConfig("wss://"+host+"/echo", "https://"+host)
	if err != nil {
		t.Fatal(err)
	}
	cfg.TlsConfig = &tls.Config{RootCAs: roots}
	ws, err := websocket.DialConfig(cfg)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer ws.Close()
	if err := websocket.Message.Send(ws, "over tls"); err != nil {
		t.Fatal(err)
	}
	var got string
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := websocket.Message.Receive(ws, &got); err != nil || got != "over tls" {
		t.Errorf("echo %q, %v; want %q", got, err, "over tls")
	}
}
