// How a notification reads and where it leads, shared by the header's
// menu and the notifications page. Likes and comments on one post come
// grouped from the API: the latest actors and how many acted in all.

import { h, namesText } from './dom.js';

const phrases = {
  friend_request: 'sent you a friend request',
  friend_accepted: 'accepted your friend request',
  like: 'liked your post',
  comment: 'commented on your post',
  comment_reply: 'also commented on a post you commented on',
};

/** describe returns a notification's sentence ("Ann and 3 others liked
 * your post") and the address it leads to. */
export function describe(n) {
  const names = (n.actors || []).map((a) => a.display_name);
  const who = namesText(names, n.count);
  const what = phrases[n.kind] || 'did something';
  const person = n.kind === 'friend_request' || n.kind === 'friend_accepted';
  const href = person ? `/u/${n.subject_id}` : `/posts/${n.subject_id}`;
  return { text: `${who} ${what}`, who, what, href };
}

/** noteLink is a notification as a link: the names in bold, the rest as
 * text. */
export function noteLink(n, props = {}) {
  const d = describe(n);
  return h('a', { href: d.href, class: 'note-link', ...props },
    h('strong', { text: d.who }), ' ', d.what);
}
