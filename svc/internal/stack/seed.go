package stack

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/app/features"
	"github.com/kin-social/kin/svc/internal/config"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/password"
)

// DemoAccount is an account the stack opens on a throwaway database, so a
// newcomer can sign in at once.
type DemoAccount struct {
	Email, Password, DisplayName string
}

// demoPeople are the demo accounts' people, under .test (RFC 2606), which
// no mail ever reaches.
var demoPeople = []struct{ email, name string }{
	{"ada@demo.kin.test", "Ada Lovelace"},
	{"grace@demo.kin.test", "Grace Hopper"},
	{"alan@demo.kin.test", "Alan Turing"},
}

// seed opens the demo accounts in the throwaway database c, each with a
// password new to this run (the database lives only as long as the
// stack, but a guessable password would still sign in to a stack left
// listening), writes the demo community around them, and writes one line
// for each account to the log. It writes through the app's own features,
// so the community follows their rules: indexed for search, notified, in
// the feeds.
func (s *Stack) seed(ctx context.Context, c config.DB) error {
	conn, err := db.Open(ctx, c, nil)
	if err != nil {
		return fmt.Errorf("seed demo accounts: %w", err)
	}
	defer conn.Close()
	f, err := features.New(ctx, conn, password.NewHasher(password.DefaultParams, 2))
	if err != nil {
		return fmt.Errorf("seed demo accounts: %w", err)
	}
	var ids []int64
	for _, p := range demoPeople {
		a := DemoAccount{Email: p.email, Password: demoPassword(), DisplayName: p.name}
		u, err := f.Accounts.Register(ctx, account.Registration{Email: a.Email, Password: a.Password, DisplayName: a.DisplayName})
		if err != nil {
			return fmt.Errorf("seed demo account %s: %w", a.Email, err)
		}
		s.Demo = append(s.Demo, a)
		ids = append(ids, u.ID)
	}
	if err := community(ctx, f, ids); err != nil {
		return fmt.Errorf("seed the demo community: %w", err)
	}
	for _, a := range s.Demo {
		s.logf("dev: demo account %s %s", a.Email, a.Password)
	}
	return nil
}

// demoPassword returns 16 random letters and digits (about 80 bits), with
// none that a reader confuses (0/O, 1/l/I).
func demoPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
