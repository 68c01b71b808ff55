package friend

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/server"
	"github.com/kin-social/kin/svc/internal/session"
)

// Routes serves the friends and blocks API (see svc/app/API.md).
type Routes struct {
	Friends  *Service
	Sessions *session.Store
}

// Add adds the routes with route, which wraps each handler as the app
// does for every feature.
func (rt *Routes) Add(route func(method, path string, h http.Handler)) {
	signedIn := func(f func(http.ResponseWriter, *http.Request) error) http.Handler {
		return rt.Sessions.Require(server.Handle(f))
	}
	route("POST", "/api/v1/friends/requests", signedIn(rt.request))
	route("GET", "/api/v1/friends/requests", signedIn(rt.requests))
	route("POST", "/api/v1/friends/requests/{user_id}/accept", signedIn(rt.accept))
	route("POST", "/api/v1/friends/requests/{user_id}/decline", signedIn(rt.decline))
	route("DELETE", "/api/v1/friends/requests/{user_id}", signedIn(rt.cancel))
	route("GET", "/api/v1/friends", server.Handle(rt.friends))
	route("DELETE", "/api/v1/friends/{user_id}", signedIn(rt.unfriend))
	route("GET", "/api/v1/friends/suggestions", signedIn(rt.suggestions))
	route("GET", "/api/v1/friends/mutual/{user_id}", signedIn(rt.mutual))
	route("GET", "/api/v1/friends/path/{user_id}", signedIn(rt.path))
	route("GET", "/api/v1/blocks", signedIn(rt.blocks))
	route("PUT", "/api/v1/blocks/{user_id}", signedIn(rt.block))
	route("DELETE", "/api/v1/blocks/{user_id}", signedIn(rt.unblock))
}

func me(r *http.Request) int64 {
	sess, _ := session.FromContext(r.Context())
	return sess.UserID
}

// notFound is the answer for a person the viewer may not see, exactly as
// for an id of no one.
func notFound() error { return server.Errorf(http.StatusNotFound, "no such user: check the link") }

// parseID reads a user id as the API writes them: a positive decimal
// number, without sign or leading zeros' tricks beyond what ParseInt
// takes. ok is false for anything else.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 19 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// pathUser reads {user_id}; an id that cannot be anyone's is a 404, as
// for no such person.
func pathUser(r *http.Request) (int64, error) {
	id, ok := parseID(r.PathValue("user_id"))
	if !ok {
		return 0, notFound()
	}
	return id, nil
}

// clientError translates the package's errors into what the client is
// told; others stay 500s.
func clientError(err error) error {
	var de *DeclinedError
	switch {
	case errors.Is(err, ErrHidden):
		return notFound()
	case errors.Is(err, ErrNoRequest):
		return server.Errorf(http.StatusNotFound, "no such friend request: reload the page")
	case errors.Is(err, ErrNotFriends):
		return server.Errorf(http.StatusNotFound, "you are not friends with this person: reload the page")
	case errors.Is(err, ErrAlreadyFriends):
		return &server.Error{Status: http.StatusConflict, Field: "user_id", Msg: "you are friends already"}
	case errors.Is(err, ErrYouBlocked):
		return &server.Error{Status: http.StatusConflict, Field: "user_id", Msg: "you blocked this person: unblock them first"}
	case errors.Is(err, ErrSelf):
		return server.FieldError("user_id", "that is you: choose someone else")
	case errors.As(err, &de):
		return &server.Error{Status: http.StatusConflict, Field: "user_id",
			Msg: "this person declined your last request: you may ask again from " + de.Until.Format("2 January 2006")}
	case errors.Is(err, db.ErrCursor):
		return server.FieldError("cursor", "this cursor is not one of this list: start again from the first page")
	}
	return err
}

func (rt *Routes) request(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		UserID *int64 `json:"user_id"`
	}
	if err := server.DecodeJSON(w, r, &in, server.MaxBody); err != nil {
		return err
	}
	if in.UserID == nil {
		return server.FieldError("user_id", "user_id is missing: name the person to ask")
	}
	if *in.UserID <= 0 {
		return notFound()
	}
	res, err := rt.Friends.Request(r.Context(), me(r), *in.UserID)
	if err != nil {
		return clientError(err)
	}
	if res.Friends {
		server.WriteJSON(w, http.StatusOK, map[string]Person{"friendship": res.Person})
		return nil
	}
	server.WriteJSON(w, http.StatusCreated, map[string]Person{"request": res.Person})
	return nil
}

func (rt *Routes) accept(w http.ResponseWriter, r *http.Request) error {
	id, err := pathUser(r)
	if err != nil {
		return err
	}
	p, err := rt.Friends.Accept(r.Context(), me(r), id)
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, map[string]Person{"friendship": p})
	return nil
}

