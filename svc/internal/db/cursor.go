package db

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// A Position is where a keyset-paginated list stopped: the sort key of the
// last row shown, a time and an id to break ties, as in
// `WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC`.
type Position struct {
	Time time.Time
	ID   int64
}

// ErrCursor means a cursor is not one this site made for this list: it
// was mangled, tampered with, made with another key, or made for another
// list or another viewer. It is the client's mistake: handlers answer 400
// with field "cursor".
var ErrCursor = errors.New("invalid cursor")

// Cursors makes and reads opaque list cursors. A cursor carries a
// Position signed with HMAC-SHA-256 over the position and the name of the
// list it was made for, so a client can neither forge a position nor move
// a cursor from one list (or one viewer's list) to another.
type Cursors struct{ key []byte }

// NewCursors returns Cursors signing with key, which every replica must
// share (see Key) and which should be at least 32 random bytes.
func NewCursors(key []byte) *Cursors { return &Cursors{key: append([]byte(nil), key...)} }

const (
	cursorVersion = 1
	payloadLen    = 1 + 8 + 8 // version, unix nanoseconds, id
	macLen        = 16        // a truncated HMAC-SHA-256 is plenty against forgery
)

// cursorLen is the length of every cursor: base64url of payloadLen+macLen
// bytes, without padding.
var cursorLen = base64.RawURLEncoding.EncodedLen(payloadLen + macLen)

// Encode returns the cursor of pos in the list named list. The name
// should say whose list it is where that matters ("feed/42" for user 42's
// feed), since a cursor decodes only under the same name.
func (c *Cursors) Encode(list string, pos Position) string {
	b := make([]byte, payloadLen, payloadLen+macLen)
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:], uint64(pos.Time.UnixNano()))
	binary.BigEndian.PutUint64(b[9:], uint64(pos.ID))
	b = append(b, c.mac(list, b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode returns the position of a cursor Encode made for the list, or
// ErrCursor.
func (c *Cursors) Decode(list, cursor string) (Position, error) {
	if len(cursor) != cursorLen {
		return Position{}, ErrCursor
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil || len(b) != payloadLen+macLen || b[0] != cursorVersion {
		return Position{}, ErrCursor
	}
	if !hmac.Equal(b[payloadLen:], c.mac(list, b[:payloadLen])) {
		return Position{}, ErrCursor
	}
	return Position{
		Time: time.Unix(0, int64(binary.BigEndian.Uint64(b[1:]))).UTC(),
		ID:   int64(binary.BigEndian.Uint64(b[9:])),
	}, nil
}

func (c *Cursors) mac(list string, payload []byte) []byte {
	h := hmac.New(sha256.New, c.key)
	// The list's length first, so no two (list, payload) pairs share a
	// message.
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(list)))
	h.Write(n[:])
	h.Write([]byte(list))
	h.Write(payload)
	return h.Sum(nil)[:macLen]
}

// Key returns the site's secret key named name, 32 random bytes made by
// the first replica that asks and stored in the site_keys table, so every
// replica signs and checks with the same key without one more secret to
// configure.
func Key(ctx context.Context, q Querier, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	// The no-op update keeps the key a concurrent replica stored first.
	if _, err := q.ExecContext(ctx, "INSERT INTO site_keys (name, secret) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = name", name, fresh); err != nil {
		return nil, fmt.Errorf("store key %s: %w", name, err)
	}
	var key []byte
	if err := q.QueryRowContext(ctx, "SELECT secret FROM site_keys WHERE name = ?", name).Scan(&key); err != nil {
		return nil, fmt.Errorf("load key %s: %w", name, err)
	}
	return key, nil
}
