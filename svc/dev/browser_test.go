package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kin-social/kin/gen/site"
	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/internal/browsertest"
	"github.com/kin-social/kin/svc/internal/dbtest"
	"github.com/kin-social/kin/svc/internal/stack"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// captchaAnswer is what the captcha answers in test mode, which only the
// tests turn on.
const captchaAnswer = "4242"

// startSite runs the local stack, as `make dev` does, on a fresh database,
// and returns its URL.
func startSite(t *testing.T) string {
	t.Helper()
	spec, err := site.Load(filepath.Join("testdata", "site.yaml")) // not the operator's site.yaml, whose edits must not break a test
	if err != nil {
		t.Fatal(err)
	}
	routes := Routes(spec)
	dbc := dbtest.Config(t)
	var log strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := stack.Start(ctx, stack.Options{
		Routes:            routes,
		Domain:            spec.Hosts.Site,
		Listen:            "localhost:0", // the site's domain in the stack, as domainname checks
		DB:                &dbc,
		Log:               &lockedWriter{b: &log},
		CaptchaTestAnswer: captchaAnswer,
	})
	if err != nil {
		t.Fatalf("start the local stack: %v\n%s", err, log.String())
	}
	t.Cleanup(func() {
		st.Stop()
		if t.Failed() {
			t.Logf("services' log:\n%s", log.String())
		}
	})
	return st.URL
}

// A visitor registers with the captcha, signs out, mistypes the password
// until the sign-in asks for the captcha, signs in with it, edits the
// profile and sees it, in a real browser through the local stack's routing.
// The display name holds markup, which must show as text and never run.
func TestBrowserAccountJourney(t *testing.T) {
	bctx := browsertest.New(t)
	problems := browsertest.Console(bctx, false)
	base := startSite(t)
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()

	const (
		email    = "ann@example.org"
		password = "correct horse battery"
		name     = `<script>window.pwned=1</script><img src=x onerror="window.pwned=1">Ann`
	)
	must := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			shot(t, ctx, step)
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(sel)))
		if err != nil {
			shot(t, ctx, sel)
			t.Fatalf("read #%s: %v", sel, err)
		}
		return s
	}

	must("open sign-up",
		chromedp.Navigate(base+"/signup"),
		chromedp.WaitVisible(chromedp.ID("signup-email")),
		// The captcha picture has loaded when it has a size.
		waitTrue(`document.querySelector('#signup-captcha-img').naturalWidth === 160`),
	)
	must("register",
		chromedp.SendKeys(chromedp.ID("signup-email"), email),
		chromedp.SendKeys(chromedp.ID("signup-password"), password),
		chromedp.SendKeys(chromedp.ID("signup-display-name"), name),
		chromedp.SendKeys(chromedp.ID("signup-captcha"), captchaAnswer),
		chromedp.Click(chromedp.ID("signup-submit")),
		chromedp.WaitVisible(chromedp.ID("header-user-name")),
	)
	if got := text("header-user-name"); got != name {
		t.Errorf("header shows %q, want the display name as text %q", got, name)
	}
	assertInert(t, ctx)

	must("sign out",
		chromedp.Click(chromedp.ID("signout")),
		chromedp.WaitVisible(chromedp.ID("nav-signin")),
	)
	// Wrong passwords until the app asks for the captcha, which the form
	// then shows; the right password with the captcha's digits signs in.
	must("open sign-in",
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(chromedp.ID("signin-email")),
		chromedp.SendKeys(chromedp.ID("signin-email"), email),
	)
	for i := range account.CaptchaAfter {
		must(fmt.Sprintf("wrong password %d", i+1),
			chromedp.SendKeys(chromedp.ID("signin-password"), "not the password"),
			chromedp.Click(chromedp.ID("signin-submit")),
			// A 401 empties the password for the next try.
			waitTrue(`document.querySelector('#signin-password').value === ''`),
		)
	}
	must("asked for the captcha",
		chromedp.SendKeys(chromedp.ID("signin-password"), password),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("signin-captcha")),
		waitTrue(`document.querySelector('#signin-captcha-img').naturalWidth === 160`),
	)
	shot(t, ctx, "signin-captcha")
	must("sign in with the captcha",
		chromedp.SetValue(chromedp.ID("signin-password"), password),
		chromedp.SendKeys(chromedp.ID("signin-captcha"), captchaAnswer),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("header-user-name")),
	)
	if got := text("header-user-name"); got != name {
		t.Errorf("after sign-in the header shows %q, want %q", got, name)
	}

	must("edit the profile",
		chromedp.Navigate(base+"/profile/edit"),
		chromedp.WaitVisible(chromedp.ID("edit-headline")),
		chromedp.SetValue(chromedp.ID("edit-headline"), "Gardener & <b>baker</b>"),
		chromedp.SetValue(chromedp.ID("edit-city"), "Lyon"),
		chromedp.SetValue(chromedp.ID("edit-about"), "I grow tomatoes; ' OR 1=1 --"),
		chromedp.Click(chromedp.ID("edit-save")),
		chromedp.WaitVisible(chromedp.ID("profile-display-name")),
	)
	for id, want := range map[string]string{
		"profile-display-name": name,
		"profile-headline":     "Gardener & <b>baker</b>",
		"profile-city":         "Lyon",
		"profile-about":        "I grow tomatoes; ' OR 1=1 --",
	} {
		if got := text(id); got != want {
			t.Errorf("#%s shows %q, want %q", id, got, want)
		}
	}
	// Reloading shows what the server stored, not what the page kept.
	must("reload the profile",
		chromedp.Navigate(base+"/profile"),
		chromedp.WaitVisible(chromedp.ID("profile-city")),
	)
	if got := text("profile-headline"); got != "Gardener & <b>baker</b>" {
		t.Errorf("after reload the headline is %q", got)
	}
	assertInert(t, ctx)
	shot(t, ctx, "profile")
	// The browser reports each refused sign-in as a failed load: those
	// the test made are expected, exactly as many as it made.
	refused := 0
	for _, p := range problems() {
		if strings.HasSuffix(p, "/api/v1/login") && (strings.Contains(p, "status of 401") || strings.Contains(p, "status of 400")) {
			refused++
			continue
		}
		t.Errorf("browser console: %s", p)
	}
	if refused != account.CaptchaAfter+1 {
		t.Errorf("the browser saw %d refused sign-ins, want %d (the wrong passwords and the one asked for the captcha)", refused, account.CaptchaAfter+1)
	}
}

// assertInert checks that no markup from user data ran or became elements.
func assertInert(t *testing.T, ctx context.Context) {
	t.Helper()
	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.pwned === 1`))
	if err != nil {
		t.Fatal(err)
	}
	if pwned {
		t.Error("script from the display name ran")
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main script, header script, img[src="x"]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("user data became %d element(s)", n)
	}
}

// waitTrue polls a JavaScript expression until it is true.
func waitTrue(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr)(ctx, tg)
		return err
	})
}

// shot saves a screenshot when KIN_SCREENSHOTS names a directory, for a
// person to look at what the test saw.
func shot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("KIN_SCREENSHOTS")
	if dir == "" {
		return
	}
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(dir, fmt.Sprintf("%s-%s.png", t.Name(), strings.ReplaceAll(name, "/", "_")))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}
