package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kin-social/kin/svc/captcha/audio"
	"github.com/kin-social/kin/svc/captcha/picture"
	"github.com/kin-social/kin/svc/internal/browsertest"
	"github.com/kin-social/kin/svc/internal/server"
)

// Messages of the stub API, as the app words them.
const (
	msgNeedCaptcha  = "too many failed sign-ins for this account: type the digits of the captcha as well"
	msgWrongCaptcha = "the digits do not match the captcha: type the digits of the new one"
	msgSlowDown     = "too many failed sign-ins from this address: try again in 30 seconds"
)

// stubAPI stands in for the app's sign-in and for the captcha service,
// for tests of what the client does with their answers. Its captchas are
// real pictures and sounds of the digits 1234, from the captcha's own
// packages; a sign-in is asked for a captcha until it brings 1234.
type stubAPI struct {
	mu     sync.Mutex
	logins []map[string]any // the bodies of POST /api/v1/login, in order
	ids    int
}

func (s *stubAPI) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/session", func(w http.ResponseWriter, r *http.Request) {
		server.WriteJSON(w, http.StatusOK, map[string]any{"user": nil})
	})
	mux.HandleFunc("POST /api/v1/domain", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /api/v1/login", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			server.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON"})
			return
		}
		s.mu.Lock()
		s.logins = append(s.logins, body)
		s.mu.Unlock()
		captcha, given := body["captcha"]
		switch {
		case body["email"] == "busy@example.org":
			w.Header().Set("Retry-After", "30")
			server.WriteJSON(w, http.StatusTooManyRequests, map[string]string{"error": msgSlowDown})
		case !given:
			server.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": msgNeedCaptcha, "field": "captcha"})
		case captcha != "1234":
			server.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": msgWrongCaptcha, "field": "captcha"})
		default:
			server.WriteJSON(w, http.StatusOK, map[string]any{"user": map[string]any{"id": 7, "display_name": "Alice"}})
		}
	})
	mux.HandleFunc("GET /captcha/getnew", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.ids++
		id := fmt.Sprint("c", s.ids)
		s.mu.Unlock()
		server.WriteJSON(w, http.StatusOK, map[string]string{"captcha_id": id})
	})
	mux.HandleFunc("GET /captcha/{file}", func(w http.ResponseWriter, r *http.Request) {
		var b []byte
		var err error
		switch file := r.PathValue("file"); {
		case strings.HasSuffix(file, ".png"):
			w.Header().Set("Content-Type", "image/png")
			b, err = picture.NewEncoder().AppendPNG(nil, []byte{1, 2, 3, 4}, uint64(len(file)))
		case strings.HasSuffix(file, ".wav"):
			w.Header().Set("Content-Type", "audio/wav")
			b, err = audio.AppendWAV(nil, []byte{1, 2, 3, 4})
		default:
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b)
	})
}

func (s *stubAPI) loginBodies() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.logins...)
}

