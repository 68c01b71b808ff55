package tus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kin-social/kin/svc/internal/server"
)

// Config is what a Handler needs. Store, Sink, Authenticate and Kinds are
// required.
type Config struct {
	// Base is the path the handler is mounted at, ending in "/"; upload
	// URLs are Base+id. Default "/upload/".
	Base  string
	Store Store
	Sink  Sink
	// Authenticate says who the caller is. It returns ErrSignedOut for a
	// visitor who is not signed in (401), an *server.Error to refuse with
	// its status, or another error for a failure (500).
	Authenticate func(r *http.Request) (owner int64, err error)
	// Kinds are the accepted values of the metadata key "kind", each with
	// its length limit.
	Kinds map[string]Kind
	// Quota, if set, is asked before an upload is created whether the
	// owner may upload length more bytes of the kind today; an
	// *server.Error it returns (413, 429) is sent as it is.
	Quota func(ctx context.Context, owner int64, kind string, length int64) error
	// Complete is called once all of an upload's bytes are stored, with
	// them open for reading; it may set headers of the response to the
	// last PATCH (or POST), such as the name of what it made. Its
	// *server.Error with a 4xx status is sent to the client and the upload
	// removed; another error is a 500, and the upload is kept (until it
	// expires) so that an empty PATCH at its full offset tries again. After
	// a success the upload is removed: its bytes are the service's now.
	Complete func(ctx context.Context, u Upload, f File, h http.Header) error
	// TTL is how long after its creation an unfinished upload expires.
	// Default DefaultTTL.
	TTL time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Log receives failures that are not the client's; default
	// slog.Default().
	Log *slog.Logger
}

// Handler serves the tus protocol. Its ServeHTTP is safe for concurrent
// use; it works behind server.CrossOrigin, as tus clients send their POST,
// PATCH and DELETE from the site's own origin.
type Handler struct {
	c       Config
	maxSize int64
	locks   locks
	serve   http.Handler
}

// New returns a Handler for c.
func New(c Config) (*Handler, error) {
	if c.Store == nil || c.Sink == nil || c.Authenticate == nil || len(c.Kinds) == 0 {
		return nil, errors.New("tus: Config needs Store, Sink, Authenticate and Kinds")
	}
	if c.Base == "" {
		c.Base = "/upload/"
	}
	if !strings.HasSuffix(c.Base, "/") {
		return nil, fmt.Errorf("tus: Base %q must end in /", c.Base)
	}
	if c.TTL <= 0 {
		c.TTL = DefaultTTL
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	h := &Handler{c: c, locks: locks{held: map[string]bool{}}}
	for name, k := range c.Kinds {
		if k.MaxLength <= 0 || !validKey(name) {
			return nil, fmt.Errorf("tus: kind %q needs a name of letters, digits and -._ and a MaxLength", name)
		}
		h.maxSize = max(h.maxSize, k.MaxLength)
	}
	h.serve = server.Handle(h.route)
	return h, nil
}

// MaxSize is the largest upload any kind allows, as Tus-Max-Size says.
func (h *Handler) MaxSize() int64 { return h.maxSize }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Tus-Resumable", Version)
	h.serve.ServeHTTP(w, r)
}

func (h *Handler) route(w http.ResponseWriter, r *http.Request) error {
	rest, ok := strings.CutPrefix(r.URL.Path, h.c.Base)
	if !ok {
		return notFound
	}
	if r.Method == http.MethodOptions {
		return h.options(w)
	}
	if v := r.Header.Get("Tus-Resumable"); v != Version {
		w.Header().Set("Tus-Version", Version)
		if v == "" {
			return server.Errorf(http.StatusPreconditionFailed, "the Tus-Resumable header is missing: send Tus-Resumable: %s", Version)
		}
		return server.Errorf(http.StatusPreconditionFailed, "tus version %q is not supported: send Tus-Resumable: %s", v, Version)
	}
	owner, err := h.c.Authenticate(r)
	if errors.Is(err, ErrSignedOut) {
		return server.Errorf(http.StatusUnauthorized, "sign in to upload")
	}
	if err != nil {
		return err
	}
	ctx := r.Context()
	if rest == "" {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "OPTIONS, POST")
			return server.Errorf(http.StatusMethodNotAllowed, "%s %s: create an upload with POST", r.Method, h.c.Base)
		}
		return h.create(ctx, w, r, owner)
	}
	if !validID(rest) {
		return notFound
	}
	switch r.Method {
	case http.MethodHead:
		return h.head(ctx, w, rest, owner)
	case http.MethodPatch:
		return h.patch(ctx, w, r, rest, owner)
	case http.MethodDelete:
		return h.terminate(ctx, w, rest, owner)
	}
	w.Header().Set("Allow", "OPTIONS, HEAD, PATCH, DELETE")
	return server.Errorf(http.StatusMethodNotAllowed, "%s is not a tus method: use HEAD, PATCH or DELETE", r.Method)
}

