package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/app/captcha"
	"github.com/kin-social/kin/svc/internal/server"
	"github.com/kin-social/kin/svc/internal/session"
)

// userBody is {"user": User}, or {"user": null} for nobody.
type userBody struct {
	User *account.User `json:"user"`
}

// getSession tells the client who is signed in, if anyone.
func (a *app) getSession(w http.ResponseWriter, r *http.Request) error {
	sess, err := a.sessions.FromRequest(r)
	if errors.Is(err, session.ErrNoSession) {
		server.WriteJSON(w, http.StatusOK, userBody{})
		return nil
	}
	if err != nil {
		return err
	}
	u, err := a.accounts.Get(r.Context(), sess.UserID)
	if errors.Is(err, account.ErrNotFound) {
		server.WriteJSON(w, http.StatusOK, userBody{})
		return nil
	}
	if err != nil {
		return err
	}
	server.WriteJSON(w, http.StatusOK, userBody{&u})
	return nil
}

func (a *app) register(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email       string `json:"email"`
		Password    string `json:"password"`
		DisplayName string `json:"display_name"`
		Captcha     string `json:"captcha"`
	}
	if err := server.DecodeJSON(w, r, &in, server.MaxBody); err != nil {
		return err
	}
	reg := account.Registration{Email: in.Email, Password: in.Password, DisplayName: in.DisplayName}
	// Check the form before the captcha, which one check uses up.
	if err := reg.Check(); err != nil {
		return clientError(err)
	}
	if !captcha.ValidSolution(in.Captcha) {
		return server.FieldError("captcha", "type the digits shown in the picture")
	}
	if ok, retry := a.registerIP.Allow(server.ClientIP(r)); !ok {
		return server.TooManyRequests(retry)
	}
	ctx, cancel := context.WithTimeout(r.Context(), hashWait)
	defer cancel()
	tok, _ := session.Token(r) // session.Anonymous gave every visitor one
	switch err := a.captcha.Verify(ctx, tok, in.Captcha); {
	case errors.Is(err, captcha.ErrWrong):
		return server.FieldError("captcha", "the captcha answer is wrong: type the digits of the new picture")
	case errors.Is(err, captcha.ErrMissing):
		return server.FieldError("captcha", "the captcha has expired or was used already: type the digits of the new picture")
	case err != nil:
		a.log.ErrorContext(ctx, "captcha service failed", "err", err.Error())
		return &server.Error{Status: http.StatusServiceUnavailable, RetryAfter: 10 * time.Second,
			Msg: "the captcha cannot be checked right now: try again in a minute"}
	}
	u, err := a.accounts.Register(ctx, reg)
	if err != nil {
		return clientError(err)
	}
	if err := a.signIn(ctx, w, r, u.ID); err != nil {
		return err
	}
	server.WriteJSON(w, http.StatusCreated, userBody{&u})
	return nil
}

// signIn starts a session for the user under a new token (rotation) and
// ends the session of the token the visitor had, if it was one.
func (a *app) signIn(ctx context.Context, w http.ResponseWriter, r *http.Request, userID int64) error {
	if old, ok := session.Token(r); ok {
		if err := a.sessions.Delete(ctx, old); err != nil {
			return err
		}
	}
	sess, err := a.sessions.Create(ctx, userID)
	if err != nil {
		return err
	}
	session.SetCookie(w, r, sess)
	return nil
}

// accountKey is the rate limiter's key of an email address as entered,
// bounded so that long junk cannot fill memory.
func accountKey(email string) string {
	k := strings.ToLower(strings.TrimSpace(email))
	if len(k) > 256 {
		k = k[:256]
	}
	return k
}

func (a *app) login(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := server.DecodeJSON(w, r, &in, server.MaxBody); err != nil {
		return err
	}
	ip, key := server.ClientIP(r), accountKey(in.Email)
	if err := a.throttled(ip, key); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), hashWait)
	defer cancel()
	u, err := a.accounts.Authenticate(ctx, in.Email, in.Password)
	if errors.Is(err, account.ErrBadCredentials) {
		a.loginIP.Allow(ip)
		a.loginAccount.Allow(key)
	}
	if err != nil {
		return clientError(err)
	}
	a.loginAccount.Reset(key)
	if err := a.signIn(ctx, w, r, u.ID); err != nil {
		return err
	}
	server.WriteJSON(w, http.StatusOK, userBody{&u})
	return nil
}

