package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kin-social/kin/svc/internal/browsertest"
)

// browserPage is a test's handle on one page in Chromium.
type browserPage struct {
	t   *testing.T
	ctx context.Context
}

func (p browserPage) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

func (p browserPage) str(expr string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		p.t.Fatalf("%s: %v", expr, err)
	}
	return s
}

func (p browserPage) num(expr string) int {
	p.t.Helper()
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](expr))
	if err != nil {
		p.t.Fatalf("%s: %v", expr, err)
	}
	return n
}

// open loads path and waits for its heading.
func (p browserPage) open(path string) {
	p.t.Helper()
	p.do("open "+path, chromedp.Navigate(path), chromedp.WaitVisible(chromedp.ID("page-title")))
}

// TestBrowserSocialPages renders each of the social pages against a stub
// of the API and checks what the client does alone: its heading, its
// stable ids, a label on every control, no console errors or CSP
// reports, and user text kept as text.
func TestBrowserSocialPages(t *testing.T) {
	bctx := browsertest.New(t)
	problems := browsertest.Console(bctx, false)
	stub := newSocialStub()
	base, _ := serveWith(t, stub.routes)
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	p := browserPage{t, ctx}
	top := fmt.Sprint(firstID + postsN) // Ann's newest post, with 25 comments

	const unlabelled = `[...document.querySelectorAll('main input, main select, main textarea, header input')]
		.filter((el) => !el.hidden && el.type !== 'hidden' && el.labels.length === 0 && !el.getAttribute('aria-label')).length`
	// Buttons and links must say what they do.
	const nameless = `[...document.querySelectorAll('main button, main a, header button, header a')]
		.filter((el) => !el.hidden && el.offsetParent !== null && !(el.textContent.trim() || el.getAttribute('aria-label'))).length`

	for _, tt := range []struct {
		path, title string
		ids         []string
	}{
		{"/", "Hello, Ann Smith", []string{"composer-text", "composer-visibility", "composer-submit", "feed", "feed-live", "feed-more", "feed-sentinel",
			"post-" + top, "post-" + top + "-like", "post-" + top + "-like-count", "post-" + top + "-comments-toggle", "post-" + top + "-edit", "post-" + top + "-delete",
			"nav-notifications", "notifications-badge", "nav-friends", "nav-home"}},
		{fmt.Sprintf("/u/%d", bobID), "Bob Jones", []string{"friend-remove", "friend-more", "profile-relation", "profile-path", "profile-mutual", "wall"}},
		{fmt.Sprintf("/u/%d", cleoID), "Cleo Park", []string{"friend-accept", "friend-decline", "friend-more"}},
		{fmt.Sprintf("/u/%d", danID), "Dan Roe", []string{"friend-add", "friend-more", "profile-path"}},
		{fmt.Sprintf("/u/%d", eveID), "Eve Adams", []string{"friend-cancel", "friend-more"}},
		{fmt.Sprintf("/u/%d", fayID), "Fay Wray", []string{"friend-unblock"}},
		{"/profile", "Ann Smith", []string{"profile-edit-link", "wall"}},
		{"/friends", "Friends", []string{"friends-search", "friends-search-list", "requests-incoming", "requests-outgoing", "friends-list", "suggestions",
			fmt.Sprint("accept-", cleoID), fmt.Sprint("decline-", cleoID), fmt.Sprint("cancel-", eveID), fmt.Sprint("add-", danID)}},
		{"/notifications", "Notifications", []string{"notifications-list", "notifications-read-all", "notification-1", "notification-1-read", "notification-1-link"}},
		{"/posts/" + top, "Post by Ann Smith", []string{"post-" + top, "post-" + top + "-comment-text", "post-" + top + "-comment-list"}},
		{"/posts/999999", "Post not found", []string{"post-missing"}},
	} {

		p.open(base + tt.path)
		if got := p.str(`document.getElementById('page-title').textContent`); got != tt.title {
			t.Errorf("%s: title %q, want %q", tt.path, got, tt.title)
		}
		for _, id := range tt.ids {
			if p.num(`document.getElementById('`+id+`') ? 1 : 0`) != 1 {
				t.Errorf("%s: no #%s", tt.path, id)
			}
		}
		if n := p.num(unlabelled); n != 0 {
			t.Errorf("%s: %d form controls without a label", tt.path, n)
		}
		if n := p.num(nameless); n != 0 {
			t.Errorf("%s: %d buttons or links without a name", tt.path, n)
		}
		if p.num(`window.pwned === 1 || document.querySelector('main script, main b') ? 1 : 0`) != 0 {
			t.Errorf("%s: user text became markup", tt.path)
		}
	}
	for _, m := range problems() {
		if strings.Contains(m, "status of 404") && strings.HasSuffix(m, "/api/v1/posts/999999") {
			continue
		}
		t.Errorf("browser reported: %s", m)
	}
}

