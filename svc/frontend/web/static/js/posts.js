// Posts as every page shows them: the composer, a post with its likes
// and comments in place, and a list of posts that grows as the reader
// scrolls. Every piece of people's text goes in as text (linkify builds
// the links of a post from its text without parsing markup).

import { h, linkify, formatTime, formatFullTime, plural, avatar, personLink } from './dom.js';
import { getJSON, postJSON, putJSON, del, withCursor, errorText, isAbort, whileVisible } from './common.js';

/** Visibilities are a post's audiences, as the API names them, with what
 * the composer calls them. */
export const visibilities = [
  ['friends', 'Friends'],
  ['public', 'Everyone'],
  ['only_me', 'Only me'],
];
const visibilityText = Object.fromEntries(visibilities);

const visibilityKey = 'kin.post-visibility';

/** defaultVisibility is the audience the composer starts with: the one
 * chosen last in this browser, else friends. */
export function defaultVisibility() {
  try {
    const v = localStorage.getItem(visibilityKey);
    if (visibilityText[v]) return v;
  } catch {
    // Storage disabled: friends, as for a first visit.
  }
  return 'friends';
}

function rememberVisibility(v) {
  try {
    localStorage.setItem(visibilityKey, v);
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
}

function visibilitySelect(id, value, label) {
  const select = h('select', { id, name: 'visibility', class: 'visibility-select' });
  for (const [v, text] of visibilities) select.append(h('option', { value: v, text }));
  select.value = value;
  return h('div', { class: 'field field-inline' }, h('label', { for: id, text: label }), select);
}

/** composer builds the form to write a post; onPosted gets the new post. */
export function composer(ctx, onPosted) {
  const text = h('textarea', {
    id: 'composer-text', name: 'text', rows: 3, maxlength: 10000, required: true,
    'aria-describedby': 'composer-text-error', placeholder: 'What would you like to share?',
  });
  const vis = visibilitySelect('composer-visibility', defaultVisibility(), 'Who can see it');
  const select = vis.querySelector('select');
  select.addEventListener('change', () => rememberVisibility(select.value));
  const submit = h('button', { id: 'composer-submit', class: 'button', type: 'submit', text: 'Post' });
  const error = h('p', { id: 'composer-text-error', class: 'field-error', 'aria-live': 'polite' });
  const form = h('form', { id: 'composer', class: 'card composer', 'aria-labelledby': 'composer-label' },
    h('label', { id: 'composer-label', for: 'composer-text', class: 'composer-label', text: 'Write a post' }),
    text, error,
    h('div', { class: 'composer-row' }, vis, submit),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    text.removeAttribute('aria-invalid');
    if (!text.value.trim()) {
      error.textContent = 'Write something first.';
      text.setAttribute('aria-invalid', 'true');
      text.focus();
      return;
    }
    submit.disabled = true;
    try {
      const { post } = await postJSON('/api/v1/posts', { text: text.value, visibility: select.value });
      rememberVisibility(select.value);
      text.value = '';
      ctx.notify('Your post is shared.');
      onPosted(post);
    } catch (err) {
      error.textContent = errorText(err);
      text.setAttribute('aria-invalid', 'true');
      text.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** postCard renders one post. opts.open shows its comments at once (a
 * single post's page); opts.onDeleted is called after the author deleted
 * it. */
export function postCard(post, ctx, opts = {}) {
  const id = post.id;
  const pid = `post-${id}`;
  const article = h('article', { class: 'card post', id: pid, 'data-post-id': String(id), 'aria-labelledby': `${pid}-author` });
  const friendship = post.kind === 'friendship';

  const meta = h('p', { class: 'post-meta muted' },
    h('a', { href: `/posts/${id}`, class: 'post-time', id: `${pid}-link` },
      h('time', { datetime: post.created_at, title: formatFullTime(post.created_at), text: formatTime(post.created_at) })),
    friendship ? null : [' · ', h('span', { class: 'post-visibility', text: visibilityText[post.visibility] || post.visibility })],
    post.edited_at ? [' · ', h('span', { id: `${pid}-edited`, class: 'post-edited', title: `Edited ${formatFullTime(post.edited_at)}`, text: 'edited' })] : null,
  );
  const tools = h('div', { class: 'post-tools' });
  const head = h('header', { class: 'post-head' },
    avatar(post.author.display_name),
    h('div', { class: 'post-byline' },
      h('h3', { class: 'post-author' }, personLink(post.author, { id: `${pid}-author` })),
      meta),
    tools,
  );

  const body = friendship
    ? h('p', { class: 'post-text friendship', id: `${pid}-text` },
      personLink(post.author), ' and ', post.friend ? personLink(post.friend) : 'someone', ' are now friends')
    : h('p', { class: 'post-text prose', id: `${pid}-text` }, linkify(post.text));

  const confirm = h('div', { class: 'confirm', id: `${pid}-confirm`, hidden: true });
  if (post.mine && !friendship) {
    const edit = h('button', { id: `${pid}-edit`, class: 'button button-quiet', type: 'button', text: 'Edit' });
    const remove = h('button', { id: `${pid}-delete`, class: 'button button-quiet', type: 'button', text: 'Delete' });
    edit.addEventListener('click', () => editForm(post, ctx, article, body, opts));
    remove.addEventListener('click', () => askDelete(post, ctx, article, confirm, remove, opts));
    tools.append(edit, remove);
  }

  const likeCount = h('span', { id: `${pid}-like-count`, class: 'count', text: plural(post.like_count, 'like', 'likes') });
  const commentCount = h('span', { id: `${pid}-comment-count`, class: 'count', text: plural(post.comment_count, 'comment', 'comments') });
  const like = h('button', {
    id: `${pid}-like`, class: 'action', type: 'button', 'aria-pressed': String(!!post.liked),
    'aria-describedby': `${pid}-like-count`,
  }, 'Like');
  const toggle = h('button', {
    id: `${pid}-comments-toggle`, class: 'action', type: 'button', 'aria-expanded': 'false',
    'aria-controls': `${pid}-comments`, 'aria-describedby': `${pid}-comment-count`,
  }, 'Comment');
  const counts = h('p', { class: 'post-counts muted' }, likeCount, ' · ', commentCount);
  const actions = h('div', { class: 'post-actions' }, like, toggle);
  if (!ctx.user) {
    // Signed out, the counts show but nothing can be done.
    like.disabled = true;
    like.title = 'Sign in to like posts';
  }

  const state = { likeCount: post.like_count, commentCount: post.comment_count };
  like.addEventListener('click', async () => {
    const liked = like.getAttribute('aria-pressed') !== 'true';
    like.disabled = true;
    try {
      const path = `/api/v1/posts/${id}/like`;
      const res = liked ? await putJSON(path) : await del(path);
      like.setAttribute('aria-pressed', String(!!res.liked));
      state.likeCount = res.like_count;
      likeCount.textContent = plural(res.like_count, 'like', 'likes');
    } catch (err) {
      ctx.notify(errorText(err));
    } finally {
      like.disabled = false;
    }
  });

  const comments = commentsSection(post, ctx, state, commentCount);
  toggle.addEventListener('click', () => {
    const open = comments.node.hidden;
    comments.node.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) {
      comments.load();
      comments.input.focus();
    }
  });
  if (opts.open) {
    comments.node.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    comments.load();
  }
  if (!ctx.user) toggle.hidden = !post.comment_count && !opts.open;

  article.append(head, body, confirm, counts, actions, comments.node);
  return article;
}

function editForm(post, ctx, article, body, opts) {
  const pid = `post-${post.id}`;
  if (document.getElementById(`${pid}-edit-form`)) return;
  const text = h('textarea', { id: `${pid}-edit-text`, name: 'text', rows: 4, maxlength: 10000, required: true, 'aria-describedby': `${pid}-edit-error` });
  text.value = post.text;
  const vis = visibilitySelect(`${pid}-edit-visibility`, post.visibility, 'Who can see it');
  const save = h('button', { id: `${pid}-edit-save`, class: 'button', type: 'submit', text: 'Save' });
  const cancel = h('button', { id: `${pid}-edit-cancel`, class: 'button button-secondary', type: 'button', text: 'Cancel' });
  const error = h('p', { id: `${pid}-edit-error`, class: 'field-error', 'aria-live': 'polite' });
  const form = h('form', { id: `${pid}-edit-form`, class: 'post-edit' },
    h('label', { for: `${pid}-edit-text`, class: 'visually-hidden', text: 'Your post' }),
    text, error,
    h('div', { class: 'composer-row' }, vis, h('span', { class: 'form-actions' }, save, cancel)),
  );
  body.hidden = true;
  body.after(form);
  text.focus();
  const back = () => {
    form.remove();
    body.hidden = false;
    document.getElementById(`${pid}-edit`)?.focus();
  };
  cancel.addEventListener('click', back);
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') back();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    error.textContent = '';
    try {
      const res = await putJSON(`/api/v1/posts/${post.id}`, { text: text.value, visibility: vis.querySelector('select').value });
      const fresh = postCard(res.post, ctx, opts);
      article.replaceWith(fresh);
      ctx.notify('Your post is saved.');
      document.getElementById(`${pid}-edit`)?.focus();
    } catch (err) {
      error.textContent = errorText(err);
      text.setAttribute('aria-invalid', 'true');
      text.focus();
      save.disabled = false;
    }
  });
}

function askDelete(post, ctx, article, confirm, trigger, opts) {
  const pid = `post-${post.id}`;
  const yes = h('button', { id: `${pid}-delete-confirm`, class: 'button button-danger', type: 'button', text: 'Delete post' });
  const no = h('button', { id: `${pid}-delete-cancel`, class: 'button button-secondary', type: 'button', text: 'Keep it' });
  confirm.replaceChildren(
    h('p', { id: `${pid}-confirm-text`, text: 'Delete this post? Its likes and comments go with it. This cannot be undone.' }),
    h('p', { class: 'form-actions' }, yes, no),
  );
  confirm.setAttribute('role', 'group');
  confirm.setAttribute('aria-labelledby', `${pid}-confirm-text`);
  confirm.hidden = false;
  yes.focus();
  no.addEventListener('click', () => {
    confirm.hidden = true;
    confirm.replaceChildren();
    trigger.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await del(`/api/v1/posts/${post.id}`);
      ctx.notify('Your post is deleted.');
      const next = article.closest('li')?.nextElementSibling?.querySelector('article') ||
        article.closest('li')?.previousElementSibling?.querySelector('article');
      (article.closest('li') || article).remove();
      if (opts.onDeleted) opts.onDeleted(post);
      else if (next) {
        next.setAttribute('tabindex', '-1');
        next.focus();
      }
    } catch (err) {
      yes.disabled = false;
      ctx.notify(errorText(err));
    }
  });
}

function commentsSection(post, ctx, state, countEl) {
  const pid = `post-${post.id}`;
  const list = h('ol', { id: `${pid}-comment-list`, class: 'comments' });
  const more = h('button', { id: `${pid}-comments-more`, class: 'link-button', type: 'button', hidden: true, text: 'Show more comments' });
  const status = h('p', { class: 'muted comments-status', 'aria-live': 'polite' });
  const input = h('textarea', { id: `${pid}-comment-text`, name: 'text', rows: 2, maxlength: 2000, required: true, 'aria-describedby': `${pid}-comment-error` });
  const submit = h('button', { id: `${pid}-comment-submit`, class: 'button', type: 'submit', text: 'Comment' });
  const error = h('p', { id: `${pid}-comment-error`, class: 'field-error', 'aria-live': 'polite' });
  const form = ctx.user
    ? h('form', { class: 'comment-form', id: `${pid}-comment-form` },
      h('label', { for: `${pid}-comment-text`, class: 'visually-hidden', text: 'Write a comment' }),
      input, error, h('p', { class: 'comment-send' }, submit))
    : h('p', { class: 'muted' }, h('a', { href: '/signin?next=' + encodeURIComponent(`/posts/${post.id}`), text: 'Sign in' }), ' to comment.');
  input.placeholder = 'Write a comment…';
  const node = h('section', { id: `${pid}-comments`, class: 'comments-box', hidden: true, 'aria-label': 'Comments' },
    list, more, status, form);
  const seen = new Set();
  let next = null;
  let loaded = false;
  let loading = false;

  const setCount = (n) => {
    state.commentCount = n;
    countEl.textContent = plural(n, 'comment', 'comments');
  };

  async function page() {
    if (loading) return;
    loading = true;
    more.disabled = true;
    status.textContent = 'Loading comments…';
    try {
      const res = await getJSON(withCursor(`/api/v1/posts/${post.id}/comments`, next), { signal: ctx.signal });
      // Oldest first: a later page follows what is shown, before any
      // comment written here since, which is the newest.
      const mark = list.querySelector('.comment-local');
      for (const c of res.comments) {
        if (seen.has(c.id)) continue;
        seen.add(c.id);
        list.insertBefore(commentItem(c, post, ctx, setCount, state), mark);
      }
      next = res.next || null;
      more.hidden = !next;
      status.textContent = res.comments.length || list.children.length ? '' : 'No comments yet.';
      loaded = true;
    } catch (err) {
      if (!isAbort(err)) status.textContent = errorText(err);
    } finally {
      loading = false;
      more.disabled = false;
    }
  }
  more.addEventListener('click', page);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!input.value.trim()) {
      error.textContent = 'Write something first.';
      input.focus();
      return;
    }
    submit.disabled = true;
    try {
      const { comment } = await postJSON(`/api/v1/posts/${post.id}/comments`, { text: input.value });
      input.value = '';
      seen.add(comment.id);
      const li = commentItem(comment, post, ctx, setCount, state);
      li.classList.add('comment-local');
      list.append(li);
      status.textContent = '';
      setCount(state.commentCount + 1);
    } catch (err) {
      error.textContent = errorText(err);
      input.focus();
    } finally {
      submit.disabled = false;
    }
  });

  return { node, input, load: () => (loaded ? null : page()) };
}

