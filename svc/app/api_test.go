package main

import (
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/app/account"
)

func TestEchoAndRouting(t *testing.T) {
	_, base := startApp(t)
	b := newBrowser(t, base)
	r := b.do("GET", "/cgi-bin/system.cgi?action=EchoRequest", nil)
	if r.status != 200 || r.json(t)["type"] != "EchoResponse" || len(r.json(t)) != 1 {
		t.Errorf("EchoRequest: %v", r)
	}
	if len(r.header["Set-Cookie"]) != 0 {
		t.Errorf("EchoRequest set a cookie: %q", r.header["Set-Cookie"])
	}
	wantError(t, "other action", b.do("GET", "/cgi-bin/system.cgi?action=Reboot", nil), 400, "")
	wantError(t, "no action", b.do("GET", "/cgi-bin/system.cgi", nil), 400, "")
	wantError(t, "unknown path", b.do("GET", "/api/v1/nothing", nil), 404, "")
	r = b.do("GET", "/api/v1/login", nil)
	wantError(t, "GET login", r, 405, "")
	if r.header.Get("Allow") != "POST" {
		t.Errorf("GET login: Allow %q, want POST", r.header.Get("Allow"))
	}
	wantError(t, "DELETE me", b.do("DELETE", "/api/v1/me", nil), 405, "")
	wantError(t, "POST profile", b.do("POST", "/api/v1/me/profile", "{}"), 405, "")

	for _, path := range []string{"/healthz", "/readyz"} {
		if r := b.do("GET", path, nil); r.status != 200 {
			t.Errorf("%s: %v", path, r)
		}
	}
	// The platform's headers are on the app's answers.
	r = b.do("GET", "/api/v1/session", nil)
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("security headers missing: %v", r.header)
	}
}

func TestAnonymousSession(t *testing.T) {
	a, base := startApp(t)
	b := newBrowser(t, base)
	r := b.do("GET", "/api/v1/session", nil)
	if r.status != 200 || string(r.body) != "{\"user\":null}\n" {
		t.Fatalf("GET /api/v1/session: %v, want {\"user\":null}", r)
	}
	cookies := (&http.Response{Header: r.header}).Cookies()
	if len(cookies) != 1 || cookies[0].Name != "sessid" || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode || cookies[0].Path != "/" || cookies[0].Secure {
		t.Fatalf("Set-Cookie %q: want one sessid, HttpOnly, SameSite=Lax, Path=/, not Secure over HTTP", r.header["Set-Cookie"])
	}
	if raw, err := base64.RawURLEncoding.DecodeString(cookies[0].Value); err != nil || len(raw) != 32 {
		t.Errorf("sessid %q: want 32 random bytes in base64url", cookies[0].Value)
	}
	if r := b.do("GET", "/api/v1/session", nil); r.status != 200 || len(r.header["Set-Cookie"]) != 0 {
		t.Errorf("second visit: %v, Set-Cookie %q; want none", r, r.header["Set-Cookie"])
	}
	var n int
	a.db.QueryRow("SELECT COUNT(*) FROM sessions").Scan(&n)
	if n != 0 {
		t.Errorf("%d sessions stored for an anonymous visitor, want 0", n)
	}
	// Over HTTPS (the ingress says so) the cookie is Secure.
	r = newBrowser(t, base).do("GET", "/api/v1/session", nil, "X-Forwarded-Proto", "https")
	if c := (&http.Response{Header: r.header}).Cookies(); len(c) != 1 || !c[0].Secure {
		t.Errorf("over HTTPS: Set-Cookie %q, want Secure", r.header["Set-Cookie"])
	}
	wantError(t, "me, anonymous", b.do("GET", "/api/v1/me", nil), 401, "")
}

