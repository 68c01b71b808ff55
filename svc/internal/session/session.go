// Package session keeps track of who is signed in, for every Kin service
// that serves the browser.
//
// Each visitor carries a 256-bit random token in the cookie named
// "sessid". A visitor who has not signed in gets one too (the captcha
// service keys its state by it), but such an anonymous token is never
// stored. Signing in creates a new token (rotation, so a token planted
// before sign-in is worthless after it) and stores its SHA-256 hash with
// the user's id and an expiry in the sessions table; the token itself
// never reaches the database or a log.
//
// A service finds the signed-in user with Store.FromRequest, or wraps its
// handlers in Store.Require and reads the session with FromContext.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/server"
)

// CookieName is the cookie that carries the token. The captcha service
// reads the same cookie.
const CookieName = "sessid"

// Lifetime is how long a signed-in session lasts from sign-in.
const Lifetime = 30 * 24 * time.Hour

// ErrNoSession means the token belongs to no live signed-in session: it is
// anonymous, unknown, malformed, signed out or expired.
var ErrNoSession = errors.New("not signed in")

const (
	tokenBytes = 32
	tokenLen   = 43 // base64url without padding of tokenBytes
)

// NewToken returns a new random token: 32 bytes from crypto/rand,
// base64url-encoded without padding.
func NewToken() string {
	var b [tokenBytes]byte
	rand.Read(b[:]) // never fails (crypto/rand panics if the OS cannot supply randomness)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hash returns the SHA-256 of the token's bytes, the key it is stored
// under, or false when tok is not a token NewToken could have made.
func hash(tok string) ([]byte, bool) {
	if len(tok) != tokenLen {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	if err != nil || len(raw) != tokenBytes {
		return nil, false
	}
	h := sha256.Sum256(raw)
	return h[:], true
}

// A Session is a signed-in visitor.
type Session struct {
	Token     string // the cookie's value
	UserID    int64
	ExpiresAt time.Time
}

// Store keeps signed-in sessions in the sessions table. Its methods are
// safe for concurrent use.
type Store struct {
	db  db.Querier
	now func() time.Time
}

// NewStore returns a Store on db, which must hold the sessions table.
func NewStore(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

// WithTx returns a Store that works on q, a caller's transaction (as
// db.InTx passes one), so a change of sessions commits or rolls back with
// the caller's other changes (a new password and the end of the other
// sessions, together).
func (s *Store) WithTx(q db.Querier) *Store { return &Store{db: q, now: s.now} }

// SetClock replaces the clock, for tests of expiry.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

func (s *Store) time() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Create starts a signed-in session for the user with a new token.
func (s *Store) Create(ctx context.Context, userID int64) (Session, error) {
	tok := NewToken()
	h, _ := hash(tok)
	now := s.time()
	sess := Session{Token: tok, UserID: userID, ExpiresAt: now.Add(Lifetime)}
	if _, err := s.db.ExecContext(ctx,
		"INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
		h, userID, now, sess.ExpiresAt); err != nil {
		return Session{}, fmt.Errorf("create session for user %d: %w", userID, err)
	}
	return sess, nil
}

// Lookup returns the live session of the token, or ErrNoSession. It
// deletes the session it finds expired.
func (s *Store) Lookup(ctx context.Context, tok string) (Session, error) {
	h, ok := hash(tok)
	if !ok {
		return Session{}, ErrNoSession
	}
	sess := Session{Token: tok}
	err := s.db.QueryRowContext(ctx,
		"SELECT user_id, expires_at FROM sessions WHERE token_hash = ?", h).
		Scan(&sess.UserID, &sess.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("look up session: %w", err)
	}
	if !s.time().Before(sess.ExpiresAt) {
		if _, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", h); err != nil {
			return Session{}, fmt.Errorf("delete expired session: %w", err)
		}
		return Session{}, ErrNoSession
	}
	return sess, nil
}

// Delete ends the session of the token, if there is one.
func (s *Store) Delete(ctx context.Context, tok string) error {
	h, ok := hash(tok)
	if !ok {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", h); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteOthers ends every session of the user except the one of the token
// keep (as after a password change), and returns how many it ended. An
// empty keep ends them all.
func (s *Store) DeleteOthers(ctx context.Context, userID int64, keep string) (int64, error) {
	h, ok := hash(keep)
	if !ok {
		h = make([]byte, sha256.Size) // matches no token's hash
	}
	res, err := s.db.ExecContext(ctx,
		"DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", userID, h)
	if err != nil {
		return 0, fmt.Errorf("delete other sessions of user %d: %w", userID, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// DeleteExpired removes the expired sessions nobody has presented since
// they expired, and returns how many, for a periodic clean-up.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ?", s.time())
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

type ctxKey int

const (
	tokenKey ctxKey = iota
	sessionKey
)

// Token returns the request's token: the one Anonymous issued for this
// request, else a well-formed sessid cookie. It reports false when the
// request has neither.
func Token(r *http.Request) (string, bool) {
	if tok, ok := r.Context().Value(tokenKey).(string); ok {
		return tok, true
	}
	for _, c := range r.CookiesNamed(CookieName) {
		if _, ok := hash(c.Value); ok {
			return c.Value, true
		}
	}
	return "", false
}

// FromRequest returns the signed-in session of the request, or
// ErrNoSession.
func (s *Store) FromRequest(r *http.Request) (Session, error) {
	if sess, ok := FromContext(r.Context()); ok {
		return sess, nil
	}
	tok, ok := Token(r)
	if !ok {
		return Session{}, ErrNoSession
	}
	return s.Lookup(r.Context(), tok)
}

// FromContext returns the session Require found for the request.
func FromContext(ctx context.Context) (Session, bool) {
	sess, ok := ctx.Value(sessionKey).(Session)
	return sess, ok
}

// Require serves h only to signed-in visitors, with their Session in the
// request's context (see FromContext); others get a JSON 401.
func (s *Store) Require(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.FromRequest(r)
		switch {
		case errors.Is(err, ErrNoSession):
			server.WriteError(w, http.StatusUnauthorized, "you are not signed in: sign in and try again")
		case err != nil:
			slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err.Error())
			server.WriteError(w, http.StatusInternalServerError, "internal error: try again later")
		default:
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey, sess)))
		}
	})
}

// Anonymous gives every visitor who has no token one: it sets a new
// anonymous token's cookie on the response and makes Token return it for
// the rest of the request.
func Anonymous(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := Token(r); !ok {
			tok := SetAnonymousCookie(w, r)
			r = r.WithContext(context.WithValue(r.Context(), tokenKey, tok))
		}
		h.ServeHTTP(w, r)
	})
}