// TestBrowserSignInCaptcha checks the sign-in form against the app's
// captcha rule: no captcha until the app asks for one; then the picture
// and its recording appear with the app's message, the next sign-in sends
// the typed digits, a wrong answer brings new digits, and a right one
// signs in. A 429 shows its message.
func TestBrowserSignInCaptcha(t *testing.T) {
	bctx := browsertest.New(t)
	// The 400s and the 429 this test provokes are network errors in the
	// console; exceptions and CSP reports still count.
	problems := browsertest.Console(bctx, true)
	api := &stubAPI{}
	base, _ := serveWith(t, api.routes)
	ctx, cancel := context.WithTimeout(bctx, time.Minute)
	defer cancel()

	eval := func(expr string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return s
	}
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	step("open sign-in",
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(chromedp.ID("signin-email")),
	)
	if got := eval(`document.getElementById('signin-captcha') ? 'yes' : 'no'`); got != "no" {
		t.Error("the sign-in form shows a captcha before the app asked for one")
	}
	step("first sign-in",
		chromedp.SendKeys(chromedp.ID("signin-email"), "alice@example.org"),
		chromedp.SendKeys(chromedp.ID("signin-password"), "correct horse"),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("signin-captcha")),
		// The picture has loaded when it has a size.
		waitTrue(`document.getElementById('signin-captcha-img').naturalWidth === 160`),
	)
	if got, want := eval(`document.getElementById('signin-captcha-error').textContent`), sentenceOf(msgNeedCaptcha); got != want {
		t.Errorf("captcha message %q, want %q", got, want)
	}
	if got := eval(`document.activeElement.id`); got != "signin-captcha" {
		t.Errorf("focus on #%s, want the captcha field", got)
	}
	// The recording: a labelled player whose WAV the browser can decode,
	// of about four spoken digits.
	audioState := `(() => { const a = document.getElementById('signin-captcha-audio');
		const label = document.getElementById(a.getAttribute('aria-labelledby'));
		return [a.controls, label && label.textContent.trim() !== '', a.src.endsWith('.wav')].join(' '); })()`
	if got := eval(audioState); got != "true true true" {
		t.Errorf("audio element controls, label, .wav source: %s; want true true true", got)
	}
	step("load the recording",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('signin-captcha-audio').load()`),
		waitTrue(`document.getElementById('signin-captcha-audio').readyState >= 1`),
	)
	if d, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.getElementById('signin-captcha-audio').duration`)); err != nil || d < 2.5 || d > 6.5 {
		t.Errorf("the recording lasts %v s (%v), want 2.5-6.5", d, err)
	}
	if n := eval(`String(document.querySelectorAll('main input').length - [...document.querySelectorAll('main input')].filter((el) => el.labels.length > 0).length)`); n != "0" {
		t.Errorf("%s inputs without a label on the sign-in form with its captcha", n)
	}

	firstID := eval(`document.querySelector('.captcha').dataset.captchaId`)
	step("wrong digits",
		chromedp.SendKeys(chromedp.ID("signin-captcha"), "0000"),
		chromedp.Click(chromedp.ID("signin-submit")),
		waitTrue(`document.querySelector('.captcha').dataset.captchaId !== `+jsString(firstID)),
		waitTrue(`document.getElementById('signin-captcha-error').textContent !== ''`),
	)
	if got, want := eval(`document.getElementById('signin-captcha-error').textContent`), sentenceOf(msgWrongCaptcha); got != want {
		t.Errorf("after wrong digits: message %q, want %q", got, want)
	}
	if got := eval(`document.getElementById('signin-captcha').value + '|' + document.getElementById('signin-captcha-audio').src`); !strings.HasSuffix(got, "|"+base+"/captcha/c2.wav") {
		t.Errorf("after wrong digits: field and recording %q, want an empty field and the new captcha's recording", got)
	}
	step("right digits",
		chromedp.SendKeys(chromedp.ID("signin-captcha"), "1234"),
		chromedp.Click(chromedp.ID("signin-submit")),
		waitTrue(`document.getElementById('header-user-name').textContent === 'Alice'`),
	)
	bodies := api.loginBodies()
	var sent []string
	for _, b := range bodies {
		c, ok := b["captcha"]
		sent = append(sent, fmt.Sprintf("%v:%v:%v", b["email"], ok, c))
	}
	want := []string{"alice@example.org:false:<nil>", "alice@example.org:true:0000", "alice@example.org:true:1234"}
	if strings.Join(sent, " ") != strings.Join(want, " ") {
		t.Errorf("sign-ins sent (email:has captcha:captcha) %q, want %q", sent, want)
	}

	step("sign out and open sign-in again",
		chromedp.Evaluate[chromedp.Void](`location.assign('/signin')`),
		chromedp.WaitVisible(chromedp.ID("signin-email")),
	)
	step("sign-in refused with 429",
		chromedp.SendKeys(chromedp.ID("signin-email"), "busy@example.org"),
		chromedp.SendKeys(chromedp.ID("signin-password"), "whatever"),
		chromedp.Click(chromedp.ID("signin-submit")),
		waitTrue(`!document.getElementById('signin-form-error').hidden`),
	)
	if got, want := eval(`document.getElementById('signin-form-error').textContent`), sentenceOf(msgSlowDown); got != want {
		t.Errorf("429 message %q, want %q", got, want)
	}
	for _, p := range problems() {
		t.Errorf("browser reported: %s", p)
	}
}

// waitTrue waits until the JavaScript expression expr is true.
func waitTrue(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr)(ctx, tg)
		return err
	})
}

// sentenceOf is common.js's sentence: the message as the client shows it.
func sentenceOf(msg string) string {
	s := strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserScreenshots saves the sign-up page and the sign-in page with
// its captcha, 1280 and 375 pixels wide, light and dark, into the
// directory KIN_SCREENSHOTS names, for a person to look at.
func TestBrowserScreenshots(t *testing.T) {
	dir := os.Getenv("KIN_SCREENSHOTS")
	if dir == "" {
		t.Skip("KIN_SCREENSHOTS names no directory")
	}
	base, _ := serveWith(t, (&stubAPI{}).routes)
	for _, scheme := range []string{"light", "dark"} {
		bctx := browsertest.New(t)
		if scheme == "dark" {
			bctx = darkBrowser(t)
		}
		ctx, cancel := context.WithTimeout(bctx, time.Minute)
		for _, width := range []int64{1280, 375} {
			shoot := func(name string) {
				b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatalf("screenshot %s: %v", name, err)
				}
				p := filepath.Join(dir, fmt.Sprintf("%s-%d-%s.png", name, width, scheme))
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(base+"/signup"),
				chromedp.WaitVisible(chromedp.ID("signup-email")),
				waitTrue(`document.getElementById('signup-captcha-img').naturalWidth === 160`),
			); err != nil {
				t.Fatal(err)
			}
			shoot("signup")
			if err := chromedp.Do(ctx,
				chromedp.Navigate(base+"/signin"),
				chromedp.WaitVisible(chromedp.ID("signin-email")),
				chromedp.SendKeys(chromedp.ID("signin-email"), "alice@example.org"),
				chromedp.SendKeys(chromedp.ID("signin-password"), "correct horse"),
				chromedp.Click(chromedp.ID("signin-submit")),
				waitTrue(`(document.getElementById('signin-captcha-img') || {}).naturalWidth === 160`),
			); err != nil {
				t.Fatal(err)
			}
			shoot("signin-captcha")
		}
		cancel()
	}
}

// darkBrowser is browsertest.New with the dark colour scheme preferred.
func darkBrowser(t *testing.T) context.Context {
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium on PATH")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("force-dark-mode", true),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	return ctx
}