// notFound answers for a missing upload and for another person's alike, so
// that an id tells nothing about whether it exists.
var notFound = server.Errorf(http.StatusNotFound, "no such upload: it may have been finished, removed or expired; start a new one")

func (h *Handler) options(w http.ResponseWriter) error {
	hd := w.Header()
	hd.Set("Tus-Version", Version)
	hd.Set("Tus-Extension", Extensions)
	hd.Set("Tus-Max-Size", strconv.FormatInt(h.maxSize, 10))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) create(ctx context.Context, w http.ResponseWriter, r *http.Request, owner int64) error {
	length, err := parseLength(r.Header, "Upload-Length")
	if err != nil {
		return err
	}
	if length == 0 {
		return &server.Error{Status: http.StatusBadRequest, Field: "Upload-Length", Msg: "Upload-Length is 0: an upload needs at least one byte"}
	}
	meta, err := parseMetadata(r.Header.Values("Upload-Metadata"))
	if err != nil {
		return err
	}
	kindName := meta["kind"]
	kind, ok := h.c.Kinds[kindName]
	if !ok {
		return &server.Error{Status: http.StatusBadRequest, Field: "Upload-Metadata", Msg: fmt.Sprintf("the metadata key kind must be one of %s", strings.Join(h.kindNames(), ", "))}
	}
	if length > kind.MaxLength {
		w.Header().Set("Tus-Max-Size", strconv.FormatInt(kind.MaxLength, 10))
		return server.Errorf(http.StatusRequestEntityTooLarge, "the upload is %d bytes; a %s may be at most %d bytes (%s)", length, kindName, kind.MaxLength, mib(kind.MaxLength))
	}
	// A chunked body (length -1) is taken for first bytes only when it
	// says it is some; a POST without body may omit Content-Length.
	withBody := r.ContentLength > 0 || r.ContentLength < 0 && r.Header.Get("Content-Type") != ""
	if withBody {
		if err := checkPatchBody(r, length, 0); err != nil {
			return err
		}
	}
	if h.c.Quota != nil {
		if err := h.c.Quota(ctx, owner, kindName, length); err != nil {
			return err
		}
	}
	now := h.c.Now()
	u := Upload{ID: newID(), Owner: owner, Kind: kindName, Length: length, Metadata: meta, Created: now, Expires: now.Add(h.c.TTL)}
	// Hold the lock from the start: the Location is not out yet, but a
	// Sweep must not take the upload while its first bytes arrive.
	if !h.locks.try(u.ID) {
		return fmt.Errorf("lock new upload %s: already held", u.ID)
	}
	defer h.locks.unlock(u.ID)
	if err := h.c.Store.Create(ctx, u); err != nil {
		return fmt.Errorf("create upload: %w", err)
	}
	w.Header().Set("Location", h.c.Base+u.ID)
	if withBody {
		return h.write(ctx, w, r, u, http.StatusCreated)
	}
	h.stateHeaders(w, u)
	w.WriteHeader(http.StatusCreated)
	return nil
}

func (h *Handler) kindNames() []string {
	names := make([]string, 0, len(h.c.Kinds))
	for n := range h.c.Kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// load returns the caller's upload id, or notFound for a missing upload or
// another person's.
func (h *Handler) load(ctx context.Context, id string, owner int64) (Upload, error) {
	u, err := h.c.Store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Upload{}, notFound
	}
	if err != nil {
		return Upload{}, fmt.Errorf("load upload %s: %w", id, err)
	}
	if u.Owner != owner {
		return Upload{}, notFound
	}
	if !h.c.Now().Before(u.Expires) {
		return Upload{}, server.Errorf(http.StatusGone, "the upload expired at %s, unfinished: start a new one", u.Expires.UTC().Format(http.TimeFormat))
	}
	return u, nil
}

