// Sign-in with email and password, and the captcha once the app asks for
// it: after several failed sign-ins for an account, the app answers 400
// naming the field "captcha" until a sign-in comes with a solved one.

import { h, field, formError } from '../dom.js';
import { postJSON, showError, clearErrors, busy, localPath, APIError } from '../common.js';
import { captchaBox } from '../captcha.js';

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
  const actions = h('p', { class: 'form-actions' }, submit);
  const form = h('form', { id: 'signin-form', class: 'form', 'aria-labelledby': 'page-title' },
    formError('signin-form'),
    email.wrap, password.wrap,
    actions,
  );
  // The captcha joins the form the first time the app asks for it, and
  // stays for the rest of the visit to this page.
  let captcha = null;

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    busy(submit, true, 'Signing in…');
    const body = { email: email.control.value.trim(), password: password.control.value };
    if (captcha) body.captcha = captcha.control.value.trim();
    try {
      const res = await postJSON('/api/v1/login', body);
      ctx.setUser(res.user);
      ctx.notify(`Signed in as ${res.user.display_name}.`);
      ctx.navigate(next);
    } catch (err) {
      busy(submit, false);
      const askedForCaptcha = err instanceof APIError && err.status === 400 && err.field === 'captcha';
      if (askedForCaptcha && !captcha) {
        captcha = captchaBox('signin');
        form.insertBefore(captcha.node, actions);
      }
      if (err instanceof APIError && err.status === 401) {
        // The server names no field on purpose (it does not say whether
        // the address exists); the password is what to retype.
        password.control.value = '';
      }
      showError(form, err);
      if (err instanceof APIError && err.status === 401) password.control.focus();
      // A captcha is good for one try: any answer the server checked,
      // right or wrong, used it up, so show new digits.
      if (captcha && err instanceof APIError && err.status !== 0) await captcha.load();
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
