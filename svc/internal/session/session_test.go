package session_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/internal/dbtest"
	"github.com/kin-social/kin/svc/internal/session"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func newUser(t *testing.T, db *sql.DB, email string) int64 {
	t.Helper()
	res, err := db.Exec(`INSERT INTO users (email, email_key, password_hash, display_name, about, created_at, updated_at)
		VALUES (?, ?, 'x', 'Test', '', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))`, email, email)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := session.NewToken()
		raw, err := base64.RawURLEncoding.Strict().DecodeString(tok)
		if err != nil || len(raw) != 32 {
			t.Fatalf("token %q: %d bytes, %v; want 32 bytes of base64url", tok, len(raw), err)
		}
		if seen[tok] {
			t.Fatalf("token %q repeated", tok)
		}
		seen[tok] = true
	}
}

func TestStore(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	st := session.NewStore(db)
	alice, bob := newUser(t, db, "alice@example.org"), newUser(t, db, "bob@example.org")

	a1, err := st.Create(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := st.Create(ctx, alice)
	a3, _ := st.Create(ctx, alice)
	b1, _ := st.Create(ctx, bob)
	if a1.Token == a2.Token {
		t.Fatal("two sessions got the same token")
	}
	if d := time.Until(a1.ExpiresAt); d < session.Lifetime-time.Minute || d > session.Lifetime {
		t.Errorf("session expires in %v, want %v", d, session.Lifetime)
	}

	// Only the hash is stored.
	var stored []byte
	if err := db.QueryRow("SELECT token_hash FROM sessions WHERE user_id = ? LIMIT 1", bob).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(b1.Token)
	if sum := sha256.Sum256(raw); string(stored) != string(sum[:]) {
		t.Errorf("stored %x, want the SHA-256 of the token", stored)
	}
	var n int
	db.QueryRow("SELECT COUNT(*) FROM sessions WHERE token_hash = ?", b1.Token).Scan(&n)
	if n != 0 {
		t.Error("the token itself is stored")
	}

	got, err := st.Lookup(ctx, a1.Token)
	if err != nil || got.UserID != alice || got.Token != a1.Token {
		t.Fatalf("Lookup = %+v, %v; want alice's session", got, err)
	}
	for _, tok := range []string{"", "short", session.NewToken(), a1.Token + "A", strings.ToUpper(a1.Token), "'; DROP TABLE sessions; --"} {
		if _, err := st.Lookup(ctx, tok); !errors.Is(err, session.ErrNoSession) {
			t.Errorf("Lookup(%q) err = %v, want ErrNoSession", tok, err)
		}
	}

	// Ending the others keeps the one named, and other users' sessions.
	if n, err := st.DeleteOthers(ctx, alice, a2.Token); err != nil || n != 2 {
		t.Errorf("DeleteOthers = %d, %v; want 2, nil", n, err)
	}
	for tok, want := range map[string]error{a1.Token: session.ErrNoSession, a2.Token: nil, a3.Token: session.ErrNoSession, b1.Token: nil} {
		if _, err := st.Lookup(ctx, tok); !errors.Is(err, want) {
			t.Errorf("after DeleteOthers: Lookup err = %v, want %v", err, want)
		}
	}

	if err := st.Delete(ctx, a2.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Lookup(ctx, a2.Token); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("after Delete: Lookup err = %v, want ErrNoSession", err)
	}
	if err := st.Delete(ctx, "not a token"); err != nil {
		t.Errorf("Delete(malformed) = %v", err)
	}
}

func TestExpiry(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	st := session.NewStore(db)
	now := time.Now()
	st.SetClock(func() time.Time { return now })
	u := newUser(t, db, "carol@example.org")
	s1, _ := st.Create(ctx, u)
	now = now.Add(time.Hour)
	s2, _ := st.Create(ctx, u)

	now = s1.ExpiresAt.Add(-time.Microsecond)
	if _, err := st.Lookup(ctx, s1.Token); err != nil {
		t.Fatalf("Lookup just before expiry: %v", err)
	}
	now = s1.ExpiresAt
	if _, err := st.Lookup(ctx, s1.Token); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("Lookup at expiry err = %v, want ErrNoSession", err)
	}
	var n int
	db.QueryRow("SELECT COUNT(*) FROM sessions WHERE user_id = ?", u).Scan(&n)
	if n != 1 {
		t.Errorf("%d sessions left, want 1: Lookup deletes the expired one it finds", n)
	}

	now = s2.ExpiresAt.Add(time.Second)
	if n, err := st.DeleteExpired(ctx); err != nil || n != 1 {
		t.Errorf("DeleteExpired = %d, %v; want 1", n, err)
	}
}