// TestBrowserFeed checks the home feed's behaviour: links in posts,
// the remembered audience, posting, likes and comments in place, more
// posts as the reader scrolls or asks, editing and deleting one's own.
func TestBrowserFeed(t *testing.T) {
	bctx := browsertest.New(t)
	problems := browsertest.Console(bctx, false)
	stub := newSocialStub()
	base, _ := serveWith(t, stub.routes)
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	p := browserPage{t, ctx}
	top := fmt.Sprint(firstID + postsN)
	sel := func(s string) string { return `document.querySelector(` + jsString(s) + `)` }

	p.open(base + "/")
	p.do("first page", waitTrue(`document.querySelectorAll('#feed > li').length === 10`))

	// The address in a post's text is a link to it, and only it.
	link := `(() => { const a = ` + sel("#post-"+top+"-text a") + `;
		return [a.getAttribute('href'), a.textContent, a.rel, a.target, a.parentElement.childNodes.length].join(' | '); })()`
	if got, want := p.str(link), "https://example.org/page?a=1&b=2 | https://example.org/page?a=1&b=2 | noopener noreferrer nofollow ugc | _blank | 3"; got != want {
		t.Errorf("link in post: %q, want %q", got, want)
	}
	if got := p.str(sel("#post-"+fmt.Sprint(firstID+postsN-2)+"-edited") + `.textContent`); got != "edited" {
		t.Errorf("edited post says %q, want edited", got)
	}
	if got := p.str(sel("#post-"+fmt.Sprint(firstID+postsN-1)+"-text") + `.textContent`); got != "Bob Jones and Ann Smith are now friends" {
		t.Errorf("friendship item says %q", got)
	}

	// linkParts: only http(s) addresses, without the sentence's punctuation.
	parts, err := chromedp.Run(ctx, chromedp.Evaluate[string](`import(document.querySelector('link[rel=modulepreload][href*="/dom."]').href).then((m) =>
		JSON.stringify(m.linkParts('a https://x.test/b, (see http://y.test/c_(d)) javascript:alert(1) ftp://z.test e.')))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if want := `["a ",{"url":"https://x.test/b"},", (see ",{"url":"http://y.test/c_(d)"},") javascript:alert(1) ftp://z.test e."]`; parts != want {
		t.Errorf("linkParts: %s, want %s", parts, want)
	}

	// More posts: the button, and the sentinel scrolled into view.
	p.do("load more with the button",
		chromedp.Click(chromedp.ID("feed-more")),
		waitTrue(`document.querySelectorAll('#feed > li').length === 20`),
		waitTrue(`document.getElementById('feed-live').textContent === '10 more posts loaded.'`),
	)
	p.do("load more by scrolling",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('feed-sentinel').scrollIntoView()`),
		waitTrue(`document.querySelectorAll('#feed > li').length === 25`),
		waitTrue(`document.getElementById('feed-more').hidden && !document.getElementById('feed-end').hidden`),
	)

	// The composer remembers the audience chosen last.
	p.do("post for everyone",
		chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
		chromedp.SetValue(chromedp.ID("composer-visibility"), "public"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('composer-visibility').dispatchEvent(new Event('change'))`),
		chromedp.SendKeys(chromedp.ID("composer-text"), "Hello <img src=x onerror=window.pwned=1> https://kin.test/x."),
		chromedp.Click(chromedp.ID("composer-submit")),
		waitTrue(`document.querySelector('#feed > li:first-child article').id === 'post-1001'`),
	)
	if got := p.str(sel("#post-1001-text") + `.textContent + '|' + ` + sel("#post-1001-text a") + `.href`); got != "Hello <img src=x onerror=window.pwned=1> https://kin.test/x.|https://kin.test/x" {
		t.Errorf("new post shows %q", got)
	}
	if p.num(`window.pwned === 1 || document.querySelector('main img[src="x"]') ? 1 : 0`) != 0 {
		t.Error("markup in a post became an element")
	}
	p.open(base + "/")
	if got := p.str(`document.getElementById('composer-visibility').value`); got != "public" {
		t.Errorf("after reload the composer's audience is %q, want the one chosen last (public)", got)
	}

	// Like and unlike in place.
	like := "post-" + top + "-like"
	before := p.str(sel("#post-"+top+"-like-count") + `.textContent`)
	p.do("like", chromedp.Click(chromedp.ID(like)), waitTrue(sel("#"+like)+`.getAttribute('aria-pressed') === 'true'`))
	if got := p.str(sel("#post-"+top+"-like-count") + `.textContent`); got == before {
		t.Errorf("like count still %q after liking", got)
	}
	p.do("unlike", chromedp.Click(chromedp.ID(like)), waitTrue(sel("#"+like)+`.getAttribute('aria-pressed') === 'false'`))
	if got := p.str(sel("#post-"+top+"-like-count") + `.textContent`); got != before {
		t.Errorf("like count %q after unliking, want %q", got, before)
	}

	// Comments: oldest first, a page at a time, a new one at the end.
	list := sel("#post-" + top + "-comment-list")
	p.do("open comments",
		chromedp.Click(chromedp.ID("post-"+top+"-comments-toggle")),
		waitTrue(list+`.children.length === 10`),
	)
	if got := p.str(list + `.firstElementChild.querySelector('.comment-text').textContent`); got != "Comment 1" {
		t.Errorf("first comment %q, want the oldest, Comment 1", got)
	}
	if got := p.str(`document.activeElement.id`); got != "post-"+top+"-comment-text" {
		t.Errorf("after opening the comments focus is on #%s, want the comment field", got)
	}
	p.do("comment",
		chromedp.SendKeys(chromedp.ID("post-"+top+"-comment-text"), "My <b>comment</b>"),
		chromedp.Click(chromedp.ID("post-"+top+"-comment-submit")),
		waitTrue(list+`.children.length === 11`),
		waitTrue(sel("#post-"+top+"-comment-count")+`.textContent === '26 comments'`),
	)
	p.do("more comments",
		chromedp.Click(chromedp.ID("post-"+top+"-comments-more")),
		waitTrue(list+`.children.length === 21`),
		chromedp.Click(chromedp.ID("post-"+top+"-comments-more")),
		waitTrue(list+`.children.length === 26`),
	)
	order := p.str(`[...` + list + `.querySelectorAll('.comment-text')].map((e) => e.textContent).join(',')`)
	want := make([]string, 0, 26)
	for i := range 25 {
		want = append(want, fmt.Sprint("Comment ", i+1))
	}
	want = append(want, "My <b>comment</b>")
	if order != strings.Join(want, ",") {
		t.Errorf("comments in order %q, want oldest first and the new one last", order)
	}

	// Edit in place; delete after confirming.
	p.do("edit",
		chromedp.Click(chromedp.ID("post-1001-edit")),
		chromedp.WaitVisible(chromedp.ID("post-1001-edit-text")),
		chromedp.SetValue(chromedp.ID("post-1001-edit-text"), "Changed"),
		chromedp.Click(chromedp.ID("post-1001-edit-save")),
		waitTrue(`(document.getElementById('post-1001-edited') || {}).textContent === 'edited'`),
	)
	if got := p.str(sel("#post-1001-text") + `.textContent + '|' + document.activeElement.id`); got != "Changed|post-1001-edit" {
		t.Errorf("after editing: text and focus %q, want Changed|post-1001-edit", got)
	}
	p.do("delete",
		chromedp.Click(chromedp.ID("post-1001-delete")),
		chromedp.WaitVisible(chromedp.ID("post-1001-delete-confirm")),
		chromedp.Click(chromedp.ID("post-1001-delete-confirm")),
		waitTrue(`!document.getElementById('post-1001')`),
	)
	if stub.post(1001) != nil {
		t.Error("the post is still on the server after deleting")
	}

	// A friend posts while Ann reads further down: the feed offers the new
	// post at the top, announces it, and moves neither the page nor focus.
	// (The client looks every minute while the tab is visible, and at once
	// when it becomes visible again, which the test uses.)
	stub.mu.Lock()
	stub.posts = append([]*stubPost{{ID: 2000, Kind: "post", Author: stub.people[bobID], Text: "Fresh bread",
		Visibility: "friends", CreatedAt: time.Now().UTC().Format(time.RFC3339)}}, stub.posts...)
	stub.mu.Unlock()
	p.do("read further down",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#feed > li:nth-child(8) .action').focus(); window.scrollTo(0, 1500)`),
	)
	before = p.str(`String(window.scrollY) + '|' + document.activeElement.id`)
	p.do("the tab is shown again",
		chromedp.Evaluate[chromedp.Void](`Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
			document.dispatchEvent(new Event('visibilitychange'));
			Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
			document.dispatchEvent(new Event('visibilitychange'))`),
		waitTrue(`!document.getElementById('feed-new').hidden`),
		waitTrue(`document.getElementById('feed-live').textContent === '1 new post at the top of the feed.'`),
	)
	if got := p.str(`String(window.scrollY) + '|' + document.activeElement.id`); got != before {
		t.Errorf("new posts moved the reader: scroll and focus %q, were %q", got, before)
	}
	if p.num(`document.getElementById('post-2000') ? 1 : 0`) != 0 {
		t.Error("the new post was inserted before the reader asked")
	}
	p.do("show it",
		chromedp.Click(chromedp.ID("feed-new")),
		waitTrue(`document.querySelector('#feed > li:first-child article').id === 'post-2000'`),
		waitTrue(`document.activeElement.id === 'post-2000'`),
		waitTrue(`document.getElementById('feed-new').hidden`),
	)
	for _, m := range problems() {
		t.Errorf("browser reported: %s", m)
	}
}

