// A single post's page, at /posts/{id}: the post with its comments open.
// A post the visitor may not see is, to them, no post at all.

import { h } from '../dom.js';
import { getJSON, APIError } from '../common.js';
import { postCard } from '../posts.js';

export async function render(ctx) {
  let post;
  try {
    ({ post } = await getJSON(`/api/v1/posts/${ctx.params[0]}`, { signal: ctx.signal }));
  } catch (err) {
    if (err instanceof APIError && err.status === 404) return missing();
    throw err;
  }
  if (ctx.stale()) return null;
  const title = post.kind === 'friendship' ? 'New friends' : `Post by ${post.author.display_name}`;
  const node = h('div', { class: 'single-post' },
    h('h1', { id: 'page-title', class: 'page-title-small', text: title }),
    postCard(post, ctx, {
      open: true,
      onDeleted: () => ctx.navigate('/', { replace: true }),
    }),
  );
  return { title, node };
}

function missing() {
  const node = h('section', { class: 'card narrow message' },
    h('h1', { id: 'page-title', text: 'Post not found' }),
    h('p', { id: 'post-missing', text: 'There is no post at this address, or it is not shared with you. It may have been deleted.' }),
    h('p', {}, h('a', { class: 'button', href: '/', text: 'Go to the home page' })),
  );
  return { title: 'Post not found', node };
}