func TestRegisterSignInSignOut(t *testing.T) {
	needCaptcha(t)
	a, base := startApp(t)
	b := newBrowser(t, base)
	b.loadCaptcha()
	anon := b.sessid()
	r := b.do("POST", "/api/v1/register", registration{" Zoë@Example.org ", "correct horse", "  Zoë  ", testAnswer})
	if r.status != http.StatusCreated {
		t.Fatalf("register: %v", r)
	}
	u := r.json(t)["user"].(map[string]any)
	id := int64(u["id"].(float64))
	created, err := time.Parse(time.RFC3339, u["created_at"].(string))
	if id <= 0 || u["email"] != "Zoë@Example.org" || u["display_name"] != "Zoë" || u["headline"] != "" || u["about"] != "" ||
		u["city"] != "" || u["birthday"] != "" || u["birthday_visibility"] != "private" || err != nil || time.Since(created) > time.Minute {
		t.Errorf("registered user %s", r.body)
	}
	// Registration rotated the token and stored only its hash.
	signedIn := b.sessid()
	if signedIn == anon || signedIn == "" {
		t.Fatalf("sessid after registration %q, anonymous one %q: want a new token", signedIn, anon)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(signedIn)
	sum := sha256.Sum256(raw)
	var owner int64
	if err := a.db.QueryRow("SELECT user_id FROM sessions WHERE token_hash = ?", sum[:]).Scan(&owner); err != nil || owner != id {
		t.Errorf("session row for the new token: user %d, %v; want %d", owner, err, id)
	}
	if r := b.do("GET", "/api/v1/me", nil); r.status != 200 || r.json(t)["user"].(map[string]any)["id"].(float64) != float64(id) {
		t.Errorf("me after registration: %v", r)
	}
	if r := b.do("GET", "/api/v1/session", nil); r.status != 200 || r.json(t)["user"] == nil {
		t.Errorf("session after registration: %v", r)
	}

	// Signing in again (from another browser, then this one) rotates the
	// token: the old one no longer works.
	other := newBrowser(t, base)
	if r := other.login("zoë@example.ORG", "correct horse"); r.status != 200 || r.json(t)["user"].(map[string]any)["id"].(float64) != float64(id) {
		t.Errorf("login with other case: %v", r)
	}
	r = b.login("Zoë@Example.org", "correct horse")
	if r.status != 200 {
		t.Fatalf("login: %v", r)
	}
	rotated := b.sessid()
	if rotated == signedIn {
		t.Fatal("login kept the token: want rotation")
	}
	replay := newBrowser(t, base)
	replay.setSessid(signedIn)
	wantError(t, "me with the pre-login token", replay.do("GET", "/api/v1/me", nil), 401, "")
	if r := b.do("GET", "/api/v1/me", nil); r.status != 200 {
		t.Errorf("me with the new token: %v", r)
	}

	// Signing out ends the session and hands out a new anonymous token.
	r = b.do("POST", "/api/v1/logout", nil)
	if r.status != http.StatusNoContent {
		t.Fatalf("logout: %v", r)
	}
	if after := b.sessid(); after == rotated || after == "" {
		t.Errorf("sessid after logout %q: want a new anonymous token", after)
	}
	wantError(t, "me after logout", b.do("GET", "/api/v1/me", nil), 401, "")
	replay.setSessid(rotated)
	wantError(t, "me with the signed-out token", replay.do("GET", "/api/v1/me", nil), 401, "")
	if r := b.do("GET", "/api/v1/session", nil); string(r.body) != "{\"user\":null}\n" {
		t.Errorf("session after logout: %v", r)
	}
	// The other browser's session is untouched.
	if r := other.do("GET", "/api/v1/me", nil); r.status != 200 {
		t.Errorf("other browser after this one signed out: %v", r)
	}
	// Signing out without a session is fine too.
	if r := newBrowser(t, base).do("POST", "/api/v1/logout", nil); r.status != http.StatusNoContent {
		t.Errorf("anonymous logout: %v", r)
	}
}

func TestRegisterBadInput(t *testing.T) {
	needCaptcha(t)
	_, base := startApp(t)
	newBrowser(t, base).register("taken@example.org", "long enough", "First")

	tests := []struct {
		name   string
		reg    registration
		status int
		field  string
	}{
		{"bad email", registration{"not-an-email", "long enough", "N", testAnswer}, 400, "email"},
		{"empty email", registration{"", "long enough", "N", testAnswer}, 400, "email"},
		{"long email", registration{strings.Repeat("a", 250) + "@example.org", "long enough", "N", testAnswer}, 400, "email"},
		{"weak password", registration{"weak@example.org", "1234567", "N", testAnswer}, 400, "password"},
		{"too long password", registration{"long@example.org", strings.Repeat("p", 1025), "N", testAnswer}, 400, "password"},
		{"no display name", registration{"noname@example.org", "long enough", "   ", testAnswer}, 400, "display_name"},
		{"long display name", registration{"longname@example.org", "long enough", strings.Repeat("n", 81), testAnswer}, 400, "display_name"},
		{"missing captcha", registration{"nocap@example.org", "long enough", "N", ""}, 400, "captcha"},
		{"captcha not digits", registration{"letters@example.org", "long enough", "N", "48a7"}, 400, "captcha"},
		{"captcha path trick", registration{"path@example.org", "long enough", "N", "../getnew"}, 400, "captcha"},
		{"wrong captcha", registration{"wrong@example.org", "long enough", "N", "0000"}, 400, "captcha"},
		{"duplicate email", registration{"taken@example.org", "long enough", "Second", testAnswer}, 409, "email"},
		{"duplicate email, other case", registration{"TAKEN@Example.ORG", "long enough", "Third", testAnswer}, 409, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, base)
			b.loadCaptcha()
			wantError(t, tt.name, b.do("POST", "/api/v1/register", tt.reg), tt.status, tt.field)
			if r := b.do("GET", "/api/v1/me", nil); r.status != 401 {
				t.Errorf("signed in after a failed registration: %v", r)
			}
		})
	}

	t.Run("never loaded captcha", func(t *testing.T) {
		// The captcha service answers 404 for a session without a
		// captcha.
		b := newBrowser(t, base)
		b.do("GET", "/api/v1/session", nil)
		wantError(t, "no captcha", b.do("POST", "/api/v1/register", registration{"exp@example.org", "long enough", "N", testAnswer}), 400, "captcha")
		// Without any sessid at all the same.
		b = newBrowser(t, base)
		wantError(t, "no sessid", b.do("POST", "/api/v1/register", registration{"exp@example.org", "long enough", "N", testAnswer}), 400, "captcha")
	})
	t.Run("captcha used by a wrong answer", func(t *testing.T) {
		b := newBrowser(t, base)
		b.loadCaptcha()
		wantError(t, "wrong", b.do("POST", "/api/v1/register", registration{"once@example.org", "long enough", "N", "1111"}), 400, "captcha")
		wantError(t, "right after wrong", b.do("POST", "/api/v1/register", registration{"once@example.org", "long enough", "N", testAnswer}), 400, "captcha")
		b.loadCaptcha()
		if r := b.do("POST", "/api/v1/register", registration{"once@example.org", "long enough", "N", testAnswer}); r.status != 201 {
			t.Errorf("with a new captcha: %v", r)
		}
	})
	t.Run("reused captcha", func(t *testing.T) {
		b := newBrowser(t, base)
		b.register("reuse1@example.org", "long enough", "R")
		b.do("POST", "/api/v1/logout", nil)
		wantError(t, "second registration, same captcha", b.do("POST", "/api/v1/register", registration{"reuse2@example.org", "long enough", "R", testAnswer}), 400, "captcha")
		// The captcha belongs to the session: another visitor cannot use
		// one loaded by someone else either.
		owner := newBrowser(t, base)
		owner.loadCaptcha()
		thief := newBrowser(t, base)
		thief.do("GET", "/api/v1/session", nil)
		wantError(t, "someone else's captcha", thief.do("POST", "/api/v1/register", registration{"thief@example.org", "long enough", "T", testAnswer}), 400, "captcha")
	})
	t.Run("a bad form keeps the captcha", func(t *testing.T) {
		b := newBrowser(t, base)
		b.loadCaptcha()
		wantError(t, "weak", b.do("POST", "/api/v1/register", registration{"keep@example.org", "short", "K", testAnswer}), 400, "password")
		if r := b.do("POST", "/api/v1/register", registration{"keep@example.org", "long enough", "K", testAnswer}); r.status != 201 {
			t.Errorf("after fixing the form, same captcha: %v", r)
		}
	})
}

