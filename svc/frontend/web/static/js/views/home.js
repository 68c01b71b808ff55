// The home page: a welcome for visitors; for people signed in, the
// composer and the home feed (their posts and their friends').

import { h, initial } from '../dom.js';
import { composer, postList, feedLoader } from '../posts.js';

export async function render(ctx) {
  if (!ctx.user) return signedOut();
  const view = signedIn(ctx);
  return view;
}

function signedOut() {
  const node = h('div', { class: 'home' },
    h('section', { class: 'hero', 'aria-labelledby': 'page-title' },
      h('h1', { id: 'page-title', text: 'Stay close to the people who matter' }),
      h('p', { class: 'lead', text: 'Kin is a social network your community runs on its own server. Share who you are with the people you choose, without ads or trackers.' }),
      h('p', { class: 'actions' },
        h('a', { id: 'home-signup', class: 'button', href: '/signup', text: 'Create your account' }),
        h('a', { id: 'home-signin', class: 'button button-secondary', href: '/signin', text: 'Sign in' }),
      ),
    ),
    h('ul', { class: 'features', 'aria-label': 'Why Kin' },
      feature('Your own server', 'Kin runs on your community’s hardware. Your posts and profile stay there.'),
      feature('You choose who sees what', 'Decide, detail by detail, what everyone, your friends or only you can see.'),
      feature('Nothing from elsewhere', 'No ads, no tracking scripts, no third-party fonts: every page comes from this site alone.'),
    ),
  );
  return { title: 'Welcome', node };
}

function feature(title, text) {
  return h('li', { class: 'card feature' }, h('h2', { text: title }), h('p', { text }));
}

function signedIn(ctx) {
  const user = ctx.user;
  const feed = postList(ctx, {
    prefix: 'feed', label: 'Your feed', load: feedLoader, pollNew: true,
    empty: 'Nothing here yet. Write a post, or find friends on the Friends page: their posts show here.',
  });
  const missing = [
    !user.headline && 'a headline',
    !user.city && 'your city',
    !user.about && 'a few words about you',
  ].filter(Boolean);
  const node = h('div', { class: 'home layout' },
    h('div', { class: 'layout-main' },
      h('section', { class: 'welcome', 'aria-labelledby': 'page-title' },
        h('div', { class: 'avatar', 'aria-hidden': 'true', text: initial(user.display_name) }),
        h('div', {},
          h('h1', { id: 'page-title' }, 'Hello, ', h('span', { id: 'home-user-name', text: user.display_name })),
          user.headline ? h('p', { class: 'muted', text: user.headline }) : null,
        ),
      ),
      composer(ctx, (post) => feed.prepend(post)),
      h('h2', { id: 'feed-title', class: 'visually-hidden', text: 'Your feed' }),
      feed.node,
    ),
    h('aside', { class: 'layout-side', 'aria-label': 'About you' },
    missing.length
      ? h('section', { class: 'card callout', 'aria-labelledby': 'complete-title' },
        h('h2', { id: 'complete-title', text: 'Complete your profile' }),
        h('p', { text: `Add ${listText(missing)} so people recognise you.` }),
        h('p', {}, h('a', { class: 'button', href: '/profile/edit', text: 'Edit your profile' })),
      )
      : null,
    h('nav', { class: 'card', 'aria-label': 'Your account' },
      h('h2', { text: 'Your account' }),
      h('ul', { class: 'link-list' },
        h('li', {}, h('a', { id: 'home-profile', href: '/profile', text: 'View your profile' })),
        h('li', {}, h('a', { id: 'home-edit', href: '/profile/edit', text: 'Edit your profile and password' })),
        h('li', {}, h('a', { id: 'home-friends', href: '/friends', text: 'Find friends' })),
        h('li', {}, h('a', { id: 'home-notifications', href: '/notifications', text: 'Your notifications' })),
      ),
    ),
    ),
  );
  return { title: 'Home', node };
}

function listText(items) {
  if (items.length < 2) return items.join('');
  return items.slice(0, -1).join(', ') + ' and ' + items[items.length - 1];
}
