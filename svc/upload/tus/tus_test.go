package tus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/internal/server"
)

// clock is a settable clock for expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// completed records what Complete was given.
type completed struct {
	mu   sync.Mutex
	sums map[string][32]byte
	err  error // returned by Complete when set
}

func (c *completed) sum(id string) ([32]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.sums[id]
	return s, ok
}

type env struct {
	t     *testing.T
	dir   string
	store *Dir
	h     *Handler
	srv   *httptest.Server
	clock *clock
	done  *completed
}

const (
	pictureMax = 1 << 20
	videoMax   = 64 << 20
)

func authenticate(r *http.Request) (int64, error) {
	v := r.Header.Get("X-Test-User")
	if v == "" {
		return 0, ErrSignedOut
	}
	return strconv.ParseInt(v, 10, 64)
}

func newHandler(t testing.TB, dir string, c *clock, done *completed) (*Dir, *Handler) {
	t.Helper()
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	h, err := New(Config{
		Store:        d,
		Sink:         d,
		Authenticate: authenticate,
		Kinds:        map[string]Kind{"post-image": {MaxLength: pictureMax}, "post-video": {MaxLength: videoMax}},
		Quota: func(ctx context.Context, owner int64, kind string, length int64) error {
			if owner == 99 {
				return server.TooManyRequests(time.Hour, "your upload quota for today is used up")
			}
			return nil
		},
		Complete: func(ctx context.Context, u Upload, f File, hd http.Header) error {
			hs := sha256.New()
			if _, err := io.Copy(hs, f); err != nil {
				return err
			}
			done.mu.Lock()
			defer done.mu.Unlock()
			if done.err != nil {
				return done.err
			}
			var s [32]byte
			copy(s[:], hs.Sum(nil))
			done.sums[u.ID] = s
			hd.Set("X-Media", "m-"+u.ID)
			return nil
		},
		Now: c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d, h
}

func newEnv(t *testing.T) *env {
	e := &env{t: t, dir: t.TempDir(), clock: &clock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}, done: &completed{sums: map[string][32]byte{}}}
	e.store, e.h = newHandler(t, e.dir, e.clock, e.done)
	e.srv = httptest.NewServer(server.CrossOrigin(e.h))
	t.Cleanup(e.srv.Close)
	return e
}

// files lists what the upload directory holds.
func (e *env) files() []string {
	ents, err := os.ReadDir(e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, en := range ents {
		names = append(names, en.Name())
	}
	return names
}

func (e *env) wantEmpty() {
	e.t.Helper()
	if f := e.files(); len(f) != 0 {
		e.t.Errorf("upload directory holds %v, want nothing", f)
	}
}

// client is a minimal tus client.
type client struct {
	t    testing.TB
	base string
	user string
	hc   *http.Client
}

func (e *env) client(user string) *client {
	return &client{t: e.t, base: e.srv.URL, user: user, hc: e.srv.Client()}
}

func meta(kv ...string) string {
	var parts []string
	for i := 0; i < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

type resp struct {
	method string
	status int
	header http.Header
	body   string
}

func (r resp) offset(t testing.TB) int64 {
	t.Helper()
	n, err := strconv.ParseInt(r.header.Get("Upload-Offset"), 10, 64)
	if err != nil {
		t.Fatalf("Upload-Offset %q: %v (status %d %s)", r.header.Get("Upload-Offset"), err, r.status, r.body)
	}
	return n
}

// do sends a tus request with the given headers ("" values are omitted).
func (c *client) do(method, path string, body io.Reader, size int64, hdr ...string) (resp, error) {
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return resp{}, err
	}
	if body != nil {
		req.ContentLength = size
	}
	req.Header.Set("Tus-Resumable", Version)
	req.Header.Set("Origin", c.base)
	if c.user != "" {
		req.Header.Set("X-Test-User", c.user)
	}
	for i := 0; i < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	// The platform's cross-origin refusal comes before the handler.
	if res.Header.Get("Tus-Resumable") != Version && method != http.MethodOptions && res.StatusCode != http.StatusForbidden {
		c.t.Errorf("%s %s: Tus-Resumable %q, want %s", method, path, res.Header.Get("Tus-Resumable"), Version)
	}
	return resp{method, res.StatusCode, res.Header, string(b)}, nil
}

func (c *client) must(method, path string, body io.Reader, size int64, hdr ...string) resp {
	c.t.Helper()
	r, err := c.do(method, path, body, size, hdr...)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (c *client) create(length int64, metadata string) string {
	c.t.Helper()
	r := c.must("POST", "/upload/", nil, 0, "Upload-Length", strconv.FormatInt(length, 10), "Upload-Metadata", metadata)
	if r.status != http.StatusCreated {
		c.t.Fatalf("create: %d %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, "/upload/") || !validID(strings.TrimPrefix(loc, "/upload/")) {
		c.t.Fatalf("create: Location %q", loc)
	}
	if _, err := time.Parse(http.TimeFormat, r.header.Get("Upload-Expires")); err != nil {
		c.t.Errorf("create: Upload-Expires %q: %v", r.header.Get("Upload-Expires"), err)
	}
	return loc
}

func (c *client) patch(loc string, offset int64, b []byte) resp {
	c.t.Helper()
	return c.must("PATCH", loc, bytes.NewReader(b), int64(len(b)), "Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.FormatInt(offset, 10))
}

func (c *client) head(loc string) resp {
	c.t.Helper()
	return c.must("HEAD", loc, nil, 0)
}

// upload sends data in chunks from the offset HEAD reports, retrying on
// 409 and 423 as tus clients do, and returns the last response.
func (c *client) upload(loc string, data []byte, chunk int) resp {
	c.t.Helper()
	for tries := 0; tries < 100; tries++ {
		h := c.head(loc)
		if h.status != http.StatusOK {
			c.t.Fatalf("HEAD %s: %d %s", loc, h.status, h.body)
		}
		off := h.offset(c.t)
		var last resp
		for off < int64(len(data)) {
			end := min(off+int64(chunk), int64(len(data)))
			last = c.patch(loc, off, data[off:end])
			if last.status != http.StatusNoContent {
				break
			}
			if got := last.offset(c.t); got != end {
				c.t.Fatalf("PATCH: offset %d, want %d", got, end)
			}
			off = end
		}
		switch last.status {
		case http.StatusNoContent:
			return last
		case http.StatusConflict, http.StatusLocked:
			time.Sleep(20 * time.Millisecond)
		default:
			c.t.Fatalf("PATCH %s at %d: %d %s", loc, off, last.status, last.body)
		}
	}
	c.t.Fatal("upload: too many retries")
	return resp{}
}

func random(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed)})
	r.Read(b)
	return b
}

func wantError(t *testing.T, r resp, status int, contains string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d %s, want %d", r.status, r.body, status)
	}
	if r.method == http.MethodHead {
		return // no body
	}
	var body struct{ Error string }
	if err := json.Unmarshal([]byte(r.body), &body); err != nil || body.Error == "" {
		t.Fatalf("body %q is not a JSON error: %v", r.body, err)
	}
	if !strings.Contains(body.Error, contains) {
		t.Errorf("error %q does not say %q", body.Error, contains)
	}
}

func TestUploadInChunks(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	data := random(3<<20+12345, 1)
	loc := c.create(int64(len(data)), meta("kind", "post-video", "filename", "clip.mp4"))
	h := c.head(loc)
	if h.status != http.StatusOK || h.offset(t) != 0 || h.header.Get("Upload-Length") != strconv.Itoa(len(data)) {
		t.Fatalf("HEAD: %d %v", h.status, h.header)
	}
	if h.header.Get("Cache-Control") != "no-store" {
		t.Errorf("HEAD Cache-Control %q, want no-store", h.header.Get("Cache-Control"))
	}
	m, err := parseMetadata([]string{h.header.Get("Upload-Metadata")})
	if err != nil || m["filename"] != "clip.mp4" || m["kind"] != "post-video" {
		t.Errorf("HEAD Upload-Metadata %q: %v %v", h.header.Get("Upload-Metadata"), m, err)
	}
	last := c.upload(loc, data, 1<<20)
	id := strings.TrimPrefix(loc, "/upload/")
	if sum, ok := e.done.sum(id); !ok || sum != sha256.Sum256(data) {
		t.Fatalf("Complete got other bytes (called %v)", ok)
	}
	if last.header.Get("X-Media") != "m-"+id {
		t.Errorf("last PATCH X-Media %q: Complete's headers are not sent", last.header.Get("X-Media"))
	}
	// The finished upload is the service's now: its bytes are freed here.
	e.wantEmpty()
	wantError(t, c.must("HEAD", loc, nil, 0), http.StatusNotFound, "")
}

func TestCreationWithUpload(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	data := random(100000, 2)
	r := c.must("POST", "/upload/", bytes.NewReader(data[:40000]), 40000, "Upload-Length", "100000",
		"Upload-Metadata", meta("kind", "post-image"), "Content-Type", "application/offset+octet-stream")
	if r.status != http.StatusCreated || r.offset(t) != 40000 {
		t.Fatalf("POST with bytes: %d offset %q %s", r.status, r.header.Get("Upload-Offset"), r.body)
	}
	loc := r.header.Get("Location")
	if got := c.head(loc).offset(t); got != 40000 {
		t.Fatalf("HEAD offset %d, want 40000", got)
	}
	c.upload(loc, data, 1<<20)
	if sum, _ := e.done.sum(strings.TrimPrefix(loc, "/upload/")); sum != sha256.Sum256(data) {
		t.Fatal("bytes differ")
	}

	// The whole file in the POST completes it at once.
	small := random(5000, 3)
	r = c.must("POST", "/upload/", bytes.NewReader(small), int64(len(small)), "Upload-Length", "5000",
		"Upload-Metadata", meta("kind", "post-image"), "Content-Type", "application/offset+octet-stream")
	if r.status != http.StatusCreated || r.offset(t) != 5000 {
		t.Fatalf("POST whole file: %d %s", r.status, r.body)
	}
	if sum, _ := e.done.sum(strings.TrimPrefix(r.header.Get("Location"), "/upload/")); sum != sha256.Sum256(small) {
		t.Fatal("whole-file POST: bytes differ")
	}
	e.wantEmpty()
}

// cutReader yields n bytes of data, then waits for the server to take
// them in and fails, which makes the client drop the connection mid-body.
type cutReader struct {
	data []byte
	n    int
	pos  int
}

func (r *cutReader) Read(p []byte) (int, error) {
	if r.pos >= r.n {
		time.Sleep(200 * time.Millisecond)
		return 0, errors.New("connection cut")
	}
	k := copy(p, r.data[r.pos:r.n])
	r.pos += k
	return k, nil
}

func TestResumeAfterDroppedConnection(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	data := random(5<<20, 4)
	loc := c.create(int64(len(data)), meta("kind", "post-video"))
	first := c.patch(loc, 0, data[:1<<20])
	if first.status != http.StatusNoContent {
		t.Fatalf("first PATCH: %d %s", first.status, first.body)
	}
	// Announce the rest, send 2.5 MiB of it and drop the connection.
	const cut = 1<<20 + 5<<19
	_, err := c.do("PATCH", loc, &cutReader{data: data[1<<20:], n: cut - 1<<20}, int64(len(data))-1<<20,
		"Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.Itoa(1<<20))
	if err == nil {
		t.Fatal("the cut PATCH succeeded")
	}
	// The server keeps what arrived: wait until the handler has recorded it.
	var off int64
	for range 100 {
		if off = c.head(loc).offset(t); off > 1<<20 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if off <= 1<<20 || off > cut {
		t.Fatalf("after the cut HEAD says %d, want more than %d and at most %d", off, 1<<20, cut)
	}
	// An offset from before the cut is refused.
	wantError(t, c.patch(loc, 1<<20, data[1<<20:2<<20]), http.StatusConflict, "continue from")
	c.upload(loc, data, 1<<20)
	if sum, ok := e.done.sum(strings.TrimPrefix(loc, "/upload/")); !ok || sum != sha256.Sum256(data) {
		t.Fatal("bytes after resuming differ")
	}
}

func TestRestartResumes(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	data := random(3<<20, 5)
	loc := c.create(int64(len(data)), meta("kind", "post-video"))
	if r := c.patch(loc, 0, data[:1<<20]); r.status != http.StatusNoContent {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	e.srv.Close()
	e.store.Close()

	// A new process on the same directory.
	done := &completed{sums: map[string][32]byte{}}
	_, h := newHandler(t, e.dir, e.clock, done)
	srv := httptest.NewServer(h)
	defer srv.Close()
	c2 := &client{t: t, base: srv.URL, user: "1", hc: srv.Client()}
	if got := c2.head(loc).offset(t); got != 1<<20 {
		t.Fatalf("after restart HEAD offset %d, want %d", got, 1<<20)
	}
	c2.upload(loc, data, 1<<20)
	if sum, ok := done.sum(strings.TrimPrefix(loc, "/upload/")); !ok || sum != sha256.Sum256(data) {
		t.Fatal("bytes after restart differ")
	}
}

func TestWrongOffset(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	data := random(10000, 6)
	loc := c.create(10000, meta("kind", "post-image"))
	for _, off := range []int64{1, 5000, 10000} {
		r := c.patch(loc, off, data[:100])
		wantError(t, r, http.StatusConflict, "continue from 0")
		if r.offset(t) != 0 {
			t.Errorf("409 Upload-Offset %d, want 0", r.offset(t))
		}
	}
	c.patch(loc, 0, data[:3000])
	wantError(t, c.patch(loc, 0, data[:3000]), http.StatusConflict, "continue from 3000")
	if got := c.head(loc).offset(t); got != 3000 {
		t.Fatalf("offset %d after refused PATCHes, want 3000", got)
	}
}

func TestConcurrentPatch(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	a, b := random(200000, 7), random(200000, 8)
	// Twice as long as one PATCH, so the upload is still there after it.
	loc := c.create(400000, meta("kind", "post-image"))

	pr, pw := io.Pipe()
	// If the test fails midway, end the first PATCH, or closing the server
	// would wait for it forever.
	t.Cleanup(func() { pw.CloseWithError(errors.New("test over")) })
	first := make(chan resp, 1)
	go func() {
		r, err := c.do("PATCH", loc, pr, int64(len(a)), "Content-Type", "application/offset+octet-stream", "Upload-Offset", "0")
		if err != nil {
			t.Error(err)
		}
		first <- r
	}()
	pw.Write(a[:50000])
	// The first PATCH holds the upload; wait for it to be under way.
	for range 100 {
		e.h.locks.mu.Lock()
		held := e.h.locks.held[strings.TrimPrefix(loc, "/upload/")]
		e.h.locks.mu.Unlock()
		if held {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	wantError(t, c.patch(loc, 0, b), http.StatusLocked, "another request")
	pw.Write(a[50000:])
	pw.Close()
	if r := <-first; r.status != http.StatusNoContent {
		t.Fatalf("first PATCH: %d %s", r.status, r.body)
	}
	wantError(t, c.patch(loc, 0, b), http.StatusConflict, "continue from 200000")
	c.patch(loc, 200000, b)
	if sum, _ := e.done.sum(strings.TrimPrefix(loc, "/upload/")); sum != sha256.Sum256(append(a, b...)) {
		t.Fatal("the upload is not the first PATCH's bytes")
	}
}

// TestConcurrentPatchRace sends many PATCHes at once; whatever wins, the
// bytes stored are one sender's, never interleaved.
func TestConcurrentPatchRace(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	const n = 6
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = random(300000, uint64(10+i))
	}
	loc := c.create(600000, meta("kind", "post-image"))
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() {
			r, err := c.do("PATCH", loc, bytes.NewReader(bodies[i]), 300000, "Content-Type", "application/offset+octet-stream", "Upload-Offset", "0")
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = r.status
		})
	}
	wg.Wait()
	won := -1
	for i, s := range statuses {
		switch s {
		case http.StatusNoContent:
			if won >= 0 {
				t.Fatalf("two PATCHes at offset 0 succeeded: %v", statuses)
			}
			won = i
		case http.StatusConflict, http.StatusLocked:
		default:
			t.Fatalf("PATCH status %d: %v", s, statuses)
		}
	}
	if won < 0 {
		t.Fatalf("no PATCH succeeded: %v", statuses)
	}
	tail := random(300000, 99)
	if r := c.patch(loc, 300000, tail); r.status != http.StatusNoContent {
		t.Fatalf("last PATCH: %d %s", r.status, r.body)
	}
	if sum, _ := e.done.sum(strings.TrimPrefix(loc, "/upload/")); sum != sha256.Sum256(append(bodies[won], tail...)) {
		t.Fatal("stored bytes are not the winner's")
	}
}

func TestExpiry(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	loc := c.create(10000, meta("kind", "post-image"))
	c.patch(loc, 0, random(4000, 9))
	other := c.create(10000, meta("kind", "post-image"))
	h := c.head(loc)
	exp, err := time.Parse(http.TimeFormat, h.header.Get("Upload-Expires"))
	if err != nil || !exp.Equal(e.clock.Now().Add(DefaultTTL)) {
		t.Fatalf("Upload-Expires %q, want %v", h.header.Get("Upload-Expires"), e.clock.Now().Add(DefaultTTL))
	}
	e.clock.Add(DefaultTTL - time.Second)
	if n, err := e.h.Sweep(context.Background()); n != 0 || err != nil {
		t.Fatalf("Sweep before expiry: %d %v", n, err)
	}
	c.patch(other, 0, random(100, 10))
	e.clock.Add(time.Second)
	wantError(t, c.head(loc), http.StatusGone, "")
	wantError(t, c.patch(loc, 4000, random(100, 11)), http.StatusGone, "expired")
	if n, err := e.h.Sweep(context.Background()); n != 2 || err != nil {
		t.Fatalf("Sweep: %d %v, want 2", n, err)
	}
	e.wantEmpty()
	wantError(t, c.head(loc), http.StatusNotFound, "")
}

func TestTTLSettable(t *testing.T) {
	d, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c := &clock{t: time.Now()}
	h, err := New(Config{Store: d, Sink: d, Authenticate: authenticate, Kinds: map[string]Kind{"avatar": {MaxLength: 10}}, TTL: time.Hour, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	cl := &client{t: t, base: srv.URL, user: "1", hc: srv.Client()}
	r := cl.must("POST", "/upload/", nil, 0, "Upload-Length", "5", "Upload-Metadata", meta("kind", "avatar"))
	exp, _ := time.Parse(http.TimeFormat, r.header.Get("Upload-Expires"))
	if want := c.Now().Add(time.Hour).Truncate(time.Second); !exp.Equal(want) {
		t.Fatalf("Upload-Expires %v, want %v", exp, want)
	}
}

func TestTermination(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	loc := c.create(10000, meta("kind", "post-image"))
	c.patch(loc, 0, random(4000, 12))
	wantError(t, e.client("2").must("DELETE", loc, nil, 0), http.StatusNotFound, "")
	if r := c.must("DELETE", loc, nil, 0); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	e.wantEmpty()
	wantError(t, c.head(loc), http.StatusNotFound, "")
	wantError(t, c.must("DELETE", loc, nil, 0), http.StatusNotFound, "")
}

func TestOptions(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("OPTIONS", e.srv.URL+"/upload/", nil)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("OPTIONS: %d", res.StatusCode)
	}
	for k, want := range map[string]string{
		"Tus-Version":   "1.0.0",
		"Tus-Extension": "creation,creation-with-upload,termination,expiration",
		"Tus-Max-Size":  strconv.Itoa(videoMax),
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("OPTIONS %s %q, want %q", k, got, want)
		}
	}
}

func TestTusResumable(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	for _, v := range []string{"", "0.2.2", "1.0"} {
		hdr := []string{"Upload-Length", "10", "Upload-Metadata", meta("kind", "post-image"), "Tus-Resumable", v}
		if v == "" {
			hdr[5] = ""
		}
		r := c.must("POST", "/upload/", nil, 0, hdr...)
		wantError(t, r, http.StatusPreconditionFailed, "Tus-Resumable: 1.0.0")
		if r.header.Get("Tus-Version") != Version {
			t.Errorf("412 without Tus-Version: %v", r.header)
		}
	}
	e.wantEmpty()
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	owner := e.client("1")
	loc := owner.create(10000, meta("kind", "post-image"))
	owner.patch(loc, 0, random(100, 13))

	anon := e.client("")
	wantError(t, anon.must("POST", "/upload/", nil, 0, "Upload-Length", "10", "Upload-Metadata", meta("kind", "post-image")), http.StatusUnauthorized, "sign in")
	wantError(t, anon.head(loc), http.StatusUnauthorized, "sign in")
	wantError(t, anon.patch(loc, 100, []byte("x")), http.StatusUnauthorized, "sign in")

	// Another person's upload answers exactly as one that does not exist.
	other := e.client("2")
	missing := "/upload/" + newID()
	for _, m := range []string{"PATCH", "DELETE"} {
		var theirs, none resp
		if m == "PATCH" {
			theirs, none = other.patch(loc, 100, []byte("x")), other.patch(missing, 100, []byte("x"))
		} else {
			theirs, none = other.must(m, loc, nil, 0), other.must(m, missing, nil, 0)
		}
		wantError(t, theirs, http.StatusNotFound, "no such upload")
		if theirs.body != none.body || theirs.status != none.status {
			t.Errorf("%s of another's upload: %d %q; of a missing one: %d %q", m, theirs.status, theirs.body, none.status, none.body)
		}
	}
	theirs, none := other.head(loc), other.head(missing)
	if theirs.status != http.StatusNotFound || none.status != http.StatusNotFound || theirs.header.Get("Upload-Offset") != "" {
		t.Errorf("HEAD of another's upload: %d %v", theirs.status, theirs.header)
	}
	if got := owner.head(loc).offset(t); got != 100 {
		t.Errorf("the owner's upload has %d bytes, want 100", got)
	}
	// Quota.
	wantError(t, e.client("99").must("POST", "/upload/", nil, 0, "Upload-Length", "10", "Upload-Metadata", meta("kind", "post-image")), http.StatusTooManyRequests, "quota")
}

func TestCrossOrigin(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	r := c.must("POST", "/upload/", nil, 0, "Upload-Length", "10", "Upload-Metadata", meta("kind", "post-image"), "Origin", "https://evil.example")
	wantError(t, r, http.StatusForbidden, "cross-origin")
	e.wantEmpty()
	loc := c.create(10, meta("kind", "post-image"))
	r = c.must("PATCH", loc, strings.NewReader("0123456789"), 10, "Content-Type", "application/offset+octet-stream", "Upload-Offset", "0", "Origin", "https://evil.example")
	wantError(t, r, http.StatusForbidden, "cross-origin")
	r = c.must("PATCH", loc, strings.NewReader("0123456789"), 10, "Content-Type", "application/offset+octet-stream", "Upload-Offset", "0", "Sec-Fetch-Site", "same-origin")
	if r.status != http.StatusNoContent {
		t.Fatalf("same-origin PATCH: %d %s", r.status, r.body)
	}
}

func TestBadCreate(t *testing.T) {
	kind := meta("kind", "post-image")
	for _, tc := range []struct {
		name    string
		hdr     []string
		status  int
		message string
	}{
		{"no length", []string{"Upload-Metadata", kind}, 400, "Upload-Length header is missing"},
		{"negative", []string{"Upload-Length", "-1", "Upload-Metadata", kind}, 400, "whole number"},
		{"signed", []string{"Upload-Length", "+5", "Upload-Metadata", kind}, 400, "whole number"},
		{"not a number", []string{"Upload-Length", "abc", "Upload-Metadata", kind}, 400, "whole number"},
		{"exponent", []string{"Upload-Length", "1e3", "Upload-Metadata", kind}, 400, "whole number"},
		{"huge", []string{"Upload-Length", "99999999999999999999999", "Upload-Metadata", kind}, 400, "whole number"},
		{"zero", []string{"Upload-Length", "0", "Upload-Metadata", kind}, 400, "at least one byte"},
		{"over the kind's limit", []string{"Upload-Length", strconv.Itoa(pictureMax + 1), "Upload-Metadata", kind}, 413, "at most 1048576 bytes"},
		{"video over its limit", []string{"Upload-Length", strconv.Itoa(videoMax + 1), "Upload-Metadata", meta("kind", "post-video")}, 413, "post-video may be at most"},
		{"no kind", []string{"Upload-Length", "10"}, 400, "kind must be one of post-image, post-video"},
		{"unknown kind", []string{"Upload-Length", "10", "Upload-Metadata", meta("kind", "exe")}, 400, "kind must be one of"},
		{"bad base64", []string{"Upload-Length", "10", "Upload-Metadata", "kind cG9zdC1pbWFnZQ,filename ***"}, 400, "not base64"},
		{"unpadded base64", []string{"Upload-Length", "10", "Upload-Metadata", "kind cG9zdC1pbWFnZQ"}, 400, "not base64"},
		{"dotdot value", []string{"Upload-Length", "10", "Upload-Metadata", meta("kind", "post-image", "filename", "../../etc/passwd")}, 400, "path step"},
		{"backslash dotdot", []string{"Upload-Length", "10", "Upload-Metadata", meta("kind", "post-image", "filename", `..\boot.ini`)}, 400, "path step"},
		{"NUL value", []string{"Upload-Length", "10", "Upload-Metadata", meta("kind", "post-image", "filename", "a\x00.jpg")}, 400, "NUL"},
		{"NUL kind", []string{"Upload-Length", "10", "Upload-Metadata", meta("kind", "post-image\x00")}, 400, "NUL"},
		{"not UTF-8", []string{"Upload-Length", "10", "Upload-Metadata", meta("kind", "post-image", "filename", "\xff\xfe")}, 400, "UTF-8"},
		{"dotdot key", []string{"Upload-Length", "10", "Upload-Metadata", kind + ",../x " + base64.StdEncoding.EncodeToString([]byte("y"))}, 400, "key"},
		{"dotdot-only key", []string{"Upload-Length", "10", "Upload-Metadata", kind + ",.. eQ=="}, 400, "key"},
		{"empty key", []string{"Upload-Length", "10", "Upload-Metadata", kind + ", eQ=="}, 400, "key"},
		{"duplicate key", []string{"Upload-Length", "10", "Upload-Metadata", kind + "," + kind}, 400, "twice"},
		{"metadata too long", []string{"Upload-Length", "10", "Upload-Metadata", kind + ",f " + strings.Repeat("QUFB", 1500)}, 400, "at most"},
		{"first bytes past the length", []string{"Upload-Length", "5", "Upload-Metadata", kind, "Content-Type", "application/offset+octet-stream", "body", "0123456789"}, 413, "lacks only 5"},
		{"first bytes of another type", []string{"Upload-Length", "10", "Upload-Metadata", kind, "Content-Type", "image/jpeg", "body", "0123456789"}, 415, "offset+octet-stream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.client("1")
			var body io.Reader
			var size int64
			hdr := tc.hdr
			if n := len(hdr); n >= 2 && hdr[n-2] == "body" {
				body, size = strings.NewReader(hdr[n-1]), int64(len(hdr[n-1]))
				hdr = hdr[:n-2]
			}
			r := c.must("POST", "/upload/", body, size, hdr...)
			wantError(t, r, tc.status, tc.message)
			if tc.status == http.StatusRequestEntityTooLarge && strings.Contains(tc.name, "limit") && r.header.Get("Tus-Max-Size") == "" {
				t.Error("413 for the kind's limit without Tus-Max-Size")
			}
			e.wantEmpty()
		})
	}
}

func TestBadPatch(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	loc := c.create(1000, meta("kind", "post-image"))
	c.patch(loc, 0, random(100, 14))
	data := random(2000, 15)
	oct := "application/offset+octet-stream"
	for _, tc := range []struct {
		name    string
		path    string
		body    []byte
		chunked bool
		hdr     []string
		status  int
		message string
	}{
		{"no offset", loc, data[:10], false, []string{"Content-Type", oct}, 400, "Upload-Offset header is missing"},
		{"negative offset", loc, data[:10], false, []string{"Content-Type", oct, "Upload-Offset", "-100"}, 400, "whole number"},
		{"text offset", loc, data[:10], false, []string{"Content-Type", oct, "Upload-Offset", "ten"}, 400, "whole number"},
		{"wrong content type", loc, data[:10], false, []string{"Content-Type", "application/octet-stream", "Upload-Offset", "100"}, 415, "offset+octet-stream"},
		{"no content type", loc, data[:10], false, []string{"Upload-Offset", "100"}, 415, "offset+octet-stream"},
		{"Content-Length past the length", loc, data[:901], false, []string{"Content-Type", oct, "Upload-Offset", "100"}, 413, "lacks only 900"},
		{"chunked body past the length", loc, data[:1500], true, []string{"Content-Type", oct, "Upload-Offset", "100"}, 413, "nothing of it was kept"},
		{"unknown id", "/upload/" + newID(), data[:10], false, []string{"Content-Type", oct, "Upload-Offset", "0"}, 404, "no such upload"},
		{"dotdot id", "/upload/..%2F..%2Fetc%2Fpasswd", data[:10], false, []string{"Content-Type", oct, "Upload-Offset", "0"}, 404, "no such upload"},
		{"dotdot json id", "/upload/..%2F" + strings.TrimPrefix(loc, "/upload/"), data[:10], false, []string{"Content-Type", oct, "Upload-Offset", "0"}, 404, "no such upload"},
		{"NUL id", "/upload/" + strings.TrimPrefix(loc, "/upload/")[:31] + "%00", data[:10], false, []string{"Content-Type", oct, "Upload-Offset", "0"}, 404, "no such upload"},
		{"upper-case id", strings.ToUpper(loc[:8]) + strings.ToUpper(loc[8:]), data[:10], false, []string{"Content-Type", oct, "Upload-Offset", "0"}, 404, "no such upload"},
		{"nested path", loc + "/x", data[:10], false, []string{"Content-Type", oct, "Upload-Offset", "0"}, 404, "no such upload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(tc.body)
			size := int64(len(tc.body))
			if tc.chunked {
				body, size = io.MultiReader(bytes.NewReader(tc.body)), -1
			}
			wantError(t, c.must("PATCH", tc.path, body, size, tc.hdr...), tc.status, tc.message)
			if got := c.head(loc).offset(t); got != 100 {
				t.Fatalf("offset %d after a refused PATCH, want 100", got)
			}
			if fi, err := os.Stat(e.dir + "/" + strings.TrimPrefix(loc, "/upload/") + ".bin"); err != nil || fi.Size() != 100 {
				t.Fatalf("stored bytes after a refused PATCH: %v %v, want 100", fi.Size(), err)
			}
		})
	}
}

func TestCompleteRefuses(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	e.done.err = server.Errorf(http.StatusBadRequest, "the picture does not decode")
	loc := c.create(1000, meta("kind", "post-image"))
	c.patch(loc, 0, random(500, 16))
	wantError(t, c.patch(loc, 500, random(500, 17)), http.StatusBadRequest, "does not decode")
	e.wantEmpty()
	wantError(t, c.head(loc), http.StatusNotFound, "")

	// A failure that is not the client's keeps the bytes, and an empty
	// PATCH at the full offset tries again.
	e.done.err = fmt.Errorf("media store down")
	data := random(1000, 18)
	loc = c.create(1000, meta("kind", "post-image"))
	wantError(t, c.patch(loc, 0, data), http.StatusInternalServerError, "try again")
	if got := c.head(loc).offset(t); got != 1000 {
		t.Fatalf("offset %d after a failed Complete, want 1000", got)
	}
	e.done.mu.Lock()
	e.done.err = nil
	e.done.mu.Unlock()
	if r := c.patch(loc, 1000, nil); r.status != http.StatusNoContent {
		t.Fatalf("retry: %d %s", r.status, r.body)
	}
	if sum, _ := e.done.sum(strings.TrimPrefix(loc, "/upload/")); sum != sha256.Sum256(data) {
		t.Fatal("retry: bytes differ")
	}
	e.wantEmpty()
}

func TestMethods(t *testing.T) {
	e := newEnv(t)
	c := e.client("1")
	wantError(t, c.must("GET", "/upload/", nil, 0), http.StatusMethodNotAllowed, "POST")
	loc := c.create(10, meta("kind", "post-image"))
	wantError(t, c.must("PUT", loc, strings.NewReader("x"), 1), http.StatusMethodNotAllowed, "PATCH")
	wantError(t, c.must("POST", loc, nil, 0), http.StatusMethodNotAllowed, "PATCH")
}