// TestBrowserFriends checks the friend button's transitions on a
// person's page and the friends page's search: debounced, each keystroke
// aborting the search before it, a combobox chosen with the keyboard.
func TestBrowserFriends(t *testing.T) {
	bctx := browsertest.New(t)
	problems := browsertest.Console(bctx, false)
	stub := newSocialStub()
	base, _ := serveWith(t, stub.routes)
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	p := browserPage{t, ctx}
	relation := `document.getElementById('friend-controls').dataset.relation`

	p.open(base + fmt.Sprintf("/u/%d", danID))
	p.do("add", chromedp.Click(chromedp.ID("friend-add")), waitTrue(relation+` === 'requested'`))
	if got := p.str(`document.activeElement.id`); got != "friend-cancel" {
		t.Errorf("after sending a request focus is on #%s, want #friend-cancel", got)
	}
	p.do("cancel", chromedp.Click(chromedp.ID("friend-cancel")), waitTrue(relation+` === 'none'`))
	p.do("block",
		chromedp.Click(chromedp.ID("friend-more")),
		chromedp.WaitVisible(chromedp.ID("friend-block")),
		chromedp.Click(chromedp.ID("friend-block")),
		waitTrue(`!!document.getElementById('friend-unblock')`),
	)
	if p.num(`document.getElementById('wall') ? 1 : 0`) != 0 {
		t.Error("a blocked person's wall still shows")
	}
	p.do("unblock", chromedp.Click(chromedp.ID("friend-unblock")), waitTrue(`!!document.getElementById('friend-add')`))

	p.open(base + fmt.Sprintf("/u/%d", cleoID))
	p.do("accept", chromedp.Click(chromedp.ID("friend-accept")), waitTrue(relation+` === 'friends'`))
	p.do("remove",
		chromedp.Click(chromedp.ID("friend-remove")),
		chromedp.WaitVisible(chromedp.ID("friend-remove-confirm-yes")),
		chromedp.Click(chromedp.ID("friend-remove-confirm-yes")),
		waitTrue(relation+` === 'none'`),
	)
	path := p.str(`[...document.querySelectorAll('#profile-path li')].map((li) => li.textContent + (li.querySelector('a') ? '@' + li.querySelector('a').getAttribute('href') : '')).join(' > ')`)
	if want := fmt.Sprintf("You > Bob Jones@/u/%d > Cleo Park@/u/%d", bobID, cleoID); path != want {
		t.Errorf("how you are connected: %q, want %q", path, want)
	}

	// Search: the answer to "e" (three people) comes late, after "ev"
	// was typed; the client must have abandoned it and show what "ev"
	// finds.
	stub.mu.Lock()
	stub.slowQuery, stub.delay = "e", 1500*time.Millisecond
	stub.mu.Unlock()
	p.open(base + "/friends")
	p.do("type e", chromedp.SendKeys(chromedp.ID("friends-search"), "e"))
	for deadline := time.Now().Add(5 * time.Second); len(stub.searched()) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no search sent for e")
		}
	}
	p.do("then ev",
		chromedp.SendKeys(chromedp.ID("friends-search"), "v"),
		waitTrue(`!document.getElementById('friends-search-list').hidden`),
		chromedp.Sleep(1800*time.Millisecond), // past the slow answer to "e"
	)
	if got := stub.searched(); !slices.Equal(got, []string{"e", "ev"}) {
		t.Errorf("searches sent %q, want e then ev", got)
	}
	if got := p.str(`[...document.querySelectorAll('#friends-search-list [role=option] .option-name')].map((e) => e.textContent).join(',')`); got != "Eve Adams" {
		t.Errorf("listbox shows %q, want what ev finds", got)
	}
	if got := p.str(`document.getElementById('friends-search').getAttribute('aria-expanded')`); got != "true" {
		t.Errorf("aria-expanded %q with the list open", got)
	}
	p.do("choose with the keyboard",
		chromedp.SendKeys(chromedp.ID("friends-search"), kb.ArrowDown),
		waitTrue(`document.getElementById('friends-search').getAttribute('aria-activedescendant') === 'friends-search-option-0'`),
		chromedp.SendKeys(chromedp.ID("friends-search"), kb.Enter),
		waitTrue(`location.pathname === '/u/5'`),
		chromedp.WaitVisible(chromedp.ID("friend-cancel")),
	)

	// Requests on the friends page.
	p.open(base + "/friends")
	p.do("cancel from the list",
		chromedp.Click(chromedp.ID(fmt.Sprint("cancel-", eveID))),
		waitTrue(`!document.getElementById('cancel-5')`),
		waitTrue(`!document.getElementById('requests-outgoing-empty').hidden`),
	)
	p.do("add a suggestion",
		chromedp.Click(chromedp.ID(fmt.Sprint("add-", danID))),
		waitTrue(`!!document.querySelector('#requests-outgoing #person-4')`),
	)
	for _, m := range problems() {
		t.Errorf("browser reported: %s", m)
	}
}

