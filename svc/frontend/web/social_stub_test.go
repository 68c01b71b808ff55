package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kin-social/kin/svc/internal/server"
)

// socialStub stands in for the app's social API (svc/app/API.md and the
// feed contract), for tests of what the client does alone: it holds a
// small community in memory, as seen by Ann (id 1), who is signed in.
// It keeps the shapes of the real answers; the real answers themselves
// are checked against the real app in svc/dev.
type socialStub struct {
	mu        sync.Mutex
	people    map[int64]stubPerson
	relation  map[int64]string // Ann's relation to each person
	posts     []*stubPost      // newest first
	comments  map[int64][]stubComment
	nextID    int64
	notes     []stubNote
	pageSize  int
	searches  []string      // the q of each search, in order of arrival
	slowQuery string        // a search answered only after delay
	delay     time.Duration // for slowQuery
	unreadGet int           // GETs of /api/v1/notifications/unread
}

type stubPerson struct {
	ID          int64  `json:"id"`
	DisplayName string `json:"display_name"`
	Headline    string `json:"headline"`
}

type stubPost struct {
	ID           int64       `json:"id"`
	Kind         string      `json:"kind"`
	Author       stubPerson  `json:"author"`
	Friend       *stubPerson `json:"friend,omitempty"`
	Text         string      `json:"text"`
	Visibility   string      `json:"visibility"`
	CreatedAt    string      `json:"created_at"`
	EditedAt     *string     `json:"edited_at"`
	LikeCount    int         `json:"like_count"`
	CommentCount int         `json:"comment_count"`
	Liked        bool        `json:"liked"`
	Mine         bool        `json:"mine"`
}

type stubComment struct {
	ID        int64      `json:"id"`
	PostID    int64      `json:"post_id"`
	Author    stubPerson `json:"author"`
	Text      string     `json:"text"`
	CreatedAt string     `json:"created_at"`
	Mine      bool       `json:"mine"`
}

type stubNote struct {
	ID        int64        `json:"id"`
	Kind      string       `json:"kind"`
	Actors    []stubPerson `json:"actors"`
	Count     int          `json:"count"`
	SubjectID int64        `json:"subject_id"`
	Read      bool         `json:"read"`
	CreatedAt string       `json:"created_at"`
	UpdatedAt string       `json:"updated_at"`
}

// The stub's people, by the relation Ann has to them.
const (
	annID   = 1 // the viewer
	bobID   = 2 // friends
	cleoID  = 3 // asked Ann (incoming)
	danID   = 4 // none: a stranger with mutual friends
	eveID   = 5 // Ann asked Eve (requested)
	fayID   = 6 // Ann blocked Fay
	postsN  = 25
	firstID = 100
)

func newSocialStub() *socialStub {
	s := &socialStub{
		people: map[int64]stubPerson{
			annID:  {annID, "Ann Smith", "Gardener"},
			bobID:  {bobID, "Bob Jones", "Baker & <b>brewer</b>"},
			cleoID: {cleoID, "Cleo Park", "Cyclist"},
			danID:  {danID, "Dan Roe", ""},
			eveID:  {eveID, "Eve Adams", "Engineer"},
			fayID:  {fayID, "Fay Wray", ""},
		},
		relation: map[int64]string{annID: "self", bobID: "friends", cleoID: "incoming", danID: "none", eveID: "requested", fayID: "blocked"},
		comments: map[int64][]stubComment{},
		nextID:   1000,
		pageSize: 10,
	}
	now := time.Now().UTC()
	at := func(d time.Duration) string { return now.Add(-d).Format(time.RFC3339) }
	for i := range postsN {
		author := s.people[bobID]
		if i%3 == 0 {
			author = s.people[annID]
		}
		p := &stubPost{
			ID: int64(firstID + postsN - i), Kind: "post", Author: author,
			Text:       fmt.Sprintf("Post number %d. See https://example.org/page?a=1&b=2, or <b>not</b>.", postsN-i),
			Visibility: "friends", CreatedAt: at(time.Duration(i) * 7 * time.Hour),
			LikeCount: i % 4, CommentCount: 0, Mine: author.ID == annID,
		}
		if i == 1 {
			p.Kind, p.Text, p.Friend = "friendship", "", ptr(s.people[annID])
			p.Author = s.people[bobID]
			p.Mine = false
		}
		if i == 2 {
			edited := at(time.Hour)
			p.EditedAt = &edited
			p.Text = "Edited once <script>window.pwned=1</script>"
		}
		s.posts = append(s.posts, p)
	}
	// The first post has 25 comments: more than a page, oldest first.
	top := s.posts[0]
	for i := range 25 {
		author := s.people[bobID]
		if i%2 == 1 {
			author = s.people[annID]
		}
		s.comments[top.ID] = append(s.comments[top.ID], stubComment{
			ID: int64(5000 + i), PostID: top.ID, Author: author, Text: fmt.Sprintf("Comment %d", i+1),
			CreatedAt: at(time.Duration(25-i) * time.Minute), Mine: author.ID == annID,
		})
	}
	top.CommentCount = 25
	s.notes = []stubNote{
		{ID: 1, Kind: "like", Actors: []stubPerson{s.people[bobID], s.people[danID], s.people[eveID]}, Count: 4, SubjectID: top.ID, CreatedAt: at(time.Hour), UpdatedAt: at(2 * time.Minute)},
		{ID: 2, Kind: "comment", Actors: []stubPerson{s.people[bobID]}, Count: 1, SubjectID: top.ID, CreatedAt: at(2 * time.Hour), UpdatedAt: at(time.Hour)},
		{ID: 3, Kind: "friend_request", Actors: []stubPerson{s.people[cleoID]}, Count: 1, SubjectID: cleoID, CreatedAt: at(3 * time.Hour), UpdatedAt: at(3 * time.Hour)},
		{ID: 4, Kind: "friend_accepted", Actors: []stubPerson{s.people[bobID]}, Count: 1, SubjectID: bobID, Read: true, CreatedAt: at(50 * time.Hour), UpdatedAt: at(50 * time.Hour)},
	}
	return s
}

