// Sign-up: email, password, display name and the captcha.

import { h, field, formError } from '../dom.js';
import { postJSON, showError, clearErrors, busy, APIError } from '../common.js';
import { captchaBox } from '../captcha.js';

export function render(ctx) {
  if (ctx.user) {
    ctx.navigate('/', { replace: true });
    return null;
  }
  const email = field({
    id: 'signup-email', name: 'email', label: 'Email', type: 'email',
    autocomplete: 'email', required: true, maxlength: 254, spellcheck: 'false',
  });
  const password = field({
    id: 'signup-password', name: 'password', label: 'Password', type: 'password',
    hint: 'At least 8 characters. A few unrelated words make a strong one.',
    autocomplete: 'new-password', required: true, minlength: 8, maxlength: 1024,
  });
  const name = field({
    id: 'signup-display-name', name: 'display_name', label: 'Your name',
    hint: 'How people will see you on Kin. You can change it later.',
    autocomplete: 'name', required: true, maxlength: 80,
  });
  const captcha = captchaBox('signup');
  const submit = h('button', { id: 'signup-submit', class: 'button', type: 'submit', text: 'Create account' });

  const form = h('form', { id: 'signup-form', class: 'form', 'aria-labelledby': 'page-title' },
    formError('signup-form'),
    email.wrap, password.wrap, name.wrap,
    captcha.node,
    h('p', { class: 'form-actions' }, submit),
  );

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    busy(submit, true, 'Creating account…');
    try {
      const res = await postJSON('/api/v1/register', {
        email: email.control.value.trim(),
        password: password.control.value,
        display_name: name.control.value,
        captcha: captcha.control.value.trim(),
      });
      ctx.setUser(res.user);
      ctx.notify(`Welcome to Kin, ${res.user.display_name}.`);
      ctx.navigate('/');
    } catch (err) {
      busy(submit, false);
      showError(form, err);
      // A captcha is good for one try: any answer to it, right or wrong,
      // uses it up, so a failed registration needs a new picture.
      if (err instanceof APIError && err.status !== 0) {
        await captcha.load();
        if (err.field === 'captcha') captcha.control.focus();
      }
    }
  });

  captcha.load();

  const node = h('section', { class: 'card narrow' },
    h('h1', { id: 'page-title', text: 'Create your account' }),
    form,
    h('p', { class: 'alt' }, 'Already have an account? ', h('a', { href: '/signin', text: 'Sign in' })),
  );
  return { title: 'Create account', node };
}
