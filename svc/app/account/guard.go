package account

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/kin-social/kin/svc/app/captcha"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/ratelimit"
)

// Limits of the web API (DESIGN.md "Limits"). Each is checked and charged
// in one step before the work it guards, and refunded when the work did
// not count, so concurrent requests cannot slip past it.
const (
	// CaptchaAfter failed sign-ins of an account, none more than
	// FailureWindow after the one before, its sign-in needs a solved
	// captcha, from anywhere, until a sign-in succeeds. Counted in the
	// database, so every replica agrees.
	CaptchaAfter  = 5
	FailureWindow = 15 * time.Minute

	// A client address (an IPv6 /64) may fail 30 sign-ins at once, then one
	// every 20 seconds.
	addrBurst = 30
	addrEvery = 20 * time.Second
	// An address may have 10 registration captchas checked at once, then
	// one every 6 minutes.
	registerBurst = 10
	registerEvery = 6 * time.Minute
	// A signed-in user may give 5 wrong current passwords at once, then
	// one a minute.
	changeBurst = 5
	changeEvery = time.Minute

	maxKeys = 50_000
)

// CaptchaRetry is how long to wait when the captcha service cannot be
// asked.
const CaptchaRetry = 10 * time.Second

var (
	// ErrCaptchaRequired means the account has failed too many sign-ins:
	// the next needs a solved captcha.
	ErrCaptchaRequired = errors.New("solve the captcha to sign in")
	// ErrCaptchaWrong means the captcha's answer is wrong, or is not
	// digits at all.
	ErrCaptchaWrong = errors.New("wrong captcha answer")
	// ErrCaptchaMissing means the visitor has no captcha to answer: none
	// was loaded, it expired, or an earlier check used it up.
	ErrCaptchaMissing = errors.New("no captcha to answer")
)

// A LimitError means a limit is used up: try again after RetryAfter.
type LimitError struct {
	What       string // what was limited, for the message
	RetryAfter time.Duration
}

func (e *LimitError) Error() string { return fmt.Sprintf("%s: retry after %v", e.What, e.RetryAfter) }

// An UnavailableError means something the request needs cannot be asked
// right now: try again after RetryAfter. Err says what failed.
type UnavailableError struct {
	What       string
	RetryAfter time.Duration
	Err        error
}

func (e *UnavailableError) Error() string { return e.What + ": " + e.Err.Error() }
func (e *UnavailableError) Unwrap() error { return e.Err }

// A Guard holds the web API's limits and captcha checks around a Service:
// sign-ins, registrations and password changes as the internet may try
// them. Its limiters are per replica; the account's own count of failed
// sign-ins is in the database.
type Guard struct {
	accounts *Service
	captcha  *captcha.Client

	signInAddr *ratelimit.Limiter // failed sign-ins per client address
	unknown    *ratelimit.Limiter // failed sign-ins per unknown address, like an account's count
	register   *ratelimit.Limiter // checked registration captchas per client address
	change     *ratelimit.Limiter // wrong current passwords per user
}

// NewGuard returns a Guard of accounts, checking captchas with c.
func NewGuard(accounts *Service, c *captcha.Client) *Guard {
	return &Guard{
		accounts:   accounts,
		captcha:    c,
		signInAddr: ratelimit.New(addrBurst, addrEvery, maxKeys),
		unknown:    ratelimit.New(CaptchaAfter, FailureWindow/CaptchaAfter, maxKeys),
		register:   ratelimit.New(registerBurst, registerEvery, maxKeys),
		change:     ratelimit.New(changeBurst, changeEvery, maxKeys),
	}
}

// AddressKey is the key a client address is limited under: an IPv4
// address itself (also when written IPv4-mapped), an IPv6 address's /64,
// which one subscriber usually holds whole.
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// A SignIn is one attempt to sign in.
type SignIn struct {
	Email, Password string
	Captcha         string // "" when the visitor was not asked for one
	ClientIP        string // server.ClientIP
	Sessid          string // the visitor's token, which the captcha is kept under
}