func (h *Handler) stateHeaders(w http.ResponseWriter, u Upload) {
	hd := w.Header()
	hd.Set("Upload-Offset", strconv.FormatInt(u.Offset, 10))
	hd.Set("Upload-Expires", u.Expires.UTC().Format(http.TimeFormat))
	hd.Set("Cache-Control", "no-store")
}

func (h *Handler) head(ctx context.Context, w http.ResponseWriter, id string, owner int64) error {
	u, err := h.load(ctx, id, owner)
	if err != nil {
		return err
	}
	h.stateHeaders(w, u)
	w.Header().Set("Upload-Length", strconv.FormatInt(u.Length, 10))
	if len(u.Metadata) > 0 {
		w.Header().Set("Upload-Metadata", formatMetadata(u.Metadata))
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) patch(ctx context.Context, w http.ResponseWriter, r *http.Request, id string, owner int64) error {
	offset, err := parseLength(r.Header, "Upload-Offset")
	if err != nil {
		return err
	}
	if !h.locks.try(id) {
		// Checked after the lock would be as good, but a missing or
		// foreign upload must answer 404, not 423.
		if _, err := h.load(ctx, id, owner); err != nil {
			return err
		}
		return server.Errorf(http.StatusLocked, "another request is writing this upload: ask HEAD for the offset and try again")
	}
	defer h.locks.unlock(id)
	u, err := h.load(ctx, id, owner)
	if err != nil {
		return err
	}
	if offset != u.Offset {
		h.stateHeaders(w, u)
		return server.Errorf(http.StatusConflict, "Upload-Offset is %d but the upload has %d bytes: continue from %d", offset, u.Offset, u.Offset)
	}
	if err := checkPatchBody(r, u.Length, u.Offset); err != nil {
		return err
	}
	return h.write(ctx, w, r, u, http.StatusNoContent)
}

// checkPatchBody checks a request's content type and declared length
// against what the upload still lacks, before a byte is read.
func checkPatchBody(r *http.Request, length, offset int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "application/offset+octet-stream" {
		return server.Errorf(http.StatusUnsupportedMediaType, "Content-Type is %q: send the bytes as application/offset+octet-stream", ct)
	}
	if r.ContentLength > length-offset {
		return server.Errorf(http.StatusRequestEntityTooLarge, "the body is %d bytes but the upload lacks only %d (Upload-Length %d, offset %d)", r.ContentLength, length-offset, length, offset)
	}
	return nil
}

// errTooLong is the error of a body that goes past the declared length.
var errTooLong = errors.New("body longer than the upload")

// limited reads at most n bytes of r and fails with errTooLong if r has
// more: a chunked body declares no length to check beforehand.
// It also keeps the body's own error, to tell a client that went away
// from a failure to store.
type limited struct {
	r   io.Reader
	n   int64
	err error
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		n, err := io.ReadFull(l.r, one[:])
		switch {
		case n > 0:
			l.err = errTooLong
		case err != io.EOF && err != io.ErrUnexpectedEOF:
			l.err = err
		default:
			return 0, io.EOF
		}
		return 0, l.err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if err != nil && err != io.EOF {
		l.err = err
	}
	return n, err
}

// write appends the request's body to u, records the new offset and,
// when the upload is whole, completes it. The caller holds u's lock.
func (h *Handler) write(ctx context.Context, w http.ResponseWriter, r *http.Request, u Upload, status int) error {
	// The bytes that arrived are kept and recorded even when the client
	// goes away midway, so the rest of the work must outlive the request.
	ctx = context.WithoutCancel(ctx)
	body := &limited{r: r.Body, n: u.Length - u.Offset}
	n, werr := h.c.Sink.Append(ctx, u.ID, u.Offset, body)
	if werr != nil && errors.Is(body.err, errTooLong) {
		if err := h.c.Sink.Truncate(ctx, u.ID, u.Offset); err != nil {
			return fmt.Errorf("truncate upload %s after an overlong body: %w", u.ID, err)
		}
		if status == http.StatusCreated {
			h.removeUpload(ctx, u.ID)
		}
		return server.Errorf(http.StatusRequestEntityTooLarge, "the body goes past the upload's declared Upload-Length %d: nothing of it was kept", u.Length)
	}
	if n > 0 {
		if err := h.c.Store.SetOffset(ctx, u.ID, u.Offset+n); err != nil {
			return fmt.Errorf("record offset %d of upload %s: %w", u.Offset+n, u.ID, err)
		}
		u.Offset += n
	}
	if werr != nil && body.err == nil {
		return fmt.Errorf("store %d bytes of upload %s at %d: %w", r.ContentLength, u.ID, u.Offset, werr)
	}
	if werr != nil {
		// Most often the client went away; it learns the offset from HEAD.
		h.c.Log.InfoContext(ctx, "upload body cut short", "upload", u.ID, "offset", u.Offset, "err", werr.Error())
		h.stateHeaders(w, u)
		return server.Errorf(http.StatusBadRequest, "the body ended early after %d bytes, which are kept: ask HEAD for the offset and send the rest", n)
	}
	if u.Offset == u.Length {
		if err := h.complete(ctx, w, u); err != nil {
			return err
		}
	}
	h.stateHeaders(w, u)
	w.WriteHeader(status)
	return nil
}

func (h *Handler) complete(ctx context.Context, w http.ResponseWriter, u Upload) error {
	if h.c.Complete != nil {
		f, err := h.c.Sink.Open(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("open finished upload %s: %w", u.ID, err)
		}
		err = h.c.Complete(ctx, u, f, w.Header())
		f.Close()
		var se *server.Error
		if errors.As(err, &se) && se.Status >= 400 && se.Status < 500 {
			h.removeUpload(ctx, u.ID)
			return err
		}
		if err != nil {
			return fmt.Errorf("complete upload %s (%s): %w", u.ID, u.Kind, err)
		}
	}
	h.removeUpload(ctx, u.ID)
	return nil
}

// removeUpload forgets the upload and then frees its bytes: in that order
// a failure between leaves bytes no state points to, never state whose
// bytes are gone.
func (h *Handler) removeUpload(ctx context.Context, id string) error {
	if err := h.c.Store.Delete(ctx, id); err != nil {
		h.c.Log.ErrorContext(ctx, "remove upload state", "upload", id, "err", err.Error())
		return fmt.Errorf("remove upload %s: %w", id, err)
	}
	if err := h.c.Sink.Remove(ctx, id); err != nil {
		h.c.Log.ErrorContext(ctx, "free upload bytes", "upload", id, "err", err.Error())
		return fmt.Errorf("free upload %s: %w", id, err)
	}
	return nil
}

func (h *Handler) terminate(ctx context.Context, w http.ResponseWriter, id string, owner int64) error {
	if !h.locks.try(id) {
		if _, err := h.load(ctx, id, owner); err != nil {
			return err
		}
		return server.Errorf(http.StatusLocked, "another request is writing this upload: try again")
	}
	defer h.locks.unlock(id)
	if _, err := h.load(ctx, id, owner); err != nil {
		return err
	}
	if err := h.removeUpload(context.WithoutCancel(ctx), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Sweep removes the uploads that expired unfinished and frees their bytes,
// skipping any a request holds at the moment; it returns how many it
// removed. The service calls it periodically.
func (h *Handler) Sweep(ctx context.Context) (int, error) {
	ups, err := h.c.Store.Expired(ctx, h.c.Now())
	if err != nil {
		return 0, fmt.Errorf("list expired uploads: %w", err)
	}
	n := 0
	var errs []error
	for _, u := range ups {
		if !h.locks.try(u.ID) {
			continue
		}
		err := h.removeUpload(ctx, u.ID)
		h.locks.unlock(u.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// locks are the uploads a request of this process is writing.
type locks struct {
	mu   sync.Mutex
	held map[string]bool
}

func (l *locks) try(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[id] {
		return false
	}
	l.held[id] = true
	return true
}

func (l *locks) unlock(id string) {
	l.mu.Lock()
	delete(l.held, id)
	l.mu.Unlock()
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validID reports whether id is one newID could make; anything else, such
// as "../x" or a NUL, cannot name an upload.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// parseLength parses a non-negative decimal header such as Upload-Length:
// digits only, no sign.
func parseLength(hd http.Header, name string) (int64, error) {
	vs := hd.Values(name)
	if len(vs) == 0 {
		return 0, &server.Error{Status: http.StatusBadRequest, Field: name, Msg: fmt.Sprintf("the %s header is missing: send the number of bytes", name)}
	}
	v := vs[0]
	bad := len(vs) > 1 || v == "" || len(v) > 18
	for i := 0; i < len(v) && !bad; i++ {
		bad = v[i] < '0' || v[i] > '9'
	}
	if bad {
		return 0, &server.Error{Status: http.StatusBadRequest, Field: name, Msg: fmt.Sprintf("%s must be one whole number of bytes, 0 or more, in digits", name)}
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n, nil
}

func mib(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MiB"
}
