package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kin-social/kin/svc/internal/browsertest"
)

// TestBrowserClient loads the client in headless Chromium, without the
// app behind it, and checks what the client does alone: its modules load
// under their hashed names within the Content-Security-Policy, it renders
// each page at its own path, every form control has a label, links route
// without reloading, and an unreachable API leaves a usable signed-out
// page.
func TestBrowserClient(t *testing.T) {
	bctx := browsertest.New(t)
	problems := browsertest.Console(bctx, true)
	base, _ := serve(t)
	ctx, cancel := context.WithTimeout(bctx, time.Minute)
	defer cancel()

	text := func(id string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("read #%s: %v", id, err)
		}
		return s
	}
	eval := func(expr string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return n
	}
	// unlabelled counts the visible form controls that have no label.
	const unlabelled = `[...document.querySelectorAll('main input, main select, main textarea')]
		.filter((el) => !el.hidden && el.type !== 'hidden' && el.labels.length === 0).length`

	for _, tt := range []struct {
		path, title string
		controls    []string // ids that must be on the page
	}{
		{"/", "Stay close to the people who matter", []string{"home-signup", "home-signin"}},
		{"/signup", "Create your account", []string{"signup-email", "signup-password", "signup-display-name", "signup-captcha", "signup-captcha-img", "signup-captcha-audio", "signup-captcha-reload", "signup-submit"}},
		{"/signin", "Sign in to Kin", []string{"signin-email", "signin-password", "signin-submit"}},
		{"/no/such/page", "Page not found", nil},
		// Signed out, one's own pages ask to sign in first.
		{"/profile/edit", "Sign in to Kin", []string{"signin-email"}},
		{"/friends", "Sign in to Kin", []string{"signin-email", "signin-next"}},
		{"/notifications", "Sign in to Kin", []string{"signin-email", "signin-next"}},
	} {
		if err := chromedp.Do(ctx,
			chromedp.Navigate(base+tt.path),
			chromedp.WaitVisible(chromedp.ID("page-title")),
		); err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if got := text("page-title"); got != tt.title {
			t.Errorf("%s: title %q, want %q", tt.path, got, tt.title)
		}
		for _, id := range tt.controls {
			if eval(`document.getElementById('`+id+`') ? 1 : 0`) != 1 {
				t.Errorf("%s: no #%s", tt.path, id)
			}
		}
		if n := eval(unlabelled); n != 0 {
			t.Errorf("%s: %d form controls without a label", tt.path, n)
		}
		if eval(`document.getElementById('nav-signed-out').hidden ? 0 : 1`) != 1 {
			t.Errorf("%s: the signed-out navigation is hidden", tt.path)
		}
	}

	// A link to another page routes inside the page: the marker set on
	// window survives, which a full reload would lose.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("home-signin")),
		chromedp.Evaluate[chromedp.Void](`window.kinMarker = 1`),
		chromedp.Click(chromedp.ID("home-signin")),
		chromedp.WaitVisible(chromedp.ID("signin-email")),
	); err != nil {
		t.Fatal(err)
	}
	if eval(`window.kinMarker || 0`) != 1 {
		t.Error("following a link reloaded the page instead of routing in it")
	}
	if eval(`document.activeElement && document.activeElement.id === 'page-title' ? 1 : 0`) != 1 {
		t.Error("after routing, focus is not on the new page's heading")
	}
	if eval(`document.querySelector('#nav-signin').getAttribute('aria-current') === 'page' ? 1 : 0`) != 1 {
		t.Error("the header link to the page shown has no aria-current")
	}

	for _, p := range problems() {
		t.Errorf("browser reported: %s", p)
	}
}

// TestBrowserWebSocketURL checks wsURL's scheme choice in the browser,
// where it runs: ws: on an http: page.
func TestBrowserWebSocketURL(t *testing.T) {
	bctx := browsertest.New(t)
	problems := browsertest.Console(bctx, true)
	base, _ := serve(t)
	ctx, cancel := context.WithTimeout(bctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("page-title"))); err != nil {
		t.Fatal(err)
	}
	// The module is imported by its hashed URL, as the page does.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`
		import(document.querySelector('link[rel=modulepreload][href*="/common."]').href)
			.then((m) => m.wsURL('/chat') + ' ' + m.wsURL('chat', 'chat.example.org'))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(base, "http://")
	if want := "ws://" + host + "/chat ws://chat.example.org/chat"; got != want {
		t.Errorf("wsURL: %q, want %q", got, want)
	}
	for _, p := range problems() {
		t.Errorf("browser reported: %s", p)
	}
}
