package main

// Tests of the holes issue 6 found when the site was attacked, each
// through the real HTTP API, the real database and the real captcha.

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kin-social/kin/svc/app/account"
)

// Hole 1: concurrent wrong passwords must not all reach the password
// check: the limits are checked and charged in one step.
func TestConcurrentSignIns(t *testing.T) {
	needCaptcha(t)
	_, base := startApp(t)
	newBrowser(t, base).register("target@example.org", "long enough", "T")

	count := func(n int, attempt func(i int) response) map[int]int {
		var mu sync.Mutex
		got := map[int]int{}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r := attempt(i)
				mu.Lock()
				got[r.status]++
				mu.Unlock()
			})
		}
		wg.Wait()
		return got
	}
	// One account, 60 addresses at once: at most CaptchaAfter reach the
	// password; the others are asked for a captcha.
	browsers := make([]*browser, 60)
	for i := range browsers {
		browsers[i] = newBrowser(t, base)
	}
	got := count(60, func(i int) response { return browsers[i].login("target@example.org", fmt.Sprint("guess", i)) })
	if got[401] > account.CaptchaAfter || got[401]+got[400] != 60 {
		t.Errorf("60 concurrent wrong passwords for one account: %v; want at most %d 401s, the rest 400 captcha", got, account.CaptchaAfter)
	}
	// One address, 60 accounts at once: at most 30 reach a password.
	b := newBrowser(t, base)
	got = count(60, func(i int) response { return b.login(fmt.Sprintf("nobody%d@example.org", i), "guess") })
	if got[401] > 30 || got[401]+got[429] != 60 {
		t.Errorf("60 concurrent sign-ins from one address: %v; want at most 30 401s, the rest 429", got)
	}
}

// Hole 2: one account, many spellings.
func TestOneAccountOneSpelling(t *testing.T) {
	needCaptcha(t)
	_, base := startApp(t)
	newBrowser(t, base).register("alice@example.org", "alice's password", "Alice")
	for i := range 10 {
		newBrowser(t, base).login("alice@example.org", fmt.Sprint("guess", i))
	}
	for _, spelling := range []string{"alicé@example.org", "ａlice@example.org", "al\u200bice@example.org",
		"alice@example.org\u200e", "\ufeffalice@example.org", "alice@exam\u00adple.org", "ALICE@example.org\u200b"} {
		b := newBrowser(t, base)
		r := b.login(spelling, "alice's password")
		if r.status == 200 {
			t.Errorf("signing in as %q reached alice: %v", spelling, r)
		}
		if r := b.do("GET", "/api/v1/me", nil); r.status != 401 {
			t.Errorf("signed in after %q: %v", spelling, r)
		}
	}
	// Accents make other addresses; letter case and NFC do not.
	newBrowser(t, base).register("josé@example.org", "josé's password", "José")
	if r := newBrowser(t, base).login("JOSE@example.org", "josé's password"); r.status != 401 {
		t.Errorf("JOSE@ signed in to josé@: %v", r)
	}
	if r := newBrowser(t, base).login("JOSÉ@EXAMPLE.ORG", "josé's password"); r.status != 200 {
		t.Errorf("JOSÉ@ (upper case) did not sign in to josé@: %v", r)
	}
	if r := newBrowser(t, base).login("jose\u0301@example.org", "josé's password"); r.status != 200 {
		t.Errorf("josé@ typed decomposed (NFD) did not sign in: %v", r)
	}
	jose := newBrowser(t, base)
	jose.loadCaptcha()
	if r := jose.do("POST", "/api/v1/register", registration{"jose@example.org", "jose's password", "Jose", testAnswer}); r.status != 201 {
		t.Errorf("jose@ after josé@: %v", r)
	}
	for _, tt := range []struct{ email, want string }{
		{"jose\u0301@example.org", "409"}, // josé@ in NFD
		{"JOSÉ@example.org", "409"},
		{"al\u200bice@example.org", "400"},
		{"alice@example.org\u200e", "400"},
		{"\u202ealice@example.org", "400"},
		{"ａlice@example.org", "400"},
		{"bob\u00ad@example.org", "400"},
	} {
		b := newBrowser(t, base)
		b.loadCaptcha()
		r := b.do("POST", "/api/v1/register", registration{tt.email, "long enough", "X", testAnswer})
		if fmt.Sprint(r.status) != tt.want || r.json(t)["field"] != "email" {
			t.Errorf("register %q: %v, want %s naming email", tt.email, r, tt.want)
		}
	}
}

