// People as lists and profiles show them, and the friend button in its
// every state.

import { h, avatar, personLink, plural } from './dom.js';
import { postJSON, putJSON, del, errorText } from './common.js';

/** personRow is one person in a list: avatar, name (a link to their
 * page), headline, and the given controls. */
export function personRow(p, ...controls) {
  return h('li', { class: 'person', id: `person-${p.id}`, 'data-user-id': String(p.id) },
    avatar(p.display_name),
    h('div', { class: 'person-names' },
      personLink(p),
      p.headline ? h('p', { class: 'muted person-headline', text: p.headline }) : null,
      p.mutual_friends ? h('p', { class: 'muted person-mutual', text: plural(p.mutual_friends, 'mutual friend', 'mutual friends') }) : null,
    ),
    controls.length ? h('div', { class: 'person-actions' }, controls) : null,
  );
}

/** friendActions calls the friends API for one action on person id and
 * returns the relation it leaves. */
export const friendActions = {
  add: async (id) => {
    const res = await postJSON('/api/v1/friends/requests', { user_id: Number(id) });
    return res && res.friendship ? 'friends' : 'requested';
  },
  cancel: async (id) => { await del(`/api/v1/friends/requests/${id}`); return 'none'; },
  accept: async (id) => { await postJSON(`/api/v1/friends/requests/${id}/accept`); return 'friends'; },
  decline: async (id) => { await postJSON(`/api/v1/friends/requests/${id}/decline`); return 'none'; },
  remove: async (id) => { await del(`/api/v1/friends/${id}`); return 'none'; },
  block: async (id) => { await putJSON(`/api/v1/blocks/${id}`); return 'blocked'; },
  unblock: async (id) => { await del(`/api/v1/blocks/${id}`); return 'none'; },
};

const said = {
  requested: (n) => `Friend request sent to ${n}.`,
  friends: (n) => `You and ${n} are friends.`,
  none: () => 'Done.',
  blocked: (n) => `You blocked ${n}.`,
};

/** relationText is what a profile says of how the viewer stands. */
export function relationText(relation, name) {
  switch (relation) {
    case 'friends': return `You and ${name} are friends.`;
    case 'requested': return `You asked ${name} to be friends. They have not answered yet.`;
    case 'incoming': return `${name} asked to be your friend.`;
    case 'blocked': return `You blocked ${name}. Neither of you sees the other’s posts or profile.`;
  }
  return '';
}

/** friendButton builds the friend controls of a profile for relation:
 * the main action (add, cancel request, accept and decline, remove
 * friend, unblock) and, in a secondary "More" disclosure, blocking.
 * onChange(relation, action) runs after an action succeeded. */
export function friendButton(ctx, person, relation, onChange) {
  const wrap = h('div', { class: 'friend-controls', id: 'friend-controls', 'data-relation': relation });
  const name = person.display_name;
  const run = async (button, action, confirmEl) => {
    button.disabled = true;
    try {
      const rel = await friendActions[action](person.id);
      ctx.notify(action === 'decline' ? 'Request declined.' : action === 'cancel' ? 'Request cancelled.'
        : action === 'remove' ? `You and ${name} are no longer friends.`
          : action === 'unblock' ? `You unblocked ${name}.` : (said[rel] || said.none)(name));
      onChange(rel, action);
    } catch (err) {
      button.disabled = false;
      ctx.notify(errorText(err));
      if (confirmEl) confirmEl.hidden = true;
    }
  };
  const button = (id, text, action, cls = 'button') => {
    const b = h('button', { id, class: cls, type: 'button', text });
    b.addEventListener('click', () => run(b, action));
    return b;
  };

  switch (relation) {
    case 'none':
      wrap.append(button('friend-add', 'Add friend', 'add'));
      break;
    case 'requested':
      wrap.append(button('friend-cancel', 'Cancel request', 'cancel', 'button button-secondary'));
      break;
    case 'incoming':
      wrap.append(button('friend-accept', 'Accept request', 'accept'),
        button('friend-decline', 'Decline', 'decline', 'button button-secondary'));
      break;
    case 'friends': {
      // Removing a friend asks first, in place.
      const remove = h('button', { id: 'friend-remove', class: 'button button-secondary', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'friend-remove-confirm', text: 'Remove friend' });
      const yes = h('button', { id: 'friend-remove-confirm-yes', class: 'button button-danger', type: 'button', text: `Remove ${name}` });
      const no = h('button', { id: 'friend-remove-confirm-no', class: 'button button-secondary', type: 'button', text: 'Keep' });
      const confirm = h('div', { id: 'friend-remove-confirm', class: 'confirm', hidden: true, role: 'group', 'aria-labelledby': 'friend-remove-question' },
        h('p', { id: 'friend-remove-question', text: `Remove ${name} from your friends? You can ask again later.` }),
        h('p', { class: 'form-actions' }, yes, no));
      remove.addEventListener('click', () => {
        confirm.hidden = false;
        remove.setAttribute('aria-expanded', 'true');
        yes.focus();
      });
      no.addEventListener('click', () => {
        confirm.hidden = true;
        remove.setAttribute('aria-expanded', 'false');
        remove.focus();
      });
      yes.addEventListener('click', () => run(yes, 'remove', confirm));
      wrap.append(h('span', { class: 'friend-state', text: 'Friends ✓' }), remove, confirm);
      break;
    }
    case 'blocked':
      wrap.append(button('friend-unblock', `Unblock ${name}`, 'unblock', 'button button-secondary'));
      break;
    default:
      return wrap; // self, or a relation this client does not know
  }
  if (relation !== 'blocked') {
    // Blocking is rarer and weightier: behind "More", with its meaning.
    const more = h('button', { id: 'friend-more', class: 'button button-quiet', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'friend-more-panel', text: 'More…' });
    const block = h('button', { id: 'friend-block', class: 'button button-danger', type: 'button', text: `Block ${name}` });
    const panel = h('div', { id: 'friend-more-panel', class: 'confirm', hidden: true },
      h('p', { id: 'friend-block-hint', text: `Blocking ends your friendship and any request between you. Neither of you will see the other’s posts, profile or friends, and neither can ask to be friends.` }),
      block);
    block.setAttribute('aria-describedby', 'friend-block-hint');
    more.addEventListener('click', () => {
      const open = panel.hidden;
      panel.hidden = !open;
      more.setAttribute('aria-expanded', String(open));
      if (open) block.focus();
    });
    panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        panel.hidden = true;
        more.setAttribute('aria-expanded', 'false');
        more.focus();
      }
    });
    block.addEventListener('click', () => run(block, 'block'));
    wrap.append(more, panel);
  }
  return wrap;
}