// Text is stored and returned exactly as sent: HTML and SQL
// metacharacters are data.
func TestVerbatimText(t *testing.T) {
	needCaptcha(t)
	_, base := startApp(t)
	evil := `<script>alert("x")</script> '; DROP TABLE users; -- \ %_ ` + "`&amp;"
	email := "o'brien+%_&{x}=`1`@example.org" // every metacharacter an address may hold
	b := newBrowser(t, base)
	u := b.register(email, `pa'ss"word--;`+"`<i>", evil)
	if u["email"] != email || u["display_name"] != evil {
		t.Errorf("registered %v", u)
	}
	b.do("POST", "/api/v1/logout", nil)
	if r := b.login(email, `pa'ss"word--;`+"`<i>"); r.status != 200 {
		t.Fatalf("login with metacharacters: %v", r)
	}
	profile := map[string]string{
		"display_name":        evil,
		"headline":            evil,
		"about":               evil + "\n<img src=x onerror=alert(1)>\n\t" + `{"json":true}`,
		"city":                evil,
		"birthday":            "1990-05-01",
		"birthday_visibility": "public",
	}
	r := b.do("PUT", "/api/v1/me/profile", profile)
	if r.status != 200 {
		t.Fatalf("update profile: %v", r)
	}
	id := r.json(t)["user"].(map[string]any)["id"].(float64)
	for _, got := range []map[string]any{
		r.json(t)["user"].(map[string]any),
		b.do("GET", "/api/v1/me", nil).json(t)["user"].(map[string]any),
		newBrowser(t, base).do("GET", "/api/v1/users/"+strconv.Itoa(int(id)), nil).json(t)["profile"].(map[string]any),
	} {
		for k, v := range profile {
			if k == "birthday_visibility" && got[k] == nil {
				continue // not part of a Profile
			}
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
	}
	// The JSON itself is well-formed and escapes markup.
	if r := b.do("GET", "/api/v1/me", nil); strings.Contains(string(r.body), "<script>") || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("me: %s with Content-Type %q: want JSON with < escaped", r.body, r.header.Get("Content-Type"))
	}
}