// TestBrowserNotifications checks the header's menu and badge, polling
// on visibility, the grouped text and marking read.
func TestBrowserNotifications(t *testing.T) {
	bctx := browsertest.New(t)
	problems := browsertest.Console(bctx, false)
	stub := newSocialStub()
	base, _ := serveWith(t, stub.routes)
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	p := browserPage{t, ctx}

	p.open(base + "/")
	p.do("badge", waitTrue(`!document.getElementById('notifications-badge').hidden`))
	if got := p.str(`document.getElementById('nav-notifications').textContent.replace(/\s+/g, ' ').trim()`); got != "Notifications 3 unread" {
		t.Errorf("the button reads %q, want %q", got, "Notifications 3 unread")
	}
	// Hidden, the tab does not poll; shown again, it asks at once.
	setVisibility := func(state string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`Object.defineProperty(document, 'visibilityState', { value: '` + state + `', configurable: true });
			document.dispatchEvent(new Event('visibilitychange'))`)
	}
	stub.mu.Lock()
	n := stub.unreadGet
	stub.mu.Unlock()
	p.do("hide and show", setVisibility("hidden"), chromedp.Sleep(200*time.Millisecond))
	stub.mu.Lock()
	if stub.unreadGet != n {
		t.Errorf("hiding the tab asked for the count")
	}
	stub.mu.Unlock()
	p.do("show", setVisibility("visible"), waitTrue(`true`), chromedp.Sleep(300*time.Millisecond))
	stub.mu.Lock()
	if stub.unreadGet != n+1 {
		t.Errorf("showing the tab asked %d times for the count, want once", stub.unreadGet-n)
	}
	stub.mu.Unlock()

	p.do("open the menu",
		chromedp.Click(chromedp.ID("nav-notifications")),
		chromedp.WaitVisible(chromedp.ID("notifications-menu-1")),
	)
	if got := p.str(`document.getElementById('notifications-menu-1').textContent`); got != "Bob Jones and 3 others liked your post" {
		t.Errorf("grouped notification %q", got)
	}
	if got := p.str(`document.getElementById('notifications-menu-1').getAttribute('href')`); got != fmt.Sprintf("/posts/%d", firstID+postsN) {
		t.Errorf("the notification links to %q, want the post", got)
	}
	p.do("escape closes", chromedp.KeyEvent(kb.Escape), waitTrue(`document.getElementById('notifications-menu').hidden`))
	if got := p.str(`document.activeElement.id`); got != "nav-notifications" {
		t.Errorf("after Escape focus is on #%s, want the menu's button", got)
	}

	p.open(base + "/notifications")
	p.do("mark one read",
		chromedp.Click(chromedp.ID("notification-2-read")),
		waitTrue(`!document.getElementById('notification-2').classList.contains('note-unread')`),
		waitTrue(`document.getElementById('notifications-count').textContent === '2'`),
	)
	p.do("mark all read",
		chromedp.Click(chromedp.ID("notifications-read-all")),
		waitTrue(`document.querySelectorAll('.note-unread').length === 0`),
		waitTrue(`document.getElementById('notifications-badge').hidden`),
	)
	if got := p.str(`document.getElementById('notification-3-link').textContent + '|' + document.getElementById('notification-4-link').textContent`); got != "Cleo Park sent you a friend request|Bob Jones accepted your friend request" {
		t.Errorf("friend notifications read %q", got)
	}
	for _, m := range problems() {
		t.Errorf("browser reported: %s", m)
	}
}