function commentItem(c, post, ctx, setCount, state) {
  const cid = `comment-${c.id}`;
  const li = h('li', { class: 'comment', id: cid },
    avatar(c.author.display_name, 'small'),
    h('div', { class: 'comment-body' },
      h('p', { class: 'comment-head' },
        personLink(c.author, { class: 'person-link comment-author' }), ' ',
        h('time', { class: 'muted', datetime: c.created_at, title: formatFullTime(c.created_at), text: formatTime(c.created_at) })),
      h('p', { class: 'comment-text prose', id: `${cid}-text` }, linkify(c.text))),
  );
  if (c.mine) {
    const remove = h('button', { id: `${cid}-delete`, class: 'link-button comment-delete', type: 'button', 'aria-describedby': `${cid}-text`, text: 'Delete' });
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      try {
        await del(`/api/v1/comments/${c.id}`);
        const form = document.getElementById(`post-${post.id}-comment-text`);
        li.remove();
        setCount(Math.max(0, state.commentCount - 1));
        ctx.notify('The comment is deleted.');
        if (form) form.focus();
      } catch (err) {
        remove.disabled = false;
        ctx.notify(errorText(err));
      }
    });
    li.querySelector('.comment-body').append(remove);
  }
  return li;
}

/** postList shows posts from load(cursor, signal) → {posts, next}, newest
 * first, and loads more as the reader nears the end (an observer on a
 * sentinel below the last post, with a "Load more" button for whoever
 * cannot or will not scroll). prefix names its ids (prefix, prefix+"-more",
 * prefix+"-live", …). With pollNew, it looks for newer posts every minute
 * while the tab is visible and offers them with a button at the top
 * instead of moving what is being read; a live region announces them and
 * each page loaded. It returns {node, prepend(post), ready} (ready settles
 * when the first page shows). */
