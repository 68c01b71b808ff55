package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/captcha/audio"
	"github.com/kin-social/kin/svc/captcha/picture"
	"github.com/kin-social/kin/svc/captcha/store"
)

// clock is a settable test clock shared by the store and the limiter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is the captcha API on a real socket with a test clock.
type fixture struct {
	t     *testing.T
	url   string
	store *store.Store
	clock *clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clk := &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	st, err := store.New(store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc := newService(st, true)
	svc.getnew.SetClock(clk.Now)
	svc.picture.SetClock(clk.Now)
	ts := httptest.NewServer(svc.routes())
	t.Cleanup(ts.Close)
	return &fixture{t: t, url: ts.URL, store: st, clock: clk}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// token returns the well-formed session token of the visitor called
// name, as the app would have issued it.
func token(name string) string {
	h := sha256.Sum256([]byte(name))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// get requests path with the session cookie of the visitor sess ("" for
// none).
func (f *fixture) get(path, sess string) response {
	f.t.Helper()
	cookie := ""
	if sess != "" {
		cookie = "sessid=" + token(sess)
	}
	return f.getCookie(path, cookie)
}

// getCookie requests path with the Cookie header cookie ("" for none).
func (f *fixture) getCookie(path, cookie string) response {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.url+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, body}
}

// newCaptcha calls getnew for sess and returns the id and the solution.
func (f *fixture) newCaptcha(sess string) (id, solution string) {
	f.t.Helper()
	res := f.get("/captcha/getnew", sess)
	if res.status != http.StatusOK {
		f.t.Fatalf("getnew: %d %s", res.status, res.body)
	}
	var body struct {
		CaptchaID string `json:"captcha_id"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil || body.CaptchaID == "" {
		f.t.Fatalf("getnew body %s: %v", res.body, err)
	}
	c, err := f.store.Get(token(sess), body.CaptchaID)
	if err != nil {
		f.t.Fatalf("store has no captcha %s: %v", body.CaptchaID, err)
	}
	var b strings.Builder
	for _, d := range c.Digits {
		b.WriteByte('0' + d)
	}
	return body.CaptchaID, b.String()
}

// wrong returns a solution that differs from solution.
func wrong(solution string) string {
	b := []byte(solution)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

// wantJSONError checks a JSON error answer with the status.
func wantJSONError(t *testing.T, res response, status int) {
	t.Helper()
	if res.status != status {
		t.Errorf("status %d, want %d (body %s)", res.status, status, res.body)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	var body struct{ Error string }
	if err := json.Unmarshal(res.body, &body); err != nil || body.Error == "" {
		t.Errorf("body %s is not a JSON error: %v", res.body, err)
	}
}

func TestGetNew(t *testing.T) {
	f := newFixture(t)
	res := f.get("/captcha/getnew", "s1")
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var body map[string]string
	if err := json.Unmarshal(res.body, &body); err != nil {
		t.Fatal(err)
	}
	if len(body) != 1 || len(body["captcha_id"]) < 22 {
		t.Errorf("body %s, want {\"captcha_id\": <at least 22 random characters>}", res.body)
	}

	wantJSONError(t, f.get("/captcha/getnew", ""), http.StatusBadRequest)
	for _, cookie := range []string{"sessid=", "sessid=" + strings.Repeat("x", 300), "sessid=" + token("s1")[1:], "sessid=" + token("s1") + "=", "other=" + token("s1")} {
		wantJSONError(t, f.getCookie("/captcha/getnew", cookie), http.StatusBadRequest)
	}
}

func TestPicture(t *testing.T) {
	f := newFixture(t)
	id, _ := f.newCaptcha("s1")
	res := f.get("/captcha/"+id+".png", "s1")
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	for h, want := range map[string]string{"Content-Type": "image/png", "Cache-Control": "no-store", "Content-Length": fmt.Sprint(len(res.body))} {
		if got := res.header.Get(h); got != want {
			t.Errorf("%s %q, want %q", h, got, want)
		}
	}
	m, err := png.Decode(bytes.NewReader(res.body))
	if err != nil {
		t.Fatalf("decode picture: %v", err)
	}
	if m.Bounds() != image.Rect(0, 0, picture.Width, picture.Height) {
		t.Errorf("picture is %v, want 160x80", m.Bounds())
	}
	// The same captcha is drawn the same way every time.
	if again := f.get("/captcha/"+id+".png", "s1"); !bytes.Equal(again.body, res.body) {
		t.Error("second fetch of the picture differs")
	}
}

// TestMediaNeedsItsSession checks that the picture and the sound, like
// every call, need the sessid cookie, and are only the captcha's own
// session's.
func TestMediaNeedsItsSession(t *testing.T) {
	f := newFixture(t)
	id, _ := f.newCaptcha("alice")
	for _, ext := range []string{".png", ".wav"} {
		wantJSONError(t, f.get("/captcha/"+id+ext, ""), http.StatusBadRequest)
		wantJSONError(t, f.getCookie("/captcha/"+id+ext, "sessid=junk"), http.StatusBadRequest)
		wantJSONError(t, f.get("/captcha/"+id+ext, "mallory"), http.StatusNotFound)
		if res := f.get("/captcha/"+id+ext, "alice"); res.status != http.StatusOK {
			t.Errorf("%s for its own session: %d %s", ext, res.status, res.body)
		}
	}
}

// TestDuplicateSessionCookies is hole 5: with a junk sessid cookie before
// the real one, the captcha must key the session the app keys, the first
// well-formed one (session.Token), not the first one.
func TestDuplicateSessionCookies(t *testing.T) {
	f := newFixture(t)
	both := "sessid=junk; sessid=" + token("alice")
	res := f.getCookie("/captcha/getnew", both)
	if res.status != http.StatusOK {
		t.Fatalf("getnew with a junk cookie first: %d %s", res.status, res.body)
	}
	var body struct {
		CaptchaID string `json:"captcha_id"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil {
		t.Fatal(err)
	}
	c, err := f.store.Get(token("alice"), body.CaptchaID)
	if err != nil {
		t.Fatalf("the captcha is not alice's: %v", err)
	}
	if res := f.getCookie("/captcha/"+body.CaptchaID+".png", both); res.status != http.StatusOK {
		t.Errorf("picture with both cookies: %d %s", res.status, res.body)
	}
	right := make([]byte, len(c.Digits))
	for i, d := range c.Digits {
		right[i] = '0' + d
	}
	// The app verifies with the cookie it picked, alice's alone.
	if res := f.get("/captcha/verify/"+string(right), "alice"); string(res.body) != "true" {
		t.Errorf("verify as the app would: %d %q, want true", res.status, res.body)
	}
}

// TestSound checks the spoken captcha, {id}.wav.
func TestSound(t *testing.T) {
	f := newFixture(t)
	id, right := f.newCaptcha("s1")
	res := f.get("/captcha/"+id+".wav", "s1")
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	for h, want := range map[string]string{"Content-Type": "audio/wav", "Cache-Control": "no-store", "Content-Length": fmt.Sprint(len(res.body))} {
		if got := res.header.Get(h); got != want {
			t.Errorf("%s %q, want %q", h, got, want)
		}
	}
	b := res.body
	le := binary.LittleEndian
	if len(b) < 44 || string(b[:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " || string(b[36:40]) != "data" {
		t.Fatalf("not a WAV file: % x", b[:min(44, len(b))])
	}
	if int(le.Uint32(b[4:])) != len(b)-8 || int(le.Uint32(b[40:])) != len(b)-44 {
		t.Errorf("WAV sizes %d and %d do not match the file's %d bytes", le.Uint32(b[4:]), le.Uint32(b[40:]), len(b))
	}
	format, channels, rate, bits := le.Uint16(b[20:]), le.Uint16(b[22:]), le.Uint32(b[24:]), le.Uint16(b[34:])
	if format != 1 || channels != 1 || rate != audio.SampleRate || bits != 8 {
		t.Errorf("format %d, %d channels, %d Hz, %d bits; want PCM, mono, %d Hz, 8 bits", format, channels, rate, bits, audio.SampleRate)
	}
	// Four spoken digits with pauses: about a second for the first and
	// under a second and a half for each further one.
	if sec := float64(len(b)-44) / float64(rate) / float64(bits/8); sec < 2.5 || sec > 6.5 {
		t.Errorf("clip lasts %.2f s, want 2.5-6.5 s for four digits", sec)
	}
	if again := f.get("/captcha/"+id+".wav", "s1"); again.status != http.StatusOK || bytes.Equal(again.body, b) {
		t.Errorf("second listen: %d, identical bytes %v; want 200 and a different clip", again.status, bytes.Equal(again.body, b))
	}
	// Listening does not use the captcha up; verifying still does.
	if res := f.get("/captcha/verify/"+right, "s1"); string(res.body) != "true" {
		t.Errorf("verify after listening: %d %q, want true", res.status, res.body)
	}
	wantJSONError(t, f.get("/captcha/"+id+".wav", "s1"), http.StatusNotFound)
	wantJSONError(t, f.get("/captcha/verify/"+right, "s1"), http.StatusNotFound)
}

func TestNotFound(t *testing.T) {
	f := newFixture(t)
	id, _ := f.newCaptcha("s1")
	tests := []struct {
		name, path string
	}{
		{"unknown id", "/captcha/AAAAAAAAAAAAAAAAAAAAAAAAAA.png"},
		{"unknown id, sound", "/captcha/AAAAAAAAAAAAAAAAAAAAAAAAAA.wav"},
		{"two suffixes", "/captcha/" + id + ".png.wav"},
		{"no .png", "/captcha/" + id},
		{"other suffix", "/captcha/" + id + ".gif"},
		{"unknown page", "/captcha/"},
		{"outside the API", "/elsewhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantJSONError(t, f.get(tt.path, "s1"), http.StatusNotFound)
		})
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name     string
		solution func(right string) string
		want     string
	}{
		{"right", func(s string) string { return s }, "true"},
		{"wrong", wrong, "false"},
		{"empty", func(string) string { return "" }, "false"},
		{"letters", func(string) string { return "abcd" }, "false"},
		{"right plus more", func(s string) string { return s + "1" }, "false"},
		{"nested path", func(s string) string { return s[:2] + "/" + s[2:] }, "false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			id, right := f.newCaptcha("s1")
			res := f.get("/captcha/verify/"+tt.solution(right), "s1")
			if res.status != http.StatusOK || string(res.body) != tt.want {
				t.Fatalf("verify: %d %q, want 200 %q", res.status, res.body, tt.want)
			}
			if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q, want text/plain", ct)
			}
			if cc := res.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			// One use only: whatever the first answer was, the captcha is
			// gone, for verifying and for its picture.
			wantJSONError(t, f.get("/captcha/verify/"+right, "s1"), http.StatusNotFound)
			wantJSONError(t, f.get("/captcha/"+id+".png", "s1"), http.StatusNotFound)
		})
	}
}

func TestVerifyNeedsItsSession(t *testing.T) {
	f := newFixture(t)
	_, right := f.newCaptcha("alice")
	wantJSONError(t, f.get("/captcha/verify/"+right, ""), http.StatusBadRequest)
	wantJSONError(t, f.get("/captcha/verify/"+right, "mallory"), http.StatusNotFound)
	// Neither attempt touched alice's captcha.
	if res := f.get("/captcha/verify/"+right, "alice"); string(res.body) != "true" {
		t.Errorf("alice's verify after the others: %d %q, want true", res.status, res.body)
	}
}

func TestGetNewReplaces(t *testing.T) {
	f := newFixture(t)
	oldID, oldRight := f.newCaptcha("s1")
	newID, newRight := f.newCaptcha("s1")
	wantJSONError(t, f.get("/captcha/"+oldID+".png", "s1"), http.StatusNotFound)
	if res := f.get("/captcha/"+newID+".png", "s1"); res.status != http.StatusOK {
		t.Errorf("new picture: %d", res.status)
	}
	if oldRight != newRight {
		// The old solution is no longer the session's.
		if res := f.get("/captcha/verify/"+oldRight, "s1"); string(res.body) != "false" {
			t.Errorf("old solution verified: %d %q", res.status, res.body)
		}
		return
	}
	if res := f.get("/captcha/verify/"+newRight, "s1"); string(res.body) != "true" {
		t.Errorf("verify: %d %q, want true", res.status, res.body)
	}
}

func TestExpiry(t *testing.T) {
	f := newFixture(t)
	id, right := f.newCaptcha("s1")
	f.clock.Advance(10*time.Minute - time.Second)
	if res := f.get("/captcha/"+id+".png", "s1"); res.status != http.StatusOK {
		t.Errorf("picture before expiry: %d", res.status)
	}
	f.clock.Advance(time.Second)
	wantJSONError(t, f.get("/captcha/"+id+".png", "s1"), http.StatusNotFound)
	wantJSONError(t, f.get("/captcha/verify/"+right, "s1"), http.StatusNotFound)
	if n := f.store.Len(); n != 0 {
		t.Errorf("store holds %d captchas after expiry, want 0", n)
	}

	// A captcha expired but not yet swept still fails verification.
	_, right = f.newCaptcha("s2")
	f.clock.Advance(10 * time.Minute)
	wantJSONError(t, f.get("/captcha/verify/"+right, "s2"), http.StatusNotFound)
}

func TestGetNewRateLimit(t *testing.T) {
	f := newFixture(t)
	for i := range getnewBurst {
		if res := f.get("/captcha/getnew", fmt.Sprint("s", i)); res.status != http.StatusOK {
			t.Fatalf("getnew %d: %d %s", i, res.status, res.body)
		}
	}
	res := f.get("/captcha/getnew", "another")
	wantJSONError(t, res, http.StatusTooManyRequests)
	if res.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	f.clock.Advance(getnewPer)
	if res := f.get("/captcha/getnew", "another"); res.status != http.StatusOK {
		t.Errorf("getnew after waiting: %d %s", res.status, res.body)
	}
}

func TestPictureRateLimit(t *testing.T) {
	f := newFixture(t)
	id, _ := f.newCaptcha("s1")
	for i := range pictureBurst {
		if res := f.get("/captcha/"+id+".png", "s1"); res.status != http.StatusOK {
			t.Fatalf("picture %d: %d %s", i, res.status, res.body)
		}
	}
	wantJSONError(t, f.get("/captcha/"+id+".png", "s1"), http.StatusTooManyRequests)
	f.clock.Advance(picturePer)
	if res := f.get("/captcha/"+id+".png", "s1"); res.status != http.StatusOK {
		t.Errorf("picture after waiting: %d %s", res.status, res.body)
	}
}

// TestSoundRateLimit checks the sound shares the pictures' limit: they
// are two ways to read one captcha.
func TestSoundRateLimit(t *testing.T) {
	f := newFixture(t)
	id, _ := f.newCaptcha("s1")
	for i := range pictureBurst {
		ext := []string{".png", ".wav"}[i%2]
		if res := f.get("/captcha/"+id+ext, "s1"); res.status != http.StatusOK {
			t.Fatalf("%s %d: %d %s", ext, i, res.status, res.body)
		}
	}
	res := f.get("/captcha/"+id+".wav", "s1")
	wantJSONError(t, res, http.StatusTooManyRequests)
	if res.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	f.clock.Advance(picturePer)
	if res := f.get("/captcha/"+id+".wav", "s1"); res.status != http.StatusOK {
		t.Errorf("sound after waiting: %d %s", res.status, res.body)
	}
}

func TestParseTestAnswer(t *testing.T) {
	tests := []struct {
		answer, listen string
		want           []byte
		wantErr        string
	}{
		{"1234", "127.0.0.1:8080", []byte{1, 2, 3, 4}, ""},
		{"0000", "localhost:0", []byte{0, 0, 0, 0}, ""},
		{"9876", "[::1]:8080", []byte{9, 8, 7, 6}, ""},
		{"1234", "127.0.0.2:8080", []byte{1, 2, 3, 4}, ""},
		{"1234", ":8080", nil, "loopback"},
		{"1234", "0.0.0.0:8080", nil, "loopback"},
		{"1234", "[::]:8080", nil, "loopback"},
		{"1234", "10.0.0.5:8080", nil, "loopback"},
		{"1234", "example.org:8080", nil, "loopback"},
		{"123", "127.0.0.1:8080", nil, "4 digits"},
		{"12345", "127.0.0.1:8080", nil, "4 digits"},
		{"12a4", "127.0.0.1:8080", nil, "4 digits"},
	}
	for _, tt := range tests {
		got, err := parseTestAnswer(tt.answer, tt.listen)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseTestAnswer(%q, %q) error %v, want one mentioning %q", tt.answer, tt.listen, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("parseTestAnswer(%q, %q) = %v, %v; want %v", tt.answer, tt.listen, got, err, tt.want)
		}
	}
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// TestRunRefusesTestModeOffLoopback starts the service the way main does
// and checks that test mode stops it unless it listens on loopback.
func TestRunRefusesTestModeOffLoopback(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, listen := range []string{"", ":0", "0.0.0.0:0"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		lookup := env(map[string]string{})
		if listen != "" {
			lookup = env(map[string]string{"KIN_LISTEN": listen})
		}
		err := run(ctx, log, []string{"-test-answer", "1234"}, lookup)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("KIN_LISTEN=%q with -test-answer: run returned %v, want a refusal naming loopback", listen, err)
		}
	}
	for _, args := range [][]string{{"-test-answer"}, {"-nope"}, {"extra"}, {"-test-ttl", "1s"}, {"-test-answer", "1234", "-test-ttl", "-1s"}} {
		if err := run(context.Background(), log, args, env(nil)); err == nil {
			t.Errorf("run(%q) succeeded, want a command-line error", args)
		}
	}
}