func TestBadBodies(t *testing.T) {
	needCaptcha(t)
	_, base := startApp(t)
	b := newBrowser(t, base)
	b.register("body@example.org", "long enough", "Body")
	huge := `{"email":"` + strings.Repeat("a", 70<<10) + `","password":"x"}`
	for path, field := range map[string]string{"/api/v1/register": "email", "/api/v1/login": "password", "/api/v1/me/password": "current_password"} {
		t.Run(path, func(t *testing.T) {
			wantError(t, "malformed", b.do("POST", path, `{"email":`), 400, "")
			wantError(t, "not an object", b.do("POST", path, `[1,2]`), 400, "")
			wantError(t, "empty", b.do("POST", path, ``), 400, "")
			wantError(t, "two objects", b.do("POST", path, `{}{}`), 400, "")
			wantError(t, "unknown field", b.do("POST", path, `{"admin":true}`), 400, "admin")
			wantError(t, "wrong type", b.do("POST", path, `{"`+field+`":5}`), 400, field)
			wantError(t, "oversized", b.do("POST", path, huge), 413, "")
			wantError(t, "not JSON", b.do("POST", path, `email=a`, "Content-Type", "application/x-www-form-urlencoded"), 415, "")
		})
	}
	wantError(t, "profile malformed", b.do("PUT", "/api/v1/me/profile", `{"city":`), 400, "")
	wantError(t, "profile oversized", b.do("PUT", "/api/v1/me/profile", `{"about":"`+strings.Repeat("a", 70<<10)+`"}`), 413, "")
	if r := b.do("GET", "/api/v1/me", nil); r.status != 200 {
		t.Errorf("still signed in after bad bodies: %v", r)
	}
}

