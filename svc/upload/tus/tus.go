// Package tus serves resumable uploads by the tus 1.0.0 protocol: the core
// protocol and the creation, creation-with-upload, termination and
// expiration extensions.
//
// A [Handler] is mounted at a base path such as "/upload/": POST to the
// base creates an upload, and HEAD, PATCH and DELETE on base+id read its
// offset, append to it and terminate it. What the handler keeps is behind
// two small interfaces, so the service can plug in its own: a [Store] of
// upload state and a [Sink] of the bytes. [Dir] implements both on a
// directory, through an [os.Root].
//
// Every PATCH writes its bytes, syncs them, and only then records and
// acknowledges the new offset, so an offset a client has been told
// survives a crash. A PATCH cut short by a dropped connection keeps the
// bytes that arrived (synced the same way), and the client resumes from
// the offset HEAD reports.
//
// The handler locks an upload for the length of a PATCH or DELETE within
// one process: a second request to the same upload meanwhile is answered
// 423 Locked, and a request with a stale Upload-Offset 409 Conflict, so
// bytes of two requests never interleave. The lock is in memory; a service
// run as several replicas sharing one store must take the lock in the
// shared store instead (for the database, SELECT ... FOR UPDATE on the
// upload's row for the length of the request, or a lease column), and a
// Store for that should serialize SetOffset on the row.
package tus

import (
	"context"
	"errors"
	"io"
	"time"
)

// Version is the protocol version the handler speaks.
const Version = "1.0.0"

// Extensions lists the tus extensions the handler implements, as OPTIONS
// advertises them.
const Extensions = "creation,creation-with-upload,termination,expiration"

// DefaultTTL is how long an unfinished upload is kept after its creation.
const DefaultTTL = 24 * time.Hour

// ErrNotFound is returned by a Store or Sink for an upload it does not hold.
var ErrNotFound = errors.New("upload not found")

// ErrSignedOut is returned by an Authenticate hook for a visitor who is not
// signed in; the handler answers 401.
var ErrSignedOut = errors.New("signed out")

// Upload is the state of one upload.
type Upload struct {
	// ID is the upload's name in its URL: 32 lowercase hex digits, 128
	// random bits, so one person cannot guess another's.
	ID    string `json:"id"`
	Owner int64  `json:"owner"`
	// Kind is the upload's kind from its metadata, such as "avatar"; it
	// chose the length limit and tells Complete what to make of the bytes.
	Kind string `json:"kind"`
	// Length is the declared length in bytes, Offset how many of them are
	// stored and synced.
	Length   int64             `json:"length"`
	Offset   int64             `json:"offset"`
	Metadata map[string]string `json:"metadata,omitempty"`
	Created  time.Time         `json:"created"`
	Expires  time.Time         `json:"expires"`
}

// Store keeps the state of uploads. Its methods return an error wrapping
// ErrNotFound for an id it does not hold.
type Store interface {
	// Create records a new upload; its ID is not yet in use.
	Create(ctx context.Context, u Upload) error
	Get(ctx context.Context, id string) (Upload, error)
	// SetOffset records that the upload's bytes up to offset are durable.
	SetOffset(ctx context.Context, id string, offset int64) error
	// Delete forgets the upload; deleting one that is gone is no error.
	Delete(ctx context.Context, id string) error
	// Expired lists the uploads whose Expires is not after now.
	Expired(ctx context.Context, now time.Time) ([]Upload, error)
}

// File is a stored upload's bytes, open for reading.
type File interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
}

// Sink keeps the bytes of uploads.
type Sink interface {
	// Append discards any bytes the upload has past offset (left by a
	// request whose offset was never recorded), writes r's bytes from
	// offset on and syncs them before it returns. It returns how many
	// bytes it wrote and synced, also when r fails midway, so that what
	// arrived before a dropped connection is kept. An upload with fewer
	// than offset bytes is an error.
	Append(ctx context.Context, id string, offset int64, r io.Reader) (int64, error)
	// Truncate cuts the upload's bytes back to size.
	Truncate(ctx context.Context, id string, size int64) error
	// Open opens the upload's bytes for reading.
	Open(ctx context.Context, id string) (File, error)
	// Remove frees the upload's bytes; removing ones that are gone is no
	// error.
	Remove(ctx context.Context, id string) error
}

// Kind is one kind of upload and its limit.
type Kind struct {
	// MaxLength is the largest Upload-Length accepted, in bytes.
	MaxLength int64
}
