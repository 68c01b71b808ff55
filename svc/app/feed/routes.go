package feed

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/server"
	"github.com/kin-social/kin/svc/internal/session"
)

// Routes serves the posts and feeds API (see svc/app/API.md).
type Routes struct {
	Feed     *Service
	Sessions *session.Store
}

// maxPostBody bounds a post's JSON body: MaxText characters of four
// bytes, or escaped as \uXXXX pairs, and room for the rest.
const maxPostBody = 12*MaxText + 4<<10

// Add adds the routes with route, which wraps each handler as the app
// does for every feature.
func (rt *Routes) Add(route func(method, path string, h http.Handler)) {
	signedIn := func(f func(http.ResponseWriter, *http.Request) error) http.Handler {
		return rt.Sessions.Require(server.Handle(f))
	}
	route("POST", "/api/v1/posts", signedIn(rt.create))
	route("GET", "/api/v1/posts/{id}", server.Handle(rt.get))
	route("PUT", "/api/v1/posts/{id}", signedIn(rt.edit))
	route("DELETE", "/api/v1/posts/{id}", signedIn(rt.delete))
	route("PUT", "/api/v1/posts/{id}/like", signedIn(rt.like))
	route("DELETE", "/api/v1/posts/{id}/like", signedIn(rt.unlike))
	route("GET", "/api/v1/posts/{id}/likes", server.Handle(rt.likes))
	route("POST", "/api/v1/posts/{id}/comments", signedIn(rt.comment))
	route("GET", "/api/v1/posts/{id}/comments", server.Handle(rt.comments))
	route("DELETE", "/api/v1/comments/{id}", signedIn(rt.deleteComment))
	route("GET", "/api/v1/feed", signedIn(rt.home))
	route("GET", "/api/v1/users/{id}/posts", server.Handle(rt.wall))
}

// me is the signed-in viewer of a route behind Require.
func me(r *http.Request) int64 {
	sess, _ := session.FromContext(r.Context())
	return sess.UserID
}

// viewer is the signed-in viewer of a public route, or 0.
func (rt *Routes) viewer(r *http.Request) (int64, error) {
	sess, err := rt.Sessions.FromRequest(r)
	switch {
	case err == nil:
		return sess.UserID, nil
	case errors.Is(err, session.ErrNoSession):
		return 0, nil
	}
	return 0, err
}

func notFound() error {
	return server.Errorf(http.StatusNotFound, "no such post: it was deleted, or is not shown to you")
}

// pathID reads {id}: a positive decimal number. Anything else cannot be
// anything's id: 404.
func pathID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	if s == "" || len(s) > 19 || strings.Trim(s, "0123456789") != "" {
		return 0, notFound()
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound()
	}
	return id, nil
}

// clientError translates the package's errors into what the client is
// told; others stay 500s.
func clientError(err error) error {
	var fe *FieldError
	switch {
	case errors.Is(err, ErrNotFound):
		return notFound()
	case errors.Is(err, ErrNotEditable):
		return server.Errorf(http.StatusConflict, "a friendship item has no text to edit: delete it instead")
	case errors.Is(err, db.ErrCursor):
		return server.FieldError("cursor", "this cursor is not one of this list: start again from the first page")
	case errors.As(err, &fe):
		return server.FieldError(fe.Field, "%s", fe.Msg)
	}
	return err
}

// draftBody is the body of POST and PUT /api/v1/posts...: both fields
// are required.
type draftBody struct {
	Text       *string `json:"text"`
	Visibility *string `json:"visibility"`
}

func decodeDraft(w http.ResponseWriter, r *http.Request) (Draft, error) {
	var in draftBody
	if err := server.DecodeJSON(w, r, &in, maxPostBody); err != nil {
		return Draft{}, err
	}
	switch {
	case in.Text == nil:
		return Draft{}, server.FieldError("text", "text is missing: write the post")
	case in.Visibility == nil:
		return Draft{}, server.FieldError("visibility", "visibility is missing: choose public, friends or only_me")
	}
	return Draft{Text: *in.Text, Visibility: Visibility(*in.Visibility)}, nil
}

type postBody struct {
	Post Post `json:"post"`
}

