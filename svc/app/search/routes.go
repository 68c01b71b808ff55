package search

import (
	"errors"
	"net/http"

	"github.com/kin-social/kin/svc/internal/server"
	"github.com/kin-social/kin/svc/internal/session"
)

// Routes serves people search (see svc/app/API.md).
type Routes struct {
	Search   *Service
	Sessions *session.Store
}

// Add adds the routes with route, which wraps each handler as the app
// does for every feature.
func (rt *Routes) Add(route func(method, path string, h http.Handler)) {
	route("GET", "/api/v1/search/people", rt.Sessions.Require(server.Handle(rt.people)))
}

func (rt *Routes) people(w http.ResponseWriter, r *http.Request) error {
	sess, _ := session.FromContext(r.Context())
	found, err := rt.Search.People(r.Context(), sess.UserID, r.URL.Query().Get("q"))
	var qe *QueryError
	if errors.As(err, &qe) {
		return server.FieldError("q", "%s", qe.Error())
	}
	if err != nil {
		return err
	}
	server.WriteJSON(w, http.StatusOK, map[string][]Person{"people": found})
	return nil
}
