// Package web is Kin's web client: the page shell, style sheets and
// ES-module scripts embedded in the binary, and the handler that serves
// them. The client renders every page in the browser from the app's JSON
// API; the server's part is to answer each known page path with the same
// shell and to serve the assets under content-hashed names.
//
// Element ids are stable, for browser tests and for people's own scripts:
//
//	header     #header-user-name (signed-in display name), #signout,
//	           #nav-signin, #nav-signup, #nav-profile, #nav-edit,
//	           #nav-home, #nav-friends; the notifications menu (signed in):
//	           #nav-notifications (its button, data-unread = the count),
//	           #notifications-badge (hidden at 0), #notifications-count,
//	           #notifications-menu (the panel), #notifications-menu-list
//	           (links #notifications-menu-{id}), #notifications-menu-read-all,
//	           #notifications-menu-all
//	every page #page-title (its h1); #toast (status messages)
//	/signup    #signup-email, #signup-password, #signup-display-name,
//	           #signup-captcha, #signup-captcha-img, #signup-captcha-audio
//	           (the digits spoken), #signup-captcha-reload, #signup-submit
//	/signin    #signin-email, #signin-password, #signin-submit; once the
//	           app asks for a captcha (400 naming the field "captcha"):
//	           #signin-captcha, #signin-captcha-img, #signin-captcha-audio,
//	           #signin-captcha-reload
//	profiles   #profile-display-name, #profile-headline, #profile-about,
//	           #profile-city, #profile-birthday (a <time>, datetime=YYYY-MM-DD),
//	           #profile-joined; own only: #profile-email,
//	           #profile-birthday-visibility, #profile-edit-link
//	/profile/edit  #edit-display-name, #edit-headline, #edit-about,
//	           #edit-city, #edit-birthday, #edit-birthday-visibility,
//	           #edit-save; #password-current, #password-new, #password-submit
//	/ (signed in) #composer (form), #composer-text, #composer-visibility,
//	           #composer-submit; the feed: a post list with prefix "feed"
//	post lists #{prefix} (the <ol>: "feed" on the home page, "wall" on
//	           profiles), #{prefix}-more (Load more), #{prefix}-sentinel,
//	           #{prefix}-live (the polite live region), #{prefix}-new (Show
//	           new posts), #{prefix}-empty, #{prefix}-end, #{prefix}-error
//	a post     #post-{id} (an <article>, data-post-id), #post-{id}-author,
//	           #post-{id}-link (its own page), #post-{id}-text,
//	           #post-{id}-edited, #post-{id}-like (aria-pressed),
//	           #post-{id}-like-count, #post-{id}-comment-count,
//	           #post-{id}-comments-toggle (aria-expanded), #post-{id}-comments,
//	           #post-{id}-comment-list (oldest first), #post-{id}-comments-more,
//	           #post-{id}-comment-text, #post-{id}-comment-submit; the
//	           author's: #post-{id}-edit, #post-{id}-edit-text,
//	           #post-{id}-edit-visibility, #post-{id}-edit-save,
//	           #post-{id}-edit-cancel, #post-{id}-delete,
//	           #post-{id}-delete-confirm, #post-{id}-delete-cancel
//	a comment  #comment-{id}, #comment-{id}-text, #comment-{id}-delete
//	/u/{id}    also #profile-relation, #friend-controls (data-relation),
//	           #friend-add, #friend-cancel, #friend-accept, #friend-decline,
//	           #friend-remove, #friend-remove-confirm-yes, #friend-unblock,
//	           #friend-more, #friend-block; #profile-path (the chain of
//	           friends, links), #profile-path-note, #profile-mutual,
//	           #profile-mutual-list; #profile-hidden when the details are
//	           not shown; the wall (prefix "wall")
//	/friends   #friends-search (a combobox), #friends-search-list (its
//	           listbox, options #friends-search-option-{n}),
//	           #friends-search-status; #requests-incoming,
//	           #requests-outgoing, #friends-list, #suggestions (lists of
//	           #person-{id}) with buttons #accept-{id}, #decline-{id},
//	           #cancel-{id}, #add-{id}; #friends-more
//	/notifications #notifications-list (of #notification-{id}, with
//	           #notification-{id}-link and #notification-{id}-read),
//	           #notifications-read-all, #notifications-unread,
//	           #notifications-more, #notifications-empty
//	/posts/{id} the post, comments open; #post-missing when there is
//	           none the visitor may see
//
// A control's error shows in the element with its id plus "-error"
// (#signup-captcha-error), an error naming no field in the form's id plus
// "-error" (#signin-form-error).
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/kin-social/kin/svc/frontend/assets"
)

