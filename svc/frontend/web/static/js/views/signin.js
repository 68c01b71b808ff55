// Sign-in with email and password.

import { h, field, formError } from '../dom.js';
import { postJSON, showError, clearErrors, busy, localPath, APIError } from '../common.js';

export function render(ctx) {
  const next = localPath(ctx.query.get('next'));
  if (ctx.user) {
    ctx.navigate(next, { replace: true });
    return null;
  }
  const email = field({
    id: 'signin-email', name: 'email', label: 'Email', type: 'email',
    autocomplete: 'username', required: true, maxlength: 254, spellcheck: 'false',
  });
  const password = field({
    id: 'signin-password', name: 'password', label: 'Password', type: 'password',
    autocomplete: 'current-password', required: true, maxlength: 1024,
  });
  const submit = h('button', { id: 'signin-submit', class: 'button', type: 'submit', text: 'Sign in' });
  const form = h('form', { id: 'signin-form', class: 'form', 'aria-labelledby': 'page-title' },
    formError('signin-form'),
    email.wrap, password.wrap,
    h('p', { class: 'form-actions' }, submit),
  );

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    busy(submit, true, 'Signing in…');
    try {
      const res = await postJSON('/api/v1/login', {
        email: email.control.value.trim(),
        password: password.control.value,
      });
      ctx.setUser(res.user);
      ctx.notify(`Signed in as ${res.user.display_name}.`);
      ctx.navigate(next);
    } catch (err) {
      busy(submit, false);
      if (err instanceof APIError && err.status === 401) {
        // The server names no field on purpose (it does not say whether
        // the address exists); the password is what to retype.
        password.control.value = '';
        showError(form, err);
        password.control.focus();
      } else {
        showError(form, err);
      }
    }
  });

  const node = h('section', { class: 'card narrow' },
    h('h1', { id: 'page-title', text: 'Sign in to Kin' }),
    ctx.query.has('next') ? h('p', { id: 'signin-next', class: 'notice', text: 'Sign in to continue to that page.' }) : null,
    form,
    h('p', { class: 'alt' }, 'New here? ', h('a', { href: '/signup', text: 'Create an account' })),
  );
  return { title: 'Sign in', node };
}
