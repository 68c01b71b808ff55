// Package captcha checks a visitor's captcha solution with the site's
// captcha service, the way the visitor's browser would: by asking
// /captcha/verify/{solution} with the visitor's sessid cookie. The service
// keeps one captcha per session and uses it up on the first check.
package captcha

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/internal/session"
)

var (
	// ErrWrong means the solution is not the captcha's.
	ErrWrong = errors.New("wrong captcha solution")
	// ErrMissing means the session has no captcha: none was loaded, it
	// expired, or it was used up by an earlier check.
	ErrMissing = errors.New("no captcha for this session")
)

// MaxSolution bounds the length of a solution worth asking about.
const MaxSolution = 16

// ValidSolution reports whether s could be a solution: 1 to MaxSolution
// ASCII digits. Only those are sent on, so nothing else ever reaches the
// service's URL.
func ValidSolution(s string) bool {
	if s == "" || len(s) > MaxSolution {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Client asks the captcha service.
type Client struct {
	base string
	http *http.Client
}

// New returns a Client of the service at baseURL, such as
// http://captcha:8080.
func New(baseURL string) *Client {
	return &Client{
		base: strings.TrimRight(baseURL, "/"),
		http: &http.Client{
			Timeout: 5 * time.Second,
			// The service answers directly; a redirect would be a
			// misconfiguration, not something to follow.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// Verify checks solution against the captcha of the session whose token
// is sessid. It returns nil when solved, ErrWrong, ErrMissing, or another
// error when the service cannot be asked.
func (c *Client) Verify(ctx context.Context, sessid, solution string) error {
	if !ValidSolution(solution) {
		return ErrWrong
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/captcha/verify/"+solution, nil)
	if err != nil {
		return fmt.Errorf("verify captcha: %w", err)
	}
	req.AddCookie(&http.Cookie{Name: session.CookieName, Value: sessid})
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("verify captcha: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64))
	if err != nil {
		return fmt.Errorf("verify captcha: read answer: %w", err)
	}
	switch answer := strings.TrimSpace(string(body)); {
	case resp.StatusCode == http.StatusNotFound:
		return ErrMissing
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("verify captcha: service answered %s", resp.Status)
	case answer == "true":
		return nil
	case answer == "false":
		return ErrWrong
	default:
		return fmt.Errorf("verify captcha: service answered %q, want true or false", answer)
	}
}
