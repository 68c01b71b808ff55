// The friends page: search for people, requests received and sent, one's
// friends, and suggestions (friends of friends).

import { h, plural } from '../dom.js';
import { getJSON, withCursor, errorText, isAbort } from '../common.js';
import { personRow, friendActions } from '../people.js';

export async function render(ctx) {
  if (!ctx.user) {
    ctx.navigate('/signin?next=/friends', { replace: true });
    return null;
  }
  const [reqs, friends, suggestions] = await Promise.all([
    getJSON('/api/v1/friends/requests', { signal: ctx.signal }),
    getJSON('/api/v1/friends', { signal: ctx.signal }),
    getJSON('/api/v1/friends/suggestions', { signal: ctx.signal }),
  ]);
  if (ctx.stale()) return null;

  const friendList = h('ul', { id: 'friends-list', class: 'people' });
  const friendsCount = h('span', { id: 'friends-count', class: 'muted count-note' });
  const incoming = h('ul', { id: 'requests-incoming', class: 'people' });
  const outgoing = h('ul', { id: 'requests-outgoing', class: 'people' });
  const suggested = h('ul', { id: 'suggestions', class: 'people' });

  // act runs a friend action from a row's button, then moves the person
  // to where they now belong and focus to something sensible.
  const act = (p, action, button) => async () => {
    const row = button.closest('li');
    button.disabled = true;
    try {
      const rel = await friendActions[action](p.id);
      const focusNext = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      if (rel === 'friends') friendList.prepend(friendRow(p));
      if (rel === 'requested') outgoing.prepend(outgoingRow(p));
      ctx.notify({
        accept: `You and ${p.display_name} are friends.`,
        decline: `You declined ${p.display_name}’s request.`,
        cancel: `Request to ${p.display_name} cancelled.`,
        add: rel === 'friends' ? `You and ${p.display_name} are friends.` : `Friend request sent to ${p.display_name}.`,
        remove: `You and ${p.display_name} are no longer friends.`,
      }[action]);
      refreshEmpty();
      const target = focusNext && focusNext.querySelector('button, a');
      (target || document.getElementById('page-title')).focus();
    } catch (err) {
      button.disabled = false;
      ctx.notify(errorText(err));
    }
  };
  const btn = (p, action, text, cls = 'button button-small') => {
    const b = h('button', { id: `${action}-${p.id}`, class: cls, type: 'button', text, 'aria-describedby': `person-${p.id}-name` });
    b.addEventListener('click', act(p, action, b));
    return b;
  };
  const named = (row, p) => {
    row.querySelector('.person-link').id = `person-${p.id}-name`;
    return row;
  };
  const incomingRow = (p) => named(personRow(p, btn(p, 'accept', 'Accept'), btn(p, 'decline', 'Decline', 'button button-small button-secondary')), p);
  const outgoingRow = (p) => named(personRow(p, btn(p, 'cancel', 'Cancel request', 'button button-small button-secondary')), p);
  const friendRow = (p) => named(personRow(p), p);
  const suggestionRow = (p) => named(personRow(p, btn(p, 'add', 'Add friend')), p);

  incoming.append(...reqs.incoming.map(incomingRow));
  outgoing.append(...reqs.outgoing.map(outgoingRow));
  friendList.append(...friends.friends.map(friendRow));
  suggested.append(...suggestions.suggestions.map(suggestionRow));

  const emptyNote = (id, list, text) => {
    const p = h('p', { id, class: 'muted empty-note', text });
    return { p, list };
  };
  const empties = [
    emptyNote('requests-incoming-empty', incoming, 'No requests for you right now.'),
    emptyNote('requests-outgoing-empty', outgoing, 'You have no requests waiting for an answer.'),
    emptyNote('friends-list-empty', friendList, 'No friends yet. Search for people you know, or try the suggestions.'),
    emptyNote('suggestions-empty', suggested, 'No suggestions yet: they come from your friends’ friends.'),
  ];
  function refreshEmpty() {
    for (const e of empties) e.p.hidden = e.list.children.length > 0;
    friendsCount.textContent = friendList.children.length ? `(${friendList.children.length}${friendsNext ? '+' : ''})` : '';
  }

  let friendsNext = friends.next || null;
  const friendsMore = h('button', { id: 'friends-more', class: 'button button-secondary', type: 'button', hidden: !friendsNext, text: 'Show more friends' });
  friendsMore.addEventListener('click', async () => {
    friendsMore.disabled = true;
    try {
      const res = await getJSON(withCursor('/api/v1/friends', friendsNext), { signal: ctx.signal });
      const first = res.friends.length ? friendRow(res.friends[0]) : null;
      if (first) friendList.append(first, ...res.friends.slice(1).map(friendRow));
      friendsNext = res.next || null;
      friendsMore.hidden = !friendsNext;
      refreshEmpty();
      if (first) first.querySelector('a').focus();
    } catch (err) {
      if (!isAbort(err)) ctx.notify(errorText(err));
    } finally {
      friendsMore.disabled = false;
    }
  });

  const section = (id, title, ...children) => h('section', { class: 'card', 'aria-labelledby': id },
    h('h2', { id }, title), ...children);

  const node = h('div', { class: 'friends-page' },
    h('h1', { id: 'page-title', text: 'Friends' }),
    search(ctx),
    h('div', { class: 'columns' },
      h('div', {},
        section('requests-incoming-title', 'Requests for you', empties[0].p, incoming),
        section('requests-outgoing-title', 'Requests you sent', empties[1].p, outgoing),
      ),
      h('div', {},
        section('friends-list-title', ['Your friends ', friendsCount], empties[2].p, friendList, h('p', { class: 'more' }, friendsMore)),
        section('suggestions-title', 'People you may know', empties[3].p, suggested),
      ),
    ),
  );
  refreshEmpty();
  return { title: 'Friends', node };
}