// TestBrowserSocialScreenshots saves every social page, 1280 and 375
// pixels wide, light and dark, into the directory KIN_SCREENSHOTS names,
// and checks at each width that nothing is wider than the window.
func TestBrowserSocialScreenshots(t *testing.T) {
	dir := os.Getenv("KIN_SCREENSHOTS")
	if dir == "" {
		t.Skip("KIN_SCREENSHOTS names no directory")
	}
	base, _ := serveWith(t, newSocialStub().routes)
	top := fmt.Sprint(firstID + postsN)
	height := map[int64]int64{1280: 900, 375: 812}
	for _, scheme := range []string{"light", "dark"} {
		bctx := browsertest.New(t)
		if scheme == "dark" {
			bctx = darkBrowser(t)
		}
		ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
		p := browserPage{t, ctx}
		for _, width := range []int64{1280, 375} {
			for _, pg := range []struct {
				name, path string
				then       []chromedp.Action[chromedp.Void]
			}{
				{"home-top", "/", nil},
				{"friends-lists", "/friends", nil},
				{"profile-own", "/profile", nil},
				{"home", "/", []chromedp.Action[chromedp.Void]{
					chromedp.Click(chromedp.ID("post-" + top + "-comments-toggle")),
					waitTrue(`document.getElementById('post-` + top + `-comment-list').children.length > 0`),
				}},
				{"menu", "/", []chromedp.Action[chromedp.Void]{
					chromedp.Click(chromedp.ID("nav-notifications")),
					chromedp.WaitVisible(chromedp.ID("notifications-menu-1")),
				}},
				{"person-friend", fmt.Sprintf("/u/%d", bobID), []chromedp.Action[chromedp.Void]{
					chromedp.Click(chromedp.ID("friend-more")),
				}},
				{"person-incoming", fmt.Sprintf("/u/%d", cleoID), nil},
				{"person-blocked", fmt.Sprintf("/u/%d", fayID), nil},
				{"friends", "/friends", []chromedp.Action[chromedp.Void]{
					chromedp.SendKeys(chromedp.ID("friends-search"), "e"),
					waitTrue(`!document.getElementById('friends-search-list').hidden`),
					chromedp.SendKeys(chromedp.ID("friends-search"), kb.ArrowDown),
				}},
				{"notifications", "/notifications", nil},
				{"post", "/posts/" + top, nil},
				{"post-missing", "/posts/999999", nil},
			} {
				p.do(pg.name, chromedp.EmulateViewport(width, height[width]), chromedp.Navigate(base+pg.path), chromedp.WaitVisible(chromedp.ID("page-title")))
				p.do(pg.name, pg.then...)
				p.do(pg.name, chromedp.Sleep(150*time.Millisecond))
				if w := p.num(`document.documentElement.scrollWidth`); int64(w) > width {
					t.Errorf("%s at %d px (%s): the page is %d px wide", pg.name, width, scheme, w)
				}
				// What the window shows: a whole feed would be too tall to look at.
				b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatalf("screenshot %s: %v", pg.name, err)
				}
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("social-%s-%d-%s.png", pg.name, width, scheme)), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		cancel()
	}
}