// Hole 3: an IPv6 /64 is one address; after CaptchaAfter failures an
// account asks for a captcha, and the owner gets in with one.
func TestAddressesAndCaptcha(t *testing.T) {
	needCaptcha(t)
	_, base := startApp(t)
	from := func(ip string) *browser { b := newBrowser(t, base); b.ip = ip; return b }
	for i := range 30 {
		wantError(t, "failure from the /64", from(fmt.Sprintf("2001:db8:1:2::%x", i+1)).login(fmt.Sprint("v6-", i, "@example.org"), "guess"), 401, "")
	}
	r := from("2001:db8:1:2:ffff:ffff:ffff:ffff").login("v6@example.org", "guess")
	wantError(t, "31st failure from the /64", r, 429, "")
	wantRetryMessage(t, "31st failure from the /64", r)
	wantError(t, "the next /64", from("2001:db8:1:3::1").login("v6@example.org", "guess"), 401, "")
	for i := range 30 {
		from("203.0.113.9").login(fmt.Sprint("v4-", i, "@example.org"), "guess")
	}
	wantError(t, "IPv4-mapped is IPv4", from("::ffff:203.0.113.9").login("v4@example.org", "guess"), 429, "")

	owner := newBrowser(t, base)
	owner.register("owner@example.org", "owner's password", "Owner")
	owner.do("POST", "/api/v1/logout", nil)
	for i := range account.CaptchaAfter {
		wantError(t, "attacker", newBrowser(t, base).login("owner@example.org", fmt.Sprint("guess", i)), 401, "")
	}
	b := newBrowser(t, base)
	wantError(t, "right password, no captcha", b.login("owner@example.org", "owner's password"), 400, "captcha")
	b.loadCaptcha()
	wantError(t, "wrong captcha", b.loginWith("owner@example.org", "owner's password", "0000"), 400, "captcha")
	wantError(t, "the wrong answer used it up", b.loginWith("owner@example.org", "owner's password", testAnswer), 400, "captcha")
	wantError(t, "malformed captcha", b.loginWith("owner@example.org", "owner's password", "12ab"), 400, "captcha")
	b.loadCaptcha()
	wantError(t, "captcha, wrong password", b.loginWith("owner@example.org", "guess", testAnswer), 401, "")
	wantError(t, "still asks", b.login("owner@example.org", "owner's password"), 400, "captcha")
	b.loadCaptcha()
	if r := b.loginWith("owner@example.org", "owner's password", testAnswer); r.status != 200 {
		t.Fatalf("the owner with a solved captcha: %v", r)
	}
	// The success reset the count: the next sign-in needs no captcha.
	if r := newBrowser(t, base).login("owner@example.org", "owner's password"); r.status != 200 {
		t.Errorf("after a successful sign-in: %v", r)
	}
	// An unknown address asks for a captcha after as many failures, so
	// the answer tells nobody whether an account exists.
	for range account.CaptchaAfter {
		newBrowser(t, base).login("ghost@example.org", "guess")
	}
	wantError(t, "unknown address", newBrowser(t, base).login("ghost@example.org", "guess"), 400, "captcha")
}

// Hole 4: only captchas the captcha service checked use up the
// address's registration allowance.
func TestRegistrationAllowance(t *testing.T) {
	needCaptcha(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	_, downBase := startAppWith(t, down)
	_, base := startApp(t)
	b := newBrowser(t, base)
	b.do("GET", "/api/v1/session", nil)
	bd := newBrowser(t, downBase)
	bd.ip = b.ip
	bd.do("GET", "/api/v1/session", nil)
	for i := range 15 {
		reg := registration{fmt.Sprint("a", i, "@example.org"), "long enough", "A", "0000"}
		wantError(t, "no captcha loaded", b.do("POST", "/api/v1/register", reg), 400, "captcha")
		reg.Captcha = "x"
		wantError(t, "malformed", b.do("POST", "/api/v1/register", reg), 400, "captcha")
		reg.Captcha = ""
		wantError(t, "missing", b.do("POST", "/api/v1/register", reg), 400, "captcha")
	}
	for range 12 {
		r := bd.do("POST", "/api/v1/register", registration{"d@example.org", "long enough", "D", "1234"})
		wantError(t, "captcha service down", r, http.StatusServiceUnavailable, "")
	}
	b.loadCaptcha()
	if r := b.do("POST", "/api/v1/register", registration{"after@example.org", "long enough", "A", testAnswer}); r.status != 201 {
		t.Errorf("registration after attempts that checked no captcha: %v", r)
	}
}

// Hole 6: names that pass for others.
func TestDisplayNames(t *testing.T) {
	needCaptcha(t)
	_, base := startApp(t)
	for i, tt := range []struct {
		name string
		ok   bool
	}{
		{"\u200b", false},
		{"Alice A\u200b", false},
		{"\ufeffBob", false},
		{"Bob \u202egnp.exe", false},
		{"a" + strings.Repeat("\u0301", 79), false},
		{"\u3164", false},
		{"Анна Каренина", true},
		{"محمد", true},
		{"王小明", true},
		{"हिन्दी नाम", true},
		{"Zoë 👩‍👩‍👧 🏳️‍🌈", true},
	} {
		b := newBrowser(t, base)
		b.loadCaptcha()
		r := b.do("POST", "/api/v1/register", registration{fmt.Sprintf("name%d@example.org", i), "long enough", tt.name, testAnswer})
		if tt.ok && r.status != 201 {
			t.Errorf("register named %q: %v, want 201", tt.name, r)
		}
		if !tt.ok {
			wantError(t, fmt.Sprintf("register named %q", tt.name), r, 400, "display_name")
		}
	}
}