// TestRunTestMode runs the whole service, platform included, on a
// loopback port in test mode, as the browser tests do.
func TestRunTestMode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // run listens itself; the port stays free for it
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, slog.New(slog.DiscardHandler), []string{"-test-answer", "4711"}, env(map[string]string{"KIN_LISTEN": addr}))
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	f := &fixture{t: t, url: "http://" + addr}
	for i := 0; ; i++ {
		res, err := http.Get(f.url + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		if i == 100 || errors.Is(ctx.Err(), context.Canceled) {
			t.Fatalf("service did not come up: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	res := f.get("/captcha/getnew", "s1")
	if res.status != http.StatusOK {
		t.Fatalf("getnew: %d %s", res.status, res.body)
	}
	if csp := res.header.Get("Content-Security-Policy"); csp == "" {
		t.Error("no Content-Security-Policy: the platform's headers are missing")
	}
	if res := f.get("/captcha/verify/4711", "s1"); string(res.body) != "true" {
		t.Errorf("verify test answer: %d %q, want true", res.status, res.body)
	}
	// Test mode lifts the per-client limit: browser tests make many
	// captchas from one loopback address.
	for i := range getnewBurst + 5 {
		if res := f.get("/captcha/getnew", "s1"); res.status != http.StatusOK {
			t.Fatalf("getnew %d in test mode: %d %s", i, res.status, res.body)
		}
	}
}
