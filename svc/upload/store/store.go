// Package store keeps media: one small interface, Store, with two
// implementations, the filesystem of the media volume (FS) and
// S3-compatible object storage (S3).
//
// Objects are immutable in practice: names are random (NewName), written
// once by Put and visible only when complete, read by Open with seeking for
// byte ranges, removed by Delete, and found for pruning by List.
package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"strings"
	"time"
)

// Store is where media lives.
type Store interface {
	// Put stores what r gives under name, streaming: memory stays bounded
	// whatever the size. size is the exact length when known, or -1; a
	// reader that gives another length fails the Put. The object becomes
	// visible only once complete: a Put that fails or whose ctx is
	// cancelled leaves nothing under name. A Put over an existing name
	// replaces it.
	Put(ctx context.Context, name string, r io.Reader, size int64) (Info, error)

	// Open opens name for reading. The Object seeks, so byte ranges are
	// a Seek then a bounded read, and it can be given to
	// http.ServeContent with its Info's ModTime and ETag. Its reads use
	// ctx (over S3 they are requests), and the caller closes it. The
	// error for a missing name wraps ErrNotExist.
	Open(ctx context.Context, name string) (Object, error)

	// Stat describes name; the error for a missing name wraps ErrNotExist.
	Stat(ctx context.Context, name string) (Info, error)

	// Delete removes name. Removing a missing name is not an error, so a
	// prune can run twice at once.
	Delete(ctx context.Context, name string) error

	// List yields the objects last modified before before, streaming (a
	// page at a time, never all in memory), in no particular order.
	// Stopping early is allowed. It also removes what writes that crashed
	// left behind for more than a day. An error ends the sequence.
	List(ctx context.Context, before time.Time) iter.Seq2[Info, error]
}

// Object is an open stored object.
type Object interface {
	io.ReadSeekCloser
	// Info describes the object opened.
	Info() Info
}

// Info describes a stored object.
type Info struct {
	Name    string
	Size    int64
	ModTime time.Time
	// ETag is a strong entity tag, quoted as the ETag header wants it. It
	// changes whenever the content does.
	ETag string
}

// ErrNotExist is wrapped by the errors of Open and Stat for a missing name.
var ErrNotExist = fs.ErrNotExist

// ErrName is wrapped by the errors for a name that is not valid.
var ErrName = errors.New("not a valid media name: want at least 26 characters of lower-case base32 (a-z, 2-7), optionally followed by '-' or '.' and lower-case letters or digits")

// MaxName is the longest valid name.
const MaxName = 128

// minRandom is the length of the random part that carries 128 bits in
// base32 (5 bits a character).
const minRandom = 26

// staleTemp is how long a temporary file or upload may sit unchanged
// before List removes it as left by a crashed write. A day is far longer
// than any Put of a bounded file takes, even a slow one.
const staleTemp = 24 * time.Hour

// lowerBase32 encodes names: lower-case, no padding, nothing that needs
// escaping in a path or URL.
var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewName returns a new random name of 160 bits (32 characters).
func NewName() string {
	var b [20]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return lowerBase32.EncodeToString(b[:])
}

// ValidName reports whether name is a valid media name, with a reason
// wrapping ErrName when not. A valid name is a random part of at least 26
// characters of lower-case base32, as NewName makes, optionally followed
// by suffixes such as "-320" or ".webp", each a '-' or '.' and one or more
// lower-case letters or digits; at most MaxName bytes. So no name is
// empty, "." or "..", or holds a '/', a NUL or an upper-case letter.
func ValidName(name string) error {
	if len(name) > MaxName {
		return fmt.Errorf("name of %d bytes: %w", len(name), ErrName)
	}
	i := 0
	for i < len(name) && (name[i] >= 'a' && name[i] <= 'z' || name[i] >= '2' && name[i] <= '7') {
		i++
	}
	if i < minRandom {
		return fmt.Errorf("name %q: %w", name, ErrName)
	}
	for i < len(name) {
		if c := name[i]; c != '-' && c != '.' {
			return fmt.Errorf("name %q: %w", name, ErrName)
		}
		i++
		j := i
		for i < len(name) && (name[i] >= 'a' && name[i] <= 'z' || name[i] >= '0' && name[i] <= '9') {
			i++
		}
		if i == j {
			return fmt.Errorf("name %q: %w", name, ErrName)
		}
	}
	return nil
}

// exactReader fails a read that would make r give other than size bytes.
// It checks for more bytes as soon as size are read, before handing the
// last of them on, so that a consumer reading exactly size bytes (and no
// further) still sees the error.
type exactReader struct {
	r    io.Reader
	size int64
	n    int64
}

var errLonger = errors.New("reader gave more bytes than the declared size")

func (e *exactReader) Read(p []byte) (int, error) {
	if e.n == e.size {
		return 0, e.probe()
	}
	if int64(len(p)) > e.size-e.n {
		p = p[:e.size-e.n]
	}
	n, err := e.r.Read(p)
	e.n += int64(n)
	if e.n == e.size && err == nil {
		err = e.probe()
		if err != nil && err != io.EOF {
			return 0, err
		}
	}
	if err == io.EOF && e.n < e.size {
		err = fmt.Errorf("reader ended after %d of the declared %d bytes: %w", e.n, e.size, io.ErrUnexpectedEOF)
	}
	return n, err
}

// probe reports io.EOF if r has nothing past size, errLonger otherwise.
func (e *exactReader) probe() error {
	var b [1]byte
	for range 100 {
		n, err := e.r.Read(b[:])
		if n > 0 {
			return errLonger
		}
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// ctxReader fails reads once ctx is done, so a cancelled Put stops.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// sized wraps r so that it gives exactly size bytes when size >= 0.
func sized(r io.Reader, size int64) io.Reader {
	if size < 0 {
		return r
	}
	return &exactReader{r: r, size: size}
}

// trimQuotes is an S3 ETag without its quotes.
func trimQuotes(s string) string { return strings.Trim(s, `"`) }
