// Editing one's own profile, and changing one's password.

import { h, field, formError } from '../dom.js';
import { getJSON, putJSON, postJSON, showError, clearErrors, busy } from '../common.js';

export async function render(ctx) {
  if (!ctx.user) {
    ctx.navigate('/signin?next=/profile/edit', { replace: true });
    return null;
  }
  // Start from the stored profile, not from what this tab last saw.
  const { user } = await getJSON('/api/v1/me');
  if (ctx.stale()) return null;
  ctx.setUser(user);

  const node = h('div', { class: 'stack narrow' },
    h('section', { class: 'card', 'aria-labelledby': 'page-title' },
      h('h1', { id: 'page-title', text: 'Edit your profile' }),
      profileForm(ctx, user),
    ),
    h('section', { class: 'card', 'aria-labelledby': 'password-title' },
      h('h2', { id: 'password-title', text: 'Change your password' }),
      passwordForm(user),
    ),
  );
  return { title: 'Edit profile', node };
}

function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function profileForm(ctx, user) {
  const name = field({
    id: 'edit-display-name', name: 'display_name', label: 'Name', value: user.display_name,
    autocomplete: 'name', required: true, maxlength: 80,
  });
  const headline = field({
    id: 'edit-headline', name: 'headline', label: 'Headline', value: user.headline,
    hint: 'One line about you, shown under your name.', autocomplete: 'off', maxlength: 120,
  });
  const about = field({
    id: 'edit-about', name: 'about', label: 'About you', control: 'textarea', value: user.about,
    rows: 6, maxlength: 5000,
  });
  const city = field({
    id: 'edit-city', name: 'city', label: 'City', value: user.city,
    autocomplete: 'address-level2', maxlength: 100,
  });
  const birthday = field({
    id: 'edit-birthday', name: 'birthday', label: 'Birthday', type: 'date', value: user.birthday,
    autocomplete: 'bday', min: '1900-01-01', max: today(),
  });
  const visibility = field({
    id: 'edit-birthday-visibility', name: 'birthday_visibility', label: 'Who can see your birthday',
    control: 'select', value: user.birthday_visibility || 'private',
    options: [['public', 'Everyone'], ['friends', 'Your friends'], ['private', 'Only you']],
  });
  const save = h('button', { id: 'edit-save', class: 'button', type: 'submit', text: 'Save profile' });
  const form = h('form', { id: 'edit-form', class: 'form', 'aria-labelledby': 'page-title' },
    formError('edit-form'),
    name.wrap, headline.wrap, about.wrap, city.wrap,
    h('div', { class: 'field-row' }, birthday.wrap, visibility.wrap),
    h('p', { class: 'form-actions' },
      save,
      h('a', { id: 'edit-cancel', class: 'button button-secondary', href: '/profile', text: 'Cancel' }),
    ),
  );

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    busy(save, true, 'Saving…');
    try {
      // The API takes the whole profile: send every field as the form has it.
      const res = await putJSON('/api/v1/me/profile', {
        display_name: name.control.value,
        headline: headline.control.value,
        about: about.control.value,
        city: city.control.value,
        birthday: birthday.control.value,
        birthday_visibility: visibility.control.value,
      });
      ctx.setUser(res.user);
      ctx.notify('Your profile is saved.');
      ctx.navigate('/profile');
    } catch (err) {
      busy(save, false);
      showError(form, err);
    }
  });
  return form;
}

function passwordForm(user) {
  const current = field({
    id: 'password-current', name: 'current_password', label: 'Current password', type: 'password',
    autocomplete: 'current-password', required: true, maxlength: 1024,
  });
  const fresh = field({
    id: 'password-new', name: 'new_password', label: 'New password', type: 'password',
    hint: 'At least 8 characters. Your other devices will be signed out.',
    autocomplete: 'new-password', required: true, minlength: 8, maxlength: 1024,
  });
  const done = h('p', { id: 'password-done', class: 'success', role: 'status' });
  const submit = h('button', { id: 'password-submit', class: 'button', type: 'submit', text: 'Change password' });
  const form = h('form', { id: 'password-form', class: 'form', 'aria-labelledby': 'password-title' },
    formError('password-form'),
    // Lets password managers file the new password under the right account.
    h('input', { type: 'email', name: 'username', autocomplete: 'username', value: user.email, hidden: true, readonly: true, tabindex: '-1' }),
    current.wrap, fresh.wrap,
    h('p', { class: 'form-actions' }, submit),
    done,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    done.textContent = '';
    busy(submit, true, 'Changing…');
    try {
      await postJSON('/api/v1/me/password', {
        current_password: current.control.value,
        new_password: fresh.control.value,
      });
      form.reset();
      done.textContent = 'Your password is changed. Other devices signed in to your account were signed out.';
    } catch (err) {
      showError(form, err);
    } finally {
      busy(submit, false);
    }
  });
  return form;
}