// search is the people search with autocomplete: an ARIA 1.2 combobox
// whose listbox fills as the visitor types (debounced; each keystroke
// aborts the request before it), navigable with the arrow keys, Enter
// opening the chosen person's page and Escape closing the list.
function search(ctx) {
  const input = h('input', {
    id: 'friends-search', type: 'search', name: 'q', role: 'combobox', autocomplete: 'off',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': 'friends-search-list',
    'aria-describedby': 'friends-search-hint', spellcheck: 'false', maxlength: 100,
  });
  const listbox = h('ul', { id: 'friends-search-list', role: 'listbox', class: 'listbox', 'aria-label': 'People found', hidden: true });
  const status = h('p', { id: 'friends-search-status', class: 'visually-hidden', role: 'status' });
  const box = h('section', { class: 'card search', 'aria-labelledby': 'friends-search-label' },
    h('div', { class: 'field combo' },
      h('label', { id: 'friends-search-label', for: 'friends-search', text: 'Find people' }),
      h('p', { id: 'friends-search-hint', class: 'hint', text: 'Type a name, a headline or a city. Use the arrow keys to choose and Enter to open.' }),
      input, listbox),
    status,
  );
  let results = [];
  let active = -1;
  let timer = 0;
  let inflight = null;
  ctx.signal.addEventListener('abort', () => {
    clearTimeout(timer);
    if (inflight) inflight.abort();
  });

  const close = () => {
    listbox.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const setActive = (i) => {
    const options = listbox.querySelectorAll('[role="option"]');
    if (!options.length) return;
    active = (i + options.length) % options.length;
    options.forEach((o, j) => o.setAttribute('aria-selected', String(j === active)));
    input.setAttribute('aria-activedescendant', options[active].id);
    options[active].scrollIntoView({ block: 'nearest' });
  };
  const open = (p) => {
    close();
    ctx.navigate(`/u/${p.id}`);
  };
  const relationLabel = { friends: 'Friend', requested: 'Request sent', incoming: 'Asked you', self: 'You' };

  function show(people, q) {
    results = people;
    listbox.replaceChildren(...people.map((p, i) => {
      const li = h('li', { id: `friends-search-option-${i}`, role: 'option', class: 'option', 'aria-selected': 'false', 'data-user-id': String(p.id) },
        h('span', { class: 'option-name', text: p.display_name }),
        relationLabel[p.relation] ? h('span', { class: 'tag', text: relationLabel[p.relation] }) : null,
        p.headline || p.city ? h('span', { class: 'option-detail muted', text: [p.headline, p.city].filter(Boolean).join(' · ') }) : null,
        p.mutual_friends ? h('span', { class: 'option-detail muted', text: plural(p.mutual_friends, 'mutual friend', 'mutual friends') }) : null,
      );
      // mousedown, not click: the input keeps focus until the choice.
      li.addEventListener('mousedown', (e) => { e.preventDefault(); open(p); });
      return li;
    }));
    if (!people.length) {
      listbox.replaceChildren(h('li', { class: 'option-none muted', role: 'presentation', text: `Nobody found for “${q}”.` }));
    }
    listbox.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    active = -1;
    input.removeAttribute('aria-activedescendant');
    status.textContent = people.length ? `${plural(people.length, 'person', 'people')} found. Use the arrow keys to choose.` : 'Nobody found.';
  }

  async function query(q) {
    if (inflight) inflight.abort();
    inflight = new AbortController();
    const signal = inflight.signal;
    try {
      const res = await getJSON('/api/v1/search/people?q=' + encodeURIComponent(q), { signal });
      if (signal.aborted || input.value.trim() !== q) return;
      show(res.people || [], q);
    } catch (err) {
      if (isAbort(err)) return;
      status.textContent = errorText(err);
      listbox.replaceChildren(h('li', { class: 'option-none field-error', role: 'presentation', text: errorText(err) }));
      listbox.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    if (inflight) inflight.abort(); // the answer to an older word is no use now
    const q = input.value.trim();
    if (!q) {
      close();
      status.textContent = '';
      return;
    }
    timer = setTimeout(() => query(q), 200);
  });
  input.addEventListener('keydown', (e) => {
    const openList = !listbox.hidden && results.length > 0;
    if (e.key === 'ArrowDown' && openList) {
      e.preventDefault();
      setActive(active + 1);
    } else if (e.key === 'ArrowUp' && openList) {
      e.preventDefault();
      setActive(active - 1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (openList && active >= 0) open(results[active]);
      else if (openList && results.length === 1) open(results[0]);
    } else if (e.key === 'Escape') {
      if (!listbox.hidden) {
        e.preventDefault();
        close();
      } else {
        input.value = '';
      }
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  input.addEventListener('focus', () => {
    if (input.value.trim() && results.length) {
      listbox.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }
  });
  return box;
}
