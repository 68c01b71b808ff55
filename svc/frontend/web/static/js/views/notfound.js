// The pages shown when a path names no page, or a page could not load.

import { h } from '../dom.js';

export function render() {
  const node = h('section', { class: 'card narrow message' },
    h('h1', { id: 'page-title', text: 'Page not found' }),
    h('p', { text: 'There is no page at this address. It may have moved, or the link may be mistyped.' }),
    h('p', {}, h('a', { class: 'button', href: '/', text: 'Go to the home page' })),
  );
  return { title: 'Page not found', node };
}

/** renderError is the page for a failure loading a page's data. */
export function renderError(err) {
  const node = h('section', { class: 'card narrow message' },
    h('h1', { id: 'page-title', text: 'This page could not be loaded' }),
    h('p', { id: 'page-error', text: err && err.message ? err.message : 'Something went wrong.' }),
    h('p', {}, h('a', { class: 'button', href: location.pathname, text: 'Try again' })),
  );
  return { title: 'Error', node };
}
