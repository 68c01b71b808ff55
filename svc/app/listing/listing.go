// Package listing answers a listing server's check that the site is
// alive, at /cgi-bin/system.cgi.
package listing

import (
	"net/http"

	"github.com/kin-social/kin/svc/internal/server"
)

// Add adds the route with route.
func Add(route func(method, path string, h http.Handler)) {
	route("GET", "/cgi-bin/system.cgi", server.Handle(echo))
}

func echo(w http.ResponseWriter, r *http.Request) error {
	if action := r.URL.Query().Get("action"); action != "EchoRequest" {
		return server.Errorf(http.StatusBadRequest, "unknown action: the only action is EchoRequest")
	}
	server.WriteJSON(w, http.StatusOK, map[string]string{"type": "EchoResponse"})
	return nil
}