func TestCrossOrigin(t *testing.T) {
	needCaptcha(t)
	_, base := startApp(t)
	b := newBrowser(t, base)
	b.register("xo@example.org", "long enough", "XO")
	forged := []struct {
		name string
		hdr  []string
	}{
		{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site"}},
		{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site"}},
		{"foreign Origin", []string{"Origin", "http://evil.example"}},
	}
	requests := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/login", map[string]string{"email": "xo@example.org", "password": "long enough"}},
		{"POST", "/api/v1/register", registration{"xo2@example.org", "long enough", "X", testAnswer}},
		{"POST", "/api/v1/logout", nil},
		{"POST", "/api/v1/me/password", map[string]string{"current_password": "long enough", "new_password": "hijacked!"}},
		{"PUT", "/api/v1/me/profile", map[string]string{"display_name": "pwned", "headline": "", "about": "", "city": "", "birthday": "", "birthday_visibility": "public"}},
	}
	for _, f := range forged {
		for _, req := range requests {
			wantError(t, f.name+" "+req.method+" "+req.path, b.do(req.method, req.path, req.body, f.hdr...), 403, "")
		}
	}
	// Nothing changed: still signed in, same name, same password.
	r := b.do("GET", "/api/v1/me", nil)
	if r.status != 200 || r.json(t)["user"].(map[string]any)["display_name"] != "XO" {
		t.Errorf("after forged requests: %v", r)
	}
	// Same-origin requests from the site's pages pass.
	if r := b.do("POST", "/api/v1/login", map[string]string{"email": "xo@example.org", "password": "long enough"}, "Sec-Fetch-Site", "same-origin"); r.status != 200 {
		t.Errorf("same-origin login: %v", r)
	}
	if r := b.do("POST", "/api/v1/login", map[string]string{"email": "xo@example.org", "password": "long enough"}, "Origin", base); r.status != 200 {
		t.Errorf("login with the site's own Origin: %v", r)
	}
	// Safe methods are not refused.
	if r := b.do("GET", "/api/v1/me", nil, "Sec-Fetch-Site", "cross-site"); r.status != 200 {
		t.Errorf("cross-site GET: %v", r)
	}
}

func TestLoginFailures(t *testing.T) {
	needCaptcha(t)
	_, base := startApp(t)
	newBrowser(t, base).register("lf@example.org", "long enough", "LF")
	b := newBrowser(t, base)
	wrongPw := b.login("lf@example.org", "long enougH")
	noUser := b.login("nobody@example.org", "long enough")
	wantError(t, "wrong password", wrongPw, 401, "")
	wantError(t, "unknown email", noUser, 401, "")
	if wrongPw.json(t)["error"] != noUser.json(t)["error"] {
		t.Errorf("messages differ, which tells who has an account: %q vs %q", wrongPw.body, noUser.body)
	}
	wantError(t, "empty", b.login("", ""), 401, "")
	wantError(t, "sql", b.login("' OR 1=1 -- ", "' OR 1=1 -- "), 401, "")
	if r := b.do("GET", "/api/v1/me", nil); r.status != 401 {
		t.Errorf("signed in after failed logins: %v", r)
	}
}

func TestThrottling(t *testing.T) {
	needCaptcha(t)
	_, base := startApp(t)
	newBrowser(t, base).register("victim@example.org", "long enough", "V")

	t.Run("per account", func(t *testing.T) {
		// Five failures from five addresses; then even the right password
		// needs a captcha, from any address.
		for i := range account.CaptchaAfter {
			wantError(t, "failure "+strconv.Itoa(i+1), newBrowser(t, base).login("Victim@example.org", "guess"+strconv.Itoa(i)), 401, "")
		}
		wantError(t, "6th attempt", newBrowser(t, base).login("victim@example.org", "long enough"), 400, "captcha")
		// Other accounts are not affected.
		wantError(t, "other account", newBrowser(t, base).login("someone@example.org", "guess"), 401, "")
	})

	t.Run("per address", func(t *testing.T) {
		b := newBrowser(t, base)
		for i := range 30 {
			wantError(t, "failure "+strconv.Itoa(i+1), b.login("user"+strconv.Itoa(i)+"@example.org", "guess"), 401, "")
		}
		r := b.login("fresh@example.org", "guess")
		wantError(t, "31st attempt from one address", r, 429, "")
		wantRetryMessage(t, "31st attempt", r)
		// Another address can still sign in... to another account.
		wantError(t, "other address", newBrowser(t, base).login("fresh@example.org", "guess"), 401, "")
	})

	t.Run("registration per address", func(t *testing.T) {
		b := newBrowser(t, base)
		for i := range 10 {
			// Wrong answers to loaded captchas: each was checked, each counts.
			b.loadCaptcha()
			wantError(t, "registration "+strconv.Itoa(i+1), b.do("POST", "/api/v1/register", registration{"r" + strconv.Itoa(i) + "@example.org", "long enough", "R", "1234"}), 400, "captcha")
		}
		b.loadCaptcha()
		r := b.do("POST", "/api/v1/register", registration{"r10@example.org", "long enough", "R", testAnswer})
		wantError(t, "11th registration", r, 429, "")
		wantRetryMessage(t, "11th registration", r)
		// A form with mistakes is answered before the limit.
		wantError(t, "bad form when limited", b.do("POST", "/api/v1/register", registration{"bad", "long enough", "R", "1234"}), 400, "email")
	})
}

func TestChangePassword(t *testing.T) {
	needCaptcha(t)
	_, base := startApp(t)
	a := newBrowser(t, base)
	a.register("pw@example.org", "old password", "PW")
	other := newBrowser(t, base)
	if r := other.login("pw@example.org", "old password"); r.status != 200 {
		t.Fatal(r)
	}
	change := func(b *browser, cur, next string) response {
		return b.do("POST", "/api/v1/me/password", map[string]string{"current_password": cur, "new_password": next})
	}
	wantError(t, "anonymous", change(newBrowser(t, base), "old password", "new password"), 401, "")
	wantError(t, "wrong current", change(a, "not my password", "new password"), 401, "current_password")
	wantError(t, "weak new", change(a, "old password", "short"), 400, "new_password")
	wantError(t, "too long new", change(a, "old password", strings.Repeat("n", 1025)), 400, "new_password")
	if r := other.do("GET", "/api/v1/me", nil); r.status != 200 {
		t.Fatalf("failed changes ended the other session: %v", r)
	}
	if r := change(a, "old password", "new password"); r.status != http.StatusNoContent {
		t.Fatalf("change: %v", r)
	}
	if r := a.do("GET", "/api/v1/me", nil); r.status != 200 {
		t.Errorf("the changing session ended: %v", r)
	}
	wantError(t, "other session after change", other.do("GET", "/api/v1/me", nil), 401, "")
	wantError(t, "old password", newBrowser(t, base).login("pw@example.org", "old password"), 401, "")
	if r := newBrowser(t, base).login("pw@example.org", "new password"); r.status != 200 {
		t.Errorf("new password: %v", r)
	}
}

func TestProfile(t *testing.T) {
	needCaptcha(t)
	_, base := startApp(t)
	owner := newBrowser(t, base)
	id := int64(owner.register("prof@example.org", "long enough", "Prof")["id"].(float64))
	viewer := newBrowser(t, base)
	viewer.register("viewer@example.org", "long enough", "Viewer")
	anon := newBrowser(t, base)

	form := func(edit func(map[string]any)) map[string]any {
		f := map[string]any{"display_name": "Prof X", "headline": "Head", "about": "About\nme", "city": "Zürich",
			"birthday": "1990-05-01", "birthday_visibility": "public"}
		if edit != nil {
			edit(f)
		}
		return f
	}
	r := owner.do("PUT", "/api/v1/me/profile", form(nil))
	if r.status != 200 {
		t.Fatalf("update: %v", r)
	}
	u := r.json(t)["user"].(map[string]any)
	if u["display_name"] != "Prof X" || u["city"] != "Zürich" || u["birthday"] != "1990-05-01" || u["email"] != "prof@example.org" {
		t.Errorf("updated user %s", r.body)
	}

	path := "/api/v1/users/" + strconv.FormatInt(id, 10)
	birthday := func(b *browser) any {
		t.Helper()
		r := b.do("GET", path, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %v", path, r)
		}
		p := r.json(t)["profile"].(map[string]any)
		if _, leak := p["email"]; leak {
			t.Errorf("profile shows the email: %s", r.body)
		}
		if _, ok := p["birthday_visibility"]; ok {
			t.Errorf("profile shows the visibility setting: %s", r.body)
		}
		return p["birthday"]
	}
	for _, tt := range []struct {
		vis                   string
		owner, viewer, nobody string
	}{
		{"public", "1990-05-01", "1990-05-01", "1990-05-01"},
		{"friends", "1990-05-01", "", ""},
		{"private", "1990-05-01", "", ""},
	} {
		if r := owner.do("PUT", "/api/v1/me/profile", form(func(f map[string]any) { f["birthday_visibility"] = tt.vis })); r.status != 200 {
			t.Fatalf("set %s: %v", tt.vis, r)
		}
		if got := birthday(owner); got != tt.owner {
			t.Errorf("%s birthday seen by its owner: %q, want %q", tt.vis, got, tt.owner)
		}
		if got := birthday(viewer); got != tt.viewer {
			t.Errorf("%s birthday seen by another user: %q, want %q", tt.vis, got, tt.viewer)
		}
		if got := birthday(anon); got != tt.nobody {
			t.Errorf("%s birthday seen by a visitor: %q, want %q", tt.vis, got, tt.nobody)
		}
	}

	before := owner.do("GET", "/api/v1/me", nil).body
	for _, tt := range []struct {
		name  string
		edit  func(map[string]any)
		field string
	}{
		{"missing field", func(f map[string]any) { delete(f, "city") }, "city"},
		{"null field", func(f map[string]any) { f["headline"] = nil }, "headline"},
		{"empty name", func(f map[string]any) { f["display_name"] = " " }, "display_name"},
		{"long name", func(f map[string]any) { f["display_name"] = strings.Repeat("n", 81) }, "display_name"},
		{"long headline", func(f map[string]any) { f["headline"] = strings.Repeat("h", 121) }, "headline"},
		{"long about", func(f map[string]any) { f["about"] = strings.Repeat("a", 5001) }, "about"},
		{"long city", func(f map[string]any) { f["city"] = strings.Repeat("c", 101) }, "city"},
		{"bad date", func(f map[string]any) { f["birthday"] = "1990-02-30" }, "birthday"},
		{"future date", func(f map[string]any) { f["birthday"] = "2999-01-01" }, "birthday"},
		{"old date", func(f map[string]any) { f["birthday"] = "1899-12-31" }, "birthday"},
		{"bad visibility", func(f map[string]any) { f["birthday_visibility"] = "everyone" }, "birthday_visibility"},
		{"number for text", func(f map[string]any) { f["city"] = 7 }, "city"},
	} {
		wantError(t, tt.name, owner.do("PUT", "/api/v1/me/profile", form(tt.edit)), 400, tt.field)
	}
	if after := owner.do("GET", "/api/v1/me", nil).body; string(after) != string(before) {
		t.Errorf("rejected updates changed the user:\n%s\n%s", before, after)
	}
	// The longest values fit the columns.
	if r := owner.do("PUT", "/api/v1/me/profile", form(func(f map[string]any) {
		f["display_name"], f["headline"], f["about"], f["city"] = strings.Repeat("я", 80), strings.Repeat("😀", 120), strings.Repeat("ü", 5000), strings.Repeat("c", 100)
		f["birthday"] = ""
	})); r.status != 200 || r.json(t)["user"].(map[string]any)["birthday"] != "" {
		t.Errorf("longest values: %.200s", r)
	}
	wantError(t, "anonymous update", anon.do("PUT", "/api/v1/me/profile", form(nil)), 401, "")

	for _, p := range []string{"/api/v1/users/0", "/api/v1/users/999999", "/api/v1/users/abc", "/api/v1/users/-1", "/api/v1/users/+1",
		"/api/v1/users/99999999999999999999", "/api/v1/users/1%27%20OR%201=1"} {
		wantError(t, "GET "+p, anon.do("GET", p, nil), 404, "")
	}
}

// When the captcha service cannot be reached, registration says to come
// back later rather than blaming the visitor.
func TestCaptchaServiceDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	a, base := startAppWith(t, down)
	b := newBrowser(t, base)
	b.do("GET", "/api/v1/session", nil)
	r := b.do("POST", "/api/v1/register", registration{"down@example.org", "long enough", "D", "1234"})
	wantError(t, "captcha service down", r, http.StatusServiceUnavailable, "")
	wantRetryMessage(t, "captcha service down", r)
	var n int
	a.db.QueryRow("SELECT COUNT(*) FROM users").Scan(&n)
	if n != 0 {
		t.Errorf("%d users written without a checked captcha", n)
	}
}