export function postList(ctx, { prefix, label, load, empty, pollNew = false }) {
  const list = h('ol', { id: prefix, class: 'posts', 'aria-label': label });
  const live = h('p', { id: `${prefix}-live`, class: 'visually-hidden', 'aria-live': 'polite' });
  const fresh = h('button', { id: `${prefix}-new`, class: 'button new-posts', type: 'button', hidden: true });
  const emptyNote = h('p', { id: `${prefix}-empty`, class: 'card muted empty', hidden: true, text: empty });
  const error = h('p', { id: `${prefix}-error`, class: 'form-error', role: 'alert', hidden: true });
  const sentinel = h('div', { id: `${prefix}-sentinel`, class: 'sentinel', 'aria-hidden': 'true' });
  const more = h('button', { id: `${prefix}-more`, class: 'button button-secondary', type: 'button', hidden: true, text: 'Load more posts' });
  const end = h('p', { id: `${prefix}-end`, class: 'muted end', hidden: true, text: 'You have reached the end.' });
  const node = h('div', { class: 'post-list' }, fresh, live, list, emptyNote, error, sentinel, h('p', { class: 'more' }, more), end);
  const shown = new Set();
  let next = null;
  let loading = false;
  let waiting = []; // newer posts found by polling, not shown yet

  const item = (p) => h('li', { 'data-post-id': String(p.id) }, postCard(p, ctx));
  const announce = (text) => {
    live.textContent = '';
    // A change of text after a frame, so the same words are read again.
    requestAnimationFrame(() => { live.textContent = text; });
  };

  async function page(first) {
    if (loading || (!first && !next)) return;
    loading = true;
    more.disabled = true;
    list.setAttribute('aria-busy', 'true');
    error.hidden = true;
    try {
      const res = await load(first ? '' : next, ctx.signal);
      let added = 0;
      for (const p of res.posts) {
        if (shown.has(p.id)) continue;
        shown.add(p.id);
        list.append(item(p));
        added++;
      }
      next = res.next || null;
      more.hidden = !next;
      end.hidden = !!next || first;
      emptyNote.hidden = shown.size > 0;
      if (!first && added) announce(`${plural(added, 'more post', 'more posts')} loaded.`);
    } catch (err) {
      if (isAbort(err)) return;
      error.textContent = errorText(err);
      error.hidden = false;
      more.hidden = !next;
    } finally {
      loading = false;
      more.disabled = false;
      list.removeAttribute('aria-busy');
    }
  }
  more.addEventListener('click', () => page(false));

  if ('IntersectionObserver' in window) {
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && next) page(false);
    }, { rootMargin: '600px 0px' });
    io.observe(sentinel);
    ctx.signal.addEventListener('abort', () => io.disconnect());
  }

  async function poll() {
    if (!shown.size) return;
    try {
      const res = await load('', ctx.signal);
      const newer = [];
      for (const p of res.posts) {
        if (shown.has(p.id)) break;
        if (!waiting.some((w) => w.id === p.id)) newer.push(p);
      }
      if (!newer.length) return;
      waiting = newer.concat(waiting);
      fresh.textContent = `Show ${plural(waiting.length, 'new post', 'new posts')}`;
      fresh.hidden = false;
      announce(`${plural(waiting.length, 'new post', 'new posts')} at the top of the feed.`);
    } catch {
      // A failed poll changes nothing; the next one tries again.
    }
  }
  fresh.addEventListener('click', () => {
    const items = waiting.filter((p) => !shown.has(p.id));
    waiting = [];
    fresh.hidden = true;
    for (const p of items.reverse()) {
      shown.add(p.id);
      list.prepend(item(p));
    }
    emptyNote.hidden = shown.size > 0;
    const first = list.querySelector('article');
    if (first) {
      first.setAttribute('tabindex', '-1');
      first.focus();
    }
  });
  if (pollNew) whileVisible(60000, poll, ctx.signal);

  function prepend(p) {
    if (shown.has(p.id)) return;
    shown.add(p.id);
    list.prepend(item(p));
    emptyNote.hidden = true;
    announce('Your post is at the top of the feed.');
  }

  const ready = page(true);
  return { node, prepend, ready };
}

/** feedLoader and wallLoader are postList loads for the home feed and a
 * person's wall. */
export const feedLoader = (cursor, signal) => getJSON(withCursor('/api/v1/feed', cursor), { signal });
export const wallLoader = (userID) => (cursor, signal) => getJSON(withCursor(`/api/v1/users/${userID}/posts`, cursor), { signal });