// do runs one of the package's mutations on {user_id}, answering 204.
func (rt *Routes) do(w http.ResponseWriter, r *http.Request, f func(me, other int64) error) error {
	id, err := pathUser(r)
	if err != nil {
		return err
	}
	if err := f(me(r), id); err != nil {
		return clientError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (rt *Routes) decline(w http.ResponseWriter, r *http.Request) error {
	return rt.do(w, r, func(me, other int64) error { return rt.Friends.Decline(r.Context(), me, other) })
}

func (rt *Routes) cancel(w http.ResponseWriter, r *http.Request) error {
	return rt.do(w, r, func(me, other int64) error { return rt.Friends.Cancel(r.Context(), me, other) })
}

func (rt *Routes) unfriend(w http.ResponseWriter, r *http.Request) error {
	return rt.do(w, r, func(me, other int64) error { return rt.Friends.Unfriend(r.Context(), me, other) })
}

func (rt *Routes) block(w http.ResponseWriter, r *http.Request) error {
	return rt.do(w, r, func(me, other int64) error { return rt.Friends.Block(r.Context(), me, other) })
}

func (rt *Routes) unblock(w http.ResponseWriter, r *http.Request) error {
	return rt.do(w, r, func(me, other int64) error { return rt.Friends.Unblock(r.Context(), me, other) })
}

// next is a page's "next": the cursor, or null on the last page.
func next(cursor string) *string {
	if cursor == "" {
		return nil
	}
	return &cursor
}

// people is a list for JSON: [] rather than null when empty.
func people(p []Person) []Person {
	if p == nil {
		return []Person{}
	}
	return p
}

func (rt *Routes) friends(w http.ResponseWriter, r *http.Request) error {
	var viewer int64
	sess, err := rt.Sessions.FromRequest(r)
	switch {
	case err == nil:
		viewer = sess.UserID
	case !errors.Is(err, session.ErrNoSession):
		return err
	}
	owner := viewer
	if s := r.URL.Query().Get("user"); s != "" {
		var ok bool
		if owner, ok = parseID(s); !ok {
			return notFound()
		}
	} else if viewer == 0 {
		return server.Errorf(http.StatusUnauthorized, "you are not signed in: sign in to see your friends, or name a person with ?user=")
	}
	p, err := rt.Friends.Friends(r.Context(), viewer, owner, r.URL.Query().Get("cursor"))
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, struct {
		Friends []Person `json:"friends"`
		Next    *string  `json:"next"`
	}{people(p.People), next(p.Next)})
	return nil
}

func (rt *Routes) requests(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	reqs, err := rt.Friends.Requests(r.Context(), me(r), q.Get("incoming_cursor"), q.Get("outgoing_cursor"))
	if err != nil {
		if errors.Is(err, db.ErrCursor) {
			// Which of the two: the one that does not decode.
			field := "incoming_cursor"
			if _, err := rt.Friends.Requests(r.Context(), me(r), q.Get("incoming_cursor"), ""); err == nil {
				field = "outgoing_cursor"
			}
			return server.FieldError(field, "this cursor is not one of this list: start again from the first page")
		}
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, struct {
		Incoming     []Person `json:"incoming"`
		Outgoing     []Person `json:"outgoing"`
		NextIncoming *string  `json:"next_incoming"`
		NextOutgoing *string  `json:"next_outgoing"`
	}{people(reqs.Incoming), people(reqs.Outgoing), next(reqs.NextIncoming), next(reqs.NextOutgoing)})
	return nil
}

func (rt *Routes) suggestions(w http.ResponseWriter, r *http.Request) error {
	list, err := rt.Friends.Suggestions(r.Context(), me(r))
	if err != nil {
		return err
	}
	server.WriteJSON(w, http.StatusOK, map[string][]Person{"suggestions": people(list)})
	return nil
}

func (rt *Routes) mutual(w http.ResponseWriter, r *http.Request) error {
	id, err := pathUser(r)
	if err != nil {
		return err
	}
	p, n, err := rt.Friends.Mutual(r.Context(), me(r), id, r.URL.Query().Get("cursor"))
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, struct {
		Mutual []Person `json:"mutual"`
		Count  int      `json:"count"`
		Next   *string  `json:"next"`
	}{people(p.People), n, next(p.Next)})
	return nil
}

func (rt *Routes) path(w http.ResponseWriter, r *http.Request) error {
	id, err := pathUser(r)
	if err != nil {
		return err
	}
	chain, err := rt.Friends.Path(r.Context(), me(r), id)
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, map[string][]Person{"path": people(chain)})
	return nil
}

func (rt *Routes) blocks(w http.ResponseWriter, r *http.Request) error {
	p, err := rt.Friends.Blocks(r.Context(), me(r), r.URL.Query().Get("cursor"))
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, struct {
		Blocked []Person `json:"blocked"`
		Next    *string  `json:"next"`
	}{people(p.People), next(p.Next)})
	return nil
}