// SetCookie sets the cookie of a signed-in session, lasting as long as
// the session, in place of any sessid cookie already set on w.
func SetCookie(w http.ResponseWriter, r *http.Request, sess Session) {
	setCookie(w, r, sess.Token, int(time.Until(sess.ExpiresAt).Round(time.Second)/time.Second))
}

// SetAnonymousCookie sets the cookie of a new anonymous token, lasting
// until the browser closes, in place of any sessid cookie already set on
// w, as after sign-out. It returns the token.
func SetAnonymousCookie(w http.ResponseWriter, r *http.Request) string {
	tok := NewToken()
	setCookie(w, r, tok, 0)
	return tok
}

func setCookie(w http.ResponseWriter, r *http.Request, tok string, maxAge int) {
	c := &http.Cookie{
		Name:     CookieName,
		Value:    tok,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   server.IsHTTPS(r),
		SameSite: http.SameSiteLaxMode,
	}
	// One response sets the cookie once: a handler that signs in replaces
	// the anonymous cookie Anonymous set before it.
	h := w.Header()
	kept := h["Set-Cookie"][:0]
	for _, v := range h["Set-Cookie"] {
		if !strings.HasPrefix(v, CookieName+"=") {
			kept = append(kept, v)
		}
	}
	h["Set-Cookie"] = kept
	http.SetCookie(w, c)
	// The response is personal: shared caches must not keep it.
	h.Set("Cache-Control", "no-store")
}

// Sweep deletes expired sessions every interval until ctx ends. Lookups
// already refuse and delete the expired sessions they meet; this removes
// those never presented again. Every replica sweeping is harmless: the
// DELETE is idempotent and cheap on the expires_at index.
func (s *Store) Sweep(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.DeleteExpired(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Warn("sweep expired sessions", "err", err.Error())
			case n > 0:
				log.Info("swept expired sessions", "count", n)
			}
		}
	}
}
