// The client's entry point: it learns who is signed in, keeps the header
// in step, and routes page paths to views with the History API. The
// server answers every path listed in routes below with the same page
// (web.Pages in web.go must list the same paths).

import { getJSON, postJSON, postDomainOnce, APIError, isAbort } from './common.js';
import { startNotifications } from './notifymenu.js';

// The route table: a path's pattern, the module of its view (loaded the
// first time the page is shown) and the view's function. Each view's
// render(ctx) returns {title, node}, or null after it has redirected
// elsewhere; ctx.signal fires when the visitor leaves the page, which
// ends its requests, timers and observers.
const routes = [
  [/^\/$/, () => import('./views/home.js'), 'render'],
  [/^\/signup$/, () => import('./views/signup.js'), 'render'],
  [/^\/signin$/, () => import('./views/signin.js'), 'render'],
  [/^\/profile$/, () => import('./views/profile.js'), 'renderOwn'],
  [/^\/profile\/edit$/, () => import('./views/edit.js'), 'render'],
  [/^\/u\/([1-9][0-9]{0,18})$/, () => import('./views/profile.js'), 'renderUser'],
  [/^\/friends$/, () => import('./views/friends.js'), 'render'],
  [/^\/notifications$/, () => import('./views/notifications.js'), 'render'],
  [/^\/posts\/([1-9][0-9]{0,18})$/, () => import('./views/post.js'), 'render'],
];
const notFoundView = () => import('./views/notfound.js');

function errorNode() {
  const p = document.createElement('p');
  p.className = 'notice';
  p.textContent = 'This page could not be loaded. Check your connection and reload the page.';
  return p;
}

function route(pathname) {
  for (const [re, load, name] of routes) {
    const m = re.exec(pathname);
    if (m) return { load, name, params: m.slice(1) };
  }
  return null;
}

const main = document.getElementById('main');
const toast = document.getElementById('toast');
let user = null;
let generation = 0; // bumped per navigation, so a slow view cannot overwrite a newer one
let leave = new AbortController(); // aborted when the visitor leaves the page shown
let toastTimer = 0;
let notifications = null; // the header's notifications menu while signed in

/** setUser records who is signed in (null: nobody) and updates the header. */
function setUser(u) {
  const changed = (user && user.id) !== (u && u.id);
  user = u;
  document.getElementById('nav-signed-out').hidden = !!u;
  document.getElementById('nav-signed-in').hidden = !u;
  document.getElementById('header-user-name').textContent = u ? u.display_name : '';
  if (changed) {
    if (notifications) notifications.stop();
    notifications = u ? startNotifications({ notify }) : null;
  }
}

/** markCurrent marks the header link to the page shown, for assistive
 * technology (aria-current) and for the eye (the style sheet). */
function markCurrent() {
  for (const a of document.querySelectorAll('.site-header a[href]')) {
    if (a.pathname === location.pathname) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

/** notify shows a short message in the live status region. */
function notify(message) {
  clearTimeout(toastTimer);
  toast.textContent = message;
  toast.classList.add('toast-shown');
  toastTimer = setTimeout(() => {
    toast.classList.remove('toast-shown');
    toast.textContent = '';
  }, 6000);
}

/** navigate shows the page at path (which may carry a query), adding a
 * history entry unless replace is set. */
function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  return show({ focus: true });
}

async function show({ focus }) {
  const gen = ++generation;
  leave.abort();
  leave = new AbortController();
  const found = route(location.pathname);
  const ctx = {
    user,
    params: found ? found.params : [],
    query: new URLSearchParams(location.search),
    signal: leave.signal,
    setUser,
    navigate,
    notify,
    // refreshUnread asks the header for the unread count now (after
    // marking notifications read).
    refreshUnread: () => notifications && notifications.refresh(),
    // stale reports whether the visitor has moved on since this view began.
    stale: () => gen !== generation,
  };
  let view;
  try {
    const mod = await (found ? found.load() : notFoundView());
    if (gen !== generation) return;
    view = await mod[found ? found.name : 'render'](ctx);
  } catch (err) {
    if (isAbort(err) || gen !== generation) return; // the visitor has moved on
    if (err instanceof APIError && err.status === 401) {
      // The session ended elsewhere (signed out in another tab, password
      // changed on another device): ask to sign in again.
      setUser(null);
      if (gen === generation) {
        notify('Your session has ended. Please sign in again.');
        navigate('/signin?next=' + encodeURIComponent(location.pathname), { replace: true });
      }
      return;
    }
    try {
      view = (await notFoundView()).renderError(err);
    } catch {
      // The module itself could not load (a new release replaced it, or
      // the network is gone): a full load of the page is the way back.
      main.replaceChildren(errorNode());
      return;
    }
  }
  if (!view || gen !== generation) return;
  markCurrent();
  document.title = view.title ? `${view.title} · Kin` : 'Kin';
  main.replaceChildren(view.node);
  if (focus) {
    // Move focus to the new page's heading so keyboard and screen reader
    // users start reading there, as after a full page load.
    const heading = main.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }
}

// Follow links to the client's own pages without reloading; everything
// else (other origins, new tabs, downloads, unknown paths) is left to the
// browser.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target instanceof Element ? e.target.closest('a[href]') : null;
  if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  if (!route(a.pathname)) return;
  e.preventDefault();
  if (a.pathname + a.search === location.pathname + location.search) {
    show({ focus: true }); // a link to this page reloads its view
    return;
  }
  navigate(a.pathname + a.search);
});

window.addEventListener('popstate', () => show({ focus: true }));

document.getElementById('signout').addEventListener('click', async (e) => {
  const button = e.currentTarget;
  button.disabled = true;
  // The page's own requests end first: answered after the session, they
  // would only be refused.
  leave.abort();
  if (notifications) notifications.stop();
  notifications = null;
  try {
    await postJSON('/api/v1/logout');
    setUser(null);
    notify('You have signed out.');
    navigate('/');
  } catch (err) {
    notify(err instanceof APIError ? err.message : 'Signing out failed. Try again.');
    // Still signed in: bring back what was stopped.
    if (user && !notifications) notifications = startNotifications({ notify });
    show({ focus: false });
  } finally {
    button.disabled = false;
  }
});

async function start() {
  // The session call also gives this browser its anonymous sessid cookie,
  // which the captcha needs before sign-up.
  try {
    const s = await getJSON('/api/v1/session');
    setUser(s && s.user ? s.user : null);
  } catch (err) {
    setUser(null);
    notify(err instanceof APIError ? err.message : 'Kin could not be reached. Reload the page to try again.');
  }
  postDomainOnce();
  await show({ focus: false });
}

start();
