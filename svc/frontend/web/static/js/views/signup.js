// Sign-up: email, password, display name and the captcha picture.

import { h, field, formError } from '../dom.js';
import { getJSON, postJSON, showError, clearErrors, busy, APIError } from '../common.js';

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
  const captcha = field({
    id: 'signup-captcha', name: 'captcha', label: 'Digits in the picture',
    hint: 'Type the digits you see, to show you are a person.',
    autocomplete: 'off', inputmode: 'numeric', pattern: '[0-9]*', required: true, maxlength: 12,
    spellcheck: 'false',
  });
  const img = h('img', {
    id: 'signup-captcha-img', class: 'captcha-img', width: 160, height: 80,
    alt: 'Picture of digits to type into the field below',
  });
  const reload = h('button', { id: 'signup-captcha-reload', class: 'link-button', type: 'button', text: 'New picture' });
  const submit = h('button', { id: 'signup-submit', class: 'button', type: 'submit', text: 'Create account' });

  const form = h('form', { id: 'signup-form', class: 'form', 'aria-labelledby': 'page-title' },
    formError('signup-form'),
    email.wrap, password.wrap, name.wrap,
    h('div', { class: 'captcha' },
      h('div', { class: 'captcha-picture' }, img, reload),
      captcha.wrap,
    ),
    h('p', { class: 'form-actions' }, submit),
  );

  // loadCaptcha asks for a new captcha (replacing this session's previous
  // one) and shows its picture.
  let loading = false;
  async function loadCaptcha() {
    if (loading) return;
    loading = true;
    reload.disabled = true;
    captcha.control.value = '';
    try {
      const { captcha_id: id } = await getJSON('/captcha/getnew');
      img.src = `/captcha/${encodeURIComponent(id)}.png`;
    } catch (err) {
      showError(form, new APIError(err.status || 0,
        `The picture could not be loaded: ${err.message} Use “New picture” to try again.`, 'captcha'));
    } finally {
      loading = false;
      reload.disabled = false;
    }
  }
  reload.addEventListener('click', () => {
    loadCaptcha();
    captcha.control.focus();
  });

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
        await loadCaptcha();
        if (err.field === 'captcha') captcha.control.focus();
      }
    }
  });

  loadCaptcha();

  const node = h('section', { class: 'card narrow' },
    h('h1', { id: 'page-title', text: 'Create your account' }),
    form,
    h('p', { class: 'alt' }, 'Already have an account? ', h('a', { href: '/signin', text: 'Sign in' })),
  );
  return { title: 'Create account', node };
}
