// The notifications page: every notification, newest activity first,
// each marked read when followed or with its own button, or all at once.

import { h, formatTime, formatFullTime } from '../dom.js';
import { getJSON, postJSON, withCursor, errorText, isAbort } from '../common.js';
import { noteLink, describe } from '../notes.js';

export async function render(ctx) {
  if (!ctx.user) {
    ctx.navigate('/signin?next=/notifications', { replace: true });
    return null;
  }
  const first = await getJSON('/api/v1/notifications', { signal: ctx.signal });
  if (ctx.stale()) return null;

  const list = h('ol', { id: 'notifications-list', class: 'notes-page' });
  const empty = h('p', { id: 'notifications-empty', class: 'muted', hidden: true, text: 'No notifications yet. When people like or comment on your posts, or ask to be your friend, it shows here.' });
  const unreadNote = h('p', { id: 'notifications-unread', class: 'muted', role: 'status' });
  const readAll = h('button', { id: 'notifications-read-all', class: 'button button-secondary', type: 'button', text: 'Mark all read' });
  const more = h('button', { id: 'notifications-more', class: 'button button-secondary', type: 'button', text: 'Show older notifications' });
  let next = first.next || null;
  let unread = first.unread;

  const setUnread = (n) => {
    unread = Math.max(0, n);
    unreadNote.textContent = unread ? `${unread} unread` : 'All read';
    readAll.disabled = unread === 0;
  };

  async function markRead(n, li, button) {
    try {
      await postJSON('/api/v1/notifications/read', { ids: [n.id] });
      if (!n.read) setUnread(unread - 1);
      n.read = true;
      li.classList.remove('note-unread');
      li.querySelector('.note-state').textContent = '';
      if (button) {
        const next = li.nextElementSibling?.querySelector('button, a') || document.getElementById('page-title');
        button.remove();
        next.focus();
      }
      ctx.refreshUnread();
    } catch (err) {
      if (!isAbort(err)) ctx.notify(errorText(err));
    }
  }

  const item = (n) => {
    const li = h('li', { id: `notification-${n.id}`, class: 'card note-item' + (n.read ? '' : ' note-unread') });
    const link = noteLink(n, { id: `notification-${n.id}-link` });
    link.addEventListener('click', () => { if (!n.read) markRead(n, li, null); });
    const mark = n.read ? null : h('button', {
      id: `notification-${n.id}-read`, class: 'link-button', type: 'button', text: 'Mark read',
      'aria-label': `Mark read: ${describe(n).text}`,
    });
    if (mark) mark.addEventListener('click', () => markRead(n, li, mark));
    li.append(
      h('span', { class: 'note-dot', 'aria-hidden': 'true' }),
      h('div', { class: 'note-main' },
        link,
        h('p', { class: 'note-meta muted' },
          h('time', { datetime: n.updated_at, title: formatFullTime(n.updated_at), text: formatTime(n.updated_at) }),
          h('span', { class: 'note-state visually-hidden', text: n.read ? '' : ' · unread' }))),
    );
    if (mark) li.append(mark);
    return li;
  };

  list.append(...first.notifications.map(item));
  empty.hidden = first.notifications.length > 0;
  more.hidden = !next;
  setUnread(unread);

  readAll.addEventListener('click', async () => {
    readAll.disabled = true;
    try {
      await postJSON('/api/v1/notifications/read', { all: true });
      for (const li of list.querySelectorAll('.note-unread')) {
        li.classList.remove('note-unread');
        li.querySelector('.note-state').textContent = '';
        li.querySelector('.link-button')?.remove();
      }
      setUnread(0);
      ctx.refreshUnread();
      ctx.notify('All notifications are marked read.');
    } catch (err) {
      readAll.disabled = false;
      ctx.notify(errorText(err));
    }
  });
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const res = await getJSON(withCursor('/api/v1/notifications', next), { signal: ctx.signal });
      const items = res.notifications.map(item);
      list.append(...items);
      next = res.next || null;
      more.hidden = !next;
      if (items[0]) items[0].querySelector('a').focus();
    } catch (err) {
      if (!isAbort(err)) ctx.notify(errorText(err));
    } finally {
      more.disabled = false;
    }
  });

  const node = h('section', { class: 'notifications narrow-wide', 'aria-labelledby': 'page-title' },
    h('div', { class: 'page-head' },
      h('h1', { id: 'page-title', text: 'Notifications' }),
      readAll),
    unreadNote, empty, list,
    h('p', { class: 'more' }, more),
  );
  return { title: 'Notifications', node };
}