// throttled returns a 429 when the client address or the account has used
// up its failed attempts.
func (a *app) throttled(ip, key string) error {
	ipBlocked, ipRetry := a.loginIP.Blocked(ip)
	acctBlocked, acctRetry := a.loginAccount.Blocked(key)
	if ipBlocked || acctBlocked {
		return server.TooManyRequests(max(ipRetry, acctRetry))
	}
	return nil
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) error {
	if tok, ok := session.Token(r); ok {
		if err := a.sessions.Delete(r.Context(), tok); err != nil {
			return err
		}
	}
	session.SetAnonymousCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// signedInUser returns the user of the session session.Store.Require
// found; a session whose user is gone counts as none.
func (a *app) signedInUser(r *http.Request) (session.Session, account.User, error) {
	sess, _ := session.FromContext(r.Context())
	u, err := a.accounts.Get(r.Context(), sess.UserID)
	if errors.Is(err, account.ErrNotFound) {
		return sess, u, server.Errorf(http.StatusUnauthorized, "you are not signed in: sign in and try again")
	}
	return sess, u, err
}

func (a *app) me(w http.ResponseWriter, r *http.Request) error {
	_, u, err := a.signedInUser(r)
	if err != nil {
		return err
	}
	server.WriteJSON(w, http.StatusOK, userBody{&u})
	return nil
}

func (a *app) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := server.DecodeJSON(w, r, &in, server.MaxBody); err != nil {
		return err
	}
	sess, u, err := a.signedInUser(r)
	if err != nil {
		return err
	}
	// Someone at an unattended, signed-in browser must not be able to try
	// passwords any faster than at the sign-in form.
	ip, key := server.ClientIP(r), accountKey(u.Email)
	if err := a.throttled(ip, key); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), hashWait)
	defer cancel()
	err = a.accounts.ChangePassword(ctx, u.ID, sess.Token, in.Current, in.New)
	if errors.Is(err, account.ErrBadCredentials) {
		a.loginIP.Allow(ip)
		a.loginAccount.Allow(key)
		return &server.Error{Status: http.StatusUnauthorized, Field: "current_password",
			Msg: "the current password is wrong: enter the one you signed in with"}
	}
	if err != nil {
		return clientError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *app) updateProfile(w http.ResponseWriter, r *http.Request) error {
	// Every field is required: the client sends the whole form, and a
	// missing one is a bug that must not silently blank the field.
	var in struct {
		DisplayName        *string `json:"display_name"`
		Headline           *string `json:"headline"`
		About              *string `json:"about"`
		City               *string `json:"city"`
		Birthday           *string `json:"birthday"`
		BirthdayVisibility *string `json:"birthday_visibility"`
	}
	if err := server.DecodeJSON(w, r, &in, server.MaxBody); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"display_name", in.DisplayName}, {"headline", in.Headline}, {"about", in.About},
		{"city", in.City}, {"birthday", in.Birthday}, {"birthday_visibility", in.BirthdayVisibility},
	} {
		if f.v == nil {
			return server.FieldError(f.name, "%s is missing: send every field of the profile form", f.name)
		}
	}
	sess, _ := session.FromContext(r.Context())
	u, err := a.accounts.UpdateProfile(r.Context(), sess.UserID, account.ProfileUpdate{
		DisplayName:        *in.DisplayName,
		Headline:           *in.Headline,
		About:              *in.About,
		City:               *in.City,
		Birthday:           *in.Birthday,
		BirthdayVisibility: *in.BirthdayVisibility,
	})
	if errors.Is(err, account.ErrNotFound) {
		return server.Errorf(http.StatusUnauthorized, "you are not signed in: sign in and try again")
	}
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, userBody{&u})
	return nil
}

func (a *app) getUser(w http.ResponseWriter, r *http.Request) error {
	notFound := server.Errorf(http.StatusNotFound, "no such user: check the link")
	s := r.PathValue("id")
	if s == "" || len(s) > 19 || strings.Trim(s, "0123456789") != "" {
		return notFound
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return notFound
	}
	var viewer int64
	sess, err := a.sessions.FromRequest(r)
	switch {
	case err == nil:
		viewer = sess.UserID
	case !errors.Is(err, session.ErrNoSession):
		return err
	}
	u, err := a.accounts.Get(r.Context(), id)
	if errors.Is(err, account.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	server.WriteJSON(w, http.StatusOK, struct {
		Profile account.Profile `json:"profile"`
	}{u.ProfileFor(viewer)})
	return nil
}

// echo answers a listing server's check that the site is alive.
func echo(w http.ResponseWriter, r *http.Request) error {
	if action := r.URL.Query().Get("action"); action != "EchoRequest" {
		return server.Errorf(http.StatusBadRequest, "unknown action: the only action is EchoRequest")
	}
	server.WriteJSON(w, http.StatusOK, map[string]string{"type": "EchoResponse"})
	return nil
}
