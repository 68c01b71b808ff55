// Profiles: one's own (/profile) and anyone's (/u/{id}): the details,
// the friend button, mutual friends, how the two are connected, and the
// person's wall.

import { h, formatDate, formatMonth, initial, personLink, plural } from '../dom.js';
import { getJSON, APIError, isAbort } from '../common.js';
import { postList, wallLoader } from '../posts.js';
import { friendButton, relationText, personRow } from '../people.js';

const visibilityText = {
  public: 'Everyone',
  friends: 'Your friends',
  private: 'Only you',
};

/** renderOwn shows the signed-in person's profile as they see it. */
export async function renderOwn(ctx) {
  if (!ctx.user) {
    ctx.navigate('/signin?next=/profile', { replace: true });
    return null;
  }
  const { user } = await getJSON('/api/v1/me', { signal: ctx.signal });
  if (ctx.stale()) return null;
  ctx.setUser(user);
  const node = h('div', { class: 'profile-page' }, card(user, true), wall(ctx, user, true));
  return { title: user.display_name, node };
}

/** renderUser shows anyone's profile by id. */
export async function renderUser(ctx) {
  const id = ctx.params[0];
  let res;
  try {
    res = await getJSON(`/api/v1/users/${id}`, { signal: ctx.signal });
  } catch (err) {
    if (err instanceof APIError && err.status === 404) return missing();
    throw err;
  }
  const { profile } = res;
  const own = !!ctx.user && String(ctx.user.id) === String(profile.id);
  const relation = own ? 'self' : res.relation || 'none';
  const node = h('div', { class: 'profile-page' });
  const profileCard = card(profile, own);
  node.append(profileCard);
  if (ctx.user && !own) {
    const status = h('p', { id: 'profile-relation', class: 'relation', text: relationText(relation, profile.display_name), hidden: !relationText(relation, profile.display_name) });
    let controls;
    const place = (rel) => {
      const fresh = friendButton(ctx, profile, rel, (next, action) => {
        if (action === 'block' || action === 'unblock') {
          // What the two may see of each other changed: show it anew.
          ctx.navigate(location.pathname, { replace: true });
          return;
        }
        place(next);
        const first = document.querySelector('#friend-controls button');
        if (first) first.focus();
      });
      if (controls) controls.replaceWith(fresh);
      controls = fresh;
      status.textContent = relationText(rel, profile.display_name);
      status.hidden = !status.textContent;
    };
    place(relation);
    // Across a block the details are hidden because of it, not a setting.
    if (relation === 'blocked') profileCard.querySelector('#profile-hidden')?.remove();
    profileCard.querySelector('.profile-head').append(controls);
    profileCard.querySelector('.profile-head').after(status);
    if (relation !== 'blocked') {
      node.append(connections(ctx, profile, res.mutual_friends || 0));
    }
  }
  if (relation !== 'blocked') node.append(wall(ctx, profile, own));
  return { title: profile.display_name, node };
}

// wall is a person's posts as the viewer may see them.
function wall(ctx, p, own) {
  const list = postList(ctx, {
    prefix: 'wall', label: own ? 'Your posts' : `Posts by ${p.display_name}`, load: wallLoader(p.id),
    empty: own ? 'You have not posted yet. Write your first post on the home page.' : `${p.display_name} has no posts you can see.`,
  });
  return h('section', { class: 'wall', 'aria-labelledby': 'wall-title' },
    h('h2', { id: 'wall-title', text: own ? 'Your posts' : 'Posts' }),
    list.node);
}