// SignIn returns the user of the attempt's email and password. In order:
// the client address's limit is charged (a *LimitError when used up); a
// captcha, if given, is checked (ErrCaptchaWrong, ErrCaptchaMissing, an
// *UnavailableError); the account's failed sign-ins are counted, and past
// CaptchaAfter the attempt needs that solved captcha (ErrCaptchaRequired);
// only then is the password verified (ErrBadCredentials). A success resets
// the account's count and refunds the address's charge.
func (g *Guard) SignIn(ctx context.Context, in SignIn) (User, error) {
	for _, f := range []struct{ name, v string }{{"email", in.Email}, {"password", in.Password}, {"captcha", in.Captcha}} {
		if err := checkUTF8(f.name, f.v); err != nil {
			return User{}, err
		}
	}
	addr := AddressKey(in.ClientIP)
	if ok, retry := g.signInAddr.Allow(addr); !ok {
		return User{}, &LimitError{What: "failed sign-ins from this address", RetryAfter: retry}
	}
	solved := false
	if in.Captcha != "" {
		if err := g.checkCaptcha(ctx, in.Sessid, in.Captcha); err != nil {
			var ue *UnavailableError
			if errors.As(err, &ue) {
				g.signInAddr.Refund(addr) // not the visitor's doing
			}
			return User{}, err
		}
		solved = true
	}
	s := g.accounts
	id, hash, err := s.lookup(ctx, in.Email)
	if err != nil {
		g.signInAddr.Refund(addr)
		return User{}, err
	}
	if id == 0 {
		// No account: count the failure against the address as typed
		// (canonical), here in memory, so that an unknown address asks
		// for a captcha like a known one and gives nobody away.
		key := CanonicalEmail(in.Email)
		if len(key) > MaxEmail*4 {
			key = key[:MaxEmail*4]
		}
		if ok, _ := g.unknown.Allow(key); !ok && !solved {
			return User{}, ErrCaptchaRequired
		}
		return User{}, s.fail(ctx, in.Password)
	}
	if err := g.chargeAccount(ctx, id, solved); err != nil {
		return User{}, err
	}
	if err := s.verify(ctx, id, in.Password, hash); err != nil {
		return User{}, err
	}
	if err := setFailures(ctx, s.h.Q(), id, 0, time.Time{}); err != nil {
		return User{}, err
	}
	g.signInAddr.Refund(addr)
	return s.Get(ctx, id)
}

// chargeAccount counts one more failed sign-in of the account before its
// password is verified, in one transaction with the row locked, so that
// of concurrent attempts at most CaptchaAfter get to the password without
// a captcha. An attempt refused for want of a captcha is not counted.
func (g *Guard) chargeAccount(ctx context.Context, id int64, solved bool) error {
	s := g.accounts
	return s.h.InTx(ctx, func(q db.Querier) error {
		now := s.time()
		n, err := lockFailures(ctx, q, id, now.Add(-FailureWindow))
		if err != nil {
			return err
		}
		if n >= CaptchaAfter && !solved {
			return ErrCaptchaRequired
		}
		return setFailures(ctx, q, id, n+1, now)
	})
}

// checkCaptcha asks the captcha service whether solution solves the
// captcha of the visitor with token sessid.
func (g *Guard) checkCaptcha(ctx context.Context, sessid, solution string) error {
	if !captcha.ValidSolution(solution) {
		return ErrCaptchaWrong
	}
	switch err := g.captcha.Verify(ctx, sessid, solution); {
	case errors.Is(err, captcha.ErrWrong):
		return ErrCaptchaWrong
	case errors.Is(err, captcha.ErrMissing):
		return ErrCaptchaMissing
	case err != nil:
		return &UnavailableError{What: "the captcha service", RetryAfter: CaptchaRetry, Err: err}
	}
	return nil
}

// A SignUp is one attempt to register.
type SignUp struct {
	Registration
	Captcha  string
	ClientIP string
	Sessid   string
}

// Register opens an account for a visitor who solved a captcha. The form
// is checked first (a *FieldError, and the captcha is kept for the fixed
// form); a captcha that is not digits is ErrCaptchaWrong. The client
// address's allowance is charged only for captchas the captcha service
// actually checked: a missing captcha (ErrCaptchaMissing) or a service
// that cannot be asked (*UnavailableError) costs nothing.
func (g *Guard) Register(ctx context.Context, in SignUp) (User, error) {
	if err := in.Registration.Check(); err != nil {
		return User{}, err
	}
	if err := checkUTF8("captcha", in.Captcha); err != nil {
		return User{}, err
	}
	if !captcha.ValidSolution(in.Captcha) {
		return User{}, ErrCaptchaWrong
	}
	addr := AddressKey(in.ClientIP)
	if ok, retry := g.register.Allow(addr); !ok {
		return User{}, &LimitError{What: "registrations from this address", RetryAfter: retry}
	}
	if err := g.checkCaptcha(ctx, in.Sessid, in.Captcha); err != nil {
		if !errors.Is(err, ErrCaptchaWrong) {
			g.register.Refund(addr)
		}
		return User{}, err
	}
	return g.accounts.Register(ctx, in.Registration)
}

// ChangePassword is Service.ChangePassword under the user's own limit of
// wrong current passwords, so that someone at an unattended, signed-in
// browser cannot try passwords faster than at the sign-in form.
func (g *Guard) ChangePassword(ctx context.Context, id int64, keepToken, current, newPassword string) error {
	key := fmt.Sprint(id)
	if ok, retry := g.change.Allow(key); !ok {
		return &LimitError{What: "wrong current passwords", RetryAfter: retry}
	}
	err := g.accounts.ChangePassword(ctx, id, keepToken, current, newPassword)
	if !errors.Is(err, ErrBadCredentials) {
		g.change.Refund(key)
	}
	return err
}