func (rt *Routes) create(w http.ResponseWriter, r *http.Request) error {
	d, err := decodeDraft(w, r)
	if err != nil {
		return err
	}
	p, err := rt.Feed.Create(r.Context(), me(r), d)
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusCreated, postBody{p})
	return nil
}

func (rt *Routes) get(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	viewer, err := rt.viewer(r)
	if err != nil {
		return err
	}
	p, err := rt.Feed.Get(r.Context(), viewer, id)
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, postBody{p})
	return nil
}

func (rt *Routes) edit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := decodeDraft(w, r)
	if err != nil {
		return err
	}
	p, err := rt.Feed.Edit(r.Context(), me(r), id, d)
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, postBody{p})
	return nil
}

func (rt *Routes) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := rt.Feed.Delete(r.Context(), me(r), id); err != nil {
		return clientError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (rt *Routes) like(w http.ResponseWriter, r *http.Request) error {
	return rt.setLike(w, r, rt.Feed.Like)
}

func (rt *Routes) unlike(w http.ResponseWriter, r *http.Request) error {
	return rt.setLike(w, r, rt.Feed.Unlike)
}

func (rt *Routes) setLike(w http.ResponseWriter, r *http.Request, f func(ctx context.Context, viewer, id int64) (Like, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	l, err := f(r.Context(), me(r), id)
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, l)
	return nil
}

// next is a page's "next": the cursor, or null on the last page.
func next(cursor string) *string {
	if cursor == "" {
		return nil
	}
	return &cursor
}

func (rt *Routes) likes(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	viewer, err := rt.viewer(r)
	if err != nil {
		return err
	}
	p, err := rt.Feed.Likes(r.Context(), viewer, id, r.URL.Query().Get("cursor"))
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, struct {
		People []account.Card `json:"people"`
		Next   *string        `json:"next"`
	}{p.People, next(p.Next)})
	return nil
}

func (rt *Routes) comment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Text *string `json:"text"`
	}
	if err := server.DecodeJSON(w, r, &in, maxPostBody); err != nil {
		return err
	}
	if in.Text == nil {
		return server.FieldError("text", "text is missing: write the comment")
	}
	c, err := rt.Feed.Comment(r.Context(), me(r), id, *in.Text)
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusCreated, map[string]Comment{"comment": c})
	return nil
}

func (rt *Routes) comments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	viewer, err := rt.viewer(r)
	if err != nil {
		return err
	}
	p, err := rt.Feed.Comments(r.Context(), viewer, id, r.URL.Query().Get("cursor"))
	if err != nil {
		return clientError(err)
	}
	server.WriteJSON(w, http.StatusOK, struct {
		Comments []Comment `json:"comments"`
		Next     *string   `json:"next"`
	}{p.Comments, next(p.Next)})
	return nil
}

func (rt *Routes) deleteComment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return server.Errorf(http.StatusNotFound, "no such comment: it was deleted")
	}
	if err := rt.Feed.DeleteComment(r.Context(), me(r), id); err != nil {
		if errors.Is(err, ErrNotFound) {
			return server.Errorf(http.StatusNotFound, "no such comment: it was deleted")
		}
		return clientError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// postsBody is a page of posts for JSON: [] rather than null when empty.
type postsBody struct {
	Posts []Post  `json:"posts"`
	Next  *string `json:"next"`
}

func writePage(w http.ResponseWriter, p Page) {
	if p.Posts == nil {
		p.Posts = []Post{}
	}
	server.WriteJSON(w, http.StatusOK, postsBody{p.Posts, next(p.Next)})
}

func (rt *Routes) home(w http.ResponseWriter, r *http.Request) error {
	p, err := rt.Feed.Home(r.Context(), me(r), r.URL.Query().Get("cursor"))
	if err != nil {
		return clientError(err)
	}
	writePage(w, p)
	return nil
}

func (rt *Routes) wall(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return server.Errorf(http.StatusNotFound, "no such user: check the link")
	}
	viewer, err := rt.viewer(r)
	if err != nil {
		return err
	}
	p, err := rt.Feed.Wall(r.Context(), viewer, id, r.URL.Query().Get("cursor"))
	if errors.Is(err, ErrNotFound) {
		return server.Errorf(http.StatusNotFound, "no such user: check the link")
	}
	if err != nil {
		return clientError(err)
	}
	writePage(w, p)
	return nil
}