// connections shows the friends the viewer and p have in common and the
// shortest chain of friends between them, loaded after the page shows.
function connections(ctx, p, mutualCount) {
  const mutualList = h('ul', { id: 'profile-mutual-list', class: 'people people-compact' });
  const pathList = h('ol', { id: 'profile-path', class: 'chain' });
  const pathNote = h('p', { id: 'profile-path-note', class: 'muted', text: 'Looking for a chain of friends…' });
  const box = h('section', { class: 'card connections', 'aria-labelledby': 'connections-title' },
    h('h2', { id: 'connections-title', text: 'How you are connected' }),
    pathNote, pathList,
    h('h3', { id: 'profile-mutual', text: plural(mutualCount, 'mutual friend', 'mutual friends') }),
    mutualList,
  );
  (async () => {
    try {
      const { path } = await getJSON(`/api/v1/friends/path/${p.id}`, { signal: ctx.signal });
      if (!path || path.length < 2) {
        pathNote.textContent = 'No chain of friends links you within three steps.';
      } else {
        pathNote.textContent = path.length === 2 ? 'You are friends.' : `Through ${plural(path.length - 2, 'friend', 'friends')}:`;
        pathList.replaceChildren(...path.map((q, i) => h('li', {},
          String(q.id) === String(ctx.user.id) ? h('span', { text: 'You' }) : personLink(q, { id: `path-${i}` }))));
      }
    } catch (err) {
      if (!isAbort(err)) pathNote.textContent = 'How you are connected could not be loaded.';
    }
  })();
  if (mutualCount > 0) {
    (async () => {
      try {
        const res = await getJSON(`/api/v1/friends/mutual/${p.id}`, { signal: ctx.signal });
        mutualList.replaceChildren(...res.mutual.map((q) => personRow(q)));
      } catch (err) {
        if (!isAbort(err)) mutualList.replaceChildren(h('li', { class: 'muted', text: 'Mutual friends could not be loaded.' }));
      }
    })();
  }
  return box;
}

function missing() {
  const node = h('section', { class: 'card narrow message' },
    h('h1', { id: 'page-title', text: 'No such person' }),
    h('p', { text: 'Nobody on Kin has this address. The account may have been closed, or the link may be mistyped.' }),
    h('p', {}, h('a', { class: 'button', href: '/', text: 'Go to the home page' })),
  );
  return { title: 'No such person', node };
}

// card renders a profile (the User of /me when own, else a Profile).
// Every value is set as text. Rows stay in the page with stable ids and are
// hidden when empty, so the page's shape does not depend on the data.
function card(p, own) {
  const birthday = h('time', { id: 'profile-birthday', datetime: p.birthday || false, text: formatDate(p.birthday) });
  const rows = [
    row('City', h('span', { id: 'profile-city', text: p.city || '' }), !p.city),
    row('Birthday', birthday, !p.birthday),
    own && p.birthday_visibility
      ? row('Birthday shown to', h('span', { id: 'profile-birthday-visibility', text: visibilityText[p.birthday_visibility] || p.birthday_visibility }), !p.birthday)
      : null,
    own && p.email ? row('Email (only you see it)', h('span', { id: 'profile-email', text: p.email }), false) : null,
    row('Member since', h('time', { id: 'profile-joined', datetime: p.created_at || false, text: formatMonth(p.created_at) }), !p.created_at),
  ];
  if (p.details_hidden && !own) {
    return h('article', { class: 'card profile', id: 'profile', 'data-user-id': String(p.id) },
      h('header', { class: 'profile-head' },
        h('div', { class: 'avatar avatar-large', 'aria-hidden': 'true', text: initial(p.display_name) }),
        h('div', { class: 'profile-names' },
          h('h1', { id: 'page-title' }, h('span', { id: 'profile-display-name', text: p.display_name })))),
      h('p', { id: 'profile-hidden', class: 'muted hidden-note', text: `${p.display_name} shares their profile details only with some people.` }));
  }
  return h('article', { class: 'card profile', id: 'profile', 'data-user-id': String(p.id) },
    h('header', { class: 'profile-head' },
      h('div', { class: 'avatar avatar-large', 'aria-hidden': 'true', text: initial(p.display_name) }),
      h('div', { class: 'profile-names' },
        h('h1', { id: 'page-title' }, h('span', { id: 'profile-display-name', text: p.display_name })),
        h('p', { id: 'profile-headline', class: 'headline', text: p.headline || '', hidden: !p.headline }),
      ),
      own ? h('a', { id: 'profile-edit-link', class: 'button button-secondary', href: '/profile/edit', text: 'Edit profile' }) : null,
    ),
    h('section', { class: 'profile-about', 'aria-labelledby': 'about-title', hidden: !p.about },
      h('h2', { id: 'about-title', text: 'About' }),
      h('p', { id: 'profile-about', class: 'prose', text: p.about || '' }),
    ),
    h('dl', { class: 'details' }, rows),
    own ? h('p', { class: 'muted share' }, 'Your public address: ',
      h('a', { id: 'profile-public-link', href: `/u/${p.id}`, text: `${location.origin}/u/${p.id}` })) : null,
  );
}

function row(label, value, empty) {
  return h('div', { class: 'detail', hidden: empty }, h('dt', { text: label }), h('dd', {}, value));
}
