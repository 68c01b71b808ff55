package account

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/internal/server"
	"github.com/kin-social/kin/svc/internal/session"
)

// Routes serves the account API (see svc/app/API.md).
type Routes struct {
	Accounts *Service
	Guard    *Guard
	Sessions *session.Store
	// Relations, when set, says how a viewer stands to a person whose
	// profile they look at (friend.Service); without it everyone is a
	// stranger.
	Relations Relations
}

// hashWait bounds how long a request waits for a password-hashing slot
// before the client is told to come back, so a flood of sign-ins queues
// briefly instead of piling up.
const hashWait = 10 * time.Second

// busyRetry is how long a client is told to wait when no hashing slot
// came free within hashWait.
const busyRetry = 5 * time.Second

// Add adds the routes with route, which wraps each handler as the app
// does for every feature.
func (rt *Routes) Add(route func(method, path string, h http.Handler)) {
	signedIn := func(f func(http.ResponseWriter, *http.Request) error) http.Handler {
		return rt.Sessions.Require(server.Handle(f))
	}
	route("GET", "/api/v1/session", server.Handle(rt.getSession))
	route("POST", "/api/v1/register", server.Handle(rt.register))
	route("POST", "/api/v1/login", server.Handle(rt.login))
	route("POST", "/api/v1/logout", server.Handle(rt.logout))
	route("GET", "/api/v1/me", signedIn(rt.me))
	route("POST", "/api/v1/me/password", signedIn(rt.changePassword))
	route("PUT", "/api/v1/me/profile", signedIn(rt.updateProfile))
	route("PUT", "/api/v1/me/privacy", signedIn(rt.updatePrivacy))
	route("GET", "/api/v1/users/{id}", server.Handle(rt.getUser))
}

// userBody is {"user": User}, or {"user": null} for nobody.
type userBody struct {
	User *User `json:"user"`
}

// profileBody is a profile with the viewer's standing to the person.
type profileBody struct {
	Profile Profile `json:"profile"`
	Standing
}

// getSession tells the client who is signed in, if anyone.
func (rt *Routes) getSession(w http.ResponseWriter, r *http.Request) error {
	sess, err := rt.Sessions.FromRequest(r)
	if errors.Is(err, session.ErrNoSession) {
		server.WriteJSON(w, http.StatusOK, userBody{})
		return nil
	}
	if err != nil {
		return err
	}
	u, err := rt.Accounts.Get(r.Context(), sess.UserID)
	if errors.Is(err, ErrNotFound) {
		server.WriteJSON(w, http.StatusOK, userBody{})
		return nil
	}
	if err != nil {
		return err
	}
	server.WriteJSON(w, http.StatusOK, userBody{&u})
	return nil
}

func (rt *Routes) register(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email       string `json:"email"`
		Password    string `json:"password"`
		DisplayName string `json:"display_name"`
		Captcha     string `json:"captcha"`
	}
	if err := server.DecodeJSON(w, r, &in, server.MaxBody); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), hashWait)
	defer cancel()
	tok, _ := session.Token(r) // session.Anonymous gave every visitor one
	u, err := rt.Guard.Register(ctx, SignUp{
		Registration: Registration{Email: in.Email, Password: in.Password, DisplayName: in.DisplayName},
		Captcha:      in.Captcha, ClientIP: server.ClientIP(r), Sessid: tok,
	})
	if err != nil {
		return clientError(err)
	}
	if err := rt.signIn(ctx, w, r, u.ID); err != nil {
		return err
	}
	server.WriteJSON(w, http.StatusCreated, userBody{&u})
	return nil
}

func (rt *Routes) login(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Captcha  string `json:"captcha"`
	}
	if err := server.DecodeJSON(w, r, &in, server.MaxBody); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), hashWait)
	defer cancel()
	tok, _ := session.Token(r)
	u, err := rt.Guard.SignIn(ctx, SignIn{Email: in.Email, Password: in.Password, Captcha: in.Captcha,
		ClientIP: server.ClientIP(r), Sessid: tok})
	if err != nil {
		return clientError(err)
	}
	if err := rt.signIn(ctx, w, r, u.ID); err != nil {
		return err
	}
	server.WriteJSON(w, http.StatusOK, userBody{&u})
	return nil
}

// signIn starts a session for the user under a new token (rotation) and
// ends the session of the token the visitor had, if it was one.
func (rt *Routes) signIn(ctx context.Context, w http.ResponseWriter, r *http.Request, userID int64) error {
	if old, ok := session.Token(r); ok {
		if err := rt.Sessions.Delete(ctx, old); err != nil {
			return err
		}
	}
	sess, err := rt.Sessions.Create(ctx, userID)
	if err != nil {
		return err
	}
	session.SetCookie(w, r, sess)
	return nil
}

