// Package browsertest starts headless Chromium for tests, the same way for
// every package that drives the web client, and watches its console for
// the errors that signal a broken page.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// New returns a chromedp context on a new headless Chromium found on PATH,
// stopped when the test ends. Without Chromium the test is skipped, or
// fails when KIN_REQUIRE_BROWSER=1 (CI).
func New(t testing.TB) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("KIN_REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium required (KIN_REQUIRE_BROWSER=1) but not on PATH: apt-get install chromium")
		}
		t.Skip("skipping browser test: no chromium on PATH (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.UserDataDir(t.TempDir()),
		// This machine reaches no network but its own: keep Chromium from
		// trying.
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1200, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	// The first Run starts the browser, which lives as long as ctx.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Console watches the browser's console and returns a function that lists
// what it has seen that signals a broken page: exceptions, and errors the
// browser reports itself, such as a Content-Security-Policy violation or a
// module that failed to load. With allowNetwork, failed requests are not
// counted (for a test that runs the client without its API).
func Console(ctx context.Context, allowNetwork bool) func() []string {
	var (
		mu       sync.Mutex
		problems []string
	)
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			network := m.Source == "network"
			if m.IsException() || (m.Type == chromedp.ConsoleError && !(allowNetwork && network)) ||
				strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				problems = append(problems, m.String()+" at "+m.URL)
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}