// The HTTP side over a real socket: anonymous cookies, sign-in cookies and
// Require.
func TestHTTP(t *testing.T) {
	db := dbtest.New(t)
	st := session.NewStore(db)
	u := newUser(t, db, "dave@example.org")
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		tok, _ := session.Token(r)
		io.WriteString(w, tok)
	})
	mux.HandleFunc("/signin", func(w http.ResponseWriter, r *http.Request) {
		sess, err := st.Create(r.Context(), u)
		if err != nil {
			t.Error(err)
		}
		session.SetCookie(w, r, sess)
	})
	mux.Handle("/me", st.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := session.FromContext(r.Context())
		if !ok || sess.UserID != u {
			t.Errorf("FromContext = %+v, %v", sess, ok)
		}
		io.WriteString(w, "hello")
	})))
	srv := httptest.NewServer(session.Anonymous(mux))
	defer srv.Close()

	get := func(path, cookie string, hdr ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		for i := 0; i < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	sessid := func(resp *http.Response) []*http.Cookie {
		var cs []*http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == session.CookieName {
				cs = append(cs, c)
			}
		}
		return cs
	}

	// A visitor without a token gets one, which the handler sees too.
	resp, body := get("/token", "")
	cs := sessid(resp)
	if len(cs) != 1 {
		t.Fatalf("Set-Cookie %q, want one sessid cookie", resp.Header["Set-Cookie"])
	}
	c := cs[0]
	if c.Value != body || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge != 0 {
		t.Errorf("anonymous cookie %s (handler saw %q): want the handler's token, HttpOnly, SameSite=Lax, Path=/, not Secure over HTTP, no Max-Age", c, body)
	}
	anon := c.Value
	var n int
	db.QueryRow("SELECT COUNT(*) FROM sessions").Scan(&n)
	if n != 0 {
		t.Errorf("%d sessions stored after an anonymous visit, want 0", n)
	}

	// A visitor with one keeps it; a malformed one is replaced.
	resp, body = get("/token", "sessid="+anon)
	if len(sessid(resp)) != 0 || body != anon {
		t.Errorf("with a token: Set-Cookie %q, handler saw %q; want none and the same token", resp.Header["Set-Cookie"], body)
	}
	resp, body = get("/token", "sessid=forged")
	if cs := sessid(resp); len(cs) != 1 || cs[0].Value != body || body == "forged" {
		t.Errorf("with a malformed token: Set-Cookie %q, handler saw %q; want a new token", resp.Header["Set-Cookie"], body)
	}
	// Behind the TLS-terminating ingress the cookie is Secure.
	resp, _ = get("/token", "", "X-Forwarded-Proto", "https")
	if cs := sessid(resp); len(cs) != 1 || !cs[0].Secure {
		t.Errorf("over HTTPS: Set-Cookie %q, want Secure", resp.Header["Set-Cookie"])
	}

	// Signing in replaces the anonymous cookie Anonymous set on the same
	// response: exactly one sessid cookie, the stored one.
	resp, _ = get("/signin", "")
	cs = sessid(resp)
	if len(cs) != 1 || cs[0].MaxAge < int(session.Lifetime/time.Second)-60 {
		t.Fatalf("sign-in Set-Cookie %q, want one cookie lasting %v", resp.Header["Set-Cookie"], session.Lifetime)
	}
	signed := cs[0].Value

	if resp, body := get("/me", "sessid="+signed); resp.StatusCode != 200 || body != "hello" {
		t.Errorf("/me signed in: %d %q", resp.StatusCode, body)
	}
	for _, cookie := range []string{"", "sessid=" + anon, "sessid=forged"} {
		resp, body := get("/me", cookie)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"error"`) {
			t.Errorf("/me with %q: %d %q, want 401 with a JSON error", cookie, resp.StatusCode, body)
		}
	}
}