func (rt *Routes) logout(w http.ResponseWriter, r *http.Request) error {
	if tok, ok := session.Token(r); ok {
		if err := rt.Sessions.Delete(r.Context(), tok); err != nil {
			return err
		}
	}
	session.SetAnonymousCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// signedInUser returns the user of the session session.Store.Require
// found; a session whose user is gone counts as none.
func (rt *Routes) signedInUser(r *http.Request) (session.Session, User, error) {
	sess, _ := session.FromContext(r.Context())
	u, err := rt.Accounts.Get(r.Context(), sess.UserID)
	if errors.Is(err, ErrNotFound) {
		return sess, u, server.Errorf(http.StatusUnauthorized, "you are not signed in: sign in and try again")
	}
	return sess, u, err
}

func (rt *Routes) me(w http.ResponseWriter, r *http.Request) error {
	_, u, err := rt.signedInUser(r)
	if err != nil {
		return err
	}
	server.WriteJSON(w, http.StatusOK, userBody{&u})
	return nil
}

func (rt *Routes) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := server.DecodeJSON(w, r, &in, server.MaxBody); err != nil {
		return err
	}
	sess, u, err := rt.signedInUser(r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), hashWait)
	defer cancel()
	err = rt.Guard.ChangePassword(ctx, u.ID, sess.Token, in.Current, in.New)
	if errors.Is(err, ErrBadCredentials) {
		return &server.Error{Status: http.StatusUnauthorized, Field: "current_password",
			Msg: "the current password is wrong: enter the one you signed in with"}
	}
	if err != nil {
		return clientError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (rt *Routes) updateProfile(w http.ResponseWriter, r *http.Request) error {
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
	u, err := rt.Accounts.UpdateProfile(r.Context(), sess.UserID, ProfileUpdate{
		DisplayName:        *in.DisplayName,
		Headline:           *in.Headline,
		About:              *in.About,
		City:               *in.City,
		Birthday:           *in.Birthday,
		BirthdayVisibility: *in.BirthdayVisibility,
	})
	if errors.Is(err, ErrNotFound) {
		return server.Errorf(http.StatusUnauthorized, "you are not signed in: sign in and try again")
	}
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, userBody{&u})
	return nil
}

func (rt *Routes) getUser(w http.ResponseWriter, r *http.Request) error {
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
	sess, err := rt.Sessions.FromRequest(r)
	switch {
	case err == nil:
		viewer = sess.UserID
	case !errors.Is(err, session.ErrNoSession):
		return err
	}
	u, err := rt.Accounts.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	st := Standing{Relation: "none"}
	if viewer == id {
		st.Relation = "self"
	} else if viewer != 0 && rt.Relations != nil {
		if st, err = rt.Relations.Standing(r.Context(), viewer, id); err != nil {
			return err
		}
		if st.Hidden {
			return notFound // the person blocked the viewer: as if there were no such person
		}
	}
	server.WriteJSON(w, http.StatusOK, profileBody{u.ProfileFor(viewer, st), st})
	return nil
}

func (rt *Routes) updatePrivacy(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ProfileVisibility *string `json:"profile_visibility"`
		FriendsVisibility *string `json:"friends_visibility"`
	}
	if err := server.DecodeJSON(w, r, &in, server.MaxBody); err != nil {
		return err
	}
	if in.ProfileVisibility == nil {
		return server.FieldError("profile_visibility", "profile_visibility is missing: send both settings")
	}
	if in.FriendsVisibility == nil {
		return server.FieldError("friends_visibility", "friends_visibility is missing: send both settings")
	}
	sess, _ := session.FromContext(r.Context())
	u, err := rt.Accounts.UpdatePrivacy(r.Context(), sess.UserID, Privacy{ProfileVisibility: *in.ProfileVisibility, FriendsVisibility: *in.FriendsVisibility})
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, userBody{&u})
	return nil
}

// clientError translates the account package's errors into what the
// client is told. Errors it does not know stay as they are: 500s, logged.
func clientError(err error) error {
	var (
		fe *FieldError
		le *LimitError
		ue *UnavailableError
	)
	switch {
	case errors.As(err, &fe):
		return server.FieldError(fe.Field, "%s", fe.Msg)
	case errors.Is(err, ErrEmailTaken):
		return &server.Error{Status: http.StatusConflict, Field: "email",
			Msg: "an account with this email address exists already: sign in, or use another address"}
	case errors.Is(err, ErrBadCredentials):
		return server.Errorf(http.StatusUnauthorized, "wrong email or password: check both and try again")
	case errors.Is(err, ErrCaptchaRequired):
		return server.FieldError("captcha", "too many failed sign-ins for this account: type the digits of the captcha to sign in")
	case errors.Is(err, ErrCaptchaWrong):
		return server.FieldError("captcha", "the captcha answer is wrong: type the digits of the new picture")
	case errors.Is(err, ErrCaptchaMissing):
		return server.FieldError("captcha", "the captcha has expired or was used already: type the digits of the new picture")
	case errors.As(err, &le):
		return server.TooManyRequests(le.RetryAfter, "too many "+le.What)
	case errors.As(err, &ue):
		return server.Unavailable(ue.RetryAfter, ue.What+" cannot be asked right now")
	case errors.Is(err, context.DeadlineExceeded):
		return server.Unavailable(busyRetry, "the site is busy")
	}
	return err
}