func TestSweepSessions(t *testing.T) {
	a, base := startApp(t)
	b := newBrowser(t, base)
	ctx := t.Context()
	id, err := a.accounts.Register(ctx, account.Registration{Email: "sweep@example.org", Password: "long enough", DisplayName: "S"})
	if err != nil {
		t.Fatal(err)
	}
	a.sessions.SetClock(func() time.Time { return time.Now().Add(-31 * 24 * time.Hour) })
	old, _ := a.sessions.Create(ctx, id.ID)
	a.sessions.SetClock(time.Now)
	live, _ := a.sessions.Create(ctx, id.ID)

	go a.sessions.Sweep(ctx, 10*time.Millisecond, a.log)
	var n int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		a.db.QueryRow("SELECT COUNT(*) FROM sessions").Scan(&n)
		if n == 1 {
			break
		}
	}
	if n != 1 {
		t.Fatalf("%d sessions after sweeping, want 1", n)
	}
	b.setSessid(live.Token)
	if r := b.do("GET", "/api/v1/me", nil); r.status != 200 {
		t.Errorf("live session after sweep: %v", r)
	}
	b.setSessid(old.Token)
	wantError(t, "expired session", b.do("GET", "/api/v1/me", nil), 401, "")
}

// A captcha that expired before the form was sent is refused, and one
// loaded again is accepted: the real captcha service, run with short-lived
// captchas, decides.
func TestRegisterExpiredCaptcha(t *testing.T) {
	if expiringCaptchaErr != nil {
		t.Fatalf("the expiring captcha service is needed: %v", expiringCaptchaErr)
	}
	_, base := startAppWith(t, expiringCaptchaURL)
	b := newBrowser(t, base)
	load := func() {
		t.Helper()
		if r := b.do("GET", "/api/v1/session", nil); r.status != http.StatusOK {
			t.Fatalf("GET /api/v1/session: %v", r)
		}
		if r := b.do("GET", expiringCaptchaURL+"/captcha/getnew", nil); r.status != http.StatusOK {
			t.Fatalf("GET /captcha/getnew: %v", r)
		}
	}
	reg := registration{"late@example.org", "long enough", "Late", testAnswer}

	load()
	time.Sleep(captchaTTL + 500*time.Millisecond)
	wantError(t, "expired captcha", b.do("POST", "/api/v1/register", reg), 400, "captcha")
	if r := b.do("GET", "/api/v1/me", nil); r.status != 401 {
		t.Errorf("signed in with an expired captcha: %v", r)
	}

	load()
	if r := b.do("POST", "/api/v1/register", reg); r.status != http.StatusCreated {
		t.Errorf("register with a fresh captcha: %v", r)
	}
}