func ptr[T any](v T) *T { return &v }

func (s *socialStub) unread() int {
	n := 0
	for _, x := range s.notes {
		if !x.Read {
			n++
		}
	}
	return n
}

func (s *socialStub) post(id int64) *stubPost {
	for _, p := range s.posts {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// page returns the posts after cursor (an index) and the next cursor.
func page[T any](items []T, cursor string, size int) ([]T, *string) {
	start, _ := strconv.Atoi(cursor)
	start = min(max(start, 0), len(items))
	end := min(start+size, len(items))
	var next *string
	if end < len(items) {
		next = ptr(strconv.Itoa(end))
	}
	return items[start:end], next
}

func pathID(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id
}

func (s *socialStub) routes(mux *http.ServeMux) {
	js := func(w http.ResponseWriter, status int, v any) { server.WriteJSON(w, status, v) }
	none := func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }
	missing := func(w http.ResponseWriter) {
		js(w, http.StatusNotFound, map[string]string{"error": "no such post: check the link"})
	}
	h := func(pattern string, f func(w http.ResponseWriter, r *http.Request)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			defer s.mu.Unlock()
			f(w, r)
		})
	}
	ann := func() map[string]any {
		return map[string]any{"id": annID, "email": "ann@example.org", "display_name": "Ann Smith", "headline": "Gardener",
			"about": "", "city": "", "birthday": "", "birthday_visibility": "private", "created_at": "2026-01-02T03:04:05Z"}
	}
	h("GET /api/v1/session", func(w http.ResponseWriter, r *http.Request) { js(w, 200, map[string]any{"user": ann()}) })
	h("GET /api/v1/me", func(w http.ResponseWriter, r *http.Request) { js(w, 200, map[string]any{"user": ann()}) })
	h("POST /api/v1/domain", func(w http.ResponseWriter, r *http.Request) { none(w) })

	h("GET /api/v1/feed", func(w http.ResponseWriter, r *http.Request) {
		p, next := page(s.posts, r.URL.Query().Get("cursor"), s.pageSize)
		js(w, 200, map[string]any{"posts": p, "next": next})
	})
	h("GET /api/v1/users/{id}/posts", func(w http.ResponseWriter, r *http.Request) {
		id := pathID(r, "id")
		var mine []*stubPost
		for _, p := range s.posts {
			if p.Author.ID == id {
				mine = append(mine, p)
			}
		}
		p, next := page(mine, r.URL.Query().Get("cursor"), s.pageSize)
		js(w, 200, map[string]any{"posts": p, "next": next})
	})
	h("POST /api/v1/posts", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Text, Visibility string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || strings.TrimSpace(in.Text) == "" {
			js(w, 400, map[string]string{"error": "text is empty: write something", "field": "text"})
			return
		}
		s.nextID++
		p := &stubPost{ID: s.nextID, Kind: "post", Author: s.people[annID], Text: in.Text, Visibility: in.Visibility,
			CreatedAt: time.Now().UTC().Format(time.RFC3339), Mine: true}
		s.posts = append([]*stubPost{p}, s.posts...)
		js(w, 201, map[string]any{"post": p})
	})
	h("GET /api/v1/posts/{id}", func(w http.ResponseWriter, r *http.Request) {
		if p := s.post(pathID(r, "id")); p != nil {
			js(w, 200, map[string]any{"post": p})
			return
		}
		missing(w)
	})
	h("PUT /api/v1/posts/{id}", func(w http.ResponseWriter, r *http.Request) {
		p := s.post(pathID(r, "id"))
		if p == nil || !p.Mine {
			missing(w)
			return
		}
		var in struct{ Text, Visibility string }
		json.NewDecoder(r.Body).Decode(&in)
		p.Text, p.Visibility, p.EditedAt = in.Text, in.Visibility, ptr(time.Now().UTC().Format(time.RFC3339))
		js(w, 200, map[string]any{"post": p})
	})
	h("DELETE /api/v1/posts/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := pathID(r, "id")
		p := s.post(id)
		if p == nil || !p.Mine {
			missing(w)
			return
		}
		s.posts = slices.DeleteFunc(s.posts, func(q *stubPost) bool { return q.ID == id })
		none(w)
	})
	like := func(liked bool) func(w http.ResponseWriter, r *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			p := s.post(pathID(r, "id"))
			if p == nil {
				missing(w)
				return
			}
			if p.Liked != liked {
				p.Liked = liked
				if liked {
					p.LikeCount++
				} else {
					p.LikeCount--
				}
			}
			js(w, 200, map[string]any{"liked": p.Liked, "like_count": p.LikeCount})
		}
	}
	h("PUT /api/v1/posts/{id}/like", like(true))
	h("DELETE /api/v1/posts/{id}/like", like(false))
	h("GET /api/v1/posts/{id}/comments", func(w http.ResponseWriter, r *http.Request) {
		id := pathID(r, "id")
		if s.post(id) == nil {
			missing(w)
			return
		}
		c, next := page(s.comments[id], r.URL.Query().Get("cursor"), s.pageSize)
		if c == nil {
			c = []stubComment{}
		}
		js(w, 200, map[string]any{"comments": c, "next": next})
	})
	h("POST /api/v1/posts/{id}/comments", func(w http.ResponseWriter, r *http.Request) {
		p := s.post(pathID(r, "id"))
		if p == nil {
			missing(w)
			return
		}
		var in struct{ Text string }
		json.NewDecoder(r.Body).Decode(&in)
		s.nextID++
		c := stubComment{ID: s.nextID, PostID: p.ID, Author: s.people[annID], Text: in.Text, CreatedAt: time.Now().UTC().Format(time.RFC3339), Mine: true}
		s.comments[p.ID] = append(s.comments[p.ID], c)
		p.CommentCount++
		js(w, 201, map[string]any{"comment": c})
	})
	h("DELETE /api/v1/comments/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := pathID(r, "id")
		for pid, list := range s.comments {
			for i, c := range list {
				if c.ID == id && c.Mine {
					s.comments[pid] = slices.Delete(list, i, i+1)
					s.post(pid).CommentCount--
					none(w)
					return
				}
			}
		}
		missing(w)
	})

	h("GET /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := pathID(r, "id")
		p, ok := s.people[id]
		if !ok {
			js(w, 404, map[string]string{"error": "no such user: check the link"})
			return
		}
		mutual := 0
		if id == danID || id == cleoID {
			mutual = 1
		}
		js(w, 200, map[string]any{"profile": map[string]any{
			"id": p.ID, "display_name": p.DisplayName, "headline": p.Headline, "about": "", "city": "Lyon",
			"birthday": "", "created_at": "2026-01-02T03:04:05Z", "details_hidden": id == fayID,
		}, "relation": s.relation[id], "mutual_friends": mutual})
	})
	list := func(rel string) []stubPerson {
		out := []stubPerson{}
		for _, id := range []int64{bobID, cleoID, danID, eveID, fayID} {
			if s.relation[id] == rel {
				out = append(out, s.people[id])
			}
		}
		return out
	}
	h("GET /api/v1/friends", func(w http.ResponseWriter, r *http.Request) {
		js(w, 200, map[string]any{"friends": list("friends"), "next": nil})
	})
	h("GET /api/v1/friends/requests", func(w http.ResponseWriter, r *http.Request) {
		js(w, 200, map[string]any{"incoming": list("incoming"), "outgoing": list("requested"), "next_incoming": nil, "next_outgoing": nil})
	})
	h("GET /api/v1/friends/suggestions", func(w http.ResponseWriter, r *http.Request) {
		out := []map[string]any{}
		for _, p := range list("none") {
			out = append(out, map[string]any{"id": p.ID, "display_name": p.DisplayName, "headline": p.Headline, "mutual_friends": 1})
		}
		js(w, 200, map[string]any{"suggestions": out})
	})
	h("GET /api/v1/friends/mutual/{id}", func(w http.ResponseWriter, r *http.Request) {
		js(w, 200, map[string]any{"mutual": []stubPerson{s.people[bobID]}, "count": 1, "next": nil})
	})
	h("GET /api/v1/friends/path/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := pathID(r, "id")
		path := []stubPerson{}
		switch s.relation[id] {
		case "friends":
			path = []stubPerson{s.people[annID], s.people[id]}
		case "none", "incoming", "requested":
			path = []stubPerson{s.people[annID], s.people[bobID], s.people[id]}
		}
		js(w, 200, map[string]any{"path": path})
	})
	set := func(rel string, ok func(string) bool) func(w http.ResponseWriter, r *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			id := pathID(r, "user_id")
			if !ok(s.relation[id]) {
				js(w, 404, map[string]string{"error": "no such friend request: reload the page"})
				return
			}
			s.relation[id] = rel
			if rel == "friends" {
				js(w, 200, map[string]any{"friendship": s.people[id]})
				return
			}
			none(w)
		}
	}
	is := func(rels ...string) func(string) bool { return func(r string) bool { return slices.Contains(rels, r) } }
	h("POST /api/v1/friends/requests", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			UserID int64 `json:"user_id"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		switch s.relation[in.UserID] {
		case "incoming":
			s.relation[in.UserID] = "friends"
			js(w, 200, map[string]any{"friendship": s.people[in.UserID]})
		case "none":
			s.relation[in.UserID] = "requested"
			js(w, 201, map[string]any{"request": s.people[in.UserID]})
		default:
			js(w, 409, map[string]string{"error": "you are friends already", "field": "user_id"})
		}
	})
	h("POST /api/v1/friends/requests/{user_id}/accept", set("friends", is("incoming")))
	h("POST /api/v1/friends/requests/{user_id}/decline", set("none", is("incoming")))
	h("DELETE /api/v1/friends/requests/{user_id}", set("none", is("requested")))
	h("DELETE /api/v1/friends/{user_id}", set("none", is("friends")))
	h("PUT /api/v1/blocks/{user_id}", set("blocked", is("none", "friends", "requested", "incoming")))
	h("DELETE /api/v1/blocks/{user_id}", set("none", is("blocked")))

	h("GET /api/v1/notifications", func(w http.ResponseWriter, r *http.Request) {
		js(w, 200, map[string]any{"notifications": s.notes, "unread": s.unread(), "next": nil})
	})
	h("GET /api/v1/notifications/unread", func(w http.ResponseWriter, r *http.Request) {
		s.unreadGet++
		js(w, 200, map[string]any{"unread": s.unread()})
	})
	h("POST /api/v1/notifications/read", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			IDs []int64 `json:"ids"`
			All bool    `json:"all"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		for i := range s.notes {
			if in.All || slices.Contains(in.IDs, s.notes[i].ID) {
				s.notes[i].Read = true
			}
		}
		none(w)
	})

	mux.HandleFunc("GET /api/v1/search/people", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		s.mu.Lock()
		s.searches = append(s.searches, q)
		slow, delay := s.slowQuery, s.delay
		var out []map[string]any
		for _, id := range []int64{bobID, cleoID, danID, eveID} {
			p := s.people[id]
			if strings.Contains(strings.ToLower(p.DisplayName), strings.ToLower(q)) {
				out = append(out, map[string]any{"id": p.ID, "display_name": p.DisplayName, "headline": p.Headline, "city": "Lyon", "relation": s.relation[id], "mutual_friends": 1})
			}
		}
		s.mu.Unlock()
		if q == slow {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if out == nil {
			out = []map[string]any{}
		}
		js(w, 200, map[string]any{"people": out})
	})
}

func (s *socialStub) searched() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.searches...)
}
