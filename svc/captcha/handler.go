package main

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kin-social/kin/svc/captcha/audio"
	"github.com/kin-social/kin/svc/captcha/picture"
	"github.com/kin-social/kin/svc/captcha/store"
	"github.com/kin-social/kin/svc/internal/ratelimit"
	"github.com/kin-social/kin/svc/internal/server"
	"github.com/kin-social/kin/svc/internal/session"
)

// Limits per client address. getnew: a burst for a person reloading a
// hard captcha a few times, then one every few seconds; each getnew costs
// the client nothing and the store an entry, so this keeps one address
// from churning the store. Pictures and sounds, from one budget: about two
// per captcha, since drawing one costs a fraction of a millisecond of CPU.
const (
	getnewBurst   = 20
	getnewPer     = 3 * time.Second
	pictureBurst  = 40
	picturePer    = 1500 * time.Millisecond
	limitedMaxIPs = 100_000
)

// service answers the captcha API.
type service struct {
	store    *store.Store
	pictures *picture.Encoder
	// Per client IP; nil in test mode, whose tests make many captchas
	// from one loopback address.
	getnew, picture *ratelimit.Limiter
}

// newService returns the API over st, rate-limited per client address
// when limited is set.
func newService(st *store.Store, limited bool) *service {
	s := &service{store: st, pictures: picture.NewEncoder()}
	if limited {
		s.getnew = ratelimit.New(getnewBurst, getnewPer, limitedMaxIPs)
		s.picture = ratelimit.New(pictureBurst, picturePer, limitedMaxIPs)
	}
	return s
}

// allow takes a token from l for the request's client; a nil l allows all.
func allow(l *ratelimit.Limiter, r *http.Request) error {
	if l == nil {
		return nil
	}
	if ok, retry := l.Allow(server.ClientIP(r)); !ok {
		return server.TooManyRequests(retry, "too many captchas from this address")
	}
	return nil
}

func (s *service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /captcha/getnew", server.Handle(s.getNew))
	mux.Handle("GET /captcha/{file}", server.Handle(s.serveMedia))
	// {solution...} matches an empty or odd solution too, which is then
	// simply wrong (and uses the captcha up) rather than a 404.
	mux.Handle("GET /captcha/verify/{solution...}", server.Handle(s.verify))
	mux.Handle("/", server.Handle(func(w http.ResponseWriter, r *http.Request) error {
		return server.Errorf(http.StatusNotFound, "no such page: the captcha service answers GET /captcha/getnew, /captcha/{id}.png, /captcha/{id}.wav and /captcha/verify/{solution}")
	}))
	return mux
}

// visitor returns the visitor's session token. It is the app's parser,
// session.Token, so that with several sessid cookies (one planted by a
// sibling domain, say) the captcha and the app key the same session.
func visitor(r *http.Request) (string, error) {
	tok, ok := session.Token(r)
	if !ok {
		return "", server.Errorf(http.StatusBadRequest, "no session: the %s cookie is missing or is not one the site issued; load the site first (GET /api/v1/session sets it)", session.CookieName)
	}
	return tok, nil
}

// getNew makes a new captcha for the visitor's session, replacing the one
// it had, and answers its id.
func (s *service) getNew(w http.ResponseWriter, r *http.Request) error {
	sess, err := visitor(r)
	if err != nil {
		return err
	}
	if err := allow(s.getnew, r); err != nil {
		return err
	}
	c := s.store.New(sess)
	server.WriteJSON(w, http.StatusOK, struct {
		CaptchaID string `json:"captcha_id"`
	}{c.ID})
	return nil
}

var errNoCaptcha = server.Errorf(http.StatusNotFound, "no such captcha: it expired, was used or was replaced; get a new one from /captcha/getnew")

// serveMedia serves a captcha of the visitor's session as a picture,
// {id}.png, or spoken, {id}.wav, for people who cannot see the picture.
// Both come out of one rate limit per client: they are two ways to read
// the same captcha.
func (s *service) serveMedia(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("file")
	id, ext, _ := strings.Cut(file, ".")
	if ext != "png" && ext != "wav" {
		return server.Errorf(http.StatusNotFound, "no such page: a captcha is at /captcha/{id}.png (picture) and /captcha/{id}.wav (spoken)")
	}
	sess, err := visitor(r)
	if err != nil {
		return err
	}
	if err := allow(s.picture, r); err != nil {
		return err
	}
	c, err := s.store.Get(sess, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNoCaptcha
	}
	if err != nil {
		return err
	}
	var b []byte
	contentType := "image/png"
	if ext == "png" {
		b, err = s.pictures.AppendPNG(make([]byte, 0, 4<<10), c.Digits, c.Seed)
	} else {
		contentType = "audio/wav"
		b, err = audio.AppendWAV(nil, c.Digits)
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	// Each captcha is used once; a cached copy would be of one gone.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return nil
}

// verify checks a solution against the session's captcha, using the
// captcha up whatever the answer, and answers "true" or "false".
func (s *service) verify(w http.ResponseWriter, r *http.Request) error {
	sess, err := visitor(r)
	if err != nil {
		return err
	}
	ok, err := s.store.Verify(sess, r.PathValue("solution"))
	if errors.Is(err, store.ErrNotFound) {
		return server.Errorf(http.StatusNotFound, "this session has no captcha (it expired or was used): get a new one from /captcha/getnew")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(strconv.FormatBool(ok)))
	return nil
}
