package notify

import (
	"errors"
	"net/http"

	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/server"
	"github.com/kin-social/kin/svc/internal/session"
)

// Routes serves the notifications API (see svc/app/API.md).
type Routes struct {
	Notes    *Service
	Sessions *session.Store
}

// Add adds the routes with route, which wraps each handler as the app
// does for every feature.
func (rt *Routes) Add(route func(method, path string, h http.Handler)) {
	signedIn := func(f func(http.ResponseWriter, *http.Request) error) http.Handler {
		return rt.Sessions.Require(server.Handle(f))
	}
	route("GET", "/api/v1/notifications", signedIn(rt.list))
	route("GET", "/api/v1/notifications/unread", signedIn(rt.unread))
	route("POST", "/api/v1/notifications/read", signedIn(rt.read))
}

func viewer(r *http.Request) int64 {
	sess, _ := session.FromContext(r.Context())
	return sess.UserID
}

type listBody struct {
	Notifications []Notification `json:"notifications"`
	Unread        int            `json:"unread"`
	Next          *string        `json:"next"`
}

func (rt *Routes) list(w http.ResponseWriter, r *http.Request) error {
	me := viewer(r)
	p, err := rt.Notes.List(r.Context(), me, r.URL.Query().Get("cursor"))
	if errors.Is(err, db.ErrCursor) {
		return server.FieldError("cursor", "this cursor is not one of this list: start again from the first page")
	}
	if err != nil {
		return err
	}
	n, err := rt.Notes.Unread(r.Context(), me)
	if err != nil {
		return err
	}
	body := listBody{Notifications: p.Notifications, Unread: n}
	if p.Next != "" {
		body.Next = &p.Next
	}
	server.WriteJSON(w, http.StatusOK, body)
	return nil
}

func (rt *Routes) unread(w http.ResponseWriter, r *http.Request) error {
	n, err := rt.Notes.Unread(r.Context(), viewer(r))
	if err != nil {
		return err
	}
	server.WriteJSON(w, http.StatusOK, map[string]int{"unread": n})
	return nil
}

func (rt *Routes) read(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		IDs []int64 `json:"ids"`
		All bool    `json:"all"`
	}
	if err := server.DecodeJSON(w, r, &in, server.MaxBody); err != nil {
		return err
	}
	me := viewer(r)
	switch {
	case in.All && in.IDs != nil:
		return server.FieldError("all", `send either "ids" or "all": true, not both`)
	case in.All:
		if err := rt.Notes.MarkAllRead(r.Context(), me); err != nil {
			return err
		}
	case len(in.IDs) == 0:
		return server.FieldError("ids", `name the notifications to mark read in "ids", or send "all": true`)
	case len(in.IDs) > MaxMark:
		return server.FieldError("ids", "mark at most %d notifications read at once", MaxMark)
	default:
		for _, id := range in.IDs {
			if id <= 0 {
				return server.Errorf(http.StatusNotFound, "no such notification: reload the list")
			}
		}
		err := rt.Notes.MarkRead(r.Context(), me, in.IDs)
		if errors.Is(err, ErrNotFound) {
			return server.Errorf(http.StatusNotFound, "no such notification: reload the list")
		}
		if err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
