package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kin-social/kin/svc/internal/dbserver"
)

var testRoutes = []Route{
	{Host: "example.org", Path: "/", Part: "frontend", BodyLimit: 1 << 20},
	{Host: "example.org", Path: "/api/", Part: "app", BodyLimit: 1 << 20},
	{Host: "example.org", Path: "/api/v1/domain", Exact: true, Part: "domainname", BodyLimit: 1 << 20},
	{Host: "example.org", Path: "/captcha/", Part: "captcha", BodyLimit: 1 << 20},
}

// The whole stack on a throwaway database, as `make dev` runs it: it
// prints the demo accounts, which sign in through the router, and a part
// that dies is reported and back within a bounded time.
func TestLocalStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every service")
	}
	log := &lockedLog{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := Start(ctx, Options{Routes: testRoutes, Domain: "example.org", Listen: "localhost:0", Log: log})
	if errors.Is(err, dbserver.ErrNotFound) && os.Getenv("KIN_REQUIRE_DB") != "1" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatalf("start: %v\n%s", err, log.String())
	}
	defer func() {
		if err := st.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		if t.Failed() {
			t.Logf("log:\n%s", log.String())
		}
	}()

	// One line for each demo account, with its password.
	lines := regexp.MustCompile(`(?m)^dev: demo account (\S+) (\S+)$`).FindAllStringSubmatch(log.String(), -1)
	if len(lines) < 3 {
		t.Fatalf("%d demo account lines, want at least 3", len(lines))
	}
	if len(st.Demo) != len(lines) {
		t.Errorf("%d demo accounts, %d lines", len(st.Demo), len(lines))
	}
	for _, l := range lines {
		if code := login(t, st.URL, l[1], l[2]); code != http.StatusOK {
			t.Errorf("sign in as %s with the printed password: %d, want 200", l[1], code)
		}
	}
	if code := login(t, st.URL, lines[0][1], lines[0][2]+"x"); code != http.StatusUnauthorized {
		t.Errorf("sign in with a wrong password: %d, want 401", code)
	}
	checkCommunity(t, st.URL, lines[0][1], lines[0][2])

	// Kill the app as a crash would: the log says so at once and the route
	// answers again.
	app := st.proc("app")
	app.mu.Lock()
	pid := app.cmd.Process.Pid
	app.mu.Unlock()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the exit in the log", func() bool {
		return strings.Contains(log.String(), "dev: app exited: signal: killed")
	})
	waitFor(t, 30*time.Second, "the app back", func() bool {
		return login(t, st.URL, lines[1][1], lines[1][2]) == http.StatusOK
	})
	app.mu.Lock()
	if app.cmd.Process.Pid == pid {
		t.Error("the app's process is the killed one")
	}
	app.mu.Unlock()
}

// proc returns the running part named name.
func (s *Stack) proc(name string) *proc {
	for _, p := range s.procs {
		if p.name == name {
			return p
		}
	}
	panic("no part " + name)
}

func login(t *testing.T, base, email, pw string) int {
	t.Helper()
	body := fmt.Sprintf(`{"email": %q, "password": %q}`, email, pw)
	req, _ := http.NewRequest("POST", base+"/api/v1/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Logf("sign in: %v", err)
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// checkCommunity signs in as a demo account and finds the demo community
// around it: a home feed of several people's posts, friends, requests
// waiting, notifications, and people to search for.
func checkCommunity(t *testing.T, base, email, pw string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	do := func(method, path, body string, v any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", method, path, res.StatusCode)
		}
		if v != nil {
			if err := json.NewDecoder(res.Body).Decode(v); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
		}
	}
	do("POST", "/api/v1/login", fmt.Sprintf(`{"email": %q, "password": %q}`, email, pw), nil)
	type person struct {
		ID          int64  `json:"id"`
		DisplayName string `json:"display_name"`
	}
	var feed struct {
		Posts []struct{ Author person } `json:"posts"`
	}
	do("GET", "/api/v1/feed", "", &feed)
	authors := map[int64]bool{}
	for _, p := range feed.Posts {
		authors[p.Author.ID] = true
	}
	if len(feed.Posts) < 10 || len(authors) < 4 {
		t.Errorf("the demo home feed has %d posts by %d people, want at least 10 by 4", len(feed.Posts), len(authors))
	}
	var friends struct{ Friends []person }
	do("GET", "/api/v1/friends", "", &friends)
	var requests struct{ Incoming []person }
	do("GET", "/api/v1/friends/requests", "", &requests)
	var unread struct{ Unread int }
	do("GET", "/api/v1/notifications/unread", "", &unread)
	var found struct{ People []person }
	do("GET", "/api/v1/search/people?q=ann+smi", "", &found)
	if len(friends.Friends) < 8 || len(requests.Incoming) < 1 || unread.Unread < 1 {
		t.Errorf("the demo account has %d friends, %d requests waiting and %d unread notifications; want at least 8, 1 and 1",
			len(friends.Friends), len(requests.Incoming), unread.Unread)
	}
	if len(found.People) == 0 || found.People[0].DisplayName != "Ann Smith" {
		t.Errorf("searching for \"ann smi\" found %v, want Ann Smith first", found.People)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v", what, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