//go:embed index.html
var indexHTML string

//go:embed static
var static embed.FS

// AssetPrefix is the URL path under which the hashed assets are served.
const AssetPrefix = "/assets/"

// Pages lists the URL patterns of the client's pages, in net/http.ServeMux
// syntax. Each is answered with the page shell; the client's router
// (static/js/app.js) must know the same paths.
var Pages = []string{
	"/{$}",
	"/signup",
	"/signin",
	"/profile",
	"/profile/edit",
	"/u/{id}",
	"/friends",
	"/notifications",
	"/posts/{id}",
}

// Client serves the web client.
type Client struct {
	assets *assets.Set
	shell  *assets.Body
	mux    *http.ServeMux
}

// New prepares the client: it hashes the embedded assets and renders the
// page shell with their hashed names. An error means the embedded files
// are inconsistent (a reference to a missing file, an import cycle), which
// the package's tests catch before a binary ships.
func New() (*Client, error) {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return newClient(sub, indexHTML)
}

func newClient(files fs.FS, shellTemplate string) (*Client, error) {
	set, err := assets.New(files, AssetPrefix)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	shell, err := renderShell(set, shellTemplate)
	if err != nil {
		return nil, fmt.Errorf("web: render index.html: %w", err)
	}
	c := &Client{assets: set, shell: assets.NewBody("text/html; charset=utf-8", shell), mux: http.NewServeMux()}
	for _, p := range Pages {
		c.mux.HandleFunc("GET "+p, c.page)
	}
	c.mux.Handle("GET "+AssetPrefix, set)
	c.mux.HandleFunc("GET /", c.notFound)
	return c, nil
}

// renderShell executes index.html with the functions it uses to name
// assets: asset gives a file's hashed URL, imports the hashed URLs of
// every module a module imports (for modulepreload links).
func renderShell(set *assets.Set, text string) ([]byte, error) {
	t, err := template.New("index.html").Option("missingkey=error").Funcs(template.FuncMap{
		"asset":   set.URL,
		"imports": set.Imports,
	}).Parse(text)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, nil); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ServeHTTP serves pages, assets and 404s.
func (c *Client) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.mux.ServeHTTP(w, r) }

// Assets returns the client's hashed asset set.
func (c *Client) Assets() *assets.Set { return c.assets }

// page answers a known page path with the shell. HTML is never cached
// without asking (no-cache revalidates with the ETag), so a new release
// reaches every browser on its next page load while the hashed assets
// stay cached.
func (c *Client) page(w http.ResponseWriter, r *http.Request) {
	if id := r.PathValue("id"); id != "" && !validID(id) {
		c.notFound(w, r)
		return
	}
	c.shell.Serve(w, r, http.StatusOK, "no-cache")
}

// notFound answers any other path with the shell and status 404: a person
// who mistypes a URL sees the site's own "page not found" page, with its
// navigation, while crawlers and tools see the status.
func (c *Client) notFound(w http.ResponseWriter, r *http.Request) {
	c.shell.Serve(w, r, http.StatusNotFound, "no-cache")
}

// validID reports whether s is an id as the app issues them (of a user
// or a post): a positive decimal number without sign or leading zeros.
func validID(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > 0 && !strings.HasPrefix(s, "0") && !strings.HasPrefix(s, "+")
}
