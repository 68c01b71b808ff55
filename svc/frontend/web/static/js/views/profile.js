// Profiles: one's own (/profile) and anyone's (/u/{id}).

import { h, formatDate, formatMonth, initial } from '../dom.js';
import { getJSON, APIError } from '../common.js';

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
  const { user } = await getJSON('/api/v1/me');
  if (ctx.stale()) return null;
  ctx.setUser(user);
  return { title: user.display_name, node: card(user, true) };
}

/** renderUser shows anyone's profile by id. */
export async function renderUser(ctx) {
  const id = ctx.params[0];
  let profile;
  try {
    ({ profile } = await getJSON(`/api/v1/users/${id}`));
  } catch (err) {
    if (err instanceof APIError && err.status === 404) return missing();
    throw err;
  }
  const own = !!ctx.user && String(ctx.user.id) === String(profile.id);
  return { title: profile.display_name, node: card(profile, own) };
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
