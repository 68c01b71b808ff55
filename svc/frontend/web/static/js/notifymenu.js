// The header's notifications menu: the unread count as a badge on a
// button, polled every 30 seconds while the tab is visible and not at all
// while it is hidden, and a panel with the latest notifications.

import { h, formatTime } from './dom.js';
import { getJSON, postJSON, errorText, isAbort, APIError } from './common.js';
import { noteLink } from './notes.js';

/** PollInterval is how often the unread count is asked for, in ms. */
export const PollInterval = 30000;

const menuSize = 8;

/** startNotifications shows the menu for the signed-in person and starts
 * polling; the returned stop() hides it and ends every timer, listener
 * and request, refresh() asks for the count now. */
export function startNotifications({ notify }) {
  const item = document.getElementById('nav-notifications-item');
  const button = document.getElementById('nav-notifications');
  const badge = document.getElementById('notifications-badge');
  const count = document.getElementById('notifications-count');
  const panel = document.getElementById('notifications-menu');
  const list = document.getElementById('notifications-menu-list');
  const readAll = document.getElementById('notifications-menu-read-all');
  const stopped = new AbortController();
  const on = { signal: stopped.signal };
  let timer = 0;
  let inflight = null;

  item.hidden = false;

  function show(n) {
    badge.hidden = n === 0;
    count.textContent = n > 99 ? '99+' : String(n);
    button.dataset.unread = String(n);
    readAll.disabled = n === 0;
  }

  async function refresh() {
    if (inflight) inflight.abort();
    inflight = new AbortController();
    const signal = AbortSignal.any([inflight.signal, stopped.signal]);
    try {
      const { unread } = await getJSON('/api/v1/notifications/unread', { signal });
      show(unread);
    } catch (err) {
      if (isAbort(err)) return;
      if (err instanceof APIError && err.status === 401) stop();
      // Otherwise keep the last count; the next poll tries again.
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = 0;
    if (stopped.signal.aborted || document.visibilityState !== 'visible') return;
    timer = setTimeout(async () => {
      await refresh();
      schedule();
    }, PollInterval);
  }

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      refresh();
      schedule();
    } else {
      clearTimeout(timer);
      timer = 0;
      if (inflight) inflight.abort();
    }
  }, on);

  function close({ focus = false } = {}) {
    if (panel.hidden) return;
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (focus) button.focus();
  }

  async function open() {
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    list.replaceChildren(h('li', { class: 'muted note-empty', text: 'Loading…' }));
    try {
      const res = await getJSON('/api/v1/notifications', { signal: stopped.signal });
      show(res.unread);
      const items = res.notifications.slice(0, menuSize);
      list.replaceChildren(...(items.length
        ? items.map((n) => h('li', { class: 'note' + (n.read ? '' : ' note-unread') },
          noteLink(n, { id: `notifications-menu-${n.id}`, 'data-note-id': String(n.id) }),
          h('time', { class: 'muted note-time', datetime: n.updated_at, text: formatTime(n.updated_at) }),
          n.read ? null : h('span', { class: 'visually-hidden', text: ' (unread)' })))
        : [h('li', { class: 'muted note-empty', text: 'Nothing new. Likes, comments and friend requests show here.' })]));
    } catch (err) {
      if (isAbort(err)) return;
      list.replaceChildren(h('li', { class: 'field-error', text: errorText(err) }));
    }
  }

  button.addEventListener('click', () => (panel.hidden ? open() : close()), on);
  // A notification followed from the menu is read.
  list.addEventListener('click', (e) => {
    const a = e.target instanceof Element ? e.target.closest('a[data-note-id]') : null;
    if (!a) return;
    const id = Number(a.dataset.noteId);
    close();
    postJSON('/api/v1/notifications/read', { ids: [id] }).then(refresh, () => {});
  }, on);
  readAll.addEventListener('click', async () => {
    readAll.disabled = true;
    try {
      await postJSON('/api/v1/notifications/read', { all: true });
      show(0);
      for (const li of list.querySelectorAll('.note-unread')) li.classList.remove('note-unread');
      notify('All notifications are marked read.');
    } catch (err) {
      readAll.disabled = false;
      notify(errorText(err));
    }
  }, on);
  document.getElementById('notifications-menu-all').addEventListener('click', () => close(), on);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.hidden) close({ focus: panel.contains(document.activeElement) || document.activeElement === button });
  }, on);
  document.addEventListener('click', (e) => {
    if (!panel.hidden && e.target instanceof Node && !item.contains(e.target)) close();
  }, on);
  window.addEventListener('popstate', () => close(), on);

  function stop() {
    stopped.abort();
    clearTimeout(timer);
    close();
    item.hidden = true;
    show(0);
  }

  refresh();
  schedule();
  return { stop, refresh, close };
}
